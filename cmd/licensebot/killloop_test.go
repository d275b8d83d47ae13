package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot/slack"
	"github.com/licensebot/licensebot/bot/slack/slackfake"
	"github.com/licensebot/licensebot/graph/graphtest"
	"github.com/licensebot/licensebot/handlers"
)

// SIGKILL licensebot at random points of the end-to-end flow, 20 times in a row: afterwards
// every request is finished or still pending and can be carried on, and no license was
// removed twice or without an approval. LICENSEBOT_KILL_LOOPS changes the count.
func TestKilledAtRandomPointsTwentyTimes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 20+ processes")
	}
	loops := 20
	if n, err := strconv.Atoi(os.Getenv("LICENSEBOT_KILL_LOOPS")); err == nil && n > 0 {
		loops = n
	}
	rs := newReplicaSet(t, loops, graphtest.WithLatency(15*time.Millisecond))
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 7))
	t.Logf("seed %d", seed)

	for i := 1; i <= loops; i++ {
		proc, kill := rs.startSlack(t)
		user := graphtest.StaffUPN(i)
		// Kill somewhere between before the command and well after the removal.
		after := time.Duration(rng.IntN(450)) * time.Millisecond
		timer := time.AfterFunc(after, func() { _ = proc.Signal(syscall.SIGKILL) })
		reached := rs.flow(kill, user, fmt.Sprintf("loop%d", i))
		timer.Stop()
		_ = proc.Signal(syscall.SIGKILL)
		rs.reap(proc)
		t.Logf("loop %d: killed after %s, the flow reached %q", i, after, reached)
	}

	// A last replica, left running: everything must be final or carried on to the end.
	_, live := rs.startSlack(t)
	ids := rs.requestIDs(t)
	for _, id := range ids {
		r := rs.w.request(id)
		switch {
		case r.State.Final(), r.State == handlers.StateRunning, r.State == handlers.StateApproved:
		case r.State == handlers.StateAwaitingConfirmation:
			if err := live.click("U0ADELE", handlers.ActionConfirm, id, "C0GENERAL", "1", true); err != nil {
				t.Errorf("confirm %s: %v", id, err)
			}
			rs.waitState(t, id, handlers.StateAwaitingApproval)
			fallthrough
		case r.State == handlers.StateAwaitingApproval:
			if err := live.click("U0MEGAN", handlers.ActionApprove, id, approvalChannel, "1", false); err != nil {
				t.Errorf("approve %s: %v", id, err)
			}
		default:
			t.Errorf("request %s is %s", id, r.State)
		}
	}
	for _, id := range ids {
		r := rs.w.waitFinal(id, 120*time.Second)
		approved := false
		for _, d := range r.Decisions {
			approved = approved || d.Approved
		}
		if countOutcomes(r, handlers.OutcomeRemoved) > 0 && !approved {
			t.Errorf("request %s removed licenses without an approval", id)
		}
	}
	// Each user lost the license at most once, and only through an approved request.
	for i := 1; i <= loops; i++ {
		u, _ := rs.w.tenant.User(graphtest.StaffUPN(i))
		if n := rs.w.tenant.Removals(u.ID, e3); n > 1 {
			t.Errorf("%s: removed %d times", u.UserPrincipalName, n)
		}
	}
	t.Logf("%d requests after %d kills, all finished", len(ids), loops)
}

func (rs *replicaSet) waitState(t *testing.T, id string, want handlers.State) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if rs.w.request(id).State == want {
			return
		}
	}
	t.Errorf("request %s is %s, not %s", id, rs.w.request(id).State, want)
}

func countOutcomes(r handlers.Request, o handlers.Outcome) int {
	n := 0
	for _, res := range r.Results {
		if res.Outcome == o {
			n++
		}
	}
	return n
}

// slackClient sends signed Slack payloads to one replica; a replica that died just fails.
type slackClient struct {
	base  string
	slack *slackfake.Server
	n     int
}

func (c *slackClient) post(path string, form url.Values) error {
	body := []byte(form.Encode())
	req, _ := http.NewRequest(http.MethodPost, c.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	ts, sig := slack.Sign(body, testSigningSecret, time.Now())
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", sig)
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d", path, resp.StatusCode)
	}
	return nil
}

