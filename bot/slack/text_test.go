package slack

import (
	"strings"
	"testing"
)

func TestSplitText(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit int
		want  []string
	}{
		{"short text is one chunk", "a b c", 10, []string{"a b c"}},
		{"split at a line end", "aaaa\nbbbb\ncccc", 10, []string{"aaaa\nbbbb", "cccc"}},
		{"a long line splits at a space", "aaaa bbbb cccc", 10, []string{"aaaa bbbb", "cccc"}},
		{"a long word is cut", "aaaaaaaaaaaaaaa", 10, []string{"aaaaaaaaaa", "aaaaa"}},
		{"an entity is not cut", "aaaaaaa&amp;bbb", 10, []string{"aaaaaaa", "&amp;bbb"}},
		{"empty text", "", 10, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitText(tt.in, tt.limit)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("splitText(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
			}
		})
	}
}

func TestTruncateText(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"Remove Office 365 E3", 75, "Remove Office 365 E3"},
		{"Remove Microsoft 365 E5 Compliance", 20, "Remove Microsoft…"},
		{"Supercalifragilistic", 10, "Supercali…"},
		{"😀😀😀😀😀😀", 6, "😀😀…"},
	}
	for _, tt := range tests {
		if got := truncateText(tt.in, tt.limit); got != tt.want || textLen(got) > tt.limit {
			t.Errorf("truncateText(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
	}
}
