package slack

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/bottest"
	"github.com/licensebot/licensebot/bot/slack/slackfake"
)

const testSecret = "test-signing-secret-0123456789ab"

// testNow is the clock of the tests: requests are signed at it and checked against it.
var testNow = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// world is a platform wired to a fake Slack with a few people in it.
type world struct {
	slack    *slackfake.Server
	platform *Platform
	handler  *bottest.Recorder
	sleeps   *bottest.Sleeps
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

	h := &bottest.Recorder{Command: bot.Reply{Message: bot.Message{Text: "Here is the plan."}}}
	sl := &bottest.Sleeps{}
	cfg := Config{
		BotToken:        slackfake.BotToken,
		SigningSecret:   testSecret,
		APIURL:          fake.APIURL(),
		ApprovalChannel: approvalChannel,
		Approvers:       []string{"U0APPROVER", approverGroup, "bob@contoso.com", "3f2b7a1e-0000-4000-8000-000000000001"},
		Options:         bot.Options{Now: func() time.Time { return testNow }, Sleep: sl.Sleep},
	}
	p := bottest.NewPlatform(t, cfg, configure, New, h)
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
	return string(bottest.Fixture(t, "block-actions.json", change))
}

func interactionForm(payload string) string { return url.Values{"payload": {payload}}.Encode() }

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	bottest.WaitFor(t, what, 5*time.Second, cond)
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
