package slack

import (
	"strings"

	"github.com/licensebot/licensebot/bot"
)

// escapeText makes text safe in Slack's mrkdwn: only &, < and > are escaped, as Slack's
// "Formatting text" guide asks. Without it, a name like "Alice <alice@contoso.com>" breaks,
// and text a user typed (a reason) could ping <!channel>.
var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func escapeText(s string) string { return escaper.Replace(s) }

// fit cuts text to Slack's limits without splitting an &entity; (escapeText makes them).
var fit = bot.Fit{KeepEscape: func(s string, i int) int {
	if amp := strings.LastIndexByte(s[:i], '&'); amp > 0 && !strings.Contains(s[amp:i], ";") && i-amp < 6 {
		return amp
	}
	return i
}}

// plainFit cuts plain_text objects (button labels, confirmation dialogs), which Slack shows
// as they are: they hold no &entity; for a cut to step around.
var plainFit = bot.Fit{}

func textLen(s string) int                     { return bot.TextLen(s) }
func truncateText(s string, limit int) string  { return fit.Truncate(s, limit) }
func truncatePlain(s string, limit int) string { return plainFit.Truncate(s, limit) }
func splitText(s string, limit int) []string   { return fit.Split(s, limit) }
