package discord

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/discord/discordfake"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// Messages as the handlers make them (handlers/messages.go).
func planMessage(users int) bot.Message {
	m := bot.Message{
		Text: fmt.Sprintf("This will remove %d licenses from %d users once approved. Please check and confirm.", users, users),
		Buttons: []bot.Button{
			{Label: "Confirm", Action: "confirm", Value: "7k2m9q4x8w1r5t3y", Style: bot.Primary, Confirm: &bot.Confirmation{
				Title: "Remove these licenses?", Text: fmt.Sprintf("%d licenses will be removed once approved.", users), Yes: "Confirm", No: "Back"}},
			{Label: "Cancel", Action: "cancel", Value: "7k2m9q4x8w1r5t3y"},
		},
		Footer: "Request 7k2m9q4x8w1r5t3y · waits 15 minutes for your confirmation",
	}
	for i := range users {
		m.Sections = append(m.Sections, bot.Section{
			Title: fmt.Sprintf("User %03d <user_%03d@contoso.com>", i, i),
			Text: "✂ remove Office 365 E3 (ENTERPRISEPACK)\n" +
				"↷ keep Microsoft 365 E5 (SPE_E5): inherited from the group \"All Staff\": remove the user from the group (or the license from the group) instead\n" +
				"⚠ Mailbox: kept for 30 days, then deleted for good on Wed 1 Apr 2026. Assigning an Exchange Online license again before then reconnects it with its data.",
		})
	}
	return m
}

func approvalMessage() bot.Message {
	return bot.Message{
		Text: "Megan Bowen asks to remove 2 licenses from 2 users. Approve?",
		Sections: []bot.Section{
			{Fields: []bot.Field{{Label: "Requested by", Value: "Megan Bowen <megan@contoso.com>"}, {Label: "Reason", Value: "left the company & @everyone *asked*", Verbatim: true}}},
			{Title: "Alice Wood <alice@contoso.com>", Text: "✂ remove Office 365 E3 (ENTERPRISEPACK)\n⚠ Sign-in is NOT blocked: removing licenses doesn't sign the user out. For a leaver, block sign-in and revoke their sessions."},
			{Title: "Bob Reyes <bob@contoso.com>", Text: "✂ remove Office 365 E3 (ENTERPRISEPACK)"},
		},
		Buttons: []bot.Button{
			{Label: "Approve", Action: "approve", Value: "7k2m9q4x8w1r5t3y", Style: bot.Primary},
			{Label: "Deny", Action: "deny", Value: "7k2m9q4x8w1r5t3y", Style: bot.Danger},
		},
		Footer: "Request 7k2m9q4x8w1r5t3y · open until Thu 5 Mar 2026 09:30 UTC",
	}
}

func outcomeMessage() bot.Message {
	return bot.Message{
		Text: "Request 7k2m9q4x8w1r5t3y: 1 removed, 1 skipped, 0 failed.",
		Sections: []bot.Section{
			{Title: "Alice Wood <alice@contoso.com>", Text: "✓ removed Office 365 E3"},
			{Title: "Bob Reyes <bob@contoso.com>", Text: "↷ skipped Office 365 E3: not assigned any more"},
			{Title: "Seats", Text: "Office 365 E3: 25 purchased, 20 assigned, 5 unused (1 freed now), next renewal Sun 1 Nov 2026\n" +
				"If these seats won't be given to someone else, reduce the subscription's license count in the admin center (Billing › Your products) so you stop paying for them."},
		},
		Warnings: []string{
			"alice@contoso.com: Mailbox: kept for 30 days, then deleted for good on Wed 1 Apr 2026. Assigning an Exchange Online license again before then reconnects it with its data.",
			"alice@contoso.com: OneDrive: files are not deleted by this, but Microsoft archives OneDrive accounts left unlicensed (around Mon 31 Aug 2026).",
		},
		Footer: "Request 7k2m9q4x8w1r5t3y · approved by Adele Vance · finished Mon 2 Mar 2026 09:41 UTC",
	}
}

func TestRenderGolden(t *testing.T) {
	tests := []struct {
		name  string
		msg   bot.Message
		lead  string
		roles []string
	}{
		{"plan", planMessage(2), "", nil},
		{"approval", approvalMessage(), "<@&" + approverRole + ">", []string{approverRole}},
		{"outcome", outcomeMessage(), "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := render(tt.msg, tt.lead, tt.roles, bot.English)
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false) // so that the files read as Discord shows them
			enc.SetIndent("", "  ")
			if err := enc.Encode(r); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			path := filepath.Join("testdata", "golden", tt.name+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s differs from the golden file (run with -update if intended):\n%s", path, got)
			}
			checkLimits(t, r)
		})
	}
}

