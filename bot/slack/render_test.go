package slack

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"testing"

	slackapi "github.com/slack-go/slack"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/bottest"
	"github.com/licensebot/licensebot/bot/slack/slackfake"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// The messages of the tests, as the handlers make them (bottest): people are
// user000@contoso.com…, and a reason tries a broadcast.
const (
	testAddress = "user%03d@contoso.com"
	testReason  = "left the company & <!channel> asked"
)

func TestRenderGolden(t *testing.T) {
	lead := func(s bottest.Sample) string {
		if s.Approval {
			return "<@U0APPROVER> <!subteam^SAPPROVERS>"
		}
		return ""
	}
	bottest.RenderGolden(t, bottest.Samples(testAddress, testReason, true),
		func(s bottest.Sample) rendered { return render(s.Message, lead(s), bot.English) }, checkBlocks, *update)
}

// checkBlocks holds a rendering to Slack's limits, as slackfake enforces them.
func checkBlocks(t *testing.T, r rendered) {
	t.Helper()
	raw, err := json.Marshal(r.Blocks)
	if err != nil {
		t.Fatal(err)
	}
	if err := slackfake.ValidateBlocks(raw); err != nil {
		t.Fatalf("Slack would refuse the blocks: %v", err)
	}
	if r.Text == "" || textLen(r.Text) > maxFallbackText {
		t.Fatalf("fallback text of %d characters", textLen(r.Text))
	}
}

