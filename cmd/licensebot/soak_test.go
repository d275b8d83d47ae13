package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/licensebot/licensebot/bot/slack"
	"github.com/licensebot/licensebot/bot/slack/slackfake"
	"github.com/licensebot/licensebot/graph/graphtest"
	"github.com/licensebot/licensebot/handlers"
	"github.com/licensebot/licensebot/store"
	"github.com/licensebot/licensebot/store/storetest"
)

// The soak's load: soakRate signed slash commands a second, in a fixed cycle of
// soakCycle: half of them plans (one plan in five is confirmed and approved, so that a job
// runs and removes a license; one in ten is cancelled; the rest come from a runaway script
// and are left to expire, or refused by the per-person limit), then show, status, help, a
// malformed command and a caller who is no admin. Clicks come on top.
const (
	soakRate         = 20
	soakCycle        = 20
	soakEnv          = "LICENSEBOT_SOAK"
	soakDefault      = 30 * time.Second
	soakPool         = 200 // staff that plans are made for but never approved
	soakApprovedRate = 2.0 // approved plans a second: plans are 10/s, one in five approved
	soakPrefix       = "licensebot-soak"
	// The per-person limit, per minute: above what Adele and Hal ask (1.5 plans a second
	// each) and well below what the runaway script does (7 a second), which is refused
	// after its first soakUserLimit plans of each minute.
	soakUserLimit = 150
	soakFlooder   = "U0ADMIN"
)

// Limits the soak holds licensebot to. Slack gives up on an acknowledgement after 3 s.
const (
	soakSlackLimit   = 3 * time.Second
	soakP99Limit     = time.Second
	soakGoroutineAdd = 50 // noise margin on goroutines (or a quarter, whichever is more)
)

// soakAdmins are the Slack users who ask, with the Entra roles the sample tenant gives them
// (graph/graphtest/sample.go): a License Administrator, a Global Administrator (whose
// account also runs the runaway script, soakFlooder) and a User Administrator through a
// role-assignable group.
var soakAdmins = []slackfake.User{
	{ID: "U0ADELE", Name: "adele", RealName: "Adele Vance", Email: "adele@contoso.example", Locale: "en-US"},
	{ID: "U0ADMIN", Name: "admin", RealName: "Contoso Admin", Email: "admin@contoso.example"},
	{ID: "U0HAL", Name: "hal", RealName: "Hal Turner", Email: "hal@contoso.example", Locale: "en-GB"},
}