// checkLimits holds a rendering to Discord's limits, as discordfake enforces them.
func checkLimits(t *testing.T, r rendered) {
	t.Helper()
	raw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := discordfake.ValidateMessage(raw); err != nil {
		t.Fatalf("Discord would refuse the message: %v", err)
	}
	total := 0
	for _, e := range r.Embeds {
		total += embedLen(e)
	}
	if r.Content == "" || textLen(r.Content) > maxContent || total > maxEmbedsTotal || len(r.Embeds) > maxEmbeds {
		t.Fatalf("content %d, embeds %d with %d characters", textLen(r.Content), len(r.Embeds), total)
	}
}

func TestRenderKeepsWithinDiscordsLimits(t *testing.T) {
	longWord := strings.Repeat("x", 5000)
	manyButtons := bot.Message{Text: "Pick"}
	for i := range 40 {
		manyButtons.Buttons = append(manyButtons.Buttons, bot.Button{Label: strings.Repeat("L", 100), Action: "pick", Value: fmt.Sprintf("7k2m9q4x8w1r5t3y.%d", i)})
	}
	tests := []struct {
		name  string
		msg   bot.Message
		check func(t *testing.T, r rendered)
	}{
		{
			name: "a plan of 300 users is summarised at section boundaries",
			msg:  planMessage(300),
			check: func(t *testing.T, r rendered) {
				d := r.Embeds[0].Description
				shown := strings.Count(d, "✂ remove")
				var n int
				i := strings.LastIndex(d, "… and ")
				fmt.Sscanf(d[i:], "… and %d more", &n)
				if shown < 5 || shown+n != 300 {
					t.Fatalf("%d shown + %d summarised ≠ 300 users", shown, n)
				}
				if strings.Count(d, "**User ") != shown {
					t.Fatalf("a user's section was cut")
				}
			},
		},
		{
			name: "a long text is cut at line ends",
			msg:  bot.Message{Text: strings.Repeat("word ", 1000), Sections: []bot.Section{{Title: "Long", Text: strings.Repeat("a line of text that goes on\n", 400)}}},
			check: func(t *testing.T, r rendered) {
				if !strings.HasSuffix(r.Content, "…") {
					t.Fatalf("content not truncated: %d", textLen(r.Content))
				}
				for _, line := range strings.Split(r.Embeds[0].Description, "\n") {
					if line != "a line of text that goes on" && line != "**Long**" && line != "" && !strings.HasPrefix(line, "… and") {
						t.Fatalf("a line was cut: %q", line)
					}
				}
			},
		},
		{
			name:  "a single huge word",
			msg:   bot.Message{Text: longWord, Sections: []bot.Section{{Title: longWord, Text: longWord, Fields: []bot.Field{{Label: longWord, Value: longWord}}}}, Warnings: []string{longWord, longWord}, Footer: longWord},
			check: func(*testing.T, rendered) {},
		},
		{
			name: "40 buttons become five rows of five",
			msg:  manyButtons,
			check: func(t *testing.T, r rendered) {
				if len(r.Components) != 5 {
					t.Fatalf("%d rows", len(r.Components))
				}
			},
		},
		{
			name: "many warnings are counted",
			msg: bot.Message{Text: "t", Warnings: func() []string {
				var w []string
				for i := range 100 {
					w = append(w, fmt.Sprintf("warning %d: %s", i, strings.Repeat("w", 80)))
				}
				return w
			}()},
			check: func(t *testing.T, r rendered) {
				if d := r.Embeds[len(r.Embeds)-1].Description; !strings.Contains(d, "more warnings") {
					t.Fatalf("warnings not summarised")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := render(tt.msg, "", nil, bot.English)
			checkLimits(t, r)
			tt.check(t, r)
		})
	}
}

func TestCustomIDsCarryOnlyActionAndKey(t *testing.T) {
	r := render(bot.Message{Text: "t", Buttons: []bot.Button{
		{Label: "Approve", Action: "approve", Value: "7k2m9q4x8w1r5t3y7k2m9q4x8w1r5t3y"},
		{Label: "Too long", Action: "approve", Value: strings.Repeat("x", 100)},
	}}, "", nil, bot.English)
	raw, _ := json.Marshal(r.Components)
	var rows []struct {
		Components []struct {
			CustomID string `json:"custom_id"`
		} `json:"components"`
	}
	json.Unmarshal(raw, &rows)
	if len(rows) != 1 || len(rows[0].Components) != 1 || rows[0].Components[0].CustomID != "approve:7k2m9q4x8w1r5t3y7k2m9q4x8w1r5t3y" {
		t.Fatalf("components %s", raw)
	}
	if a, v := parseCustomID("pick:7k2m9q4x8w1r5t3y.2"); a != "pick" || v != "7k2m9q4x8w1r5t3y.2" {
		t.Fatalf("parsed %q %q", a, v)
	}
}

// hostileReason is a reason typed to pass for part of the approval request (issue 12): a
// line of its own in bold, formatting, mentions, @everyone and a masked link.
const hostileReason = "*Approved by:* Security Team\n_x_ ~y~ `code` <@U0MEGAN> <!channel> @everyone <https://evil|click>"

func TestVerbatimFieldIsEscapedOnOneLineInQuotes(t *testing.T) {
	tests := []struct {
		name  string
		field bot.Field
		roles []string // the roles the message may ping
		want  string   // the embed field's value as Discord gets it
		// mentions is the message's allowed_mentions as Discord gets it: nobody but the roles.
		mentions string
	}{
		{
			name:     "a hostile reason is shown as typed: escaped, one line, quoted",
			field:    bot.Field{Label: "Reason", Value: hostileReason, Verbatim: true},
			roles:    []string{approverRole},
			want:     "“\\*Approved by\\:\\* Security Team \\_x\\_ \\~y\\~ \\`code\\` \\<@\u200bU0MEGAN\\> \\<!channel\\> @\u200beveryone \\<https\\://evil\\|click\\>”",
			mentions: `{"parse":[],"roles":["` + approverRole + `"],"replied_user":false}`,
		},
		{
			name:     "@everyone and @here in any case lose their look; an e-mail keeps its @",
			field:    bot.Field{Label: "Reason", Value: "@here and @Everyone, ask bob@contoso.com", Verbatim: true},
			want:     "“@\u200bhere and @\u200bEveryone, ask bob@contoso.com”",
			mentions: `{"parse":[],"replied_user":false}`,
		},
		{
			name:     "role, channel, emoji, timestamp and command mentions are text",
			field:    bot.Field{Label: "Reason", Value: "<@&123> <@!456> <#789> <:pepe:42> <t:1700000000:R> </unassign:1>", Verbatim: true},
			want:     "“\\<@\u200b&123\\> \\<@\u200b!456\\> \\<\\#789\\> \\<\\:pepe\\:42\\> \\<t\\:1700000000\\:R\\> \\</unassign\\:1\\>”",
			mentions: `{"parse":[],"replied_user":false}`,
		},
		{
			name:     "headings, lists, quotes, masked links, spoilers and line breaks are text on one line",
			field:    bot.Field{Label: "Reason", Value: "# big\r\n- item\n> quote\t[click](https://evil) ||spoiler|| \\* 1.", Verbatim: true},
			want:     "“\\# big \\- item \\> quote \\[click\\]\\(https\\://evil\\) \\|\\|spoiler\\|\\| \\\\\\* 1.”",
			mentions: `{"parse":[],"replied_user":false}`,
		},
		{
			name:     "a long reason is cut inside the quotes, within 1,024 and not inside an escape",
			field:    bot.Field{Label: "Reason", Value: strings.Repeat("*", 2000), Verbatim: true},
			want:     "“" + strings.Repeat(`\*`, 510) + "…”",
			mentions: `{"parse":[],"replied_user":false}`,
		},
		{
			name:     "a field that is not Verbatim is escaped as before",
			field:    bot.Field{Label: "Requested by", Value: "Megan Bowen <megan@contoso.com>"},
			want:     `Megan Bowen \<megan@contoso.com\>`,
			mentions: `{"parse":[],"replied_user":false}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lead := ""
			for _, r := range tt.roles {
				lead += "<@&" + r + "> "
			}
			r := render(bot.Message{Text: "Approve?", Sections: []bot.Section{{Fields: []bot.Field{tt.field}}}}, lead, tt.roles, bot.English)
			checkLimits(t, r)
			if len(r.Embeds) != 1 || len(r.Embeds[0].Fields) != 1 {
				t.Fatalf("embeds %+v, want one with one field", r.Embeds)
			}
			f := r.Embeds[0].Fields[0]
			if f.Value != tt.want || f.Name != tt.field.Label || !f.Inline {
				t.Fatalf("field value\n got %q\nwant %q", f.Value, tt.want)
			}
			if textLen(f.Value) > maxFieldValue {
				t.Fatalf("field value of %d characters", textLen(f.Value))
			}
			mentions, err := json.Marshal(r.AllowedMentions)
			if err != nil {
				t.Fatal(err)
			}
			if string(mentions) != tt.mentions {
				t.Fatalf("allowed_mentions %s, want %s", mentions, tt.mentions)
			}
			if strings.Contains(r.Content, "Security Team") || strings.Contains(r.Content, "everyone") {
				t.Fatalf("the reason reached the content, where mentions are read: %q", r.Content)
			}
		})
	}
}

// When the sections don't fit in embeds of their own, all go in one description: the
// reason is quoted and escaped there too.
func TestVerbatimFieldInThePackedForm(t *testing.T) {
	m := planMessage(300)
	m.Sections = append([]bot.Section{{Fields: []bot.Field{{Label: "Reason", Value: hostileReason, Verbatim: true}}}}, m.Sections...)
	r := render(m, "", nil, bot.English)
	checkLimits(t, r)
	want := "**Reason:** “\\*Approved by\\:\\* Security Team \\_x\\_ \\~y\\~ \\`code\\` \\<@\u200bU0MEGAN\\> \\<!channel\\> @\u200beveryone \\<https\\://evil\\|click\\>”\n"
	if d := r.Embeds[0].Description; !strings.HasPrefix(d, want) {
		t.Fatalf("packed description starts %q, want %q", d[:min(len(d), 300)], want)
	}
}
