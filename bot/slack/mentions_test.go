package slack

import "testing"

func TestMentionPatterns(t *testing.T) {
	for _, tt := range []struct {
		in         string
		id, name   string
		escapedNil bool
	}{
		{in: "<@U0ALICE|alice>", id: "U0ALICE"},
		{in: "<@W0GRID>", id: "W0GRID"},
		{in: "@alice", name: "alice"},
		{in: "@o'brien", name: "o'brien"},
		{in: "<@U0ALICE|a<b>"},
		{in: "@alice,"},
		{in: "@"},
	} {
		var id, name string
		if m := escapedMention.FindStringSubmatch(tt.in); m != nil {
			id = m[1]
		}
		if m := typedMention.FindStringSubmatch(tt.in); m != nil {
			name = m[1]
		}
		if id != tt.id || name != tt.name {
			t.Errorf("%q: id %q name %q, want %q %q", tt.in, id, name, tt.id, tt.name)
		}
	}
}

func FuzzMentionPatterns(f *testing.F) {
	for _, s := range []string{"<@U0ALICE|alice>", "@alice", "<@U0ALICE", "@", "<@>", "@@alice", "<@U0ALICE|<@U0ALICE>>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if escapedMention.MatchString(s) && typedMention.MatchString(s) {
			t.Fatalf("%q is both an escaped and a typed mention", s)
		}
	})
}
