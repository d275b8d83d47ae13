package teamsfake

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Adaptive Cards as Teams takes them from a bot. "Cards reference"
// (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-reference):
// "Teams platform supports v1.5 or earlier of Adaptive Card features for bot sent cards";
// Action.Execute comes with Universal Actions ("Universal Action Model",
// https://learn.microsoft.com/adaptive-cards/authoring-cards/universal-action-model).
//
// The service itself takes a card Teams then fails to render ("We can't display this card"
// in the client); the fake refuses it with 400 BadArgument instead, so that a regression
// fails the tests rather than a person's chat. For the same reason it knows only the element
// and action types licensebot uses, and refuses others.

// Content types of Bot Framework attachments and invoke responses.
const (
	ContentTypeAdaptiveCard = "application/vnd.microsoft.card.adaptive"
	ContentTypeMessage      = "application/vnd.microsoft.activity.message"
)

// MaxCardVersion is the newest Adaptive Card schema Teams renders in a bot's message.
const MaxCardVersion = "1.5"

// Element and action types the fake knows.
var (
	elementTypes = map[string]bool{
		"TextBlock": true, "RichTextBlock": true, "FactSet": true, "Container": true,
		"ColumnSet": true, "Column": true, "Image": true, "ActionSet": true,
	}
	actionTypes = map[string]bool{
		"Action.Execute": true, "Action.ShowCard": true, "Action.OpenUrl": true, "Action.Submit": true,
	}
)

// ValidateCard checks an Adaptive Card's content as the fake's connector does: type
// AdaptiveCard, a version no newer than 1.5, and only known elements and actions, each with
// what it needs (a TextBlock its text, an Image its url, an Action.OpenUrl its url, an
// Action.ShowCard its card, a RichTextBlock TextRuns).
func ValidateCard(card map[string]any) error {
	var v validator
	v.card(card, "card", true)
	return errors.Join(v.errs...)
}

type validator struct{ errs []error }

func (v *validator) fail(path, format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
}

func (v *validator) card(card map[string]any, path string, top bool) {
	if t, _ := card["type"].(string); t != "AdaptiveCard" {
		v.fail(path, "type %q, want AdaptiveCard", card["type"])
	}
	if version, ok := card["version"].(string); ok || top {
		switch newer, err := versionAfter(version, MaxCardVersion); {
		case err != nil:
			v.fail(path+".version", "%v", err)
		case newer:
			v.fail(path+".version", "%s: Teams renders Adaptive Cards up to %s", version, MaxCardVersion)
		}
	}
	v.elements(card["body"], path+".body")
	v.actions(card["actions"], path+".actions")
	if refresh, ok := card["refresh"].(map[string]any); ok {
		if a, _ := refresh["action"].(map[string]any); a == nil || a["type"] != "Action.Execute" {
			v.fail(path+".refresh.action", "must be an Action.Execute")
		}
	}
}

// versionAfter says whether version ("major.minor") is after limit.
func versionAfter(version, limit string) (bool, error) {
	parse := func(s string) (int, int, error) {
		maj, minor, ok := strings.Cut(s, ".")
		a, err1 := strconv.Atoi(maj)
		b, err2 := strconv.Atoi(minor)
		if !ok || err1 != nil || err2 != nil {
			return 0, 0, fmt.Errorf("version %q is not major.minor", s)
		}
		return a, b, nil
	}
	a, b, err := parse(version)
	if err != nil {
		return false, err
	}
	c, d, _ := parse(limit)
	return a > c || (a == c && b > d), nil
}

func (v *validator) elements(list any, path string) {
	v.each(list, path, func(el map[string]any, path string) { v.element(el, path, "") })
}

// each checks that list, when present, is an array of objects, and checks each with check.
func (v *validator) each(list any, path string, check func(item map[string]any, path string)) {
	if list == nil {
		return
	}
	items, ok := list.([]any)
	if !ok {
		v.fail(path, "not an array")
		return
	}
	for i, it := range items {
		item, ok := it.(map[string]any)
		if !ok {
			v.fail(fmt.Sprintf("%s[%d]", path, i), "not an object")
			continue
		}
		check(item, fmt.Sprintf("%s[%d]", path, i))
	}
}

