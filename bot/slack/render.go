package slack

import (
	"strconv"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/locale"
)

// Block Kit's limits (https://docs.slack.dev/reference/block-kit/blocks): a message past
// any of them is refused whole (invalid_blocks), so rendering keeps within them and
// summarises what doesn't fit.
const (
	maxBlocks         = 50
	maxSectionText    = 3000
	maxFields         = 10
	maxFieldText      = 2000
	maxButtonText     = 75
	maxActionElements = 25
	maxContextText    = 2000 // context elements' text: kept under the section limit
	maxConfirmTitle   = 100
	maxConfirmText    = 300
	maxConfirmButton  = 30
	maxActionBlocks   = 4 // 100 buttons: more than any message of licensebot has
	// Our own bounds: the notification text, the whole message (a wall of 150,000
	// characters helps nobody, and chat.postMessage takes 40,000 at most) and its warnings.
	maxFallbackText = 3000
	maxMessageChars = 24000
	maxWarningChars = 8000
)

// rendered is a message as Slack takes it: the notification text and the blocks.
type rendered struct {
	Text   string           `json:"text"`
	Blocks []slackapi.Block `json:"blocks"`
}

// render turns a bot.Message into Block Kit: the text, then each section (title in bold,
// text, fields), the warnings, the buttons and the footer. lead is mrkdwn put before the
// text (mentions), already escaped. lang is the language of the platform's own words
// (summaries of what didn't fit, a confirmation's default buttons): the message's.
func render(m bot.Message, lead, lang string) rendered {
	text := escapeText(strings.TrimSpace(m.Text))
	if lead != "" {
		text = strings.TrimSpace(lead + " " + text)
	}
	if text == "" {
		text = "licensebot"
	}
	out := rendered{Text: truncateText(text, maxFallbackText)}

	head := mrkdwnSection(truncateText(text, maxSectionText))
	warnings := warningBlocks(m.Warnings, lang)
	actions := actionBlocks(m.Buttons, lang)
	var footer slackapi.Block
	if f := strings.TrimSpace(m.Footer); f != "" {
		footer = slackapi.NewContextBlock("", mrkdwn(truncateText(escapeText(f), maxContextText)))
	}

	fixed := 1 + len(warnings) + len(actions)
	if footer != nil {
		fixed++
	}
	chars := textLen(head.Text.Text)
	for _, w := range warnings {
		chars += textLen(w.(*slackapi.SectionBlock).Text.Text)
	}
	sections := sectionBlocks(m.Sections, maxBlocks-fixed, maxMessageChars-chars, lang)

	out.Blocks = append(out.Blocks, head)
	out.Blocks = append(out.Blocks, sections...)
	out.Blocks = append(out.Blocks, warnings...)
	out.Blocks = append(out.Blocks, actions...)
	if footer != nil {
		out.Blocks = append(out.Blocks, footer)
	}
	return out
}

func mrkdwn(s string) *slackapi.TextBlockObject {
	return &slackapi.TextBlockObject{Type: slackapi.MarkdownType, Text: s}
}

func plain(s string) *slackapi.TextBlockObject {
	emoji := true
	return &slackapi.TextBlockObject{Type: slackapi.PlainTextType, Text: s, Emoji: &emoji}
}

func mrkdwnSection(s string) *slackapi.SectionBlock {
	return slackapi.NewSectionBlock(mrkdwn(s), nil, nil)
}

// piece is one block of a message's sections, from section first to section last.
type piece struct {
	first, last int
	text        string
	fields      []*slackapi.TextBlockObject
}

func (p piece) len() int {
	n := textLen(p.text)
	for _, f := range p.fields {
		n += textLen(f.Text)
	}
	return n
}