// TestSoak runs licensebot serve in Slack HTTP mode under soakRate signed commands a second
// (with Confirm, Cancel and Approve clicks) for LICENSEBOT_SOAK (a Go duration, default
// 30s), then checks that it acknowledged every delivery in time, did not grow in
// goroutines or heap, finished every approved request and removed no license twice.
//
//	LICENSEBOT_SOAK=5m go test -run TestSoak -v -timeout 20m ./cmd/licensebot/
//
// licensebot runs as a process of its own (this test binary, through TestMain's replica
// hook) so that its /metrics speak of it alone: the fakes of Slack and Graph in this
// process keep every call they receive, and would be counted as its heap otherwise.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test: skipped with -short")
	}
	d := soakDuration(t)
	approvedCap := int(math.Ceil(d.Seconds()*soakApprovedRate*1.1)) + 20
	s := startSoakServe(t, approvedCap+soakPool)
	l := newSoakLoad(t, s, approvedCap)

	ctx, stopWatch := context.WithCancel(context.Background())
	watchDone := make(chan struct{})
	go func() { defer close(watchDone); l.watch.run(ctx, 100*time.Millisecond) }()
	defer func() { stopWatch(); <-watchDone }()

	// The load, open loop: each command goes on its own goroutine at its tick, so a slow
	// acknowledgement doesn't slow the rate down (and hide itself).
	warmup := max(d/10, 3*time.Second)
	var start, end soakSample
	var trend []soakSample
	var sampling sync.WaitGroup
	begin := time.Now()
	tick := time.NewTicker(time.Second / soakRate)
	nextSample := begin.Add(warmup)
	for i := 0; time.Since(begin) < d; i++ {
		<-tick.C
		l.flows.Go(func() { l.step(i) })
		if now := time.Now(); now.After(nextSample) {
			nextSample = now.Add(max(d/10, 3*time.Second))
			sampling.Go(func() {
				sm, err := scrapeSoak(l.client, s.base)
				if err != nil {
					t.Errorf("scrape /metrics under load: %v", err)
					return
				}
				l.mu.Lock()
				trend = append(trend, sm)
				l.mu.Unlock()
			})
		}
	}
	tick.Stop()
	loadTook := time.Since(begin)
	l.flows.Wait()
	sampling.Wait()
	if len(trend) == 0 {
		t.Fatal("no sample of /metrics was taken under load")
	}
	start = trend[0]

	// Drain: every approved request final and its outcome delivered, no job running,
	// every command answered.
	l.waitApproved(2 * time.Minute)
	waitSoak(t, "licensebot_jobs_running 0", time.Minute, func() bool {
		sm, err := scrapeSoak(l.client, s.base)
		return err == nil && sm.jobsRunning == 0
	})
	l.waitAnswered(time.Minute)

	// The end: with the load gone, the connections this client kept alive closed and the
	// count settled (three equal readings), what licensebot holds is what it keeps.
	l.client.CloseIdleConnections()
	end = settledSample(t, l.client, s.base, 20*time.Second)
	metricsText := end.text

	acks := l.ackSummary()
	removals := l.checkTenant()
	deadlines := s.deadlineBacklog(t)
	if err := s.stop(); err != nil {
		t.Errorf("licensebot serve did not stop cleanly on SIGTERM: %v\n%s", err, tail(s.log.String(), 40))
	}

	t.Logf("soak: duration=%s commands=%d clicks=%d p50=%s p99=%s max=%s goroutines %d→%d heap %s→%s rss %s→%s removals=%d",
		loadTook.Round(time.Second), l.commands.Load(), l.clicks.Load(), acks.p50, acks.p99, acks.max,
		start.goroutines, end.goroutines, mib(start.heapInuse), mib(end.heapInuse), mib(start.rss), mib(end.rss), removals)
	t.Logf("soak: under load every %s: goroutines %s; heap in use %s; next GC target %s → %s at the end",
		max(d/10, 3*time.Second), trendOf(trend, func(s soakSample) string { return strconv.Itoa(s.goroutines) }),
		trendOf(trend, func(s soakSample) string { return mib(s.heapInuse) }),
		trendOf(trend, func(s soakSample) string { return mib(s.nextGC) }), mib(end.nextGC))
	limited := l.watch.limitRefusals()
	t.Logf("soak: approved %d (%s), cancelled %d, refused by the per-person limit %d, statuses %v, deadlines left in Redis %d (%d past due), %d warnings logged",
		len(l.approved), l.finalStates(), l.cancelled.Load(), limited, l.statusCounts(), deadlines.total, deadlines.due,
		strings.Count(s.log.String(), "level=WARN"))
	for _, line := range strings.Split(metricsText, "\n") {
		for _, p := range []string{"licensebot_requests_total", "licensebot_removals_total", "licensebot_chat_api_errors_total",
			"licensebot_ack_duration_seconds_count", "licensebot_graph_throttle_wait_seconds_count"} {
			if strings.HasPrefix(line, p) {
				t.Logf("soak: /metrics %s", line)
			}
		}
	}
	if n := strings.Count(s.log.String(), "level=ERROR"); n > 0 {
		t.Errorf("licensebot logged %d errors; the first:\n%s", n, grepLines(s.log.String(), "level=ERROR", 5))
	}

	// The limits.
	if acks.max >= soakSlackLimit {
		t.Errorf("an acknowledgement took %s, Slack gives up at %s (%d of %d took 1 s or more)", acks.max, soakSlackLimit, acks.overSecond, acks.n)
	}
	if acks.p99 >= soakP99Limit {
		t.Errorf("p99 of acknowledgements %s, want under %s", acks.p99, soakP99Limit)
	}
	if margin := max(soakGoroutineAdd, start.goroutines/4); end.goroutines > start.goroutines+margin {
		t.Errorf("goroutines grew from %d to %d (margin %d): a leak?", start.goroutines, end.goroutines, margin)
	}
	// Heap in use swings up to twice the live heap between collections (GOGC=100), and a
	// reading can't force one in another process: so growth counts only when the GC's own
	// next target, twice the heap live after the last collection, doubled too.
	if end.heapInuse > 2*start.heapInuse && end.nextGC > 2*start.nextGC {
		t.Errorf("heap in use more than doubled: %s → %s (next GC target %s → %s)",
			mib(start.heapInuse), mib(end.heapInuse), mib(start.nextGC), mib(end.nextGC))
	}
	// The runaway script makes soakUserLimit plans in its first 21 s or so.
	if d >= 30*time.Second && limited == 0 {
		t.Errorf("the runaway script was never refused by the per-person limit (%d a minute)", soakUserLimit)
	}
	l.reportFailures()
}

