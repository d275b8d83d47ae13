package translations

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// A message catalogue (the package locale) is checked in two halves:
//
//   - CheckMessages, in each package that speaks through it: every message id the package's
//     code uses is in every language's file, and a call that names its placeholders names
//     exactly the message's;
//   - CheckCatalogue, in the catalogue's own package: the files agree with each other (the
//     same ids, the same placeholders, the plural forms each language needs) and every id is
//     still used by some code of the module.

// Catalogue is a message catalogue's files as a translator writes them: each language's
// messages by id.
type Catalogue map[string]map[string]Message

// Message is one message in one language: its text for each CLDR plural form it has ("one",
// "other"); a message without plural forms has "other" alone.
type Message map[string]string

// ReadCatalogue reads the files (*.toml, *.json, each named after its language) as go-i18n
// reads them.
func ReadCatalogue(fsys fs.FS) (Catalogue, error) {
	names, err := fs.Glob(fsys, "*.*")
	if err != nil {
		return nil, err
	}
	c := Catalogue{}
	for _, name := range names {
		buf, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		f, err := i18n.ParseMessageFileBytes(buf, name, map[string]i18n.UnmarshalFunc{"toml": toml.Unmarshal})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		lang := f.Tag.String()
		if c[lang] != nil {
			return nil, fmt.Errorf("%s: a second file for %s", name, lang)
		}
		c[lang] = map[string]Message{}
		for _, m := range f.Messages {
			msg := Message{}
			for form, text := range map[string]string{"zero": m.Zero, "one": m.One, "two": m.Two, "few": m.Few, "many": m.Many, "other": m.Other} {
				if text != "" {
					msg[form] = text
				}
			}
			c[lang][m.ID] = msg
		}
	}
	if len(c) == 0 {
		return nil, fmt.Errorf("no message files")
	}
	return c, nil
}

