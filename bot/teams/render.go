package teams

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/licensebot/licensebot/bot"
)

// A message is one Adaptive Card (https://adaptivecards.io/explorer/, "Cards reference",
// https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-reference#adaptive-card):
// "Teams platform supports v1.5 or earlier of Adaptive Card features for bot sent cards",
// and Universal Actions (Action.Execute) need "the version property of your Adaptive Card
// […] set to 1.5" ("Work with Universal Actions for Adaptive Cards",
// https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/work-with-universal-actions-for-adaptive-cards).
const (
	cardVersion = "1.5"
	cardSchema  = "http://adaptivecards.io/schemas/adaptive-card.json"
	// maxActions: "Primary actions: As a best practice, include 1-3 primary actions. You can
	// have up to six." ("Designing Adaptive Cards for your Microsoft Teams app",
	// https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/design-effective-cards);
	// "Any additional buttons beyond the maximum number supported by the card aren't shown"
	// (cards reference, "Buttons"). An Action.ShowCard counts as one.
	maxActions = 6
)

// The size of a message. "The bot message size limit is 100 KB […] it includes the message
// itself (text, image links, etc.), @-mentions, and reactions encoded as UTF-16 […] it's
// recommended to ensure that the size of the message itself is within 80 KB"; past it the
// connector answers 413 MessageSizeTooBig ("Format your bot messages",
// https://learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages).
//
// Encoded as UTF-16, a code unit is two bytes: 100 KB is 51,200 code units and the
// recommended 80 KB is 40,960. maxMessageUTF16 is our budget for the whole activity as JSON
// (json.Marshal, which also escapes <, > and &: more than Teams counts), in UTF-16 code units
// (bot.TextLen): under the recommended 80 KB, with room for what Teams adds (reactions, the
// mentions of a reply).
const (
	teamsMessageBytes = 100 * 1024
	maxMessageUTF16   = 40_000
)

// Our own bounds, in characters (UTF-16 code units): Teams documents none for text, but a
// wall of text helps nobody, and none of them may take the budget from the others.
const (
	maxSummary      = 250  // the activity's summary (the notification's preview)
	maxTextChars    = 3000 // the message's text
	maxLineChars    = 3000 // one line of a section, field or warning
	maxTitleChars   = 500  // a section's title
	maxLabelChars   = 200  // a field's label
	maxVerbatim     = 500  // a Verbatim value, quotes included
	maxFooterChars  = 500
	maxButtonLabel  = 100 // Teams shows a button's title on one line and cuts it anyway
	maxConfirmTitle = 200
	maxConfirmText  = 1000
	maxOmittedChars = 1000 // the line naming the sections left out
	// The shares of the budget, in UTF-16 code units of JSON: the text, the warnings and the
	// buttons each take at most a quarter; the sections get what is left (at least a
	// tenth, with the footer and the summary at their bounds even if every character were
	// escaped), and are summarised when they don't fit.
	shareText     = maxMessageUTF16 / 4
	shareWarnings = maxMessageUTF16 / 4
	shareActions  = maxMessageUTF16 / 4
)

// adaptiveCard is an Adaptive Card: the message's card, or the card an Action.ShowCard opens.
type adaptiveCard struct {
	Type    string       `json:"type"` // "AdaptiveCard"
	Schema  string       `json:"$schema,omitempty"`
	Version string       `json:"version"`
	MSTeams *cardMSTeams `json:"msteams,omitempty"`
	Body    []any        `json:"body"`
	Actions []any        `json:"actions,omitempty"`
}

// cardMSTeams is Teams' part of a card: "To make a full width Adaptive Card, the width object
// in msteams property in the card content must be set to Full" ("Format cards in Microsoft
// Teams", https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format#full-width-adaptive-card).
type cardMSTeams struct {
	Width string `json:"width"`
}