func soakDuration(t *testing.T) time.Duration {
	t.Helper()
	v := os.Getenv(soakEnv)
	if v == "" {
		return soakDefault
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 5*time.Second {
		t.Fatalf("%s=%q: want a Go duration of at least 5s, e.g. 5m", soakEnv, v)
	}
	return d
}

// soakServe is licensebot serve in its own process (HTTP mode) against a real
// redis-server, a fake Slack and a simulated tenant of StaffedTenant(staff).
type soakServe struct {
	base   string
	slack  *slackfake.Server
	tenant *graphtest.Server
	st     *store.Store
	rdb    *redis.Client
	staff  int
	cmd    *exec.Cmd
	log    *syncBuffer
	exited chan error
}

func startSoakServe(t *testing.T, staff int) *soakServe {
	t.Helper()
	redisSrv := storetest.Start(t)
	tenant, err := graphtest.NewServer(graphtest.StaffedTenant(staff), graphtest.WithToken("graph-t0ken"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tenant.Close)
	sl := slackfake.New(t)
	for _, u := range append(slices.Clone(soakAdmins),
		slackfake.User{ID: "U0MEGAN", Name: "megan", RealName: "Megan Bowen", Email: "megan@contoso.example", Locale: "en-US"},
		slackfake.User{ID: "U0CAROL", Name: "carol", RealName: "Carol Diaz", Email: "carol@contoso.example"},
	) {
		sl.AddUser(u)
	}
	sl.AddChannel(approvalChannel)
	sl.AddChannel("C0GENERAL")

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(),
		replicaEnv+"=1",
		"REDIS_URL="+redisSrv.URL,
		"LICENSEBOT_IDENTITY=email",
		"LICENSEBOT_REDIS_PREFIX="+soakPrefix,
		"GRAPH_BASE_URL="+tenant.URL,
		"GRAPH_ACCESS_TOKEN=graph-t0ken",
		"SLACK_BOT_TOKEN="+slackfake.BotToken,
		"SLACK_SIGNING_SECRET="+testSigningSecret,
		"SLACK_API_URL="+sl.APIURL(),
		"LICENSEBOT_HTTP_ADDR=127.0.0.1:0",
		"LICENSEBOT_APPROVAL_CHANNEL="+approvalChannel,
		"LICENSEBOT_APPROVERS=U0MEGAN",
		"LICENSEBOT_TIMEZONE=Europe/Istanbul",
		"LICENSEBOT_LOG_FORMAT=text",
		"LICENSEBOT_LOG_LEVEL=info",
		// Plans nobody confirms expire within the run, so the sweeper works too and the
		// pending requests reach a steady state instead of only growing.
		"LICENSEBOT_CONFIRM_TTL=1m",
		// Limits counted on every plan: the runaway script meets the per-person one within
		// the first minute, the workspace one nobody meets (it would stop the jobs).
		"LICENSEBOT_LIMIT_WINDOW=1m",
		"LICENSEBOT_USER_REQUESTS="+strconv.Itoa(soakUserLimit),
		"LICENSEBOT_WORKSPACE_REQUESTS=1000000",
		"LICENSEBOT_SHUTDOWN_TIMEOUT=20s",
	)
	stdout, log := &syncBuffer{}, &syncBuffer{}
	cmd.Stdout, cmd.Stderr = stdout, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	rdb := redisSrv.Client(t)
	s := &soakServe{slack: sl, tenant: tenant, st: store.New(rdb, soakPrefix), rdb: rdb, staff: staff,
		cmd: cmd, log: log, exited: make(chan error, 1)}
	go func() { s.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-s.exited
		}
		if t.Failed() {
			t.Logf("licensebot serve log (last lines):\n%s", tail(log.String(), 60))
		}
	})
	listening := regexp.MustCompile(`listening on (\S+)`)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := listening.FindStringSubmatch(stdout.String()); m != nil {
			s.base = "http://" + m[1]
			return s
		}
		select {
		case err := <-s.exited:
			s.exited <- err
			t.Fatalf("licensebot serve stopped at start: %v\n%s", err, log.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("licensebot serve did not start:\n%s", log.String())
		}
	}
}