func (c *slackClient) command(user, text, name string) error {
	return c.post("/slack/commands", url.Values{
		"team_id": {slackfake.TeamID}, "user_id": {user}, "command": {"/unassign"}, "text": {text}, "channel_id": {"C0GENERAL"},
		"response_url": {c.slack.ResponseURL(name)}, "trigger_id": {"trigger-" + name}, "api_app_id": {"A0APP"},
	})
}

func (c *slackClient) click(user, action, value, channel, ts string, ephemeral bool) error {
	c.n++
	payload := map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user, "team_id": slackfake.TeamID}, "team": map[string]any{"id": slackfake.TeamID},
		"api_app_id": "A0APP", "trigger_id": fmt.Sprintf("trigger-click-%d-%d", time.Now().UnixNano(), c.n),
		"response_url": c.slack.ResponseURL(fmt.Sprintf("click-%d-%d", time.Now().UnixNano(), c.n)),
		"container":    map[string]any{"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": ephemeral},
		"channel":      map[string]any{"id": channel},
		"actions":      []map[string]any{{"action_id": action, "block_id": "buttons", "value": value, "type": "button", "action_ts": "1"}},
	}
	b, _ := json.Marshal(payload)
	return c.post("/slack/interactions", url.Values{"payload": {string(b)}})
}

// startSlack starts one more replica with the Slack users the flow needs, and a client for it.
// reap waits for a killed replica's process.
func (rs *replicaSet) reap(p *os.Process) {
	for _, c := range rs.procs {
		if c.Process == p {
			_ = c.Wait()
		}
	}
}

func (rs *replicaSet) startSlack(t *testing.T, extraEnv ...string) (*os.Process, *slackClient) {
	t.Helper()
	cmd := rs.start(extraEnv...)
	log := rs.logs[len(rs.logs)-1]
	listening := regexp.MustCompile(`listening on (\S+)`)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m := listening.FindStringSubmatch(log.String()); m != nil {
			return cmd.Process, &slackClient{base: "http://" + m[1], slack: rs.slack}
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica did not start:\n%s", log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// flow runs the whole flow for one user as far as it gets, and says where it stopped.
func (rs *replicaSet) flow(c *slackClient, user, name string) string {
	if err := c.command("U0ADELE", user+` --product "Office 365 E3"`, name); err != nil {
		return "command"
	}
	// The request's id, from the store (the plan's reply may be lost with the process).
	id := ""
	for deadline := time.Now().Add(3 * time.Second); id == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, r := range rs.slack.Responses(name) {
			if v := killFindButton(r.Blocks(), "confirm"); v != "" {
				id = v
			}
		}
	}
	if id == "" {
		return "plan"
	}
	if err := c.click("U0ADELE", handlers.ActionConfirm, id, "C0GENERAL", "1", true); err != nil {
		return "confirm"
	}
	time.Sleep(30 * time.Millisecond)
	if err := c.click("U0MEGAN", handlers.ActionApprove, id, approvalChannel, "1", false); err != nil {
		return "approve"
	}
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if r := rs.w.request(id); r.State.Final() {
			return "done"
		}
	}
	return "running"
}

// killFindButton is buttonValue that says "" instead of failing.
func killFindButton(blocks []map[string]any, action string) string {
	for _, b := range blocks {
		if b["type"] != "actions" {
			continue
		}
		els, _ := b["elements"].([]any)
		for _, e := range els {
			if el, ok := e.(map[string]any); ok && el["action_id"] == action {
				v, _ := el["value"].(string)
				return v
			}
		}
	}
	return ""
}

// requestIDs are every request in the store.
func (rs *replicaSet) requestIDs(t *testing.T) []string {
	t.Helper()
	keys, err := rs.rdb.Keys(context.Background(), "licensebot-test:req:{*}").Result()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range keys {
		if strings.Count(k, ":") == 2 { // not :audit, :results, …
			ids = append(ids, strings.TrimSuffix(strings.TrimPrefix(k, "licensebot-test:req:{"), "}"))
		}
	}
	return ids
}