// Every text of a message is a TextRun in a RichTextBlock, never a TextBlock. A TextBlock's
// text is Markdown ("A subset of markdown is supported", https://adaptivecards.io/explorer/TextBlock.html;
// in Teams **bold**, _italic_, lists and [links](url) are: "Format cards in Microsoft Teams",
// which says the same of FactSet's Fact.Title and Fact.Value), and Adaptive Cards define no
// escape for it; a TextRun's is not: "text: Text to display. Markdown is not supported"
// (https://learn.microsoft.com/adaptive-cards/schema-explorer/text-run). So a reason such as
// "*asked*" or "[x](https://evil)" shows as typed and no escaping is needed (nor wanted: it
// would show). Mentions neither: Teams makes a mention of "<at>name</at>" only in a TextBlock
// or FactSet and only with a "mention" entity in the card's msteams property naming the
// person ("Mention support within Adaptive Cards", cards-format); licensebot adds none, so
// "<at>everyone</at>" in a message is text and pings nobody. (Channel and team mentions
// "aren't supported in bot messages" at all.)
//
// A TextRun's "\n" is not shown alike by every Teams client (Android drops a leading or
// trailing one, microsoft/AdaptiveCards#4914), so each line is a RichTextBlock of its own.
type richTextBlock struct {
	Type    string    `json:"type"` // "RichTextBlock"
	Inlines []textRun `json:"inlines"`
	Spacing string    `json:"spacing,omitempty"`
}

type textRun struct {
	Type     string `json:"type"` // "TextRun"
	Text     string `json:"text"`
	Weight   string `json:"weight,omitempty"`
	Size     string `json:"size,omitempty"`
	Color    string `json:"color,omitempty"`
	IsSubtle bool   `json:"isSubtle,omitempty"`
	Italic   bool   `json:"italic,omitempty"`
}

// container groups a section's or the warnings' blocks (https://adaptivecards.io/explorer/Container.html;
// style "warning" since 1.2).
type container struct {
	Type      string `json:"type"` // "Container"
	Style     string `json:"style,omitempty"`
	Separator bool   `json:"separator,omitempty"`
	Spacing   string `json:"spacing,omitempty"`
	Items     []any  `json:"items"`
}

// executeAction is a button: Teams sends an adaptiveCard/action invoke with its verb and data
// ("Universal Action Model", https://learn.microsoft.com/adaptive-cards/authoring-cards/universal-action-model#actionexecute).
// The verb is the button's action and data.value its value: a key to look up, never data to
// trust. style is the schema's (positive, destructive); Teams' cards reference says "Positive
// or destructive action styling is not supported in Adaptive Cards on the Teams platform", so
// the label must say what a button does by itself, as licensebot's do.
type executeAction struct {
	Type  string     `json:"type"` // "Action.Execute"
	Title string     `json:"title"`
	Verb  string     `json:"verb"`
	Data  actionData `json:"data"`
	Style string     `json:"style,omitempty"`
}

type actionData struct {
	Value string `json:"value"`
}

// showCardAction opens a card under the message (https://adaptivecards.io/explorer/Action.ShowCard.html):
// licensebot's "are you sure?", since Teams has no confirmation dialog of its own.
type showCardAction struct {
	Type  string       `json:"type"` // "Action.ShowCard"
	Title string       `json:"title"`
	Card  adaptiveCard `json:"card"`
}

// fit cuts text: a TextRun has no escapes to keep.
var fit = bot.Fit{}

