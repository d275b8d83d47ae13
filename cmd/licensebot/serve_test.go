package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot/slack"
	"github.com/licensebot/licensebot/bot/slack/slackfake"
	"github.com/licensebot/licensebot/graph/graphtest"
	"github.com/licensebot/licensebot/store/storetest"
)

const (
	testSigningSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	skuOffice365E3    = "6fd2c87f-b296-42f0-b197-1e91e994b900"
	approvalChannel   = "C0APPROVALS"
)

// syncBuffer is an io.Writer that tests can read while run() writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// slackWorld is licensebot serve in HTTP mode, started through run() with an environment,
// against a real redis-server, the simulated tenant and a fake Slack.
type slackWorld struct {
	t      testing.TB
	base   string // http://127.0.0.1:port
	slack  *slackfake.Server
	tenant *graphtest.Server
	stderr *syncBuffer
	stop   func() error
	n      int
	redis  *storetest.Server
	// now is the program's clock: requests are signed on it.
	now func() time.Time
	env map[string]string
}

func startServe(t testing.TB, extraEnv map[string]string, tenantOpts ...graphtest.Option) *slackWorld {
	t.Helper()
	return startServeAt(t, time.Now, extraEnv, tenantOpts...)
}

// startServeAt is startServe with the program and the simulated tenant on the clock now.
func startServeAt(t testing.TB, now func() time.Time, extraEnv map[string]string, tenantOpts ...graphtest.Option) *slackWorld {
	t.Helper()
	redisSrv := storetest.Start(t)
	tenant, err := graphtest.NewServer(graphtest.SampleTenant(), append([]graphtest.Option{graphtest.WithToken("graph-t0ken"), graphtest.WithClock(now)}, tenantOpts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tenant.Close)
	sl := slackfake.New(t)
	for _, u := range []slackfake.User{
		{ID: "U0ADELE", Name: "adele", RealName: "Adele Vance", Email: "adele@contoso.example", Locale: "en-US"},
		{ID: "U0MEGAN", Name: "megan", RealName: "Megan Bowen", Email: "megan@contoso.example", Locale: "en-US"},
		{ID: "U0CAROL", Name: "carol", RealName: "Carol Diaz", Email: "carol@contoso.example"},
		{ID: "U0ALICE", Name: "alice", RealName: "Alice Wood", Email: "alice@contoso.example"},
	} {
		sl.AddUser(u)
	}
	sl.AddChannel(approvalChannel)
	env := map[string]string{
		"REDIS_URL":                   redisSrv.URL,
		"GRAPH_BASE_URL":              tenant.URL,
		"GRAPH_ACCESS_TOKEN":          "graph-t0ken",
		"SLACK_BOT_TOKEN":             slackfake.BotToken,
		"SLACK_SIGNING_SECRET":        testSigningSecret,
		"SLACK_API_URL":               sl.APIURL(),
		"LICENSEBOT_HTTP_ADDR":        "127.0.0.1:0",
		"LICENSEBOT_APPROVAL_CHANNEL": approvalChannel,
		"LICENSEBOT_APPROVERS":        "U0MEGAN",
		"LICENSEBOT_TIMEZONE":         "Europe/Istanbul",
		"LICENSEBOT_LOG_LEVEL":        "debug",
		// The worlds of the tests before sign-in existed know people by their chat
		// address; the sign-in tests (signin_test.go) set entra.
		"LICENSEBOT_IDENTITY": "email",
	}
	for k, v := range extraEnv {
		env[k] = v
	}
	w := &slackWorld{t: t, slack: sl, tenant: tenant, redis: redisSrv, now: now, env: env}
	w.launch()
	return w
}

// launch runs licensebot serve in the world (again, after stop: a restart on the same
// Redis, tenant and Slack).
func (w *slackWorld) launch() {
	t := w.t
	t.Helper()
	env, now := w.env, w.now
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"licensebot", "serve"}, func(k string) string { return env[k] }, now, nil, stdout, stderr)
	}()
	w.stderr, w.base = stderr, ""
	listening := regexp.MustCompile(`listening on (\S+)`)
	deadline := time.Now().Add(10 * time.Second)
	for w.base == "" {
		if m := listening.FindStringSubmatch(stdout.String()); m != nil {
			w.base = "http://" + m[1]
			break
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve stopped at start: %v\n%s", err, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start:\n%s", stderr.String())
		}
	}
	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(30 * time.Second):
				stopErr = fmt.Errorf("serve did not stop")
			}
		})
		return stopErr
	}
	w.stop = stop
	t.Cleanup(func() { _ = stop() })
}

