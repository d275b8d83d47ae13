package main

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot/slack/slackfake"
	"github.com/licensebot/licensebot/graph/graphtest"
	"github.com/licensebot/licensebot/handlers"
	"github.com/licensebot/licensebot/store"
	"github.com/licensebot/licensebot/store/storetest"
)

// The issue "Fail closed, lose nothing, recover by itself": Redis stops in the middle of a
// request's life. Whatever Slack delivers meanwhile is answered within Slack's 3 seconds
// with "temporarily unavailable, nothing was changed"; nothing is removed without an
// approval stored in Redis; /readyz says 503; and once the same Redis is back (its data
// kept by the append-only file) the request goes on from where it was, in the same
// licensebot process.

// slackDeadline is how long Slack waits for an acknowledgement; the tests hold every
// answer given during an outage to it as well.
const slackDeadline = 3 * time.Second

// outageWorld is licensebot serve over Slack HTTP, as startServe runs it, against a
// redis-server with the append-only file on (so Restart keeps the data) and a tenant with
// staff extra users; st reads what licensebot stored.
type outageWorld struct {
	*slackWorld
	st   *store.Store
	bulk *bulkWorld // for its readers of requests and its exactly-once check
}

func startOutageServe(t *testing.T, staff int, extraEnv map[string]string, tenantOpts ...graphtest.Option) *outageWorld {
	t.Helper()
	redisSrv := storetest.StartWith(t, storetest.Options{AppendOnly: true})
	tenant, err := graphtest.NewServer(graphtest.StaffedTenant(staff), append([]graphtest.Option{graphtest.WithToken("graph-t0ken")}, tenantOpts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tenant.Close)
	env := map[string]string{"REDIS_URL": redisSrv.URL, "GRAPH_BASE_URL": tenant.URL}
	for k, v := range extraEnv {
		env[k] = v
	}
	// startServe's own Redis and sample tenant stay idle: the environment points licensebot
	// at these.
	w := startServe(t, env)
	w.redis, w.tenant = redisSrv, tenant
	st := store.New(redisSrv.Client(t), "licensebot")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("licensebot log (end):\n%s", lastBytes(w.stderr.String(), 12000))
		}
	})
	return &outageWorld{slackWorld: w, st: st, bulk: &bulkWorld{t: t, tenant: tenant, st: st}}
}