// render turns a bot.Message into a Teams message activity with one Adaptive Card: the text
// (bolder), each section in a container (its title bolder, its text line by line, its
// fields as "label: value"), the warnings in a container of the warning style, the footer
// small and subtle, and the buttons as the card's actions. Everything stays within
// maxMessageUTF16: sections that don't fit are left out and named in a last line
// (bot.Omitted). lang is the language of that line, the only words of the platform's own.
func render(m bot.Message, lang string) Activity {
	summary := fit.Truncate(bot.OneLine(m.Text), maxSummary)
	head := headBlocks(m.Text)
	warnings := warningContainer(m.Warnings, lang)
	var footer []any
	if f := fit.Truncate(bot.OneLine(m.Footer), maxFooterChars); f != "" {
		footer = []any{richTextBlock{Type: "RichTextBlock", Spacing: "medium", Inlines: []textRun{{Type: "TextRun", Text: f, Size: "small", IsSubtle: true}}}}
	}
	actions := cardActions(m.Buttons)

	fixed := append(append(append([]any{}, head...), warnings...), footer...)
	room := maxMessageUTF16 - sizeOf(activity(summary, fixed, actions))
	sections := fitSections(m.Sections, room, lang)

	body := make([]any, 0, len(head)+len(sections)+len(warnings)+len(footer))
	body = append(append(append(append(body, head...), sections...), warnings...), footer...)
	return activity(summary, body, actions)
}

// activity is a message activity with one card of body and actions.
func activity(summary string, body, actions []any) Activity {
	return Activity{
		Type:    typeMessage,
		Summary: summary,
		Attachments: []Attachment{{ContentType: contentTypeCard, Content: adaptiveCard{
			Type:    "AdaptiveCard",
			Schema:  cardSchema,
			Version: cardVersion,
			MSTeams: &cardMSTeams{Width: "Full"},
			Body:    body,
			Actions: actions,
		}}},
	}
}

// invokeMessage answers an adaptiveCard/action invoke at once with a message Teams shows the
// person who pressed the button ("response format", application/vnd.microsoft.activity.message:
// https://learn.microsoft.com/adaptive-cards/authoring-cards/universal-action-model#response-format).
func invokeMessage(text string) invokeResponse {
	return invokeResponse{StatusCode: http.StatusOK, Type: contentTypeMessage, Value: text}
}

// sizeOf is v as JSON, in UTF-16 code units.
func sizeOf(v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		panic("teams: a card that doesn't marshal: " + err.Error()) // our own types only
	}
	return bot.TextLen(string(b))
}

// headBlocks is the message's text, bolder, a block a line, within shareText (cut further
// with Truncate in the unlikely case that escaping makes it larger).
func headBlocks(text string) []any {
	text = fit.Truncate(strings.TrimSpace(text), maxTextChars)
	for {
		blocks := lineBlocks(splitLines(text, maxLineChars), "", bolder)
		n := sizeOf(blocks)
		if n <= shareText || text == "" {
			return blocks
		}
		text = fit.Truncate(text, bot.TextLen(text)*shareText/n-1)
	}
}

// line is a line of text; gap says that a blank line came before it.
type line struct {
	text string
	gap  bool
}

// splitLines cuts text into its non-blank lines, each trimmed and cut to limit characters.
func splitLines(s string, limit int) []line {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	var out []line
	gap := false
	for l := range strings.SplitSeq(s, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			gap = len(out) > 0
			continue
		}
		out = append(out, line{text: fit.Truncate(l, limit), gap: gap})
		gap = false
	}
	return out
}

// lineBlocks is a RichTextBlock for each line: the first with spacing first, the others
// close under it; a line after a blank line is a paragraph apart.
func lineBlocks(lines []line, first string, style func(string) textRun) []any {
	out := make([]any, 0, len(lines))
	for i, l := range lines {
		spacing := first
		switch {
		case l.gap:
			spacing = "medium"
		case i > 0:
			spacing = "none"
		}
		out = append(out, richTextBlock{Type: "RichTextBlock", Spacing: spacing, Inlines: []textRun{style(l.text)}})
	}
	return out
}

func plain(s string) textRun  { return textRun{Type: "TextRun", Text: s} }
func bolder(s string) textRun { return textRun{Type: "TextRun", Text: s, Weight: "bolder"} }

