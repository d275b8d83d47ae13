package discord

import (
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/locale"
)

// Discord's message limits (https://discord.com/developers/docs/resources/message#create-message,
// https://discord.com/developers/docs/resources/message#embed-object-embed-limits): a message
// past any of them is refused whole (50035 Invalid Form Body), so rendering keeps within
// them and summarises what doesn't fit.
const (
	maxContent          = 2000
	maxEmbeds           = 10
	maxEmbedTitle       = 256
	maxEmbedDescription = 4096
	maxEmbedFields      = 25
	maxFieldName        = 256
	maxFieldValue       = 1024
	maxFooterText       = 2048
	maxEmbedsTotal      = 6000 // all the embeds of a message together
	maxButtonsPerRow    = 5
	maxRows             = 5
	maxButtonLabel      = 80
	maxCustomID         = 100
	// Our own shares of the 6,000: warnings and the footer are short, the sections get the rest.
	maxWarningChars = 1500
	maxOurFooter    = 300
)

// Embed colours: Discord's blurple for the message, amber for warnings.
const (
	colourMessage = 0x5865F2
	colourWarning = 0xF0B232
)

// rendered is a message as Discord takes it.
type rendered struct {
	Content         string                            `json:"content"`
	Embeds          []*discordgo.MessageEmbed         `json:"embeds"`
	Components      []discordgo.MessageComponent      `json:"components"`
	AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions"`
}

// render turns a bot.Message into Discord's content, embeds and buttons: the text as the
// content (lead, e.g. role mentions, before it), each section an embed while they fit (all
// in one embed, summarised at section boundaries, when they don't), the warnings in an amber
// embed, the footer under the last embed, the buttons in action rows. Only the roles in
// pingRoles are notified: text typed by a user (a reason) can never ping @everyone. lang is
// the language of the platform's own words (summaries of what didn't fit): the message's.
func render(m bot.Message, lead string, pingRoles []string, lang string) rendered {
	text := escapeMarkdown(strings.TrimSpace(m.Text))
	if lead != "" {
		text = strings.TrimSpace(lead + " " + text)
	}
	if text == "" {
		text = "licensebot"
	}
	out := rendered{
		Content:         truncateText(text, maxContent),
		AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}, Roles: pingRoles},
		Components:      components(m.Buttons),
		Embeds:          []*discordgo.MessageEmbed{},
	}
	if out.Components == nil {
		out.Components = []discordgo.MessageComponent{}
	}

	warnings := warningEmbed(m.Warnings, lang)
	footer := truncateText(escapeMarkdown(strings.TrimSpace(m.Footer)), maxOurFooter)
	budget := maxEmbedsTotal - textLen(footer)
	slots := maxEmbeds
	if warnings != nil {
		budget -= embedLen(warnings)
		slots--
	}
	out.Embeds = append(out.Embeds, sectionEmbeds(m.Sections, slots, budget, lang)...)
	if warnings != nil {
		out.Embeds = append(out.Embeds, warnings)
	}
	if footer != "" {
		if len(out.Embeds) == 0 {
			out.Embeds = append(out.Embeds, &discordgo.MessageEmbed{Color: colourMessage})
		}
		out.Embeds[len(out.Embeds)-1].Footer = &discordgo.MessageEmbedFooter{Text: footer}
	}
	return out
}

// embedLen counts an embed as Discord does for the 6,000 limit: title, description, field
// names and values, footer text and author name.
func embedLen(e *discordgo.MessageEmbed) int {
	n := textLen(e.Title) + textLen(e.Description)
	for _, f := range e.Fields {
		n += textLen(f.Name) + textLen(f.Value)
	}
	if e.Footer != nil {
		n += textLen(e.Footer.Text)
	}
	if e.Author != nil {
		n += textLen(e.Author.Name)
	}
	return n
}

// sectionEmbeds renders the sections in at most slots embeds of at most chars characters
// together: one embed per section while they fit, else all of them in one description cut
// at a section boundary, with the sections left out named in a last line.
func sectionEmbeds(sections []bot.Section, slots, chars int, lang string) []*discordgo.MessageEmbed {
	if len(sections) == 0 || slots < 1 {
		return nil
	}
	var embeds []*discordgo.MessageEmbed
	total := 0
	for _, s := range sections {
		for _, e := range sectionEmbed(s) {
			embeds = append(embeds, e)
			total += embedLen(e)
		}
	}
	if len(embeds) <= slots && total <= chars {
		return embeds
	}
	return []*discordgo.MessageEmbed{{Color: colourMessage, Description: packed(sections, min(chars, maxEmbedDescription), lang)}}
}

// sectionEmbed renders one section: its title, its text (continued in further embeds at
// line ends when longer than a description holds) and its fields, 25 to an embed.
func sectionEmbed(s bot.Section) []*discordgo.MessageEmbed {
	first := &discordgo.MessageEmbed{Color: colourMessage, Title: truncateText(escapeMarkdown(strings.TrimSpace(s.Title)), maxEmbedTitle)}
	out := []*discordgo.MessageEmbed{first}
	if body := escapeMarkdown(strings.TrimSpace(s.Text)); body != "" {
		for i, chunk := range splitText(body, maxEmbedDescription) {
			if i == 0 {
				first.Description = chunk
				continue
			}
			out = append(out, &discordgo.MessageEmbed{Color: colourMessage, Description: chunk})
		}
	}
	last := out[len(out)-1]
	for _, f := range s.Fields {
		if len(last.Fields) == maxEmbedFields {
			last = &discordgo.MessageEmbed{Color: colourMessage}
			out = append(out, last)
		}
		last.Fields = append(last.Fields, &discordgo.MessageEmbedField{
			Name:   truncateText(orDefault(strings.TrimSpace(f.Label), "·"), maxFieldName),
			Value:  fieldValue(f),
			Inline: true,
		})
	}
	return out
}

