package discord

import (
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/bottest"
	"github.com/licensebot/licensebot/bot/discord/discordfake"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// The messages of the tests, as the handlers make them (bottest): people are
// user_000@contoso.com… (an underscore, which Discord's markdown reads), and a reason tries
// to ping everyone and to format itself.
const (
	testAddress = "user_%03d@contoso.com"
	testReason  = "left the company & @everyone *asked*"
)

func approvalMessage() bot.Message { return bottest.ApprovalMessage(testReason, false) }

func TestRenderGolden(t *testing.T) {
	samples := bottest.Samples(testAddress, testReason, false)
	bottest.RenderGolden(t, samples, func(s bottest.Sample) rendered {
		if s.Approval {
			return render(s.Message, "<@&"+approverRole+">", []string{approverRole}, bot.English)
		}
		return render(s.Message, "", nil, bot.English)
	}, checkLimits, *update)
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
			msg:  bottest.PlanMessage(300, testAddress),
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
	m := bottest.PlanMessage(300, testAddress)
	m.Sections = append([]bot.Section{{Fields: []bot.Field{{Label: "Reason", Value: hostileReason, Verbatim: true}}}}, m.Sections...)
	r := render(m, "", nil, bot.English)
	checkLimits(t, r)
	want := "**Reason:** “\\*Approved by\\:\\* Security Team \\_x\\_ \\~y\\~ \\`code\\` \\<@\u200bU0MEGAN\\> \\<!channel\\> @\u200beveryone \\<https\\://evil\\|click\\>”\n"
	if d := r.Embeds[0].Description; !strings.HasPrefix(d, want) {
		t.Fatalf("packed description starts %q, want %q", d[:min(len(d), 300)], want)
	}
}
