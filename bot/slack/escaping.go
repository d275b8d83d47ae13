package slack

import (
	"regexp"
	"strings"
)

// With "Escape channels, users, and links" on, Slack sends what a person typed escaped: an
// address as <mailto:bob@example.com|bob@example.com>, and &, < and > as &amp;, &lt; and
// &gt; ("Formatting text for app surfaces", "Escaping text"). commandText undoes Slack's
// wire format, so the handlers read what was typed; mentions (<@U…>) stay, for the
// handlers to look up once the caller may act.
var mailto = regexp.MustCompile(`<mailto:([^|>]+)(?:\|[^>]*)?>`)

var entities = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

func commandText(raw string) string {
	return entities.Replace(mailto.ReplaceAllString(raw, "$1"))
}