func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// readyz is what /readyz answers now.
func (w *outageWorld) readyz() int {
	w.t.Helper()
	resp, err := http.Get(w.base + "/readyz")
	if err != nil {
		w.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (w *outageWorld) waitReady() {
	w.t.Helper()
	waitFor(w.t.(*testing.T), "readiness with Redis back", func() bool { return w.readyz() == http.StatusOK })
}

// timed is one delivery to licensebot: the response_url it is answered through, when it
// was sent, and how long the HTTP acknowledgement took.
type timed struct {
	name string
	sent time.Time
	ack  time.Duration
}

func (w *outageWorld) timedCommand(user, text string) timed {
	w.t.Helper()
	sent := time.Now()
	name := w.command(user, text)
	return timed{name: name, sent: sent, ack: time.Since(sent)}
}

func (w *outageWorld) timedClick(user, action, value, channel, ts string, ephemeral bool) timed {
	w.t.Helper()
	sent := time.Now()
	name := w.click(user, action, value, channel, ts, ephemeral, "")
	return timed{name: name, sent: sent, ack: time.Since(sent)}
}

// answer waits for the first post to the delivery's response_url and measures, on this
// side, how long after sending it arrived.
func (w *outageWorld) answer(d timed, within time.Duration) (slackfake.Call, time.Duration) {
	w.t.Helper()
	deadline := d.sent.Add(within)
	for {
		if rs := w.slack.Responses(d.name); len(rs) > 0 {
			return rs[0], time.Since(d.sent)
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("%s: no answer within %s", d.name, within)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// unavailable checks that a delivery made during the outage was acknowledged and answered
// within Slack's 3 seconds, saying licensebot is temporarily unavailable and nothing was
// changed, without replacing the message it came from (its buttons stay, to press again).
func (w *outageWorld) unavailable(what string, d timed) {
	w.t.Helper()
	if d.ack >= slackDeadline {
		w.t.Errorf("%s: acknowledged after %s; Slack gives up at %s", what, d.ack, slackDeadline)
	}
	a, took := w.answer(d, 30*time.Second)
	w.t.Logf("%s with Redis down: ack %s, answer %s", what, d.ack.Round(time.Millisecond), took.Round(time.Millisecond))
	if took >= slackDeadline {
		w.t.Errorf("%s: answered after %s, want within %s", what, took, slackDeadline)
	}
	body := string(a.Body)
	if !strings.Contains(body, "temporarily unavailable") || !strings.Contains(body, "nothing was changed") {
		w.t.Errorf("%s: answer with Redis down does not say it is temporarily unavailable and nothing was changed: %s", what, body)
	}
	if a.JSON()["replace_original"] == true {
		w.t.Errorf("%s: the answer replaced the message its button was on: %s", what, body)
	}
}

// state is the request's state as stored.
func (w *outageWorld) state(id string) handlers.State {
	w.t.Helper()
	return w.bulk.request(id).State
}

// aliceE3Removals is how often Office 365 E3 was taken from Alice.
func (w *outageWorld) aliceE3Removals() int {
	alice, _ := w.tenant.User("alice@contoso.example")
	return w.tenant.Removals(alice.ID, skuOffice365E3)
}

// plan asks for Alice's Office 365 E3 as Adele and returns the request id.
func (w *outageWorld) plan() string {
	w.t.Helper()
	t := w.t.(*testing.T)
	cmd := w.command("U0ADELE", `alice@contoso.example --product "Office 365 E3"`)
	plan := w.slack.WaitResponses(t, cmd, 1)[0]
	return buttonValue(t, plan.Blocks(), "confirm")
}

// approvalMessage waits for the request's approval message in the approvers' channel and
// returns its ts.
func (w *outageWorld) approvalMessage(id string) string {
	w.t.Helper()
	t := w.t.(*testing.T)
	var ts string
	waitFor(t, "the approval request in the channel", func() bool {
		for _, m := range w.slack.SortedMessages(approvalChannel) {
			if m.ThreadTS == "" && strings.Contains(string(m.Blocks), `"value":"`+id+`"`) && strings.Contains(string(m.Blocks), `"approve"`) {
				ts = m.TS
				return true
			}
		}
		return false
	})
	return ts
}

// approveAndWaitOutcome presses Approve as Megan and waits for the outcome in the
// approval's thread.
func (w *outageWorld) approveAndWaitOutcome(id, approvalTS, want string) {
	w.t.Helper()
	t := w.t.(*testing.T)
	w.click("U0MEGAN", "approve", id, approvalChannel, approvalTS, false, "")
	waitFor(t, "the outcome in the approval's thread", func() bool {
		for _, m := range w.slack.SortedMessages(approvalChannel) {
			if m.ThreadTS == approvalTS && strings.Contains(string(m.Blocks)+m.Text, want) {
				return true
			}
		}
		return false
	})
}

// Redis stops after the plan is shown: Confirm is answered "temporarily unavailable,
// nothing was changed" within 3 s and /readyz is 503; with Redis back the same request,
// still awaiting confirmation under the same id, is confirmed, approved and removed once.
func TestOutageBeforeConfirmKeepsThePlanAndResumes(t *testing.T) {
	t.Parallel()
	w := startOutageServe(t, 0, nil)
	id := w.plan()

	w.redis.Stop()
	w.unavailable("Confirm", w.timedClick("U0ADELE", "confirm", id, "C0GENERAL", "1700000000.000001", true))
	if code := w.readyz(); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz answered %d with Redis down, want 503", code)
	}
	if n := len(w.slack.Calls("chat.postMessage")); n != 0 {
		t.Errorf("%d messages posted for a confirmation that could not be stored", n)
	}

	w.redis.Restart(t)
	w.waitReady()
	if s := w.state(id); s != handlers.StateAwaitingConfirmation {
		t.Fatalf("after the outage the request is %s, want %s", s, handlers.StateAwaitingConfirmation)
	}
	// The same button, pressed again.
	confirm := w.click("U0ADELE", "confirm", id, "C0GENERAL", "1700000000.000001", true, "")
	if r := w.slack.WaitResponses(t, confirm, 1)[0]; r.JSON()["replace_original"] != true || hasActions(r.Blocks()) {
		t.Fatalf("Confirm with Redis back did not replace the plan: %s", r.Body)
	}
	approvalTS := w.approvalMessage(id)
	if s := w.state(id); s != handlers.StateAwaitingApproval {
		t.Fatalf("confirmed request is %s, want %s", s, handlers.StateAwaitingApproval)
	}
	if n := w.aliceE3Removals(); n != 0 {
		t.Fatalf("%d removals before any approval", n)
	}
	w.approveAndWaitOutcome(id, approvalTS, "removed Office 365 E3")
	waitFor(t, "the request done", func() bool { return w.state(id) == handlers.StateDone })
	if n := w.aliceE3Removals(); n != 1 {
		t.Fatalf("Office 365 E3 removed %d times, want 1", n)
	}
}

// Redis stops between Confirm and Approve: Approve (and any command) is answered
// "temporarily unavailable" within 3 s and nothing is removed, however long one waits;
// with Redis back the request is still awaiting approval, and Approve removes once and
// posts the outcome.
func TestOutageBetweenConfirmAndApproveRemovesNothingUntilApproved(t *testing.T) {
	t.Parallel()
	w := startOutageServe(t, 0, nil)
	id := w.plan()
	w.slack.WaitResponses(t, w.click("U0ADELE", "confirm", id, "C0GENERAL", "1700000000.000001", true, ""), 1)
	approvalTS := w.approvalMessage(id)

	w.redis.Stop()
	w.unavailable("Approve", w.timedClick("U0MEGAN", "approve", id, approvalChannel, approvalTS, false))
	w.unavailable("/unassign status", w.timedCommand("U0MEGAN", "status "+id))
	w.unavailable("/unassign", w.timedCommand("U0ADELE", `carol@contoso.example --product "Office 365 E3"`))
	if code := w.readyz(); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz answered %d with Redis down, want 503", code)
	}
	// Long enough for a job, had one been started, to have sent its calls.
	time.Sleep(2 * time.Second)
	if n, calls := w.aliceE3Removals(), w.tenant.Calls("POST", "/users/"); n != 0 || calls != 0 {
		t.Fatalf("with Redis down and no stored approval: %d removals, %d assignLicense calls", n, calls)
	}
	if m, _ := w.slack.Message(approvalChannel, approvalTS); m.Updates != 0 || !strings.Contains(string(m.Blocks), `"actions"`) {
		t.Fatalf("the approval message lost its buttons during the outage: %s", m.Blocks)
	}

	w.redis.Restart(t)
	w.waitReady()
	if s := w.state(id); s != handlers.StateAwaitingApproval {
		t.Fatalf("after the outage the request is %s, want %s", s, handlers.StateAwaitingApproval)
	}
	if n := w.aliceE3Removals(); n != 0 {
		t.Fatalf("%d removals before the approval was stored", n)
	}
	w.approveAndWaitOutcome(id, approvalTS, "removed Office 365 E3")
	r := w.bulk.waitFinal(id, 30*time.Second)
	if r.State != handlers.StateDone {
		t.Fatalf("request ended %s, want done", r.State)
	}
	if n := w.aliceE3Removals(); n != 1 {
		t.Fatalf("Office 365 E3 removed %d times, want 1", n)
	}
	events, err := w.st.AuditLog(context.Background(), id, 1000)
	if err != nil {
		t.Fatal(err)
	}
	approved := 0
	for _, e := range events {
		if e.Action == "approved" {
			approved++
		}
	}
	if approved != 1 {
		t.Fatalf("%d approvals in the audit log, want 1", approved)
	}
}

// Redis stops for some seconds while a 200-user job runs: deliveries meanwhile are
// answered "temporarily unavailable" within 3 s and /readyz is 503; once the same Redis is
// back the job finishes by itself in the same licensebot process, every user's license
// removed exactly once and the outcome posted.
func TestOutageDuringJobFinishesByItselfExactlyOnce(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs a 200-user job through an outage: skipped with -short")
	}
	tests := []struct {
		name string
		down time.Duration
	}{
		// Shorter than the engine's retries of a store write: the worker carries on.
		{"three seconds", 3 * time.Second},
		// Longer than those retries (a result or two is not recorded and only the worker
		// remembers it), than the job's idle time and than a mark's staleness.
		{"twelve seconds", 12 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { jobThroughOutage(t, tt.down) })
	}
}

func jobThroughOutage(t *testing.T, down time.Duration) {
	const n = 200
	w := startOutageServe(t, n, map[string]string{
		// Quick recovery: a job without a heartbeat for 1 s is taken over, a user's
		// in-flight mark goes stale after 4 s (at least twice the Graph timeout).
		"LICENSEBOT_JOB_IDLE":          "1s",
		"LICENSEBOT_CLAIM_STALE_AFTER": "4s",
		"GRAPH_TIMEOUT":                "2s",
		"LICENSEBOT_LOG_LEVEL":         "info",
	},
		// Writes at 40 a second and 50 ms a round trip: the job lasts several seconds.
		graphtest.WithLatency(50*time.Millisecond), graphtest.WithThrottle(40, 0))
	staffIDs := make([]string, n)
	upns := make([]string, n)
	for i := range n {
		upns[i] = graphtest.StaffUPN(i + 1)
		u, _ := w.tenant.User(upns[i])
		staffIDs[i] = u.ID
	}
	removed := func() int {
		total := 0
		for _, id := range staffIDs {
			total += w.tenant.Removals(id, skuOffice365E3)
		}
		return total
	}

	plan, took := w.answer(w.timedCommand("U0ADELE", strings.Join(upns, " ")+` --product "Office 365 E3"`), 60*time.Second)
	t.Logf("plan of %d users in %s", n, took.Round(time.Millisecond))
	id := buttonValue(t, plan.Blocks(), "confirm")
	w.slack.WaitResponses(t, w.click("U0ADELE", "confirm", id, "C0GENERAL", "1700000000.000001", true, ""), 1)
	approvalTS := w.approvalMessage(id)
	approved := time.Now()
	w.click("U0MEGAN", "approve", id, approvalChannel, approvalTS, false, "")

	// Some users done, not all: then Redis goes.
	deadline := time.Now().Add(30 * time.Second)
	for removed() < 40 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d users removed 30 s after the approval", removed())
		}
		time.Sleep(10 * time.Millisecond)
	}
	before, _ := w.st.Checkpoints(context.Background(), id)
	w.redis.Stop()
	stopped := time.Now()
	atStop := removed()
	t.Logf("Redis stopped %s after the approval: %d users removed, %d checkpointed", stopped.Sub(approved).Round(time.Millisecond), atStop, len(before))
	if atStop >= n {
		t.Fatal("the job finished before Redis stopped; the test proves nothing")
	}

	w.unavailable("Approve during the outage", w.timedClick("U0MEGAN", "approve", id, approvalChannel, approvalTS, false))
	w.unavailable("/unassign status during the outage", w.timedCommand("U0ADELE", "status "+id))
	if code := w.readyz(); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz answered %d with Redis down, want 503", code)
	}
	time.Sleep(down - time.Since(stopped))
	duringOutage := removed() - atStop

	w.redis.Restart(t)
	restarted := time.Now()
	t.Logf("Redis down for %s; %d more users removed meanwhile (calls already claimed)", restarted.Sub(stopped).Round(time.Millisecond), duringOutage)
	w.waitReady()

	r := w.bulk.waitFinal(id, 90*time.Second)
	t.Logf("request %s %s %s after Redis came back (%s after the approval)", id, r.State,
		time.Since(restarted).Round(time.Millisecond), time.Since(approved).Round(time.Millisecond))
	log := w.stderr.String()
	t.Logf("how it recovered: %d results not recorded, %d jobs resumed, %d taken over by another worker, %d given up",
		strings.Count(log, "record a user's result"), strings.Count(log, `"msg":"resuming"`),
		strings.Count(log, "job taken over by another worker"), strings.Count(log, "giving up on a request"))
	w.bulk.exactlyOnce(r, n)
	if got := removed(); got != n {
		t.Fatalf("%d removals in all, want %d", got, n)
	}
	waitFor(t, "the outcome in the approval's thread", func() bool {
		for _, m := range w.slack.SortedMessages(approvalChannel) {
			if m.ThreadTS == approvalTS && strings.Contains(string(m.Blocks)+m.Text, "200 removed") {
				return true
			}
		}
		return false
	})
}

