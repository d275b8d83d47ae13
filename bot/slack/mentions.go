package slack

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// With "Escape channels, users, and links" on, Slack sends a typed mention as
// <@U024BE7LH|bob> (or <@U024BE7LH>); W… ids are Enterprise Grid users. Without it, a mention
// arrives as typed: @bob.
var (
	escapedMention = regexp.MustCompile(`^<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>$`)
	typedMention   = regexp.MustCompile(`^@([\p{L}\p{N}._'\-]{1,80})$`)
)

// mentionEmail is bot.Command.Mentions: the e-mail of a person mentioned as typed, escaped
// (users.info) or typed (the workspace's directory, matched on handle or display name); ok
// is false when it can't tell (unknown, ambiguous, no e-mail, Slack failed). The handlers
// call it only once the caller may act. Failed look-ups are remembered for a while too, so
// that mentions of nobody can't make the bot call Slack again and again.
func (p *Platform) mentionEmail(ctx context.Context, mention string) (string, bool) {
	if email, ok := p.mentions.get(mention); ok {
		return email, email != ""
	}
	email := ""
	if m := escapedMention.FindStringSubmatch(mention); m != nil {
		if u, err := p.profile(ctx, m[1]); err != nil {
			p.log.WarnContext(ctx, "can't resolve a mention", "user", m[1], "err", err)
		} else {
			email = u.Email
		}
	} else if m := typedMention.FindStringSubmatch(mention); m != nil {
		if u, ok, err := p.userByName(ctx, m[1]); err != nil {
			p.log.WarnContext(ctx, "can't resolve a mention", "name", m[1], "err", err)
		} else if ok {
			email = u.Email
		}
	}
	if !plausibleEmail(email) {
		email = ""
	}
	ttl := actorTTL
	if email == "" {
		ttl = missingTTL
	}
	p.mentions.put(mention, email, ttl)
	return email, email != ""
}

// missingTTL is how long a mention that couldn't be resolved is remembered as such.
const missingTTL = time.Minute

// plausibleEmail keeps anything that would change how the command splits into words
// (spaces, a quote that opens a word) out of an address: the handlers check the address
// itself.
func plausibleEmail(s string) bool {
	if s == "" || !strings.Contains(s, "@") || strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("\"<>|`“”„«»", r)
	}) {
		return false
	}
	first, _ := utf8.DecodeRuneInString(s)
	return !strings.ContainsRune("'‘’\u201a", first)
}
