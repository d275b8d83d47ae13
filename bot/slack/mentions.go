package slack

import (
	"context"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	// With "Escape channels, users, and links" on, Slack sends a typed mention as
	// <@U024BE7LH|bob> (or <@U024BE7LH>); W… ids are Enterprise Grid users.
	escapedMention = regexp.MustCompile(`<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>`)
	// Without it, a mention arrives as typed: @bob, starting a word.
	typedMention = regexp.MustCompile(`(?:^|[\s\p{Z}])@([\p{L}\p{N}._'\-]{1,80})`)
)

// maxMentions bounds the look-ups one command can cause (the handlers take at most a few
// hundred users anyway).
const maxMentions = 500

// rewriteMentions replaces each mention of a person in a command's text with their e-mail,
// so that the handlers, which know people by address, can read it. byID resolves an escaped
// mention's user id, byName a typed @name; a mention they can't resolve (unknown, ambiguous,
// no e-mail) stays as typed, and the handlers' parser refuses it with the reason.
func rewriteMentions(text string, byID, byName func(string) (string, bool)) string {
	lookups := 0
	resolve := func(f func(string) (string, bool), key string) (string, bool) {
		if lookups >= maxMentions {
			return "", false
		}
		lookups++
		email, ok := f(key)
		return email, ok && plausibleEmail(email)
	}
	if strings.Contains(text, "<@") {
		text = escapedMention.ReplaceAllStringFunc(text, func(m string) string {
			id := escapedMention.FindStringSubmatch(m)[1]
			if email, ok := resolve(byID, id); ok {
				return email
			}
			return m
		})
	}
	if !strings.Contains(text, "@") {
		return text
	}
	var b strings.Builder
	last := 0
	for _, loc := range typedMention.FindAllStringSubmatchIndex(text, -1) {
		at, nameStart, nameEnd := loc[2]-1, loc[2], loc[3]
		if r, _ := utf8.DecodeRuneInString(text[nameEnd:]); nameEnd < len(text) && !unicode.IsSpace(r) {
			continue // "@bob," or "@bob@x": not a whole word
		}
		email, ok := resolve(byName, text[nameStart:nameEnd])
		if !ok {
			continue
		}
		b.WriteString(text[last:at])
		b.WriteString(email)
		last = nameEnd
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// plausibleEmail keeps anything that would change how the command splits into words
// (spaces, a quote that opens a word) out of the text: the handlers check the address itself.
func plausibleEmail(s string) bool {
	if s == "" || !strings.Contains(s, "@") || strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("\"<>|`“”„«»", r)
	}) {
		return false
	}
	first, _ := utf8.DecodeRuneInString(s)
	return !strings.ContainsRune("'‘’\u201a", first)
}

// resolveMentions rewrites a command's mentions through Slack's directory.
func (p *Platform) resolveMentions(ctx context.Context, text string) string {
	byID := func(id string) (string, bool) {
		u, err := p.profile(ctx, id)
		if err != nil {
			p.log.WarnContext(ctx, "can't resolve a mention", "user", id, "err", err)
			return "", false
		}
		return u.Email, u.Email != ""
	}
	byName := func(name string) (string, bool) {
		u, ok, err := p.userByName(ctx, name)
		if err != nil {
			p.log.WarnContext(ctx, "can't resolve a mention", "name", name, "err", err)
			return "", false
		}
		return u.Email, ok && u.Email != ""
	}
	return rewriteMentions(text, byID, byName)
}