// Redis that hangs rather than refuses (a partition, a stalled server: connections are
// accepted, nothing is answered) is frozen here with SIGSTOP. Confirm must still be
// answered "temporarily unavailable" within Slack's 3 seconds and /readyz must say 503
// within its own 2-second bound; once Redis runs again the same Confirm works.
func TestOutageHungRedisAnswersWithinThreeSeconds(t *testing.T) {
	t.Parallel()
	w := startOutageServe(t, 0, nil)
	id := w.plan()
	info, err := w.redis.Client(t).Info(context.Background(), "server").Result()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`process_id:(\d+)`).FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("no process_id in INFO server:\n%s", info)
	}
	pid, _ := strconv.Atoi(m[1])
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	thaw := func() { _ = syscall.Kill(pid, syscall.SIGCONT) }
	t.Cleanup(thaw) // before storetest stops it

	w.unavailable("Confirm", w.timedClick("U0ADELE", "confirm", id, "C0GENERAL", "1700000000.000001", true))
	start := time.Now()
	code := w.readyz()
	if took := time.Since(start); code != http.StatusServiceUnavailable || took >= slackDeadline {
		t.Errorf("/readyz answered %d after %s with Redis hung, want 503 within its 2 s bound", code, took)
	}
	if n := w.aliceE3Removals(); n != 0 {
		t.Fatalf("%d removals without any approval", n)
	}

	thaw()
	w.waitReady()
	if s := w.state(id); s != handlers.StateAwaitingConfirmation {
		t.Fatalf("after Redis answered again the request is %s, want %s", s, handlers.StateAwaitingConfirmation)
	}
	confirm := w.click("U0ADELE", "confirm", id, "C0GENERAL", "1700000000.000001", true, "")
	if r := w.slack.WaitResponses(t, confirm, 1)[0]; r.JSON()["replace_original"] != true || hasActions(r.Blocks()) {
		t.Fatalf("Confirm with Redis back did not replace the plan: %s", r.Body)
	}
	w.approvalMessage(id)
}