// stop sends SIGTERM, as Kubernetes does, and waits for a clean exit.
func (s *soakServe) stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case err := <-s.exited:
		s.exited <- err
		return err
	case <-time.After(40 * time.Second):
		return errors.New("still running 40 s after SIGTERM")
	}
}

type deadlineBacklog struct{ total, due int64 }

// deadlineBacklog counts the pending requests' deadlines left in Redis, and those past due.
func (s *soakServe) deadlineBacklog(t *testing.T) deadlineBacklog {
	// The store has no reader for the set as a whole; its key is store.deadlinesKey's.
	ctx := context.Background()
	key := soakPrefix + ":deadlines"
	total, err := s.rdb.ZCard(ctx, key).Result()
	if err != nil {
		t.Logf("count deadlines: %v", err)
	}
	due, _ := s.rdb.ZCount(ctx, key, "-inf", strconv.FormatInt(time.Now().UnixMilli(), 10)).Result()
	return deadlineBacklog{total, due}
}

// soakLoad drives the load and keeps what it saw.
type soakLoad struct {
	t      *testing.T
	s      *soakServe
	client *http.Client
	watch  *soakWatch
	flows  sync.WaitGroup

	seq       atomic.Int64 // trigger ids and response_url names
	commands  atomic.Int64
	clicks    atomic.Int64
	plans     atomic.Int64
	requester atomic.Int64
	approvals atomic.Int64 // next approved staff number - 1
	cancelled atomic.Int64
	cap       int

	mu       sync.Mutex
	acks     []time.Duration
	statuses map[int]int
	ids      []string          // request ids seen in plans, for status
	approved map[string]string // request id → UPN
	finals   map[handlers.State]int
	failures []string
	nfail    int
}

func newSoakLoad(t *testing.T, s *soakServe, approvedCap int) *soakLoad {
	return &soakLoad{
		t: t, s: s, cap: approvedCap,
		// Slack keeps connections to an app alive between deliveries, as this client does.
		client:   &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second}},
		watch:    newSoakWatch(s.slack),
		statuses: map[int]int{},
		approved: map[string]string{},
		finals:   map[handlers.State]int{},
	}
}

// step sends the i-th command of the load.
func (l *soakLoad) step(i int) {
	admin := soakAdmins[i%len(soakAdmins)].ID
	switch slot := i % soakCycle; {
	case slot < 10:
		k := l.plans.Add(1)
		requester := []string{"U0ADELE", "U0HAL"}[l.requester.Add(1)%2]
		switch {
		case k%5 == 0:
			l.approvedFlow(requester)
		case k%10 == 3:
			l.cancelFlow(requester, l.poolUser(k))
		default:
			l.command(soakFlooder, planText(l.poolUser(k), k))
		}
	case slot < 14:
		l.command(admin, "show "+graphtest.StaffUPN(l.poolUser(int64(i))))
	case slot < 17:
		l.command(admin, "status "+l.someID(i))
	case slot == 17:
		l.command(admin, "help")
	case slot == 18:
		l.command(admin, soakBadCommands[(i/soakCycle)%len(soakBadCommands)])
	default:
		// Carol is no admin: refused, every time.
		l.command("U0CAROL", planText(l.poolUser(int64(i)), int64(i)))
	}
}