func (w *slackWorld) post(path string, form url.Values, sign func(body []byte) (string, string)) *http.Response {
	w.t.Helper()
	body := []byte(form.Encode())
	req, _ := http.NewRequest(http.MethodPost, w.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sign == nil {
		sign = func(b []byte) (string, string) { return slack.Sign(b, testSigningSecret, w.now()) }
	}
	ts, sig := sign(body)
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// command sends a signed /unassign and returns the name of its response_url.
func (w *slackWorld) command(user, text string) string {
	w.t.Helper()
	w.n++
	name := fmt.Sprintf("cmd%d", w.n)
	resp := w.post("/slack/commands", url.Values{
		"team_id": {slackfake.TeamID}, "user_id": {user}, "command": {"/unassign"}, "text": {text}, "channel_id": {"C0GENERAL"},
		"response_url": {w.slack.ResponseURL(name)}, "trigger_id": {fmt.Sprintf("trigger-%d", w.n)}, "api_app_id": {"A0APP"},
	}, nil)
	if resp.StatusCode != http.StatusOK {
		w.t.Fatalf("command answered %d", resp.StatusCode)
	}
	return name
}

// click sends a signed block_actions payload and returns the name of its response_url.
func (w *slackWorld) click(user, action, value, channel, ts string, ephemeral bool, trigger string) string {
	w.t.Helper()
	w.n++
	name := fmt.Sprintf("click%d", w.n)
	if trigger == "" {
		trigger = fmt.Sprintf("trigger-%d", w.n)
	}
	payload := map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user, "team_id": slackfake.TeamID}, "team": map[string]any{"id": slackfake.TeamID},
		"api_app_id": "A0APP", "trigger_id": trigger, "response_url": w.slack.ResponseURL(name),
		"container": map[string]any{"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": ephemeral},
		"channel":   map[string]any{"id": channel},
		"actions":   []map[string]any{{"action_id": action, "block_id": "buttons", "value": value, "type": "button", "action_ts": "1"}},
	}
	b, _ := json.Marshal(payload)
	resp := w.post("/slack/interactions", url.Values{"payload": {string(b)}}, nil)
	if resp.StatusCode != http.StatusOK {
		w.t.Fatalf("click answered %d", resp.StatusCode)
	}
	return name
}

// buttonValue finds the value of the button with this action id in Block Kit blocks.
func buttonValue(t *testing.T, blocks []map[string]any, action string) string {
	t.Helper()
	for _, b := range blocks {
		if b["type"] != "actions" {
			continue
		}
		for _, e := range b["elements"].([]any) {
			el := e.(map[string]any)
			if el["action_id"] == action {
				return el["value"].(string)
			}
		}
	}
	t.Fatalf("no %q button in %v", action, blocks)
	return ""
}

func hasActions(blocks []map[string]any) bool {
	for _, b := range blocks {
		if b["type"] == "actions" {
			return true
		}
	}
	return false
}

func blocksText(blocks []map[string]any) string {
	b, _ := json.Marshal(blocks)
	return string(b)
}

func TestServeSlackEndToEnd(t *testing.T) {
	t.Parallel()
	for _, mode := range tenantModes {
		t.Run(mode.name, func(t *testing.T) { testServeSlackEndToEnd(t, mode.opts...) })
	}
}

