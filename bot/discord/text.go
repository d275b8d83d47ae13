package discord

import (
	"strings"
	"unicode"
)

// markdown escapes what Discord's markdown would read in text that comes from data (names,
// reasons, product names): without it "john_doe@contoso.com" turns italic and a reason
// could carry a masked link or a mention's look. A backslash shows the next character as is.
var markdown = strings.NewReplacer(
	`\`, `\\`, `*`, `\*`, `_`, `\_`, "~", `\~`, "`", "\\`", "|", `\|`,
	"<", `\<`, ">", `\>`, "#", `\#`, "[", `\[`, "]", `\]`,
)

func escapeMarkdown(s string) string { return markdown.Replace(s) }

// textLen counts s the way Discord's limits are safe to read: in UTF-16 code units (a
// character outside the Basic Multilingual Plane counts twice), so that a limit in
// characters is never passed however Discord counts.
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
	if limit < 1 {
		return ""
	}
	cut := wordCut(s, prefixLen(s, limit-1))
	return strings.TrimRightFunc(s[:cut], unicode.IsSpace) + "…"
}

// wordCut moves a cut at byte i of s back to the last space before it, so that no word is
// split; a single word longer than the whole cut is split, but never right after the
// backslash of an escape (which would then escape the "…").
func wordCut(s string, i int) int {
	if i >= len(s) {
		return len(s)
	}
	if j := strings.LastIndexFunc(s[:i], unicode.IsSpace); j > 0 {
		return j
	}
	for i > 0 && s[i-1] == '\\' {
		i--
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