// Malformed commands, each refused by the parser or for an unknown product.
var soakBadCommands = []string{
	`staff0001@contoso.example --product`,
	`frobnicate the licenses`,
	`status nope`,
	`show`,
	`"staff0001@contoso.example --product "Office 365 E3`,
	`staff0001@contoso.example --product "Office 365 E9"`,
}

// poolUser is one of the staff plans are made for but never approved: they are after
// the approved ones, so nothing the load does may remove their licenses.
func (l *soakLoad) poolUser(k int64) int { return l.cap + 1 + int(k%soakPool) }

// planText asks for Office 365 E3; every other one typed as Slack sends an address with
// escaping on.
func planText(staff int, k int64) string {
	upn := graphtest.StaffUPN(staff)
	if k%2 == 0 {
		upn = "<mailto:" + upn + "|" + upn + ">"
	}
	return upn + ` --product "Office 365 E3" --reason "soak"`
}

func (l *soakLoad) someID(i int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ids) == 0 {
		return "aaaaaaaaaaaaaaaaaaaa" // well formed, unknown
	}
	// One of the last 50: most are still pending, some expired, approved or done.
	return l.ids[len(l.ids)-1-i%min(50, len(l.ids))]
}

// approvedFlow plans the removal of Office 365 E3 from a staff member no other request
// touches, confirms it as the requester and approves it as Megan.
func (l *soakLoad) approvedFlow(admin string) {
	n := int(l.approvals.Add(1))
	if n > l.cap {
		l.fail("more approvals than the tenant was sized for (%d)", l.cap)
		return
	}
	upn := graphtest.StaffUPN(n)
	id, ok := l.plan(admin, planText(n, int64(n)))
	if !ok {
		return
	}
	approval := l.watch.expectApproval(id)
	if !l.click(admin, handlers.ActionConfirm, id, "C0GENERAL", "1700000000.000001", true) {
		return
	}
	var ts string
	select {
	case ts = <-approval:
	case <-time.After(30 * time.Second):
		l.fail("request %s (%s): no approval request posted within 30 s of Confirm", id, upn)
		return
	}
	if l.click("U0MEGAN", handlers.ActionApprove, id, approvalChannel, ts, false) {
		l.mu.Lock()
		l.approved[id] = upn
		l.mu.Unlock()
	}
}

func (l *soakLoad) cancelFlow(admin string, staff int) {
	id, ok := l.plan(admin, planText(staff, int64(staff)))
	if ok && l.click(admin, handlers.ActionCancel, id, "C0GENERAL", "1700000000.000002", true) {
		l.cancelled.Add(1)
	}
}

// plan sends a plan and waits for its answer, whose Confirm button carries the request id.
func (l *soakLoad) plan(admin, text string) (string, bool) {
	name := fmt.Sprintf("soak-%d", l.seq.Add(1))
	answer := l.watch.expectResponse(name)
	if !l.send(name, admin, text) {
		return "", false
	}
	select {
	case c := <-answer:
		id, ok := findButton(c.Blocks(), handlers.ActionConfirm)
		if !ok {
			l.fail("plan %q answered without a Confirm button: %.300s", text, c.Body)
			return "", false
		}
		l.mu.Lock()
		l.ids = append(l.ids, id)
		l.mu.Unlock()
		return id, true
	case <-time.After(30 * time.Second):
		l.fail("plan %q not answered within 30 s", text)
		return "", false
	}
}

func (l *soakLoad) command(user, text string) {
	l.send(fmt.Sprintf("soak-%d", l.seq.Add(1)), user, text)
}

// send posts a signed slash command whose answer goes to the response_url called name.
func (l *soakLoad) send(name, user, text string) bool {
	l.commands.Add(1)
	l.watch.mustAnswer(name)
	return l.post("/slack/commands", url.Values{
		"team_id": {slackfake.TeamID}, "user_id": {user}, "command": {"/unassign"}, "text": {text}, "channel_id": {"C0GENERAL"},
		"response_url": {l.s.slack.ResponseURL(name)}, "trigger_id": {"trigger-" + name}, "api_app_id": {"A0APP"},
	})
}

