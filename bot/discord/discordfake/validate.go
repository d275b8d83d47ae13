package discordfake

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// Discord's limits, as its docs state them
// (https://discord.com/developers/docs/resources/message#embed-object-embed-limits,
// https://discord.com/developers/docs/components/reference): a message past any of them is
// refused whole with 50035 Invalid Form Body.
const (
	maxContent     = 2000
	maxEmbeds      = 10
	maxTitle       = 256
	maxDescription = 4096
	maxFields      = 25
	maxFieldName   = 256
	maxFieldValue  = 1024
	maxFooter      = 2048
	maxAuthor      = 256
	maxEmbedsTotal = 6000
	maxRows        = 5
	maxRowButtons  = 5
	maxLabel       = 80
	maxCustomID    = 100
)

type embed struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Fields      []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"fields"`
	Footer *struct {
		Text string `json:"text"`
	} `json:"footer"`
	Author *struct {
		Name string `json:"name"`
	} `json:"author"`
}

type component struct {
	Type       int         `json:"type"`
	Style      int         `json:"style"`
	Label      string      `json:"label"`
	CustomID   string      `json:"custom_id"`
	URL        string      `json:"url"`
	Components []component `json:"components"`
}

// ValidateMessage checks a message body (create or edit) against Discord's limits.
func ValidateMessage(raw []byte) error { return validateMessage(raw, true) }

func validateMessage(raw []byte, create bool) error {
	var m struct {
		Content    *string     `json:"content"`
		Embeds     []embed     `json:"embeds"`
		Components []component `json:"components"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("not a message: %w", err)
	}
	var errs []error
	content := ""
	if m.Content != nil {
		content = *m.Content
	}
	if n := utf8.RuneCountInString(content); n > maxContent {
		errs = append(errs, fmt.Errorf("content: %d characters, at most %d", n, maxContent))
	}
	if create && content == "" && len(m.Embeds) == 0 && len(m.Components) == 0 {
		errs = append(errs, errors.New("Cannot send an empty message (50006)"))
	}
	if len(m.Embeds) > maxEmbeds {
		errs = append(errs, fmt.Errorf("embeds: %d, at most %d", len(m.Embeds), maxEmbeds))
	}
	total := 0
	for i, e := range m.Embeds {
		check := func(what, s string, max int) {
			n := utf8.RuneCountInString(s)
			total += n
			if n > max {
				errs = append(errs, fmt.Errorf("embeds[%d].%s: %d characters, at most %d", i, what, n, max))
			}
		}
		check("title", e.Title, maxTitle)
		check("description", e.Description, maxDescription)
		if len(e.Fields) > maxFields {
			errs = append(errs, fmt.Errorf("embeds[%d].fields: %d, at most %d", i, len(e.Fields), maxFields))
		}
		for j, f := range e.Fields {
			if f.Name == "" || f.Value == "" {
				errs = append(errs, fmt.Errorf("embeds[%d].fields[%d]: name and value are required", i, j))
			}
			check(fmt.Sprintf("fields[%d].name", j), f.Name, maxFieldName)
			check(fmt.Sprintf("fields[%d].value", j), f.Value, maxFieldValue)
		}
		if e.Footer != nil {
			check("footer.text", e.Footer.Text, maxFooter)
		}
		if e.Author != nil {
			check("author.name", e.Author.Name, maxAuthor)
		}
	}
	if total > maxEmbedsTotal {
		errs = append(errs, fmt.Errorf("embeds: %d characters in all, at most %d", total, maxEmbedsTotal))
	}
	errs = append(errs, validateComponents(m.Components)...)
	return errors.Join(errs...)
}

// editFields are the fields each edit body may have, by route, as Discord's OpenAPI
// (discord/discord-api-spec@74fda0fa specs/openapi.json, API v10) lists them: Edit Message
// takes a MessageEditRequestPartial, Edit Original Interaction Response (and Edit Followup
// Message, which the fake doesn't serve) an IncomingWebhookUpdateRequestPartial. Anything
// else is not part of the body; the fake refuses it, so that a client that sends what
// Discord doesn't document (discordgo's MessageEdit puts "ID" and "Channel" in it) fails.
var editFields = map[string][]string{
	RouteEditMessage:  {"allowed_mentions", "attachments", "components", "content", "embeds", "flags", "sticker_ids"},
	RouteEditOriginal: {"allowed_mentions", "attachments", "components", "content", "embeds", "flags", "poll"},
}

// ValidateEdit checks an edit body for route (RouteEditMessage or RouteEditOriginal): the
// fields Discord documents for it only, and Discord's limits.
func ValidateEdit(route string, raw []byte) error {
	fields, ok := editFields[route]
	if !ok {
		return fmt.Errorf("%s is not an edit route of the fake", route)
	}
	return errors.Join(validateMessage(raw, false), validateFields(raw, fields))
}