// sectionBlocks renders the sections in at most budget blocks and about chars characters.
// Each section is a block of its own while they fit; when they don't, short ones share a
// block; and when even that doesn't fit, the sections that don't are named in one last block
// ("… and 37 more: …"), cut between sections, never inside one.
func sectionBlocks(sections []bot.Section, budget, chars int, lang string) []slackapi.Block {
	if budget < 1 {
		return nil
	}
	var pieces []piece
	for i, s := range sections {
		pieces = append(pieces, sectionPieces(i, s)...)
	}
	if len(pieces) > budget {
		pieces = pack(pieces)
	}
	used, total := 0, 0
	for used < len(pieces) && used < budget && total+pieces[used].len() <= chars {
		total += pieces[used].len()
		used++
	}
	if used < len(pieces) {
		// Make room for the summary, then step back to the start of the section that the
		// cut would split.
		used = min(used, budget-1)
		for used > 0 && pieces[used-1].last >= pieces[used].first {
			used--
		}
		left := sections[pieces[used].first:]
		pieces = append(pieces[:used:used], piece{text: omittedSummary(left, lang)})
	}
	blocks := make([]slackapi.Block, 0, len(pieces))
	for _, p := range pieces {
		var text *slackapi.TextBlockObject
		if p.text != "" {
			text = mrkdwn(p.text)
		}
		blocks = append(blocks, slackapi.NewSectionBlock(text, p.fields, nil))
	}
	return blocks
}

// sectionPieces renders one section: its title in bold over its text (split at line ends
// when longer than a block holds), then its fields, ten to a block.
func sectionPieces(i int, s bot.Section) []piece {
	title := ""
	if t := strings.TrimSpace(s.Title); t != "" {
		title = "*" + escapeText(t) + "*"
	}
	body := escapeText(strings.TrimSpace(s.Text))
	var out []piece
	switch {
	case body != "" && title != "":
		body = title + "\n" + body
	case body == "" && len(s.Fields) == 0:
		body = title
	case body == "":
		// The title goes over the fields, in their first block.
	}
	if body != "" {
		for _, chunk := range splitText(body, maxSectionText) {
			out = append(out, piece{first: i, last: i, text: chunk})
		}
	}
	for start := 0; start < len(s.Fields); start += maxFields {
		p := piece{first: i, last: i}
		if start == 0 && body == "" {
			p.text = title
		}
		for _, f := range s.Fields[start:min(start+maxFields, len(s.Fields))] {
			p.fields = append(p.fields, field(f))
		}
		out = append(out, p)
	}
	return out
}

// field renders a field as one text object of a section's fields: its label in bold over
// its value, in mrkdwn.
//
// A Verbatim value (a person's own words) is a plain_text object instead, which the
// section block allows ("fields: [...] An array of text objects", either type:
// https://docs.slack.dev/reference/block-kit/blocks/section-block) and which Slack shows as
// typed: no *bold*, _italics_, ~strike~, `code` or line of its own, and a <@U…> or <!channel>
// stays text (plain_text is not parsed for mentions: slackapi/bolt-python#343). mrkdwn
// could not show such words as typed: Slack escapes only &, < and > ("Slack uses &, <, and >
// as control characters for special parsing", https://docs.slack.dev/messaging/formatting-message-text#escaping)
// and has no escape for *, _, ~ or `. The label goes in the same object (a field of its own
// would sit in the other column), unbolded; emoji is off, so ":tada:" stays as typed too.
// Not mrkdwn-escaped: plain_text would show "&amp;" as typed.
func field(f bot.Field) *slackapi.TextBlockObject {
	if !f.Verbatim {
		return mrkdwn(truncateText("*"+escapeText(f.Label)+"*\n"+escapeText(f.Value), maxFieldText))
	}
	label := truncatePlain(strings.TrimSpace(f.Label), maxFieldText/4)
	if label != "" {
		label += "\n"
	}
	noEmoji := false
	return &slackapi.TextBlockObject{
		Type:  slackapi.PlainTextType,
		Text:  label + bot.Quoted(f.Value, nil, plainFit, maxFieldText-textLen(label)),
		Emoji: &noEmoji,
	}
}

// pack joins neighbouring text pieces into shared blocks, up to a block's limit.
func pack(pieces []piece) []piece {
	var out []piece
	for _, p := range pieces {
		if n := len(out); n > 0 && len(p.fields) == 0 && len(out[n-1].fields) == 0 &&
			textLen(out[n-1].text)+2+textLen(p.text) <= maxSectionText {
			out[n-1].text += "\n\n" + p.text
			out[n-1].last = p.last
			continue
		}
		out = append(out, p)
	}
	return out
}

