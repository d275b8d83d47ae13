// Package locale owns licensebot's words: the message catalogue, one file per language
// (en.toml, tr.toml, embedded), keyed by message id, with named placeholders and CLDR plural
// forms; and how values are written in each language: numbers, dates, durations and lists.
// Code picks an id and gives the placeholders' values; it never holds a sentence.
//
// go-i18n reads the files and chooses plural forms; golang.org/x/text gives the language
// tags and the digit grouping. handlers, bot and the chat platforms say every word through
// Lang.T, each package's messages in a section of its own (docs/ARCHITECTURE.md, "One
// message catalogue"); internal/translations checks, from each package's source, that
// every id it uses is in every file with the placeholders it gives.
package locale

import (
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/nicksnyder/go-i18n/v2/i18n/template"
	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

//go:embed *.toml
var files embed.FS

// Files are the catalogue's files, one per language, named by language tag ("en.toml"),
// for the checks that read them as translators write them.
func Files() fs.FS { return files }

// defaultLanguage is the language every other falls back to, and the zero Lang's.
var defaultLanguage = language.English

// Lang is one language of the catalogue. The zero Lang is English.
type Lang struct {
	// code is the language's base tag ("tr"); empty for English, so that the zero Lang is
	// English and equal to For("en").
	code string
}

// For is the catalogue's language for a language tag or a chat locale ("tr", "tr-TR",
// Slack's "tr_TR", "en-US"), English when the catalogue has no file for it.
func For(tag string) Lang {
	l, _ := Parse(tag)
	return l
}

// Parse reads a language tag or a chat locale as one of the catalogue's languages; ok is
// false when the catalogue has no file for it.
func Parse(tag string) (l Lang, ok bool) {
	t, err := language.Parse(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"))
	if err != nil {
		return Lang{}, false
	}
	base, _ := t.Base()
	if _, ok := load().langs[base.String()]; !ok {
		return Lang{}, false
	}
	if base.String() == defaultLanguage.String() {
		return Lang{}, true
	}
	return Lang{code: base.String()}, true
}

// Languages are the catalogue's languages, English first.
func Languages() []Lang {
	out := []Lang{{}}
	for _, code := range slices.Sorted(maps.Keys(load().langs)) {
		if code != "" && code != defaultLanguage.String() {
			out = append(out, Lang{code: code})
		}
	}
	return out
}

// String is the language's tag: "en", "tr".
func (l Lang) String() string { return l.speaker().tag.String() }

// Has reports whether the catalogue has a message with this id: an id kept in stored data
// by an earlier version may be gone.
func Has(id string) bool {
	_, ok := load().ids[id]
	return ok
}

// T is the message id in l, its placeholders filled from args, given in pairs of a name
// and a value: T("plan.confirm", "Licenses", licenses, "Users", users). Values are written
// as they are (fmt's %v), so they come already said in l (a date, a list, "3 licenses").
// A message with plural forms is chosen by its Count, an integer, which is written with
// l's digit grouping ("1,000", "1.000").
//
// A message missing in l is said in English; a message missing altogether, or a
// placeholder without a value, is a bug the checks catch (internal/translations): T then
// returns what it could, never panics.
func (l Lang) T(id string, args ...any) string {
	sp := l.speaker()
	data := make(map[string]any, len(args)/2)
	var count any
	for i := 0; i+1 < len(args); i += 2 {
		name, ok := args[i].(string)
		if !ok {
			continue
		}
		v := args[i+1]
		if name == "Count" {
			if n, ok := integer(v); ok {
				count = n
				v = sp.number(n)
			}
		}
		data[name] = v
	}
	out, err := sp.localizer.Localize(&i18n.LocalizeConfig{
		MessageID:      id,
		TemplateData:   data,
		PluralCount:    count,
		TemplateParser: strict,
	})
	if err != nil && out == "" {
		return id
	}
	return out
}

// strict refuses a placeholder without a value instead of writing "<no value>" in a
// sentence; go-i18n then falls back as T says.
var strict = &template.TextParser{Option: "missingkey=error"}

// Number is n with l's digit grouping: "1,000" in English, "1.000" in Turkish.
func (l Lang) Number(n int) string { return l.speaker().number(n) }

// Money is an amount in a currency's minor unit (cents) written the way l writes money:
// "€1,234.50" in English, "€1.234,50" in Turkish (golang.org/x/text's CLDR data). A code
// x/text doesn't know is written after the number.
func (l Lang) Money(minor int64, code string) string {
	sp := l.speaker()
	unit, err := currency.ParseISO(code)
	if err != nil {
		return sp.printer.Sprintf("%.2f %s", float64(minor)/100, code)
	}
	return sp.printer.Sprint(currency.Symbol(unit.Amount(float64(minor) / 100)))
}

func integer(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case int32:
		return int(n), true
	}
	return 0, false
}

// speaker is a language as loaded: its messages and its number printer.
type speaker struct {
	tag       language.Tag
	localizer *i18n.Localizer
	printer   *message.Printer
}

func (sp *speaker) number(n int) string { return sp.printer.Sprint(number.Decimal(n)) }

func (l Lang) speaker() *speaker {
	c := load()
	if sp, ok := c.langs[l.code]; ok {
		return sp
	}
	return c.langs[defaultLanguage.String()]
}

// catalogue is the files as loaded, once: their messages by language, and every id.
type catalogue struct {
	langs map[string]*speaker // by base tag ("en", "tr"), and "" for English too
	ids   map[string]bool
}

// load reads the embedded files the first time it is called. They are part of the binary,
// and the package's tests read them: a file that doesn't parse is a build that can't ship,
// so it panics with the file's error.
var load = sync.OnceValue(func() *catalogue {
	c, err := read(files)
	if err != nil {
		panic(fmt.Sprintf("locale: the embedded message catalogue: %v", err))
	}
	return c
})

func read(fsys fs.FS) (*catalogue, error) {
	bundle := i18n.NewBundle(defaultLanguage)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	names, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		return nil, err
	}
	c := &catalogue{langs: map[string]*speaker{}, ids: map[string]bool{}}
	for _, name := range names {
		f, err := bundle.LoadMessageFileFS(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		base, conf := f.Tag.Base()
		if conf == language.No || f.Tag != language.Make(base.String()) {
			return nil, fmt.Errorf("%s: name the file after a language alone (%s)", name, f.Tag)
		}
		for _, m := range f.Messages {
			c.ids[m.ID] = true
		}
		c.langs[base.String()] = &speaker{
			tag:       f.Tag,
			localizer: i18n.NewLocalizer(bundle, f.Tag.String()),
			printer:   message.NewPrinter(f.Tag),
		}
	}
	en, ok := c.langs[defaultLanguage.String()]
	if !ok {
		return nil, fmt.Errorf("no %s.toml", defaultLanguage)
	}
	c.langs[""] = en
	return c, nil
}
