package discord

import (
	"strings"

	"github.com/licensebot/licensebot/bot"
)

// markdown escapes what Discord's markdown would read in text that comes from data (names,
// reasons, product names): without it "john_doe@contoso.com" turns italic and a reason
// could carry a masked link or a mention's look. A backslash shows the next character as is.
var markdown = strings.NewReplacer(
	`\`, `\\`, `*`, `\*`, `_`, `\_`, "~", `\~`, "`", "\\`", "|", `\|`,
	"<", `\<`, ">", `\>`, "#", `\#`, "[", `\[`, "]", `\]`,
)

func escapeMarkdown(s string) string { return markdown.Replace(s) }

// verbatimMarkdown escapes everything Discord's markdown could read in a person's own words
// (a Verbatim field: bot.Field): besides markdown's, "-" and "(", ")" (lists, masked
// links), and ":" so that a bare "https://…" is not made a link (Discord links a URL only
// where "scheme://" is written as is). A backslash before any punctuation shows it as is
// ("Markdown Text 101", https://support.discord.com/hc/en-us/articles/210298617).
var verbatimMarkdown = strings.NewReplacer(
	`\`, `\\`, `*`, `\*`, `_`, `\_`, "~", `\~`, "`", "\\`", "|", `\|`,
	"<", `\<`, ">", `\>`, "#", `\#`, "[", `\[`, "]", `\]`, "(", `\(`, ")", `\)`,
	"-", `\-`, ":", `\:`,
)

// zeroWidthSpace goes after an "@" that would start a mention.
const zeroWidthSpace = "\u200b"

// escapeVerbatim makes a person's words show as typed on Discord: markdown escaped, and no
// mention's look. <@id>, <@&id>, <#id> lose theirs with the escaped "<"; @everyone and @here
// need no brackets, so a zero-width space goes after their "@" (and after the "@" of "<@",
// in case a client reads mentions before escapes). They would ping nobody anyway: a Verbatim
// value is only ever in an embed, and allowed_mentions governs the content alone and names
// no one but the approver roles (https://discord.com/developers/docs/resources/message#allowed-mentions-object).
func escapeVerbatim(s string) string {
	s = verbatimMarkdown.Replace(s)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] != '@' {
			continue
		}
		rest := s[i+1:]
		if hasPrefixFold(rest, "everyone") || hasPrefixFold(rest, "here") || strings.HasSuffix(s[:i], "<") {
			b.WriteString(zeroWidthSpace)
		}
	}
	return b.String()
}

// fit cuts text to Discord's limits without leaving the backslash of an escape at the end,
// where it would escape the "…".
var fit = bot.Fit{KeepEscape: func(s string, i int) int {
	for i > 0 && s[i-1] == '\\' {
		i--
	}
	return i
}}

func textLen(s string) int                    { return bot.TextLen(s) }
func truncateText(s string, limit int) string { return fit.Truncate(s, limit) }
func splitText(s string, limit int) []string  { return fit.Split(s, limit) }

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