func TestRenderKeepsWithinSlacksLimits(t *testing.T) {
	longWord := strings.Repeat("x", 3500)
	tests := []struct {
		name  string
		msg   bot.Message
		check func(t *testing.T, r rendered)
	}{
		{
			name: "a plan of 300 users is summarised",
			msg:  bottest.PlanMessage(300, testAddress),
			check: func(t *testing.T, r rendered) {
				last := r.Blocks[len(r.Blocks)-3] // summary, actions, footer
				text := sectionText(last)
				if !strings.HasPrefix(text, "… and ") || !strings.Contains(text, "more") {
					t.Fatalf("no summary of the users left out: %q", text)
				}
				shown := 0
				for _, b := range r.Blocks {
					shown += strings.Count(sectionText(b), "✂ remove")
				}
				if shown < 30 {
					t.Fatalf("only %d users shown of 300", shown)
				}
				var n int
				fmt.Sscanf(text, "… and %d more", &n)
				if shown+n != 300 {
					t.Fatalf("%d shown + %d summarised ≠ 300 users", shown, n)
				}
			},
		},
		{
			name: "a long section is split at line ends",
			msg:  bot.Message{Text: "t", Sections: []bot.Section{{Title: "Long", Text: strings.Repeat("a line of text that goes on\n", 300)}}},
			check: func(t *testing.T, r rendered) {
				for _, b := range r.Blocks[1:] {
					for _, line := range strings.Split(sectionText(b), "\n") {
						if line != "a line of text that goes on" && line != "*Long*" {
							t.Fatalf("a line was cut: %q", line)
						}
					}
				}
			},
		},
		{
			name: "a word longer than a block is cut, not refused",
			msg:  bot.Message{Text: longWord, Sections: []bot.Section{{Text: longWord}}, Footer: longWord},
		},
		{
			name: "many warnings are counted, not all shown",
			msg: bot.Message{Text: "t", Warnings: func() []string {
				var ws []string
				for i := range 400 {
					ws = append(ws, fmt.Sprintf("user%03d@contoso.com: Mailbox: kept for 30 days, then deleted for good on Wed 1 Apr 2026.", i))
				}
				return ws
			}()},
			check: func(t *testing.T, r rendered) {
				all := ""
				for _, b := range r.Blocks {
					all += sectionText(b)
				}
				if !strings.Contains(all, "more warnings") {
					t.Fatal("no count of the warnings left out")
				}
			},
		},
		{
			name: "many fields go ten to a block",
			msg: bot.Message{Text: "t", Sections: []bot.Section{{Title: "Fields", Fields: func() []bot.Field {
				var fs []bot.Field
				for i := range 25 {
					fs = append(fs, bot.Field{Label: fmt.Sprint("F", i), Value: strings.Repeat("v ", 1500)})
				}
				return fs
			}()}}},
		},
		{
			name: "pick buttons get unique action ids that map back",
			msg: bot.Message{Text: "Which?", Buttons: func() []bot.Button {
				var bs []bot.Button
				for i := range 30 {
					bs = append(bs, bot.Button{Label: strings.Repeat("Remove Microsoft 365 E5 ", 5), Action: "pick", Value: fmt.Sprintf("abcdefabcdefabcdef.%d", i)})
				}
				return append(bs, bot.Button{Label: "Cancel", Action: "cancel", Value: "abcdefabcdefabcdef"})
			}()},
			check: func(t *testing.T, r rendered) {
				raw, _ := json.Marshal(r.Blocks)
				var blocks []struct {
					Type     string `json:"type"`
					Elements []struct {
						ActionID string                `json:"action_id"`
						Text     struct{ Text string } `json:"text"`
					} `json:"elements"`
				}
				json.Unmarshal(raw, &blocks)
				var ids []string
				for _, b := range blocks {
					if b.Type == "actions" {
						for _, e := range b.Elements {
							ids = append(ids, e.ActionID)
							if strings.HasSuffix(e.Text.Text, "…") && strings.HasSuffix(strings.TrimSuffix(e.Text.Text, "…"), "Micro") {
								t.Fatalf("button text cut mid-word: %q", e.Text.Text)
							}
						}
					}
				}
				if len(ids) != 31 || ids[0] != "pick" || ids[1] != "pick_1" || ids[29] != "pick_29" || ids[30] != "cancel" {
					t.Fatalf("action ids %v", ids)
				}
				for _, id := range ids[:30] {
					if actionOf(id) != "pick" {
						t.Fatalf("%s maps to %s", id, actionOf(id))
					}
				}
			},
		},
		{
			// The dialog's text is a plain_text object
			// (https://docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object):
			// shown as typed, so not mrkdwn-escaped, and cut at its own limit of 300.
			name: "a confirmation dialog's text is plain, unescaped and within 300",
			msg: bot.Message{Text: "t", Buttons: []bot.Button{
				{Label: "Go", Action: "go", Value: "r1", Confirm: &bot.Confirmation{Title: "Sure?", Text: "Alice <alice@contoso.com> & Bob"}},
				{Label: "Go", Action: "go", Value: "r2", Confirm: &bot.Confirmation{Text: strings.Repeat("word ", 100)}},
			}},
			check: func(t *testing.T, r rendered) {
				raw, _ := json.Marshal(r.Blocks)
				var blocks []struct {
					Elements []struct {
						Confirm struct {
							Text struct{ Type, Text string } `json:"text"`
						} `json:"confirm"`
					} `json:"elements"`
				}
				json.Unmarshal(raw, &blocks)
				got := blocks[len(blocks)-1].Elements
				if c := got[0].Confirm.Text; c.Type != "plain_text" || c.Text != "Alice <alice@contoso.com> & Bob" {
					t.Fatalf("confirm text %+v", c)
				}
				if c := got[1].Confirm.Text; c.Type != "plain_text" || textLen(c.Text) > maxConfirmText || !strings.HasSuffix(c.Text, "word…") {
					t.Fatalf("long confirm text %+v (%d characters)", c, textLen(c.Text))
				}
			},
		},
		{
			name: "text that looks like Slack markup is escaped",
			msg:  bot.Message{Text: "Reason: <!channel> & <@U123>", Footer: "a <b> c"},
			check: func(t *testing.T, r rendered) {
				if r.Text != "Reason: &lt;!channel&gt; &amp; &lt;@U123&gt;" {
					t.Fatalf("text %q", r.Text)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := render(tt.msg, "", bot.English)
			if len(r.Blocks) > maxBlocks {
				t.Fatalf("%d blocks", len(r.Blocks))
			}
			checkBlocks(t, r)
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func sectionText(b any) string {
	raw, _ := json.Marshal(b)
	var s struct {
		Text struct{ Text string } `json:"text"`
	}
	json.Unmarshal(raw, &s)
	return s.Text.Text
}

// hostileReason is a reason typed to pass for part of the approval request (issue 12): a
// line of its own in bold, formatting, a mention (which Slack would show as the person, and
// licensebot turn into their e-mail), a channel ping, an @everyone and a masked link.
const hostileReason = "*Approved by:* Security Team\n_x_ ~y~ `code` <@U0MEGAN> <!channel> @everyone <https://evil|click>"

func TestVerbatimFieldIsPlainTextOnOneLineInQuotes(t *testing.T) {
	tests := []struct {
		name  string
		field bot.Field
		want  string // the field's text object as Slack gets it
	}{
		{
			name:  "a hostile reason is shown as typed: plain_text, one line, quoted",
			field: bot.Field{Label: "Reason", Value: hostileReason, Verbatim: true},
			want:  `{"type":"plain_text","text":"Reason\n“*Approved by:* Security Team _x_ ~y~ ` + "`code`" + ` <@U0MEGAN> <!channel> @everyone <https://evil|click>”","emoji":false}`,
		},
		{
			name:  "carriage returns, tabs, control and bidi characters become single spaces",
			field: bot.Field{Label: "Reason", Value: "\r\n  left\r\n\r\n>quote\t\x00\x1b[31mred\u202e ok \u2028end  ", Verbatim: true},
			want:  `{"type":"plain_text","text":"Reason\n“left >quote [31mred ok end”","emoji":false}`,
		},
		{
			name:  "HTML entities and emoji codes are not Slack's to read",
			field: bot.Field{Label: "Gerekçe", Value: "&lt;@U0MEGAN&gt; & :tada:", Verbatim: true},
			want:  `{"type":"plain_text","text":"Gerekçe\n“&lt;@U0MEGAN&gt; & :tada:”","emoji":false}`,
		},
		{
			name:  "a long reason is cut inside the quotes, within a field's 2,000 characters",
			field: bot.Field{Label: "Reason", Value: strings.Repeat("word ", 1000), Verbatim: true},
			want:  `{"type":"plain_text","text":"Reason\n“` + strings.TrimSpace(strings.Repeat("word ", 398)) + `…”","emoji":false}`,
		},
		{
			name:  "without a label, only the quoted words",
			field: bot.Field{Value: "left\nthe company", Verbatim: true},
			want:  `{"type":"plain_text","text":"“left the company”","emoji":false}`,
		},
		{
			name:  "a field that is not Verbatim stays mrkdwn, escaped as before",
			field: bot.Field{Label: "Requested by", Value: "Megan Bowen <megan@contoso.com>"},
			want:  `{"type":"mrkdwn","text":"*Requested by*\nMegan Bowen &lt;megan@contoso.com&gt;"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := render(bot.Message{Text: "Approve?", Sections: []bot.Section{{Fields: []bot.Field{tt.field}}}}, "", bot.English)
			checkBlocks(t, r)
			section, ok := r.Blocks[1].(*slackapi.SectionBlock)
			if !ok || len(section.Fields) != 1 {
				t.Fatalf("block %#v, want a section with one field", r.Blocks[1])
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(section.Fields[0]); err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSuffix(buf.String(), "\n"); got != tt.want {
				t.Fatalf("field\n got %s\nwant %s", got, tt.want)
			}
			if textLen(section.Fields[0].Text) > maxFieldText {
				t.Fatalf("field of %d characters", textLen(section.Fields[0].Text))
			}
		})
	}
}

// The reason is in the approval request once, in its field: not in the notification text
// or any mrkdwn block, where Slack would read it.
func TestVerbatimReasonIsInNoMrkdwn(t *testing.T) {
	m := bottest.ApprovalMessage(testReason, true)
	m.Sections[0].Fields[1].Value = hostileReason
	r := render(m, "<@U0APPROVER>", bot.English)
	checkBlocks(t, r)
	raw, err := json.Marshal(r.Blocks)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []struct {
		Text   *slackapi.TextBlockObject   `json:"text"`
		Fields []*slackapi.TextBlockObject `json:"fields"`
	}
	if err := json.Unmarshal(raw, &blocks); err != nil {
		t.Fatal(err)
	}
	plain := 0
	for _, b := range blocks {
		for _, o := range append([]*slackapi.TextBlockObject{b.Text}, b.Fields...) {
			if o == nil {
				continue
			}
			if strings.Contains(o.Text, "Security Team") {
				if o.Type != slackapi.PlainTextType {
					t.Fatalf("the reason is in a %s object: %q", o.Type, o.Text)
				}
				plain++
			}
		}
	}
	if plain != 1 || strings.Contains(r.Text, "Security Team") {
		t.Fatalf("the reason is in %d plain_text fields (want 1); notification text %q", plain, r.Text)
	}
}

func TestActionOf(t *testing.T) {
	for id, want := range map[string]string{
		"pick": "pick", "pick_1": "pick", "pick_12": "pick", "approve": "approve",
		"pick_": "pick_", "pick_x": "pick_x", "WaXA": "WaXA", "a_b_1": "a_b_1",
	} {
		if got := actionOf(id); got != want {
			t.Errorf("actionOf(%q) = %q, want %q", id, got, want)
		}
	}
}

func BenchmarkRenderPlanOf300(b *testing.B) {
	m := bottest.PlanMessage(300, testAddress)
	for b.Loop() {
		render(m, "", bot.English)
	}
}
