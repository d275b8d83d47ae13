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