// click posts a signed block_actions payload, as Slack sends a button press.
func (l *soakLoad) click(user, action, value, channel, ts string, ephemeral bool) bool {
	l.clicks.Add(1)
	name := fmt.Sprintf("soak-click-%d", l.seq.Add(1))
	b, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user, "team_id": slackfake.TeamID}, "team": map[string]any{"id": slackfake.TeamID},
		"api_app_id": "A0APP", "trigger_id": "trigger-" + name, "response_url": l.s.slack.ResponseURL(name),
		"container": map[string]any{"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": ephemeral},
		"channel":   map[string]any{"id": channel},
		"actions":   []map[string]any{{"action_id": action, "block_id": "buttons", "value": value, "type": "button", "action_ts": "1"}},
	})
	return l.post("/slack/interactions", url.Values{"payload": {string(b)}})
}

// post signs and sends one delivery and records how long the acknowledgement took.
func (l *soakLoad) post(path string, form url.Values) bool {
	body := []byte(form.Encode())
	req, _ := http.NewRequest(http.MethodPost, l.s.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	ts, sig := slack.Sign(body, testSigningSecret, time.Now())
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", sig)
	t0 := time.Now()
	resp, err := l.client.Do(req)
	if err != nil {
		l.fail("POST %s: %v", path, err)
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	took := time.Since(t0)
	l.mu.Lock()
	l.acks = append(l.acks, took)
	l.statuses[resp.StatusCode]++
	l.mu.Unlock()
	if resp.StatusCode != http.StatusOK {
		l.fail("POST %s answered %d", path, resp.StatusCode)
		return false
	}
	return true
}

func (l *soakLoad) fail(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.nfail++
	if len(l.failures) < 10 {
		l.failures = append(l.failures, fmt.Sprintf(format, args...))
	}
}

func (l *soakLoad) reportFailures() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.nfail > 0 {
		l.t.Errorf("%d failures under load; the first:\n  %s", l.nfail, strings.Join(l.failures, "\n  "))
	}
}

func (l *soakLoad) statusCounts() map[int]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.statuses)
}