// omittedSummary names the sections left out, as many as fit in one block.
func omittedSummary(left []bot.Section, lang string) string {
	return bot.Omitted(lang, left, "Slack", maxSectionText, escapeText)
}

// warningBlocks renders the warnings, one line each with ⚠, in as few blocks as hold them;
// past maxWarningChars the rest are counted, not shown.
func warningBlocks(warnings []string, lang string) []slackapi.Block {
	var lines []string
	total := 0
	for i, w := range warnings {
		line := "⚠ " + truncateText(escapeText(strings.TrimSpace(w)), maxSectionText-2)
		if total+textLen(line) > maxWarningChars {
			lines = append(lines, "⚠ "+locale.For(lang).T("slack.more_warnings", "Count", len(warnings)-i))
			break
		}
		total += textLen(line) + 1
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		return nil
	}
	var blocks []slackapi.Block
	for _, chunk := range splitText(strings.Join(lines, "\n"), maxSectionText) {
		blocks = append(blocks, mrkdwnSection(chunk))
	}
	return blocks
}

// actionBlocks renders the buttons, 25 to an actions block. action_id must be unique in a
// message, so a second button with the same action gets "pick_1", "pick_2"… (actionOf
// maps them back); the value, the only other thing a click carries, is the button's value.
func actionBlocks(buttons []bot.Button, lang string) []slackapi.Block {
	if len(buttons) > maxActionBlocks*maxActionElements {
		buttons = buttons[:maxActionBlocks*maxActionElements]
	}
	seen := map[string]int{}
	var blocks []slackapi.Block
	for start := 0; start < len(buttons); start += maxActionElements {
		var elements []slackapi.BlockElement
		for _, b := range buttons[start:min(start+maxActionElements, len(buttons))] {
			id := b.Action
			if n := seen[b.Action]; n > 0 {
				id = b.Action + "_" + strconv.Itoa(n)
			}
			seen[b.Action]++
			elements = append(elements, button(id, b, lang))
		}
		blocks = append(blocks, slackapi.NewActionBlock("", elements...))
	}
	return blocks
}

func button(actionID string, b bot.Button, lang string) *slackapi.ButtonBlockElement {
	e := slackapi.NewButtonBlockElement(actionID, b.Value, plain(truncatePlain(b.Label, maxButtonText)))
	switch b.Style {
	case bot.Primary:
		e.Style = slackapi.StylePrimary
	case bot.Danger:
		e.Style = slackapi.StyleDanger
	}
	if c := b.Confirm; c != nil {
		// Every text of a confirmation dialog is a plain_text object: "A plain_text text
		// object that defines the explanatory text that appears in the confirm dialog.
		// Maximum length for the text in this field is 300 characters."
		// (https://docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object).
		// Slack shows mrkdwn there as plain text anyway (slackapi/node-slack-sdk#1612), so
		// the text is not mrkdwn-escaped: an &amp; would show as typed.
		l := locale.For(lang)
		conf := slackapi.NewConfirmationBlockObject(
			plain(truncatePlain(orDefault(c.Title, l.T("slack.confirm.sure")), maxConfirmTitle)),
			plain(truncatePlain(orDefault(c.Text, l.T("slack.confirm.sure")), maxConfirmText)),
			plain(truncatePlain(orDefault(c.Yes, l.T("slack.confirm.yes")), maxConfirmButton)),
			plain(truncatePlain(orDefault(c.No, l.T("slack.confirm.no")), maxConfirmButton)),
		)
		if b.Style == bot.Danger {
			conf.Style = slackapi.StyleDanger
		}
		e.Confirm = conf
	}
	return e
}

// actionOf maps an action_id back to the button's action: "pick_2" → "pick".
func actionOf(actionID string) string {
	name, n, ok := strings.Cut(actionID, "_")
	if !ok || n == "" || strings.TrimFunc(n, func(r rune) bool { return r >= '0' && r <= '9' }) != "" {
		return actionID
	}
	return name
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}