// Placeholders are the names of the message's placeholders, in every form, sorted.
func (m Message) Placeholders() []string {
	seen := map[string]bool{}
	for _, text := range m {
		for _, p := range placeholderName.FindAllStringSubmatch(text, -1) {
			seen[p[1]] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// Plural reports whether the message has plural forms (any but "other").
func (m Message) Plural() bool {
	_, other := m["other"]
	return len(m) > 1 || (len(m) == 1 && !other)
}

var (
	placeholderName = regexp.MustCompile(`\{\{\s*\.([A-Za-z][A-Za-z0-9_]*)\s*\}\}`)
	action          = regexp.MustCompile(`\{\{.*?\}\}`)
)

// CheckCatalogue fails t unless every language's file has the same ids, each with the same
// placeholders (written {{.Name}}, nothing else of Go's templates) and, for a message with
// plural forms, exactly the CLDR forms its language has for whole numbers, chosen by its
// Count; and unless every id is used: written as a string literal in a non-test Go file of
// the module at root (an id no code names is stale).
func CheckCatalogue(t testing.TB, fsys fs.FS, root string) {
	t.Helper()
	c, err := ReadCatalogue(fsys)
	if err != nil {
		t.Fatal(err)
	}
	langs := slices.Sorted(maps.Keys(c))
	ids := map[string]bool{}
	for _, lang := range langs {
		for id := range c[lang] {
			ids[id] = true
		}
	}
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		var first []string
		var firstLang string
		plural := false // in any language: then in every one
		for _, lang := range langs {
			plural = plural || c[lang][id].Plural()
		}
		for _, lang := range langs {
			m, ok := c[lang][id]
			if !ok {
				t.Errorf("%s: no %s", lang, id)
				continue
			}
			for form, text := range m {
				if bad := strings.Join(templateProblems(text), ", "); bad != "" {
					t.Errorf("%s: %s (%s): %s: only placeholders, written {{.Name}}", lang, id, form, bad)
				}
			}
			ps := m.Placeholders()
			if firstLang == "" {
				first, firstLang = ps, lang
			} else if !slices.Equal(ps, first) {
				t.Errorf("%s: placeholders %v in %s, %v in %s", id, first, firstLang, ps, lang)
			}
			if plural {
				want := pluralForms(lang)
				if got := slices.Sorted(maps.Keys(m)); !slices.Equal(got, want) {
					t.Errorf("%s: %s has the plural forms %v; %s's are %v", lang, id, got, lang, want)
				}
				if !slices.Contains(ps, "Count") {
					t.Errorf("%s: %s has plural forms but no {{.Count}} to choose them", lang, id)
				}
			}
		}
	}
	used, err := literals(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		if !used[id] {
			t.Errorf("%s is in the catalogue but no code uses it: remove it from every file", id)
		}
	}
}

// templateProblems are the template actions in text that are not a plain placeholder.
func templateProblems(text string) []string {
	var bad []string
	for _, a := range action.FindAllString(text, -1) {
		if !placeholderName.MatchString(a) || placeholderName.FindString(a) != a {
			bad = append(bad, a)
		}
	}
	if n := strings.Count(text, "{{"); n != len(action.FindAllString(text, -1)) {
		bad = append(bad, "an unclosed {{")
	}
	return bad
}

// pluralForms are the CLDR plural forms the language uses for whole numbers, as go-i18n
// names them.
func pluralForms(lang string) []string {
	tag := language.Make(lang)
	names := map[plural.Form]string{plural.Other: "other", plural.Zero: "zero", plural.One: "one", plural.Two: "two", plural.Few: "few", plural.Many: "many"}
	seen := map[string]bool{}
	for n := range 1001 { // and the round thousands to a million: some rules look at them
		for _, v := range []int{n, n * 1000} {
			seen[names[plural.Cardinal.MatchPlural(tag, v, 0, 0, 0, 0)]] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// literals are the string literals of every non-test Go file under root (testdata, vendor
// and hidden directories left out).
func literals(root string) (map[string]bool, error) {
	out := map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		file, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if b, ok := n.(*ast.BasicLit); ok && b.Kind == token.STRING {
				if s, err := strconv.Unquote(b.Value); err == nil {
					out[s] = true
				}
			}
			return true
		})
		return nil
	})
	return out, err
}

// CheckMessages fails t unless every message id the package's code uses is in every
// language's file of the catalogue, and every call that names its placeholders names
// exactly the message's. Source.Calls gives, for each function, the index of its message id
// (its one index); the arguments after the id are the placeholders' names and values, in
// pairs: T("plan.confirm", "Licenses", l, "Users", u). A call whose id or names are not
// literals is checked where its literals are written (Source.Variables, Keys, Also).
func CheckMessages(t testing.TB, s Source, fsys fs.FS) {
	t.Helper()
	c, err := ReadCatalogue(fsys)
	if err != nil {
		t.Fatal(err)
	}
	uses, problems, err := s.messageUses()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	ids := map[string]bool{}
	for _, u := range uses {
		ids[u.id] = true
	}
	if len(ids) < s.Min {
		t.Fatalf("found only %d message ids, expected at least %d: the source scan is broken", len(ids), s.Min)
	}
	langs := slices.Sorted(maps.Keys(c))
	for _, u := range uses {
		for _, lang := range langs {
			m, ok := c[lang][u.id]
			if !ok {
				t.Errorf("%s: %s is in no %s file", u.where, u.id, lang)
				continue
			}
			if want := m.Placeholders(); u.names != nil && !slices.Equal(u.names, want) {
				t.Errorf("%s: %s given %v; its placeholders in %s are %v", u.where, u.id, u.names, lang, want)
			}
		}
	}
}

// messageUse is one id the code uses; names are the placeholders a call gives, sorted, or
// nil when they can't be read (the id is said elsewhere, or the arguments are passed on).
type messageUse struct {
	id, where string
	names     []string
}

func (s Source) messageUses() (uses []messageUse, problems []string, err error) {
	files, err := filepath.Glob(filepath.Join(s.Dir, "*.go"))
	if err != nil {
		return nil, nil, err
	}
	for _, id := range s.Also {
		uses = append(uses, messageUse{id: id, where: "a variable"})
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || slices.Contains(s.Skip, filepath.Base(f)) {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, nil, err
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				var name string
				switch fn := n.Fun.(type) {
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				case *ast.Ident:
					name = fn.Name
				}
				at, ok := s.Calls[name]
				if !ok || len(at) == 0 || at[0] >= len(n.Args) {
					return true
				}
				i := at[0]
				where := fset.Position(n.Args[i].Pos()).String()
				id, ok := literal(n.Args[i])
				if !ok {
					if !s.Variables {
						problems = append(problems, where+": the message id of "+name+" is not a string literal, so it can't be checked")
					}
					return true
				}
				u := messageUse{id: id, where: where}
				if names, ok := pairNames(n, i+1); ok {
					u.names = names
				} else if !s.Variables {
					problems = append(problems, where+": the placeholders of "+id+" are not given as literal names and values")
				}
				uses = append(uses, u)
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && slices.Contains(s.Keys, k.Name) {
					if id, ok := literal(n.Value); ok {
						uses = append(uses, messageUse{id: id, where: fset.Position(n.Value.Pos()).String()})
					}
				}
			}
			return true
		})
	}
	return uses, problems, nil
}

// pairNames are the names of the pairs from the call's argument from on, sorted; ok is
// false when they can't be read: arguments passed on (args...), or a name not a literal.
func pairNames(call *ast.CallExpr, from int) (names []string, ok bool) {
	if call.Ellipsis.IsValid() {
		return nil, false
	}
	args := call.Args[from:]
	if len(args)%2 != 0 {
		return nil, false
	}
	names = []string{}
	for i := 0; i < len(args); i += 2 {
		name, ok := literal(args[i])
		if !ok {
			return nil, false
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return names, true
}