// validateFields refuses the top-level fields of a JSON object that aren't in fields. The
// names are compared exactly, as Discord reads them: encoding/json, which matches names
// without regard to case, would take "Content" for "content".
func validateFields(raw []byte, fields []string) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(fields, k) {
			errs = append(errs, fmt.Errorf("%s: not a field of this request's body (it takes %s)", k, strings.Join(fields, ", ")))
		}
	}
	return errors.Join(errs...)
}

func validateComponents(rows []component) []error {
	var errs []error
	if len(rows) > maxRows {
		errs = append(errs, fmt.Errorf("components: %d action rows, at most %d", len(rows), maxRows))
	}
	seen := map[string]bool{}
	for i, row := range rows {
		if row.Type != 1 {
			errs = append(errs, fmt.Errorf("components[%d]: type %d at the top level, want an action row (1)", i, row.Type))
			continue
		}
		if len(row.Components) == 0 || len(row.Components) > maxRowButtons {
			errs = append(errs, fmt.Errorf("components[%d]: %d buttons, 1 to %d", i, len(row.Components), maxRowButtons))
		}
		for j, b := range row.Components {
			where := fmt.Sprintf("components[%d].components[%d]", i, j)
			if b.Type != 2 {
				errs = append(errs, fmt.Errorf("%s: type %d, want a button (2)", where, b.Type))
				continue
			}
			if b.Style < 1 || b.Style > 5 {
				errs = append(errs, fmt.Errorf("%s: style %d", where, b.Style))
			}
			if n := utf8.RuneCountInString(b.Label); n > maxLabel {
				errs = append(errs, fmt.Errorf("%s.label: %d characters, at most %d", where, n, maxLabel))
			}
			if b.Style == 5 {
				if b.URL == "" || b.CustomID != "" {
					errs = append(errs, fmt.Errorf("%s: a link button has a url and no custom_id", where))
				}
				continue
			}
			if n := utf8.RuneCountInString(b.CustomID); n < 1 || n > maxCustomID {
				errs = append(errs, fmt.Errorf("%s.custom_id: %d characters, 1 to %d", where, n, maxCustomID))
			}
			if seen[b.CustomID] {
				errs = append(errs, fmt.Errorf("%s.custom_id: %q is not unique in the message", where, b.CustomID))
			}
			seen[b.CustomID] = true
		}
	}
	return errs
}

// validateCommands checks what Discord checks of commands that licensebot could get wrong
// (https://discord.com/developers/docs/interactions/application-commands#application-command-object):
// names 1-32 lower-case, descriptions 1-100 (their localizations too, under locales
// Discord has: https://discord.com/developers/docs/reference#locales), at most 25 options,
// required options first.
func validateCommands(cmds []map[string]any) error {
	var errs []error
	var walk func(where string, opts []any)
	checkNamed := func(where string, m map[string]any) {
		name, _ := m["name"].(string)
		desc, _ := m["description"].(string)
		if !validName(name) {
			errs = append(errs, fmt.Errorf("%s.name %q: 1-32 lower-case letters, digits, - or _", where, name))
		}
		if n := utf8.RuneCountInString(desc); n < 1 || n > 100 {
			errs = append(errs, fmt.Errorf("%s.description: %d characters, 1 to 100", where, n))
		}
		loc, _ := m["description_localizations"].(map[string]any)
		for locale, v := range loc {
			d, _ := v.(string)
			if !slices.Contains(locales, locale) {
				errs = append(errs, fmt.Errorf("%s.description_localizations: %q is not a Discord locale", where, locale))
			}
			if n := utf8.RuneCountInString(d); n < 1 || n > 100 {
				errs = append(errs, fmt.Errorf("%s.description_localizations.%s: %d characters, 1 to 100", where, locale, n))
			}
		}
	}
	walk = func(where string, opts []any) {
		if len(opts) > 25 {
			errs = append(errs, fmt.Errorf("%s: %d options, at most 25", where, len(opts)))
		}
		optional := false
		for i, o := range opts {
			m, _ := o.(map[string]any)
			w := fmt.Sprintf("%s[%d]", where, i)
			checkNamed(w, m)
			if req, _ := m["required"].(bool); req && optional {
				errs = append(errs, fmt.Errorf("%s: required options must come before optional ones", w))
			} else if !req {
				optional = true
			}
			sub, _ := m["options"].([]any)
			walk(w+".options", sub)
		}
	}
	for i, c := range cmds {
		where := fmt.Sprintf("commands[%d]", i)
		checkNamed(where, c)
		opts, _ := c["options"].([]any)
		walk(where+".options", opts)
	}
	return errors.Join(errs...)
}

// locales are the locales Discord takes for localizations.
var locales = []string{"id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl", "no",
	"pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th", "zh-CN", "ja", "zh-TW", "ko"}

func validName(s string) bool {
	if len(s) < 1 || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
