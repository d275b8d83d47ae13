package slack

import (
	"strings"
	"testing"
	"unicode/utf8"
)

var directory = map[string]string{"U0ALICE": "alice@contoso.com", "alice": "alice@contoso.com", "bob": "bob@contoso.com"}

func lookup(key string) (string, bool) {
	e, ok := directory[key]
	return e, ok
}

func TestRewriteMentions(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"nothing to rewrite", "alice@contoso.com --all", "alice@contoso.com --all"},
		{"escaped mention", "<@U0ALICE|alice> --all", "alice@contoso.com --all"},
		{"escaped mention without name", "<@U0ALICE> --all", "alice@contoso.com --all"},
		{"typed mention", "@alice --all", "alice@contoso.com --all"},
		{"typed mention after a tab", "show\t@bob", "show\tbob@contoso.com"},
		{"an e-mail is not a mention", "x@alice --all", "x@alice --all"},
		{"a mention with punctuation after is left", "@alice, --all", "@alice, --all"},
		{"unknown stays", "@carol <@U0CAROL|carol>", "@carol <@U0CAROL|carol>"},
		{"channel and group mentions stay", "<#C024BE7LR|general> <!subteam^S1|@admins> <!here>", "<#C024BE7LR|general> <!subteam^S1|@admins> <!here>"},
		{"mailto stays for the parser", "<mailto:bob@contoso.com|bob@contoso.com>", "<mailto:bob@contoso.com|bob@contoso.com>"},
		{"inside a quoted reason too", `@bob --reason "asked by @alice today"`, `bob@contoso.com --reason "asked by alice@contoso.com today"`},
		{"a mention closing a quote is left", `@bob --reason "asked by @alice"`, `bob@contoso.com --reason "asked by @alice"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rewriteMentions(tt.in, lookup, lookup); got != tt.want {
				t.Fatalf("rewriteMentions(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRewriteMentionsRefusesAddressesThatWouldSplit(t *testing.T) {
	bad := func(string) (string, bool) { return "evil@x.com --all", true }
	if got := rewriteMentions("@alice <@U0ALICE>", bad, bad); got != "@alice <@U0ALICE>" {
		t.Fatalf("got %q", got)
	}
}

func FuzzRewriteMentions(f *testing.F) {
	for _, s := range []string{
		"<@U0ALICE|alice> --all", "@alice @bob --product \"Office 365 E3\"", "<mailto:a@b.c|a@b.c>",
		"<@U0ALICE", "@", "<@>", "@@alice", " @alice", "“@alice”", "@alice\u00a0--all", "<@U0ALICE|<@U0ALICE>>",
	} {
		f.Add(s)
	}
	none := func(string) (string, bool) { return "", false }
	f.Fuzz(func(t *testing.T, text string) {
		// Nobody known: the text never changes.
		if got := rewriteMentions(text, none, none); got != text {
			t.Fatalf("unresolved mentions changed %q to %q", text, got)
		}
		everyone := func(string) (string, bool) { return "someone@contoso.com", true }
		got := rewriteMentions(text, everyone, everyone)
		if !strings.Contains(text, "@") && got != text {
			t.Fatalf("text without @ changed: %q → %q", text, got)
		}
		if utf8.ValidString(text) && !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 out of %q", text)
		}
		// Each address comes from one mention: no more of them than there were @s.
		if n := strings.Count(got, "someone@contoso.com"); n > strings.Count(text, "@") {
			t.Fatalf("%d addresses out of %d @s: %q → %q", n, strings.Count(text, "@"), text, got)
		}
		if len(got) > len(text)+maxMentions*len("someone@contoso.com") {
			t.Fatalf("output grew without bound")
		}
		// The rewriting never splits a word in two: the handlers' parser sees no new words.
		if len(strings.Fields(got)) > len(strings.Fields(text)) {
			t.Fatalf("words added: %q → %q", text, got)
		}
	})
}