// waitApproved waits until every approved request is final and its outcome delivered.
func (l *soakLoad) waitApproved(within time.Duration) {
	l.mu.Lock()
	pending := make(map[string]string, len(l.approved))
	for id, upn := range l.approved {
		pending[id] = upn
	}
	l.mu.Unlock()
	deadline := time.Now().Add(within)
	ctx := context.Background()
	for len(pending) > 0 {
		for id := range pending {
			rec, err := l.s.st.Get(ctx, id)
			if err != nil {
				continue
			}
			var r handlers.Request
			if json.Unmarshal(rec.Data, &r) != nil {
				continue
			}
			if st := handlers.State(rec.State); st.Final() && r.Delivered {
				l.mu.Lock()
				l.finals[st]++
				l.mu.Unlock()
				if st != handlers.StateDone {
					l.fail("request %s (%s) ended %s, want done", id, pending[id], st)
				}
				delete(pending, id)
			}
		}
		if len(pending) == 0 {
			return
		}
		if time.Now().After(deadline) {
			states := map[string]int{}
			for id := range pending {
				rec, _ := l.s.st.Get(ctx, id)
				states[rec.State]++
			}
			l.t.Errorf("%d approved requests not final (or outcome not delivered) %s after the load: %v", len(pending), within, states)
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func (l *soakLoad) finalStates() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var parts []string
	for st, n := range l.finals {
		parts = append(parts, fmt.Sprintf("%s %d", st, n))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// waitAnswered waits until every command has had an answer through its response_url.
func (l *soakLoad) waitAnswered(within time.Duration) {
	deadline := time.Now().Add(within)
	for {
		missing := l.watch.unanswered()
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			slices.Sort(missing)
			l.t.Errorf("%d commands never answered through response_url, e.g. %v", len(missing), missing[:min(5, len(missing))])
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkTenant checks that no staff member lost Office 365 E3 twice, that each approved
// one lost it once and that nobody else lost it; it returns the removals counted.
func (l *soakLoad) checkTenant() int {
	l.mu.Lock()
	approved := map[string]bool{}
	for _, upn := range l.approved {
		approved[upn] = true
	}
	l.mu.Unlock()
	total, bad := 0, 0
	for i := 1; i <= l.s.staff; i++ {
		upn := graphtest.StaffUPN(i)
		u, ok := l.s.tenant.User(upn)
		if !ok {
			l.t.Fatalf("no user %s in the tenant", upn)
		}
		n := l.s.tenant.Removals(u.ID, skuOffice365E3)
		total += n
		want := 0
		if approved[upn] {
			want = 1
		}
		if n != want {
			if bad++; bad <= 5 {
				l.t.Errorf("%s: Office 365 E3 removed %d times, want %d", upn, n, want)
			}
		}
	}
	if bad > 0 {
		l.t.Errorf("%d staff removed a wrong number of times", bad)
	}
	return total
}

type ackSummary struct {
	n, overSecond int
	p50, p99, max time.Duration
}

func (l *soakLoad) ackSummary() ackSummary {
	l.mu.Lock()
	a := slices.Clone(l.acks)
	l.mu.Unlock()
	if len(a) == 0 {
		l.t.Fatal("no acknowledgement measured")
	}
	slices.Sort(a)
	// Nearest rank: the smallest value at least q of the sample is at or under.
	rank := func(q float64) time.Duration { return a[max(0, int(math.Ceil(q*float64(len(a))))-1)] }
	s := ackSummary{n: len(a), p50: rank(0.50), p99: rank(0.99), max: a[len(a)-1]}
	for _, d := range a {
		if d >= time.Second {
			s.overSecond++
		}
	}
	s.p50, s.p99, s.max = s.p50.Round(10*time.Microsecond), s.p99.Round(10*time.Microsecond), s.max.Round(10*time.Microsecond)
	return s
}

// soakWatch reads what licensebot sends the fake Slack, once, for everyone waiting: the
// first answer to each response_url and the approval request of each request id. (Every
// waiter polling the fake would read its whole history each time.)
type soakWatch struct {
	sl *slackfake.Server

	mu        sync.Mutex
	seenCalls int
	seenMsgs  int
	answered  map[string]bool // response_url names answered
	limited   int             // answers refusing a plan for the per-person limit
	owed      map[string]bool // command response_url names waiting for their answer
	responses map[string]chan slackfake.Call
	approvals map[string]chan string // request id → ts of its approval message
	early     map[string]string      // approval messages no one waited for yet
}

func newSoakWatch(sl *slackfake.Server) *soakWatch {
	return &soakWatch{sl: sl, answered: map[string]bool{}, owed: map[string]bool{},
		responses: map[string]chan slackfake.Call{}, approvals: map[string]chan string{}, early: map[string]string{}}
}

func (w *soakWatch) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			w.poll()
		}
	}
}

func (w *soakWatch) poll() {
	calls := w.sl.Calls("")
	msgs := w.sl.SortedMessages(approvalChannel)
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range calls[w.seenCalls:] {
		name, ok := strings.CutPrefix(c.Method, "response:")
		if !ok || c.Status != http.StatusOK || w.answered[name] {
			continue
		}
		w.answered[name] = true
		delete(w.owed, name)
		if bytes.Contains(c.Body, []byte("as many as licensebot takes from one person")) {
			w.limited++
		}
		if ch := w.responses[name]; ch != nil {
			ch <- c
			delete(w.responses, name)
		}
	}
	w.seenCalls = len(calls)
	// Messages are added under the fake's lock with increasing ts: a snapshot holds every
	// message up to its last, so those past seenMsgs are the new ones.
	for _, m := range msgs[w.seenMsgs:] {
		if m.ThreadTS != "" {
			continue
		}
		var blocks []map[string]any
		_ = json.Unmarshal(m.Blocks, &blocks)
		id, ok := findButton(blocks, handlers.ActionApprove)
		if !ok {
			continue
		}
		if ch := w.approvals[id]; ch != nil {
			ch <- m.TS
			delete(w.approvals, id)
		} else {
			w.early[id] = m.TS
		}
	}
	w.seenMsgs = len(msgs)
}

func (w *soakWatch) limitRefusals() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.limited
}

func (w *soakWatch) mustAnswer(name string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.answered[name] {
		w.owed[name] = true
	}
}

func (w *soakWatch) unanswered() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for name := range w.owed {
		out = append(out, name)
	}
	return out
}

func (w *soakWatch) expectResponse(name string) <-chan slackfake.Call {
	ch := make(chan slackfake.Call, 1)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.responses[name] = ch
	return ch
}

func (w *soakWatch) expectApproval(id string) <-chan string {
	ch := make(chan string, 1)
	w.mu.Lock()
	defer w.mu.Unlock()
	if ts, ok := w.early[id]; ok {
		ch <- ts
		delete(w.early, id)
		return ch
	}
	w.approvals[id] = ch
	return ch
}

// findButton finds the value of the button for action in Block Kit blocks (action ids may
// carry a "_N" suffix to keep them unique within a message).
func findButton(blocks []map[string]any, action string) (string, bool) {
	for _, b := range blocks {
		if b["type"] != "actions" {
			continue
		}
		elements, _ := b["elements"].([]any)
		for _, e := range elements {
			el, _ := e.(map[string]any)
			id, _ := el["action_id"].(string)
			if id == action || strings.HasPrefix(id, action+"_") {
				v, _ := el["value"].(string)
				return v, v != ""
			}
		}
	}
	return "", false
}

// soakSample is what licensebot's /metrics says of the process at one moment.
type soakSample struct {
	goroutines     int
	heapInuse, rss float64
	nextGC         float64
	jobsRunning    float64
	text           string
}

func scrapeSoak(c *http.Client, base string) (soakSample, error) {
	resp, err := c.Get(base + "/metrics")
	if err != nil {
		return soakSample{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return soakSample{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return soakSample{}, fmt.Errorf("/metrics answered %d", resp.StatusCode)
	}
	values := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			values[line[:i]] = v
		}
	}
	s := soakSample{text: string(body)}
	for name, dst := range map[string]*float64{
		"go_memstats_heap_inuse_bytes": &s.heapInuse, "process_resident_memory_bytes": &s.rss, "licensebot_jobs_running": &s.jobsRunning,
		"go_memstats_next_gc_bytes": &s.nextGC,
	} {
		v, ok := values[name]
		if !ok {
			return s, fmt.Errorf("/metrics lacks %s", name)
		}
		*dst = v
	}
	g, ok := values["go_goroutines"]
	if !ok {
		return s, errors.New("/metrics lacks go_goroutines")
	}
	s.goroutines = int(g)
	return s, nil
}

// settledSample reads /metrics until the goroutine count is the same three times in a row,
// a second apart (connections closing and answers being sent end on their own time).
func settledSample(t *testing.T, c *http.Client, base string, within time.Duration) soakSample {
	t.Helper()
	deadline := time.Now().Add(within)
	var last soakSample
	same := 0
	for {
		s, err := scrapeSoak(c, base)
		if err != nil {
			t.Fatalf("scrape /metrics at the end: %v", err)
		}
		if s.goroutines == last.goroutines {
			same++
		} else {
			same = 0
		}
		last = s
		if same >= 2 || time.Now().After(deadline) {
			c.CloseIdleConnections()
			return s
		}
		c.CloseIdleConnections()
		time.Sleep(time.Second)
	}
}

func waitSoak(t *testing.T, what string, within time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Errorf("timed out after %s waiting for %s", within, what)
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func mib(b float64) string { return fmt.Sprintf("%.1fMiB", b/(1<<20)) }

func trendOf(samples []soakSample, f func(soakSample) string) string {
	parts := make([]string, len(samples))
	for i, s := range samples {
		parts[i] = f(s)
	}
	return strings.Join(parts, " ")
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func grepLines(s, substr string, n int) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, substr) {
			if out = append(out, line); len(out) == n {
				break
			}
		}
	}
	return strings.Join(out, "\n")
}
