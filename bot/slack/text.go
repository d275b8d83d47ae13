package slack

import (
	"strings"
	"unicode"
)

// escapeText makes text safe in Slack's mrkdwn: only &, < and > are escaped, as Slack's
// "Formatting text" guide asks. Without it, a name like "Alice <alice@contoso.com>" breaks,
// and text a user typed (a reason) could ping <!channel>.
var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func escapeText(s string) string { return escaper.Replace(s) }

// textLen counts s the way Slack's limits are safe to read: in UTF-16 code units, so that
// a character outside the Basic Multilingual Plane counts twice and a limit in characters
// is never passed however Slack counts.
func textLen(s string) int {
	n := 0
	for _, r := range s {
		n += runeLen(r)
	}
	return n
}

func runeLen(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// prefixLen is the byte length of the longest prefix of s within limit.
func prefixLen(s string, limit int) int {
	n := 0
	for i, r := range s {
		if n+runeLen(r) > limit {
			return i
		}
		n += runeLen(r)
	}
	return len(s)
}

// truncateText shortens s to at most limit characters, ending with "…" at a word boundary.
func truncateText(s string, limit int) string {
	if textLen(s) <= limit {
		return s
	}
	cut := wordCut(s, prefixLen(s, limit-1))
	return strings.TrimRightFunc(s[:cut], unicode.IsSpace) + "…"
}

// wordCut moves a cut at byte i of s back to the last space before it, so that no word is
// split; a single word longer than the whole cut is split, but never inside an &entity;.
func wordCut(s string, i int) int {
	if i >= len(s) {
		return len(s)
	}
	if j := strings.LastIndexFunc(s[:i], unicode.IsSpace); j > 0 {
		return j
	}
	if amp := strings.LastIndexByte(s[:i], '&'); amp >= 0 && !strings.Contains(s[amp:i], ";") && i-amp < 6 && amp > 0 {
		return amp
	}
	return i
}

// splitText cuts s into chunks of at most limit characters, at line ends where it can, else
// at spaces: a long list is split between its lines, never inside a word.
func splitText(s string, limit int) []string {
	var chunks []string
	for textLen(s) > limit {
		i := prefixLen(s, limit)
		cut := strings.LastIndexByte(s[:i], '\n')
		if cut <= 0 {
			cut = wordCut(s, i)
		}
		if cut <= 0 {
			cut = i
		}
		chunks = append(chunks, strings.TrimRightFunc(s[:cut], unicode.IsSpace))
		s = strings.TrimLeftFunc(s[cut:], unicode.IsSpace)
	}
	if s != "" || len(chunks) == 0 {
		chunks = append(chunks, s)
	}
	return chunks
}