// sectionItems is a section's blocks: its title (bolder, on one line), its text line by
// line, then its fields.
func sectionItems(s bot.Section) []any {
	var items []any
	if t := fit.Truncate(bot.OneLine(s.Title), maxTitleChars); t != "" {
		items = append(items, richTextBlock{Type: "RichTextBlock", Inlines: []textRun{bolder(t)}})
	}
	first := ""
	if len(items) > 0 {
		first = "none"
	}
	items = append(items, lineBlocks(splitLines(s.Text, maxLineChars), first, plain)...)
	for _, f := range s.Fields {
		items = append(items, fieldBlocks(f)...)
	}
	return items
}

// fieldBlocks is a field as "label: value", the label bolder; a value of several lines
// continues in blocks under it. A Verbatim value (a person's own words) is on one line and in
// quotes (bot.Quoted), unescaped: a TextRun shows it as typed, formatting, links and
// "<at>…</at>" included.
func fieldBlocks(f bot.Field) []any {
	var runs []textRun
	if l := fit.Truncate(bot.OneLine(f.Label), maxLabelChars); l != "" {
		runs = append(runs, bolder(l+": "))
	}
	if f.Verbatim {
		runs = append(runs, plain(bot.Quoted(f.Value, nil, fit, maxVerbatim)))
		return []any{richTextBlock{Type: "RichTextBlock", Inlines: runs}}
	}
	lines := splitLines(f.Value, maxLineChars)
	if len(lines) == 0 {
		lines = []line{{text: "—"}}
	}
	out := []any{richTextBlock{Type: "RichTextBlock", Inlines: append(runs, plain(lines[0].text))}}
	return append(out, lineBlocks(lines[1:], "none", plain)...)
}

func sectionContainer(items []any) container {
	return container{Type: "Container", Separator: true, Spacing: "medium", Items: items}
}

// fitSections renders the sections in room UTF-16 code units of JSON: each a container while
// they fit; when they don't, the ones that do (in order) and a last line naming the rest
// ("… and 37 more (too long for one Teams message): …"), cut between sections, never inside
// one. When not even the first section fits, its first blocks are shown and it is counted as
// left out. Only the sections shown are rendered: a plan of 1,000 users costs what fits.
func fitSections(sections []bot.Section, room int, lang string) []any {
	var out []any
	var sizes, from []int // each container's size (with its comma) and its section's index
	used := 0
	for i, s := range sections {
		items := sectionItems(s)
		if len(items) == 0 {
			continue
		}
		c := sectionContainer(items)
		n := sizeOf(c) + 1
		if used+n <= room {
			out, sizes, from = append(out, c), append(sizes, n), append(from, i)
			used += n
			continue
		}
		// Make room for the line naming the sections left out: step back a section at a time.
		left := i
		summary, sn := omittedLine(sections[left:], room-used, lang)
		for used+sn > room && len(out) > 0 {
			last := len(out) - 1
			used -= sizes[last]
			left = from[last]
			out, sizes, from = out[:last], sizes[:last], from[:last]
			summary, sn = omittedLine(sections[left:], room-used, lang)
		}
		if len(out) == 0 {
			if partial := partialSection(sectionItems(sections[left]), room-used-sn); partial != nil {
				out = append(out, *partial)
			}
		}
		return append(out, summary)
	}
	return out
}

// partialSection is a section's first blocks, as many as fit in room, or nil.
func partialSection(items []any, room int) *container {
	used := sizeOf(sectionContainer([]any{})) + 1
	n := 0
	for _, item := range items {
		size := sizeOf(item) + 1
		if used+size > room {
			break
		}
		used += size
		n++
	}
	if n == 0 {
		return nil
	}
	c := sectionContainer(items[:n])
	return &c
}