func testServeSlackEndToEnd(t *testing.T, tenantOpts ...graphtest.Option) {
	w := startServe(t, nil, tenantOpts...)
	sl := w.slack
	// Slack rate-limits the first edit: it is waited out, and counted.
	sl.RateLimit("chat.update", 1, time.Second)

	// 1. The signed slash command; escaping on, so the address comes as <mailto:…>.
	cmd := w.command("U0ADELE", `<mailto:alice@contoso.example|alice@contoso.example> --product “Office 365 E3” --reason "left the company"`)
	plan := sl.WaitResponses(t, cmd, 1)[0]
	if plan.JSON()["response_type"] != "ephemeral" {
		t.Fatalf("the plan is not ephemeral: %s", plan.Body)
	}
	if !strings.Contains(blocksText(plan.Blocks()), "Office 365 E3") || !strings.Contains(blocksText(plan.Blocks()), "deleted for good") {
		t.Fatalf("plan lacks the product or the warnings: %s", plan.Body)
	}
	id := buttonValue(t, plan.Blocks(), "confirm")

	// 2. Confirm on the ephemeral plan: replaced through its response_url.
	confirm := w.click("U0ADELE", "confirm", id, "C0GENERAL", "1700000000.000001", true, "")
	replaced := sl.WaitResponses(t, confirm, 1)[0]
	if replaced.JSON()["replace_original"] != true || hasActions(replaced.Blocks()) {
		t.Fatalf("the confirmed plan was not replaced without buttons: %s", replaced.Body)
	}

	// 3. The approval request in the channel, mentioning the approver.
	posts := sl.WaitCalls(t, "chat.postMessage", 1)
	approval := posts[0]
	if approval.Param("channel") != approvalChannel || !strings.Contains(approval.Param("text")+blocksText(approval.Blocks()), "<@U0MEGAN>") {
		t.Fatalf("approval request: channel %s text %s", approval.Param("channel"), approval.Param("text"))
	}
	approvalTS := sl.SortedMessages(approvalChannel)[0].TS

	// 4. The requester's own Approve is refused, privately, and changes nothing.
	own := w.click("U0ADELE", "approve", id, approvalChannel, approvalTS, false, "")
	if r := sl.WaitResponses(t, own, 1)[0]; !strings.Contains(string(r.Body), "your own request") {
		t.Fatalf("self-approval answer: %s", r.Body)
	}

	// 5. The approver's Approve: removed once; the message loses its buttons; outcome posted.
	approveTrigger := "trigger-approve-megan"
	w.click("U0MEGAN", "approve", id, approvalChannel, approvalTS, false, approveTrigger)
	waitFor(t, "the approval message updated without buttons", func() bool {
		m, ok := sl.Message(approvalChannel, approvalTS)
		return ok && m.Updates > 0 && !strings.Contains(string(m.Blocks), `"actions"`) && strings.Contains(string(m.Blocks), "Approved by Megan Bowen")
	})
	waitFor(t, "the outcome in the approval's thread", func() bool {
		for _, m := range sl.SortedMessages(approvalChannel) {
			if m.ThreadTS == approvalTS && strings.Contains(string(m.Blocks), "removed Office 365 E3") && strings.Contains(string(m.Blocks), "deleted for good") {
				return true
			}
		}
		return false
	})
	waitFor(t, "the outcome sent to the requester", func() bool {
		for _, c := range sl.Calls("chat.postMessage") {
			if c.Param("channel") != approvalChannel && strings.Contains(blocksText(c.Blocks()), "unused") {
				return true
			}
		}
		return false
	})
	alice, _ := w.tenant.User("alice@contoso.example")
	if n := w.tenant.Removals(alice.ID, skuOffice365E3); n != 1 {
		t.Fatalf("Office 365 E3 removed %d times, want 1", n)
	}
	if body := string(w.tenant.LastBody("POST", "/users/"+alice.ID+"/assignLicense")); !strings.Contains(body, `"addLicenses":[]`) {
		t.Fatalf("assignLicense body %s lacks an explicit empty addLicenses", body)
	}
	if n := w.tenant.LicenseDetailsCalls(); n != 0 {
		t.Errorf("%d licenseDetails reads, want none", n)
	}

	// 6. The same click again (Slack's retry: same trigger id) and a second press: nothing more.
	w.click("U0MEGAN", "approve", id, approvalChannel, approvalTS, false, approveTrigger)
	again := w.click("U0MEGAN", "approve", id, approvalChannel, approvalTS, false, "")
	sl.WaitCalls(t, "response:"+again, 0)
	time.Sleep(200 * time.Millisecond)
	if n := w.tenant.Removals(alice.ID, skuOffice365E3); n != 1 || w.tenant.Calls("POST", "/users/") != 1 {
		t.Fatalf("after repeated clicks: %d removals, %d assignLicense calls", n, w.tenant.Calls("POST", "/users/"))
	}

	// What the run leaves in /metrics.
	resp, err := http.Get(w.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	scraped, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, series := range []string{
		`licensebot_requests_total{state="awaiting_confirmation"} 1`,
		`licensebot_requests_total{state="awaiting_approval"} 1`,
		`licensebot_requests_total{state="approved"} 1`,
		`licensebot_requests_total{state="done"} 1`,
		`licensebot_removals_total{outcome="removed"} 1`,
		`licensebot_graph_requests_total{operation="POST /$batch",status="200"} 1`,
		`licensebot_requests_total{state="running"} 1`,
		`licensebot_jobs_running 0`,
		`licensebot_chat_api_errors_total{method="chat.update",platform="slack",reason="rate_limited"} 1`,
		`licensebot_graph_request_duration_seconds_count{operation="GET /subscribedSkus"}`,
		`licensebot_ack_duration_seconds_count{endpoint="commands",platform="slack"} 1`,
		`licensebot_ack_duration_seconds_count{endpoint="interactions",platform="slack"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(scraped), series) {
			t.Errorf("/metrics lacks %s", series)
		}
	}

	if err := w.stop(); err != nil {
		t.Fatalf("serve stopped with %v", err)
	}
	for _, secret := range []string{testSigningSecret, slackfake.BotToken, "graph-t0ken"} {
		if strings.Contains(w.stderr.String(), secret) {
			t.Errorf("the log contains a secret (%.6s…)", secret)
		}
	}
	// JSON logs; every line about the request carries its id as a field.
	about := 0
	for _, line := range strings.Split(strings.TrimSpace(w.stderr.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("a log line is not JSON: %q", line)
		}
		if strings.Contains(line, id) {
			about++
			if rec["request"] != id {
				t.Errorf("a line about request %s lacks its id: %s", id, line)
			}
		}
	}
	if about == 0 {
		t.Error("no log line about the request")
	}
}

func TestServeRefusesUnsignedRequests(t *testing.T) {
	t.Parallel()
	w := startServe(t, nil)
	form := url.Values{"user_id": {"U0ADELE"}, "command": {"/unassign"}, "text": {"alice@contoso.example --all"},
		"response_url": {w.slack.ResponseURL("x")}, "trigger_id": {"t"}}
	tests := []struct {
		name string
		sign func(body []byte) (string, string)
	}{
		{"no signature", func([]byte) (string, string) { return "", "" }},
		{"wrong secret", func(b []byte) (string, string) { return slack.Sign(b, "not-the-secret", time.Now()) }},
		{"old timestamp", func(b []byte) (string, string) {
			return slack.Sign(b, testSigningSecret, time.Now().Add(-6*time.Minute))
		}},
		{"changed body", func(b []byte) (string, string) {
			return slack.Sign(append([]byte("x"), b...), testSigningSecret, time.Now())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if resp := w.post("/slack/commands", form, tt.sign); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("answered %d, want 401", resp.StatusCode)
			}
			if resp := w.post("/slack/interactions", url.Values{"payload": {`{"type":"block_actions"}`}}, tt.sign); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("interactions answered %d, want 401", resp.StatusCode)
			}
		})
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(w.slack.Responses("x")); n != 0 {
		t.Fatalf("an unsigned command was answered %d times", n)
	}
}

// /readyz needs no credentials: a burst of it must not spend the app's Graph quota. Its
// checks run at most once per readyCheckTTL, whatever the number of requests.
func TestReadinessChecksAreCachedNotPerRequest(t *testing.T) {
	t.Parallel()
	w := startServe(t, nil)
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() {
			resp, err := http.Get(w.base + "/readyz")
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("/readyz answered %d", resp.StatusCode)
			}
		})
	}
	wg.Wait()
	// One round: Graph's ping and the planning check's product read (subscribedSkus each).
	if n := w.tenant.Calls("GET", "/subscribedSkus"); n > 2 {
		t.Errorf("200 /readyz requests made %d Graph reads of subscribedSkus, want at most 2", n)
	}
}

func TestServeHealthAndReadiness(t *testing.T) {
	t.Parallel()
	w := startServe(t, nil)
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200} {
		resp, err := http.Get(w.base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s answered %d, want %d", path, resp.StatusCode, want)
		}
	}
}

func TestServeRefusesBadConfiguration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no Slack app", map[string]string{"REDIS_URL": "redis://127.0.0.1:1/0", "GRAPH_ACCESS_TOKEN": "t", "LICENSEBOT_APPROVERS": "U1"}, "SLACK_BOT_TOKEN"},
		{"no approval channel", map[string]string{"REDIS_URL": "redis://127.0.0.1:1/0", "GRAPH_ACCESS_TOKEN": "t", "LICENSEBOT_APPROVERS": "U1",
			"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s3cr3t-value"}, "LICENSEBOT_APPROVAL_CHANNEL"},
		{"no approvers", map[string]string{"REDIS_URL": "redis://127.0.0.1:1/0", "GRAPH_ACCESS_TOKEN": "t",
			"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s3cr3t-value", "LICENSEBOT_APPROVAL_CHANNEL": "C1"}, "LICENSEBOT_APPROVERS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), []string{"licensebot", "serve"}, func(k string) string { return tt.env[k] }, time.Now, nil, &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want one naming %s", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cr3t-value") {
				t.Fatal("the error echoes a secret")
			}
		})
	}
}

// waitFor waits up to 10 s for ok; seen, if given, says what there was instead.
func waitFor(t *testing.T, what string, ok func() bool, seen ...func() string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			for _, s := range seen {
				t.Log(s())
			}
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestHealthcheckCommand(t *testing.T) {
	t.Parallel()
	w := startServe(t, nil)
	addr := strings.TrimPrefix(w.base, "http://")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"licensebot", "healthcheck"}, func(k string) string {
		return map[string]string{"LICENSEBOT_HTTP_ADDR": addr}[k]
	}, time.Now, nil, &out, &out); err != nil || strings.TrimSpace(out.String()) != "ok" {
		t.Fatalf("healthcheck: %v %q", err, out.String())
	}
	if err := w.stop(); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"licensebot", "healthcheck"}, func(k string) string {
		return map[string]string{"LICENSEBOT_HTTP_ADDR": addr}[k]
	}, time.Now, nil, &out, &out); err == nil {
		t.Fatal("healthcheck passed with licensebot stopped")
	}
}

func TestServeWarnsAboutRedisWithoutPersistence(t *testing.T) {
	t.Parallel()
	w := startServe(t, nil) // storetest's default Redis: no AOF, no RDB
	if err := w.stop(); err != nil {
		t.Fatal(err)
	}
	log := w.stderr.String()
	if !strings.Contains(log, "Redis setting puts pending requests at risk") || !strings.Contains(log, "appendonly yes") {
		t.Fatalf("no warning about persistence in the log:\n%s", log)
	}
}
