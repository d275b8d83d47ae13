package slack

import "testing"

func TestCommandTextUndoesSlacksEscaping(t *testing.T) {
	for in, want := range map[string]string{
		"<mailto:alice@contoso.com|alice@contoso.com> --all":      "alice@contoso.com --all",
		"<mailto:alice@contoso.com> <mailto:bob@x.com|b> --all":   "alice@contoso.com bob@x.com --all",
		`a@x.com --reason "R&amp;D &lt;team&gt;"`:                 `a@x.com --reason "R&D <team>"`,
		"<@U024BE7LH|bob> --all":                                  "<@U024BE7LH|bob> --all",
		"alice@contoso.com --product \"Office 365 E3\" --dry-run": "alice@contoso.com --product \"Office 365 E3\" --dry-run",
	} {
		if got := commandText(in); got != want {
			t.Errorf("commandText(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzCommandText(f *testing.F) {
	for _, s := range []string{"<mailto:a@b.c|a@b.c>", "&amp;&lt;&gt;", "<mailto:", "<@U1>", "<mailto:x|<mailto:y>>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := commandText(s); len(got) > len(s) {
			t.Fatalf("commandText(%q) = %q grew", s, got)
		}
	})
}