// element checks one element; implied is the type a ColumnSet's columns may leave out.
func (v *validator) element(el map[string]any, path, implied string) {
	t, _ := el["type"].(string)
	if t == "" {
		t = implied
	}
	if !elementTypes[t] {
		v.fail(path, "element type %q is not one the fake knows", el["type"])
		return
	}
	switch t {
	case "TextBlock":
		if _, ok := el["text"].(string); !ok {
			v.fail(path, "a TextBlock needs text")
		}
	case "RichTextBlock":
		inlines, _ := el["inlines"].([]any)
		if len(inlines) == 0 {
			v.fail(path, "a RichTextBlock needs inlines")
		}
		for i, in := range inlines {
			switch in := in.(type) {
			case string:
			case map[string]any:
				if _, ok := in["text"].(string); in["type"] != "TextRun" || !ok {
					v.fail(fmt.Sprintf("%s.inlines[%d]", path, i), "an inline must be a TextRun with text")
				}
			default:
				v.fail(fmt.Sprintf("%s.inlines[%d]", path, i), "an inline must be a TextRun or a string")
			}
		}
	case "FactSet":
		facts, _ := el["facts"].([]any)
		for i, f := range facts {
			fact, _ := f.(map[string]any)
			_, title := fact["title"].(string)
			_, value := fact["value"].(string)
			if !title || !value {
				v.fail(fmt.Sprintf("%s.facts[%d]", path, i), "a fact needs a title and a value")
			}
		}
	case "Container", "Column":
		v.elements(el["items"], path+".items")
	case "ColumnSet":
		columns, _ := el["columns"].([]any)
		for i, c := range columns {
			col, ok := c.(map[string]any)
			if !ok || (col["type"] != nil && col["type"] != "Column") {
				v.fail(fmt.Sprintf("%s.columns[%d]", path, i), "must be a Column")
				continue
			}
			v.element(col, fmt.Sprintf("%s.columns[%d]", path, i), "Column")
		}
	case "Image":
		if u, _ := el["url"].(string); u == "" {
			v.fail(path, "an Image needs a url")
		}
	case "ActionSet":
		v.actions(el["actions"], path+".actions")
	}
	if sel, ok := el["selectAction"].(map[string]any); ok {
		if sel["type"] == "Action.ShowCard" {
			v.fail(path+".selectAction", "can't be an Action.ShowCard")
		} else {
			v.action(sel, path+".selectAction")
		}
	}
}

func (v *validator) actions(list any, path string) { v.each(list, path, v.action) }

func (v *validator) action(a map[string]any, path string) {
	t, _ := a["type"].(string)
	if !actionTypes[t] {
		v.fail(path, "action type %q is not one the fake knows", a["type"])
		return
	}
	switch t {
	case "Action.OpenUrl":
		if u, _ := a["url"].(string); u == "" {
			v.fail(path, "an Action.OpenUrl needs a url")
		}
	case "Action.ShowCard":
		card, ok := a["card"].(map[string]any)
		if !ok {
			v.fail(path, "an Action.ShowCard needs a card")
			return
		}
		v.card(card, path+".card", false)
	}
}

// cardText is every TextBlock's text, TextRun's text and fact's title and value of a card,
// its ShowCards' included, in order.
func cardText(card map[string]any) []string {
	var lines []string
	var walk func(any)
	walk = func(node any) {
		switch n := node.(type) {
		case []any:
			for _, it := range n {
				walk(it)
			}
		case map[string]any:
			switch n["type"] {
			case "TextBlock", "TextRun":
				if s, _ := n["text"].(string); s != "" {
					lines = append(lines, s)
				}
			case "RichTextBlock":
				var parts []string
				for _, in := range asList(n["inlines"]) {
					switch in := in.(type) {
					case string:
						parts = append(parts, in)
					case map[string]any:
						s, _ := in["text"].(string)
						parts = append(parts, s)
					}
				}
				lines = append(lines, strings.Join(parts, ""))
			case "FactSet":
				for _, f := range asList(n["facts"]) {
					fact, _ := f.(map[string]any)
					title, _ := fact["title"].(string)
					value, _ := fact["value"].(string)
					lines = append(lines, strings.TrimSpace(title+" "+value))
				}
			}
			for _, key := range []string{"body", "items", "columns", "actions", "card"} {
				walk(n[key])
			}
		}
	}
	walk(card)
	return lines
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// walkActions calls visit on each action of a card in order: its actions, its ActionSets'
// (inside containers and columns too), and each Action.ShowCard's card's, until visit says
// stop.
func walkActions(card map[string]any, visit func(map[string]any) bool) bool {
	var walk func(node any) bool
	walk = func(node any) bool {
		switch n := node.(type) {
		case []any:
			for _, it := range n {
				if walk(it) {
					return true
				}
			}
		case map[string]any:
			t, _ := n["type"].(string)
			if strings.HasPrefix(t, "Action.") {
				if visit(n) {
					return true
				}
				return walk(n["card"])
			}
			for _, key := range []string{"body", "items", "columns", "actions"} {
				if walk(n[key]) {
					return true
				}
			}
		}
		return false
	}
	return walk(card)
}

// findAction finds the action titled title in card (ShowCards' included).
func findAction(card map[string]any, title string) (map[string]any, bool) {
	var found map[string]any
	// An Action.Execute first: an Action.ShowCard may carry the same title as the button it
	// opens (a confirmation), and pressing means pressing the button that acts.
	walkActions(card, func(a map[string]any) bool {
		if t, _ := a["title"].(string); t == title && a["type"] == "Action.Execute" {
			found = a
			return true
		}
		return false
	})
	if found != nil {
		return found, true
	}
	walkActions(card, func(a map[string]any) bool {
		if t, _ := a["title"].(string); t == title {
			found = a
			return true
		}
		return false
	})
	return found, found != nil
}
