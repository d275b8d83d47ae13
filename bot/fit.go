package bot

import (
	"strings"
	"unicode"

	"github.com/licensebot/licensebot/locale"
)

// Fit cuts text to a chat platform's limits: counted the way the limits are safe to read,
// cut at line ends or spaces, never inside a word where it can be helped, and never inside
// one of the platform's escapes.
type Fit struct {
	// KeepEscape moves a cut at byte i of s back so that it doesn't split an escape of the
	// platform's markup (Slack's &amp;, Discord's backslash); nil: no escapes to keep.
	KeepEscape func(s string, i int) int
}

// TextLen counts s in UTF-16 code units, so that a character outside the Basic Multilingual
// Plane counts twice and a limit in characters is never passed however a platform counts.
func TextLen(s string) int {
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

// Truncate shortens s to at most limit characters, ending with "…" at a word boundary.
func (f Fit) Truncate(s string, limit int) string {
	if TextLen(s) <= limit {
		return s
	}
	if limit < 1 {
		return ""
	}
	cut := f.wordCut(s, prefixLen(s, limit-1))
	return strings.TrimRightFunc(s[:cut], unicode.IsSpace) + "…"
}

// Split cuts s into chunks of at most limit characters, at line ends where it can, else at
// spaces: a long list is split between its lines, never inside a word.
func (f Fit) Split(s string, limit int) []string {
	var chunks []string
	for TextLen(s) > limit {
		i := prefixLen(s, limit)
		cut := strings.LastIndexByte(s[:i], '\n')
		if cut <= 0 {
			cut = f.wordCut(s, i)
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

// wordCut moves a cut at byte i of s back to the last space before it, so that no word is
// split; a single word longer than the whole cut is split, but not inside an escape.
func (f Fit) wordCut(s string, i int) int {
	if i >= len(s) {
		return len(s)
	}
	if j := strings.LastIndexFunc(s[:i], unicode.IsSpace); j > 0 {
		return j
	}
	if f.KeepEscape != nil {
		return f.KeepEscape(s, i)
	}
	return i
}

// Omitted names the sections a message had to leave out, as many titles as fit in limit
// characters: "… and 37 more (too long for one Slack message): Alice, Bob, …", in lang
// (English, Turkish; see LanguageOf). escape makes a title safe in the platform's markup.
func Omitted(lang string, left []Section, where string, limit int, escape func(string) string) string {
	head := locale.For(lang).T("bot.omitted", "Count", len(left), "Platform", where)
	var titles []string
	for _, s := range left {
		if t := strings.TrimSpace(s.Title); t != "" {
			titles = append(titles, escape(t))
		}
	}
	if len(titles) == 0 {
		return head + "."
	}
	text := head + ": "
	for i, t := range titles {
		sep, rest := ", ", ", …"
		if i == 0 {
			sep = ""
		}
		if i == len(titles)-1 {
			rest = ""
		}
		if TextLen(text)+TextLen(sep)+TextLen(t)+TextLen(rest) > limit {
			if i == 0 {
				return head + "."
			}
			return text + ", …"
		}
		text += sep + t
	}
	return text + "."
}
