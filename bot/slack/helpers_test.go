package slack

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/slack/slackfake"
)

const testSecret = "test-signing-secret-0123456789ab"

// testNow is the clock of the tests: requests are signed at it and checked against it.
var testNow = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// recorder is a Handler that records what reaches it and answers with canned replies.
type recorder struct {
	mu       sync.Mutex
	commands []bot.Command
	clicks   []bot.Click
	delay    time.Duration
	command  bot.Reply
	click    bot.Reply
}

func (r *recorder) HandleCommand(ctx context.Context, cmd bot.Command) bot.Reply {
	r.mu.Lock()
	r.commands = append(r.commands, cmd)
	delay, reply := r.delay, r.command
	r.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
		}
	}
	return reply
}

func (r *recorder) HandleClick(_ context.Context, click bot.Click) bot.Reply {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clicks = append(r.clicks, click)
	return r.click
}

func (r *recorder) Commands() []bot.Command {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Command(nil), r.commands...)
}

func (r *recorder) Clicks() []bot.Click {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Click(nil), r.clicks...)
}

// sleeps records the waits for Retry-After instead of sleeping.
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeps) Sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return nil
}

type failingDeduper struct{}

func (failingDeduper) Claim(context.Context, string, time.Duration) (bool, error) {
	return false, errors.New("redis: connection refused")
}

// world is a platform wired to a fake Slack with a few people in it.
type world struct {
	slack    *slackfake.Server
	platform *Platform
	handler  *recorder
	sleeps   *sleeps
}

const (
	approvalChannel = "CAPPROVALS"
	approverGroup   = "SAPPROVERS"
)

func newWorld(t *testing.T, configure ...func(*Config)) *world {
	t.Helper()
	fake := slackfake.New(t)
	fake.AddUser(slackfake.User{ID: "U0ADMIN", Name: "megan", RealName: "Megan Bowen", DisplayName: "Megan", Email: "megan@contoso.com", Locale: "tr-TR", TZ: "Europe/Istanbul"})
	fake.AddUser(slackfake.User{ID: "U0ALICE", Name: "alice", RealName: "Alice Wood", DisplayName: "alice", Email: "alice@contoso.com", Locale: "en-US"})
	fake.AddUser(slackfake.User{ID: "U0BOB", Name: "bob", RealName: "Bob Reyes", DisplayName: "Bobby", Email: "bob@contoso.com"})
	fake.AddUser(slackfake.User{ID: "U0NOMAIL", Name: "guest", RealName: "A Guest"})
	fake.AddUser(slackfake.User{ID: "U0SAM1", Name: "sam.one", DisplayName: "sam", Email: "sam1@contoso.com"})
	fake.AddUser(slackfake.User{ID: "U0SAM2", Name: "sam.two", DisplayName: "sam", Email: "sam2@contoso.com"})
	fake.AddUser(slackfake.User{ID: "U0APPROVER", Name: "adele", RealName: "Adele Vance", Email: "adele@contoso.com"})
	fake.AddUserGroup(approverGroup, "U0APPROVER", "U0ADMIN")
	fake.AddChannel(approvalChannel)

	h := &recorder{command: bot.Reply{Message: bot.Message{Text: "Here is the plan."}}}
	sl := &sleeps{}
	cfg := Config{
		BotToken:        slackfake.BotToken,
		SigningSecret:   testSecret,
		APIURL:          fake.APIURL(),
		ApprovalChannel: approvalChannel,
		Approvers:       []string{"U0APPROVER", approverGroup, "bob@contoso.com", "3f2b7a1e-0000-4000-8000-000000000001"},
		Now:             func() time.Time { return testNow },
		Sleep:           sl.Sleep,
	}
	for _, c := range configure {
		c(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.SetHandler(h)
	t.Cleanup(p.Wait)
	return &world{slack: fake, platform: p, handler: h, sleeps: sl}
}

// signed is a request as Slack sends it: signed with the test secret at testNow.
func signed(t *testing.T, path string, body string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	ts, sig := Sign([]byte(body), testSecret, testNow)
	r.Header.Set("X-Slack-Request-Timestamp", ts)
	r.Header.Set("X-Slack-Signature", sig)
	return r
}

// commandForm is a slash command as Slack posts it.
func commandForm(user, text, responseURL, trigger string) string {
	return url.Values{
		"token": {"deprecated-verification-token"}, "team_id": {slackfake.TeamID}, "team_domain": {"contoso"},
		"channel_id": {"C0GENERAL"}, "channel_name": {"general"}, "user_id": {user}, "user_name": {"someone"},
		"command": {"/unassign"}, "text": {text}, "api_app_id": {"A0FAKEAPP"}, "is_enterprise_install": {"false"},
		"response_url": {responseURL}, "trigger_id": {trigger},
	}.Encode()
}

// blockActions reads the fixture and changes it for a test: who clicked, which button, where.
func blockActions(t *testing.T, change func(p map[string]any)) string {
	t.Helper()
	raw, err := os.ReadFile("testdata/block-actions.json")
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(p)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func interactionForm(payload string) string { return url.Values{"payload": {payload}}.Encode() }

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// response decodes a post to a response_url.
type response struct {
	ResponseType    string           `json:"response_type"`
	ReplaceOriginal bool             `json:"replace_original"`
	Text            string           `json:"text"`
	Blocks          []map[string]any `json:"blocks"`
}

func decodeResponse(t *testing.T, c slackfake.Call) response {
	t.Helper()
	var r response
	if err := json.Unmarshal(c.Body, &r); err != nil {
		t.Fatalf("response_url body %s: %v", c.Body, err)
	}
	return r
}

func blockTypes(blocks []map[string]any) []string {
	var out []string
	for _, b := range blocks {
		out = append(out, b["type"].(string))
	}
	return out
}

type panicker struct{}

func (panicker) HandleCommand(context.Context, bot.Command) bot.Reply { panic("boom") }
func (panicker) HandleClick(context.Context, bot.Click) bot.Reply     { panic("boom") }