// omittedLine names the sections left out, with as many of their titles as fit in room
// (at most maxOmittedChars), and is the line's size in JSON with its comma.
func omittedLine(left []bot.Section, room int, lang string) (any, int) {
	var b any
	var n int
	for _, limit := range []int{maxOmittedChars, maxOmittedChars / 4, 0} {
		text := bot.Omitted(lang, left, "Teams", limit, bot.OneLine)
		b = richTextBlock{Type: "RichTextBlock", Spacing: "medium", Inlines: []textRun{{Type: "TextRun", Text: text, IsSubtle: true, Italic: true}}}
		if n = sizeOf(b) + 1; n <= room {
			break
		}
	}
	return b, n
}

// warningContainer renders the warnings, each "⚠ " and its text in the attention colour, in a
// container of the warning style, within shareWarnings; the ones past it are counted
// (bot.Omitted), not shown. Nil without warnings.
func warningContainer(warnings []string, lang string) []any {
	attention := func(s string) textRun { return textRun{Type: "TextRun", Text: s, Color: "attention"} }
	more := func(n int) any {
		text := "⚠ " + bot.Omitted(lang, make([]bot.Section, n), "Teams", 0, bot.OneLine)
		return richTextBlock{Type: "RichTextBlock", Inlines: []textRun{attention(text)}}
	}
	c := container{Type: "Container", Style: "warning", Spacing: "medium", Items: []any{}}
	used := sizeOf(c) + sizeOf(more(len(warnings))) + 1
	for i, w := range warnings {
		lines := splitLines(w, maxLineChars)
		if len(lines) == 0 {
			continue
		}
		lines[0].text = "⚠ " + lines[0].text
		blocks := lineBlocks(lines, "", attention)
		n := 0
		for _, b := range blocks {
			n += sizeOf(b) + 1
		}
		if used+n > shareWarnings {
			c.Items = append(c.Items, more(len(warnings)-i))
			break
		}
		used += n
		c.Items = append(c.Items, blocks...)
	}
	if len(c.Items) == 0 {
		return nil
	}
	return []any{c}
}

// cardActions renders the buttons, at most maxActions and within shareActions (the last
// ones are left out past either).
func cardActions(buttons []bot.Button) []any {
	var out []any
	used := 2
	for _, b := range buttons[:min(len(buttons), maxActions)] {
		a := buttonAction(b)
		n := sizeOf(a) + 1
		if used+n > shareActions {
			break
		}
		used += n
		out = append(out, a)
	}
	return out
}

// buttonAction renders a button: an Action.Execute of its action and value, or, with a
// Confirmation, an Action.ShowCard of its label opening a card with the confirmation's title
// (bolder) and text, and an Action.Execute titled Yes. Its No is the ShowCard's button
// itself, which closes the card again: Teams has no "are you sure?" dialog to show it in.
func buttonAction(b bot.Button) any {
	label := fit.Truncate(bot.OneLine(b.Label), maxButtonLabel)
	if label == "" {
		label = b.Action
	}
	exec := executeAction{Type: "Action.Execute", Title: label, Verb: b.Action, Data: actionData{Value: b.Value}}
	switch b.Style {
	case bot.Primary:
		exec.Style = "positive"
	case bot.Danger:
		exec.Style = "destructive"
	}
	c := b.Confirm
	if c == nil {
		return exec
	}
	if yes := fit.Truncate(bot.OneLine(c.Yes), maxButtonLabel); yes != "" {
		exec.Title = yes
	}
	body := []any{}
	if t := fit.Truncate(bot.OneLine(c.Title), maxConfirmTitle); t != "" {
		body = append(body, richTextBlock{Type: "RichTextBlock", Inlines: []textRun{bolder(t)}})
	}
	first := ""
	if len(body) > 0 {
		first = "small"
	}
	body = append(body, lineBlocks(splitLines(fit.Truncate(strings.TrimSpace(c.Text), maxConfirmText), maxConfirmText), first, plain)...)
	return showCardAction{Type: "Action.ShowCard", Title: label, Card: adaptiveCard{
		Type: "AdaptiveCard", Version: cardVersion, Body: body, Actions: []any{exec},
	}}
}
