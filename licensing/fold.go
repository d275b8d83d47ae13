package licensing

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// fold is the key under which product names, part numbers and GUIDs are compared with what
// an admin typed: letters case-folded as strings.EqualFold compares them, runs of white space
// as one space (no leading or trailing), and dashes as '-'.
//
// On top of EqualFold, Turkish İ (U+0130) and ı (U+0131) count as i: Unicode's simple case
// folding leaves them alone, but a Turkish keyboard turns "office" into "OFFİCE" and
// "OFFICE" into "offıce", and the bot has Turkish-speaking users (the seed is the Turkish
// edition of Microsoft's article).
func fold(s string) string {
	buf := make([]byte, 0, len(s))
	space := false
	for i := 0; i < len(s); {
		var r rune
		if c := s[i]; c < utf8.RuneSelf {
			r = rune(c)
			i++
		} else {
			var size int
			r, size = utf8.DecodeRuneInString(s[i:])
			i += size
		}
		if unicode.IsSpace(r) {
			space = len(buf) > 0
			continue
		}
		if space {
			buf = append(buf, ' ')
			space = false
		}
		if r = foldRune(r); r < utf8.RuneSelf {
			buf = append(buf, byte(r))
		} else {
			buf = utf8.AppendRune(buf, r)
		}
	}
	return string(buf)
}

// compact is fold without anything but letters and digits, so that "E-3", "e3" and
// "Power BI" / "powerbi" meet in a word search.
func compact(folded string) string {
	if isASCII(folded) {
		buf := make([]byte, 0, len(folded))
		for i := 0; i < len(folded); i++ {
			if c := folded[i]; 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' {
				buf = append(buf, c)
			}
		}
		return string(buf)
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, folded)
}

func foldRune(r rune) rune {
	switch r {
	case 'İ', 'ı':
		return 'i'
	case '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212': // hyphens, en/em dash, minus
		return '-'
	}
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	// The smallest rune of r's simple folding orbit stands for the whole orbit, which is
	// exactly what strings.EqualFold treats as equal (K, k and the Kelvin sign K, say).
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	if 'A' <= least && least <= 'Z' { // agree with the ASCII path above
		least += 'a' - 'A'
	}
	return least
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
