package bot

import (
	"encoding/json"
	"testing"
)

func TestMessageRefSurvivesStorage(t *testing.T) {
	// Refs are stored with requests (in Redis, as JSON) and used later to edit messages on
	// another replica: they must come back the same, and the zero ref must stay zero.
	tests := []struct {
		name string
		ref  MessageRef
		zero bool
	}{
		{"nothing", MessageRef{}, true},
		{"a Slack channel message", MessageRef{Platform: "slack", Channel: "C024BE91L", ID: "1700000000.000100"}, false},
		{"a reply in a thread", MessageRef{Platform: "slack", Channel: "C024BE91L", ID: "1700000001.000200", Thread: "1700000000.000100"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.ref)
			if err != nil {
				t.Fatal(err)
			}
			var back MessageRef
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if back != tt.ref || back.IsZero() != tt.zero {
				t.Fatalf("ref %+v came back as %+v (zero %v)", tt.ref, back, back.IsZero())
			}
		})
	}
}

func TestQuotedIsOneLineInQuotes(t *testing.T) {
	brackets := func(s string) string { return "[" + s + "]" }
	tests := []struct {
		name   string
		words  string
		escape func(string) string
		limit  int
		want   string
	}{
		{"plain words", "left the company", nil, 0, "“left the company”"},
		{"line breaks, tabs and runs of spaces become one space", "  a\r\nb\n\n\tc   d \u2028e\u0085f ", nil, 0, "“a b c d e f”"},
		{"control characters become spaces", "a\x00b\x1bc\x7fd", nil, 0, "“a b c d”"},
		{"bidirectional overrides can't reorder the quotes", "a\u202egnp.exe\u202c b\u2066c\u2069", nil, 0, "“a gnp.exe b c”"},
		{"markup is shown as typed without an escape", "*Approved by:* <@U1>", nil, 0, "“*Approved by:* <@U1>”"},
		{"the escape runs on the one line", "a\nb", brackets, 0, "“[a b]”"},
		{"nothing but white space is empty quotes", " \n\t ", nil, 0, "“”"},
		{"the words are cut, never the quotes", "one two three four five", nil, 12, "“one two…”"},
		{"a limit with room for one character keeps the quotes", "one two", nil, 3, "“…”"},
		{"emoji ZWJ sequences are kept whole", "ok 👩\u200d💻", nil, 0, "“ok 👩\u200d💻”"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Quoted(tt.words, tt.escape, Fit{}, tt.limit)
			if got != tt.want {
				t.Fatalf("Quoted(%q) = %q, want %q", tt.words, got, tt.want)
			}
			if tt.limit > 0 && TextLen(got) > tt.limit {
				t.Fatalf("%q is %d characters, over %d", got, TextLen(got), tt.limit)
			}
		})
	}
}

func TestIsMention(t *testing.T) {
	for word, want := range map[string]bool{
		"<@U024BE7LH>": true, "<@U024BE7LH|bob>": true, "<@80351110224678912>": true, "<@!80351110224678912>": true,
		"@bob": true, "@": false, "<@>": false, "<@&123>": false, "alice@contoso.com": false, "@alice@contoso.com": false,
		"<mailto:a@b.c|a@b.c>": false,
	} {
		if got := IsMention(word); got != want {
			t.Errorf("IsMention(%q) = %v, want %v", word, got, want)
		}
	}
}

func TestSameWorkspace(t *testing.T) {
	a := Actor{Platform: "slack", Workspace: "T1"}
	for _, tt := range []struct {
		b    Actor
		want bool
	}{
		{Actor{Platform: "slack", Workspace: "T1"}, true},
		{Actor{Platform: "slack", Workspace: "T2"}, false},
		{Actor{Platform: "discord", Workspace: "T1"}, false},
	} {
		if got := a.SameWorkspace(tt.b); got != tt.want {
			t.Errorf("SameWorkspace(%+v) = %v", tt.b, got)
		}
	}
	grid := Actor{Platform: "slack", Workspace: "T1", Enterprise: "E1"}
	if !grid.SameWorkspace(Actor{Platform: "slack", Workspace: "T9", Enterprise: "E1"}) {
		t.Error("two workspaces of one Enterprise Grid are one")
	}
}

func TestMentionedID(t *testing.T) {
	for word, want := range map[string]string{
		"<@U024BE7LH>": "U024BE7LH", "<@U024BE7LH|bob>": "U024BE7LH", "<@!80351110224678912>": "80351110224678912",
		"<@&80351110224678912>": "", "<@>": "", "<@|bob>": "", "@bob": "", "<@a b>": "", "bob@contoso.com": "",
	} {
		got, ok := MentionedID(word)
		if got != want || ok != (want != "") {
			t.Errorf("MentionedID(%q) = %q, %v; want %q", word, got, ok, want)
		}
	}
}