// sectionText is a section as markdown lines, for the packed form.
func sectionText(s bot.Section) string {
	var lines []string
	if t := strings.TrimSpace(s.Title); t != "" {
		lines = append(lines, "**"+escapeMarkdown(t)+"**")
	}
	if body := strings.TrimSpace(s.Text); body != "" {
		lines = append(lines, escapeMarkdown(body))
	}
	for _, f := range s.Fields {
		value := escapeMarkdown(strings.TrimSpace(f.Value))
		if f.Verbatim {
			value = fieldValue(f)
		}
		lines = append(lines, "**"+escapeMarkdown(strings.TrimSpace(f.Label))+":** "+value)
	}
	return strings.Join(lines, "\n")
}

// fieldValue is a field's value as an embed field shows it: markdown-escaped, within
// Discord's 1,024 characters. A Verbatim value (a person's own words) is on one line and in
// quotes, with everything markdown or a mention could read escaped (escapeVerbatim): it can
// neither add a line of its own to the message nor look like anyone's mention.
func fieldValue(f bot.Field) string {
	if f.Verbatim {
		return bot.Quoted(f.Value, escapeVerbatim, fit, maxFieldValue)
	}
	return truncateText(escapeMarkdown(orDefault(strings.TrimSpace(f.Value), "—")), maxFieldValue)
}

// packed renders all sections in one description of at most limit characters, cut between
// sections, never inside one; what is left out is counted and named ("… and 37 more: …").
// When not even the first section fits, its first lines are shown and it is counted as left out.
func packed(sections []bot.Section, limit int, lang string) string {
	summaryLimit := min(limit/4, 1000)
	var b strings.Builder
	for i, s := range sections {
		t := sectionText(s)
		sep := ""
		if i > 0 {
			sep = "\n\n"
		}
		rest := sections[i+1:]
		if i+1 == len(sections) {
			rest = nil
		}
		// The section fits if it and the summary of the ones after it do.
		need := textLen(b.String()) + textLen(sep) + textLen(t)
		if len(rest) > 0 {
			need += 2 + textLen(omittedSummary(rest, summaryLimit, lang))
		}
		if need <= limit {
			b.WriteString(sep + t)
			continue
		}
		left := sections[i:]
		summary := omittedSummary(left, summaryLimit, lang)
		if i == 0 {
			room := limit - textLen(summary) - 2
			if room > 0 {
				b.WriteString(splitText(t, room)[0])
				return b.String() + "\n\n" + summary
			}
			return truncateText(summary, limit)
		}
		return b.String() + "\n\n" + summary
	}
	return b.String()
}

// omittedSummary names the sections left out, within limit characters.
func omittedSummary(left []bot.Section, limit int, lang string) string {
	return bot.Omitted(lang, left, "Discord", limit, escapeMarkdown)
}

// warningEmbed renders the warnings, one line each with ⚠, in an amber embed; past
// maxWarningChars the rest are counted, not shown.
func warningEmbed(warnings []string, lang string) *discordgo.MessageEmbed {
	var lines []string
	total := 0
	for i, w := range warnings {
		line := "⚠ " + truncateText(escapeMarkdown(strings.TrimSpace(w)), maxWarningChars/2)
		more := "⚠ " + locale.For(lang).T("discord.more_warnings", "Count", len(warnings)-i)
		if total+textLen(line)+1+textLen(more) > maxWarningChars && i < len(warnings)-1 ||
			total+textLen(line) > maxWarningChars {
			lines = append(lines, more)
			break
		}
		total += textLen(line) + 1
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		return nil
	}
	return &discordgo.MessageEmbed{Color: colourWarning, Description: strings.Join(lines, "\n")}
}

// components renders the buttons in action rows of five, at most five rows. A button's
// custom_id is its action and value ("approve:<request id>"): the only thing a click carries
// back, and a key to look up, never data to trust. A custom_id over Discord's 100 characters
// would make Discord refuse the whole message, so such a button is left out.
func components(buttons []bot.Button) []discordgo.MessageComponent {
	var rows []discordgo.MessageComponent
	var row discordgo.ActionsRow
	seen := map[string]bool{}
	for _, b := range buttons {
		id := customID(b.Action, b.Value)
		if textLen(id) > maxCustomID || seen[id] {
			continue // custom_ids must also be unique within a message
		}
		seen[id] = true
		style := discordgo.SecondaryButton
		switch b.Style {
		case bot.Primary:
			style = discordgo.PrimaryButton
		case bot.Danger:
			style = discordgo.DangerButton
		}
		row.Components = append(row.Components, discordgo.Button{
			Label: truncateText(orDefault(strings.TrimSpace(b.Label), b.Action), maxButtonLabel), Style: style, CustomID: id,
		})
		if len(row.Components) == maxButtonsPerRow {
			rows = append(rows, row)
			row = discordgo.ActionsRow{}
			if len(rows) == maxRows {
				return rows
			}
		}
	}
	if len(row.Components) > 0 {
		rows = append(rows, row)
	}
	return rows
}

// customID joins a button's action and value; parseCustomID splits them again.
func customID(action, value string) string { return action + ":" + value }

func parseCustomID(id string) (action, value string) {
	action, value, _ = strings.Cut(id, ":")
	return action, value
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}
