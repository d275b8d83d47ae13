package teams

import (
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/bottest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// The messages of the tests, as the handlers make them (bottest): people are
// user000@contoso.com…, and a reason tries to ping everyone, to format itself and to carry a
// link.
const (
	testAddress = "user%03d@contoso.com"
	testReason  = "left the company & <at>everyone</at> *asked* [x](https://evil.example)"
)

func TestRenderGolden(t *testing.T) {
	samples := bottest.Samples(testAddress, testReason, false)
	for _, s := range bottest.Samples(testAddress, testReason, true) {
		if s.Approval { // the plan and the outcome don't change with confirm
			s.Name += "-confirm"
			samples = append(samples, s)
		}
	}
	var current bot.Message // the sample being checked
	bottest.RenderGolden(t, samples, func(s bottest.Sample) Activity {
		current = s.Message
		return render(s.Message, bot.English)
	}, func(t *testing.T, a Activity) { checkActivity(t, a, current) }, *update)
}

// checkActivity holds a rendering to Teams' limits and to what licensebot promises: one
// Adaptive Card of version 1.5, only text elements that show their text as typed (nothing of
// a message in a TextBlock), at most six actions, every button's verb and value, a Verbatim
// value in quotes, all within maxMessageUTF16.
func checkActivity(t *testing.T, a Activity, m bot.Message) {
	t.Helper()
	raw, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if n := bot.TextLen(string(raw)); n > maxMessageUTF16 {
		t.Fatalf("activity of %d UTF-16 code units, budget %d", n, maxMessageUTF16)
	}
	if a.Type != typeMessage || len(a.Attachments) != 1 || a.Attachments[0].ContentType != contentTypeCard {
		t.Fatalf("activity %s", raw[:min(len(raw), 300)])
	}
	if bot.TextLen(a.Summary) > maxSummary || a.Summary != bot.OneLine(a.Summary) {
		t.Fatalf("summary %q", a.Summary)
	}
	card := cardOf(t, a)
	if card["type"] != "AdaptiveCard" || card["version"] != "1.5" || card["$schema"] != cardSchema {
		t.Fatalf("card %v %v %v", card["type"], card["version"], card["$schema"])
	}
	if w, _ := card["msteams"].(map[string]any); w["width"] != "Full" {
		t.Fatalf("msteams %v", card["msteams"])
	}
	actions, _ := card["actions"].([]any)
	if len(actions) > maxActions {
		t.Fatalf("%d actions", len(actions))
	}
	var executes []map[string]any
	walk(card, func(o map[string]any) {
		switch typ, _ := o["type"].(string); typ {
		case "AdaptiveCard":
			if o["version"] != "1.5" {
				t.Errorf("a card of version %v", o["version"])
			}
		case "RichTextBlock", "TextRun", "Container", "TextBlock", "FactSet":
		case "Action.Execute":
			executes = append(executes, o)
		case "Action.ShowCard":
		default:
			t.Errorf("element or action %q", typ)
		}
	})
	for _, b := range m.Buttons[:min(len(m.Buttons), maxActions)] {
		found := slices.ContainsFunc(executes, func(e map[string]any) bool {
			data, _ := e["data"].(map[string]any)
			return e["verb"] == b.Action && data["value"] == b.Value
		})
		if !found {
			t.Errorf("no Action.Execute of verb %q and value %q", b.Action, b.Value)
		}
	}
	for _, s := range m.Sections {
		for _, f := range s.Fields {
			if !f.Verbatim {
				continue
			}
			want := bot.Quoted(f.Value, nil, bot.Fit{}, maxVerbatim)
			words := bot.OneLine(f.Value)
			if !strings.HasPrefix(want, bot.OpenQuote) || !strings.HasSuffix(want, bot.CloseQuote) ||
				bot.TextLen(words) < maxVerbatim-2 && want != bot.OpenQuote+words+bot.CloseQuote {
				t.Errorf("Verbatim value quoted as %q", short(want))
			}
			if !slices.Contains(runTexts(card), want) {
				t.Errorf("no TextRun %q", short(want))
			}
			words = string([]rune(words)[:min(len([]rune(words)), 40)])
			walk(card, func(o map[string]any) {
				if o["type"] == "TextBlock" || o["type"] == "FactSet" {
					if b, _ := json.Marshal(o); strings.Contains(string(b), words) {
						t.Errorf("the Verbatim value is in a %v: %s", o["type"], short(string(b)))
					}
				}
			})
		}
	}
}

// short is s for a test's message: its first 200 characters.
func short(s string) string {
	if r := []rune(s); len(r) > 200 {
		return string(r[:200]) + "…"
	}
	return s
}

// cardOf is the activity's card as JSON reads it.
func cardOf(t *testing.T, a Activity) map[string]any {
	t.Helper()
	raw, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Attachments []struct {
			Content map[string]any `json:"content"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil || len(doc.Attachments) != 1 {
		t.Fatalf("%v: %s", err, raw)
	}
	return doc.Attachments[0].Content
}

// walk calls f for every object with a type, depth first, in the order of the JSON (keys
// sorted).
func walk(v any, f func(o map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		if _, ok := v["type"]; ok {
			f(v)
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			walk(v[k], f)
		}
	case []any:
		for _, x := range v {
			walk(x, f)
		}
	}
}

// runTexts is the text of every TextRun in v.
func runTexts(v any) []string {
	var out []string
	walk(v, func(o map[string]any) {
		if o["type"] == "TextRun" {
			out = append(out, o["text"].(string))
		}
	})
	return out
}

// body is the card's body.
func body(t *testing.T, a Activity) []any {
	t.Helper()
	b, _ := cardOf(t, a)["body"].([]any)
	return b
}

// lastSectionLine is the text of the last block before the warnings and the footer: the
// line naming the sections left out, when some were.
func lastSectionLine(t *testing.T, a Activity) string {
	t.Helper()
	var last string
	for _, e := range body(t, a) {
		o := e.(map[string]any)
		if o["type"] == "RichTextBlock" {
			if texts := runTexts(o); len(texts) > 0 && strings.HasPrefix(texts[0], "… ") {
				last = texts[0]
			}
		}
	}
	return last
}

func TestRenderKeepsWithinTeamsLimits(t *testing.T) {
	longWord := strings.Repeat("x", 120_000)
	tests := []struct {
		name  string
		msg   bot.Message
		check func(t *testing.T, a Activity)
	}{
		{
			name: "a plan of 1,000 users is summarised between sections",
			msg:  bottest.PlanMessage(1000, testAddress),
			check: func(t *testing.T, a Activity) {
				texts := runTexts(cardOf(t, a))
				shown := 0
				for _, s := range texts {
					if strings.HasPrefix(s, "User ") {
						shown++
					}
				}
				removes, mailboxes := count(texts, "✂ remove"), count(texts, "⚠ Mailbox")
				var n int
				line := lastSectionLine(t, a)
				fmt.Sscanf(line, "… and %d more", &n)
				if shown < 20 || shown+n != 1000 || removes != shown || mailboxes != shown {
					t.Fatalf("%d shown (%d, %d lines) + %d summarised ≠ 1,000 users: %q", shown, removes, mailboxes, n, line)
				}
				if !strings.Contains(line, fmt.Sprintf("(too long for one Teams message): User %03d <user%03d@contoso.com>, ", shown, shown)) {
					t.Fatalf("summary %q", line)
				}
			},
		},
		{
			name: "a long text is cut, and so is the summary",
			msg:  bot.Message{Text: strings.Repeat("word ", 20_000)},
			check: func(t *testing.T, a Activity) {
				head := runTexts(body(t, a)[0])[0]
				if !strings.HasSuffix(head, "word…") || bot.TextLen(head) > maxTextChars || !strings.HasSuffix(a.Summary, "word…") {
					t.Fatalf("text %d characters, summary %q", bot.TextLen(head), a.Summary)
				}
			},
		},
		{
			name: "text that JSON escapes six times over is cut to its share",
			msg:  bot.Message{Text: strings.Repeat("<", 50_000), Footer: strings.Repeat("&", 5000), Warnings: []string{strings.Repeat(">", 5000)}},
		},
		{
			name: "a single huge word everywhere",
			msg: bot.Message{
				Text:     longWord,
				Sections: []bot.Section{{Title: longWord, Text: longWord, Fields: []bot.Field{{Label: longWord, Value: longWord}, {Label: longWord, Value: longWord, Verbatim: true}}}},
				Warnings: []string{longWord, longWord},
				Footer:   longWord,
				Buttons:  []bot.Button{{Label: longWord, Action: "go", Value: "r1", Confirm: &bot.Confirmation{Title: longWord, Text: longWord, Yes: longWord}}},
			},
		},
		{
			name: "a section longer than a message shows its first lines and is counted",
			msg:  bot.Message{Text: "t", Sections: []bot.Section{{Title: "Long", Text: strings.Repeat("a line of text that goes on\n", 5000)}}},
			check: func(t *testing.T, a Activity) {
				texts := runTexts(cardOf(t, a))
				if n := count(texts, "a line of text that goes on"); n < 50 || !slices.Contains(texts, "Long") {
					t.Fatalf("%d lines shown", n)
				}
				if line := lastSectionLine(t, a); line != "… and 1 more (too long for one Teams message): Long." {
					t.Fatalf("summary %q", line)
				}
			},
		},
		{
			name: "many warnings are counted, not all shown",
			msg: bot.Message{Text: "t", Warnings: func() []string {
				var ws []string
				for i := range 500 {
					ws = append(ws, fmt.Sprintf("user%03d@contoso.com: Mailbox: kept for 30 days, then deleted for good on Wed 1 Apr 2026.", i))
				}
				return ws
			}()},
			check: func(t *testing.T, a Activity) {
				texts := runTexts(cardOf(t, a))
				var n int
				fmt.Sscanf(texts[len(texts)-1], "⚠ … and %d more", &n)
				if shown := count(texts, "⚠ user"); shown < 50 || shown+n != 500 {
					t.Fatalf("%d shown + %d counted ≠ 500: %q", shown, n, texts[len(texts)-1])
				}
			},
		},
		{
			name: "ten buttons become six actions",
			msg: bot.Message{Text: "Which?", Buttons: func() []bot.Button {
				var bs []bot.Button
				for i := range 10 {
					bs = append(bs, bot.Button{Label: fmt.Sprint("Pick ", i), Action: "pick", Value: fmt.Sprintf("7k2m9q4x8w1r5t3y.%d", i)})
				}
				return bs
			}()},
			check: func(t *testing.T, a Activity) {
				actions := cardOf(t, a)["actions"].([]any)
				if len(actions) != 6 || actions[5].(map[string]any)["title"] != "Pick 5" {
					t.Fatalf("actions %v", actions)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := render(tt.msg, bot.English)
			checkActivity(t, a, tt.msg)
			if tt.check != nil {
				tt.check(t, a)
			}
		})
	}
}

func count(texts []string, prefix string) int {
	n := 0
	for _, s := range texts {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

// Teams counts a message in UTF-16, where 😀 (outside the Basic Multilingual Plane) is two
// code units: sections of 300 emoji fit as many times as sections of 600 ASCII letters, not
// as sections of 300.
func TestRenderCountsUTF16(t *testing.T) {
	sections := func(word string) bot.Message {
		m := bot.Message{Text: "t"}
		for i := range 1000 {
			m.Sections = append(m.Sections, bot.Section{Title: fmt.Sprintf("S%03d", i), Text: strings.Repeat(word, 300)})
		}
		return m
	}
	shown := func(a Activity) int {
		return count(runTexts(cardOf(t, a)), "S")
	}
	emoji, double, single := render(sections("😀"), bot.English), render(sections("xx"), bot.English), render(sections("x"), bot.English)
	for _, a := range []Activity{emoji, double, single} {
		checkActivity(t, a, bot.Message{})
	}
	if shown(emoji) != shown(double) || shown(single) <= shown(emoji)*3/2 {
		t.Fatalf("sections shown: %d of 😀, %d of xx, %d of x", shown(emoji), shown(double), shown(single))
	}
	raw, _ := json.Marshal(emoji)
	if units, runes := bot.TextLen(string(raw)), utf8.RuneCount(raw); units > maxMessageUTF16 || units < maxMessageUTF16*9/10 || runes > units*3/4 {
		t.Fatalf("%d UTF-16 code units, %d characters", units, runes)
	}
}

// The budget is under the size Teams recommends ("within 80 KB"), counted as Teams does:
// two bytes a UTF-16 code unit.
func TestBudgetIsWithinTeamsRecommendedSize(t *testing.T) {
	if 2*maxMessageUTF16 > teamsMessageBytes*80/100 {
		t.Fatalf("%d code units are %d bytes, more than 80 KB", maxMessageUTF16, 2*maxMessageUTF16)
	}
}

// Text from the handlers is plain: each text of a message is a TextRun, shown as typed, with
// nothing escaped and no mention entities.
func TestTextIsShownAsTyped(t *testing.T) {
	hostile := "*Approved by:* Security Team _x_ <at>everyone</at> [click](https://evil.example) &amp; \\*"
	m := bot.Message{
		Text:     hostile,
		Sections: []bot.Section{{Title: hostile, Text: hostile + "\n- item\n\n# heading", Fields: []bot.Field{{Label: "Requested by", Value: hostile}}}},
		Warnings: []string{hostile},
		Footer:   hostile,
		Buttons:  []bot.Button{{Label: hostile, Action: "go", Value: "r1"}},
	}
	a := render(m, bot.English)
	checkActivity(t, a, m)
	texts := runTexts(cardOf(t, a))
	want := []string{hostile, hostile, hostile, "- item", "# heading", "Requested by: ", hostile, "⚠ " + hostile, hostile}
	if !slices.Equal(texts, want) {
		t.Fatalf("TextRuns\n got %q\nwant %q", texts, want)
	}
	raw, _ := json.Marshal(a)
	if strings.Contains(string(raw), `"entities"`) || strings.Contains(string(raw), `"TextBlock"`) {
		t.Fatalf("a mention entity or a TextBlock: %s", raw)
	}
	if a.Summary != hostile {
		t.Fatalf("summary %q", a.Summary)
	}
}

func TestVerbatimFieldIsOneQuotedLine(t *testing.T) {
	for _, tt := range []struct{ value, want string }{
		{"left\r\n\r\n*Approved by:* Security Team\t<at>x</at>\u202e", "“left *Approved by:* Security Team <at>x</at>”"},
		{strings.Repeat("word ", 200), "“" + strings.TrimSpace(strings.Repeat("word ", 99)) + "…”"},
	} {
		m := bot.Message{Text: "Approve?", Sections: []bot.Section{{Fields: []bot.Field{{Label: "Reason", Value: tt.value, Verbatim: true}}}}}
		a := render(m, bot.English)
		checkActivity(t, a, bot.Message{})
		c := body(t, a)[1].(map[string]any)
		if texts := runTexts(c); !slices.Equal(texts, []string{"Reason: ", tt.want}) || bot.TextLen(texts[1]) > maxVerbatim {
			t.Fatalf("field %q, want %q", texts, tt.want)
		}
	}
}

// A button with a Confirmation opens a card of ours (Teams has no "are you sure?" dialog):
// its title, text and one Action.Execute titled Yes, with the button's verb, value and style.
func TestConfirmationIsAShowCard(t *testing.T) {
	m := bottest.ApprovalMessage(testReason, true)
	a := render(m, bot.English)
	checkActivity(t, a, m)
	raw, _ := json.Marshal(a.Attachments[0].Content.(adaptiveCard).Actions)
	want := `[{"type":"Action.ShowCard","title":"Approve","card":{"type":"AdaptiveCard","version":"1.5","body":[` +
		`{"type":"RichTextBlock","inlines":[{"type":"TextRun","text":"Approve the removal?","weight":"bolder"}]},` +
		`{"type":"RichTextBlock","inlines":[{"type":"TextRun","text":"The licenses are removed as soon as you approve."}],"spacing":"small"}],` +
		`"actions":[{"type":"Action.Execute","title":"Approve","verb":"approve","data":{"value":"7k2m9q4x8w1r5t3y"},"style":"positive"}]}},` +
		`{"type":"Action.Execute","title":"Deny","verb":"deny","data":{"value":"7k2m9q4x8w1r5t3y"},"style":"destructive"}]`
	if string(raw) != want {
		t.Fatalf("actions\n got %s\nwant %s", raw, want)
	}
	// Without Yes, the button's label; without a style, none.
	b := buttonAction(bot.Button{Label: "Go", Action: "go", Value: "r1", Confirm: &bot.Confirmation{Text: "Sure?"}}).(showCardAction)
	if e := b.Card.Actions[0].(executeAction); e.Title != "Go" || e.Style != "" || len(b.Card.Body) != 1 {
		t.Fatalf("%+v", b)
	}
}

func TestOmittedIsInTheMessagesLanguage(t *testing.T) {
	a := render(bottest.PlanMessage(1000, testAddress), bot.Turkish)
	checkActivity(t, a, bot.Message{})
	if line := lastSectionLine(t, a); !strings.Contains(line, "tane daha (tek bir Teams mesajı için fazla uzun): User ") {
		t.Fatalf("summary %q", line)
	}
}

func TestInvokeMessage(t *testing.T) {
	raw, err := json.Marshal(invokeMessage("Approved."))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"statusCode":200,"type":"application/vnd.microsoft.activity.message","value":"Approved."}`; string(raw) != want {
		t.Fatalf("%s, want %s", raw, want)
	}
}

func BenchmarkRender(b *testing.B) {
	m := bottest.PlanMessage(1000, testAddress)
	for b.Loop() {
		render(m, bot.English)
	}
}
