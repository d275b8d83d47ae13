package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/graph"
	"github.com/licensebot/licensebot/graph/graphtest"
	"github.com/licensebot/licensebot/handlers"
	"github.com/licensebot/licensebot/store"
	"github.com/licensebot/licensebot/store/storetest"
)

// e3 is Office 365 E3 in the sample tenant.
const e3 = "6fd2c87f-b296-42f0-b197-1e91e994b900"

// bulkWorld is the executor with its real parts in one process: a real redis-server, the
// simulated tenant behind the real Graph SDK, and as many replicas (handlers services
// sharing the store) as a test starts.
type bulkWorld struct {
	t      testing.TB
	tenant *graphtest.Server
	client *graph.Client
	st     *store.Store
	out    *editRecorder
	opts   handlers.Options
}

func newBulkWorld(t testing.TB, staff int, o handlers.Options, tenantOpts ...graphtest.Option) *bulkWorld {
	t.Helper()
	return newBulkWorldOn(t, storetest.Start(t).Client(t), staff, o, tenantOpts...)
}

func newBulkWorldOn(t testing.TB, rdb *redis.Client, staff int, o handlers.Options, tenantOpts ...graphtest.Option) *bulkWorld {
	t.Helper()
	tenant, err := graphtest.NewServer(graphtest.StaffedTenant(staff), append([]graphtest.Option{graphtest.WithToken("t0ken")}, tenantOpts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tenant.Close)
	client, err := graph.New(graph.Config{BaseURL: tenant.URL, AccessToken: "t0ken", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if o.Approvers == nil {
		o.Approvers = []string{"megan@contoso.example"}
	}
	o.MaxTargets = max(o.MaxTargets, staff)
	return &bulkWorld{t: t, tenant: tenant, client: client, st: store.New(rdb, "licensebot-test"), out: &editRecorder{}, opts: o}
}

// replica is one more licensebot sharing the store and the tenant.
func (w *bulkWorld) replica() *handlers.Service {
	w.t.Helper()
	changes := graphChanges{w.client}
	svc, err := handlers.New(handlers.Deps{
		Directory: graphDirectory{w.client}, Remover: changes, Restorer: changes, Requests: requestStore{w.st}, Audit: requestStore{w.st},
		RoleCache: w.st, Deadlines: w.st, Jobs: jobQueue{w.st}, Ledger: ledger{w.st}, Notifier: w.out, NewID: store.NewID,
		Logger: slog.New(slog.NewTextHandler(w.t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	}, w.opts)
	if err != nil {
		w.t.Fatal(err)
	}
	return svc
}

// workers runs the replica's workers until the test ends.
func (w *bulkWorld) workers(svc *handlers.Service, n int) context.CancelFunc {
	worker, err := bot.HolderName()
	if err != nil {
		w.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		svc.RunWorkers(ctx, worker, n)
	}()
	stop := func() { cancel(); <-done }
	w.t.Cleanup(stop)
	return stop
}

func as(name string) bot.Actor {
	return bot.Actor{Platform: "test", ChatID: name, Name: name, Email: name + "@contoso.example"}
}

// confirmed plans and confirms a removal of Office 365 E3 from the first n staff, as Adele.
func (w *bulkWorld) confirmed(svc *handlers.Service, n int) string {
	w.t.Helper()
	ctx := context.Background()
	users := make([]string, n)
	for i := range users {
		users[i] = graphtest.StaffUPN(i + 1)
	}
	plan := svc.HandleCommand(ctx, bot.Command{Actor: as("adele"), Text: strings.Join(users, " ") + ` --product "Office 365 E3"`}).Message
	if len(plan.Buttons) == 0 || plan.Buttons[0].Action != handlers.ActionConfirm {
		w.t.Fatalf("no plan: %s", plan.Text)
	}
	id := plan.Buttons[0].Value
	if r := svc.HandleClick(ctx, bot.Click{Actor: as("adele"), Action: handlers.ActionConfirm, Value: id}); !strings.Contains(r.Message.Text, "Confirmed") {
		w.t.Fatalf("confirm: %s", r.Message.Text)
	}
	return id
}

func (w *bulkWorld) approve(svc *handlers.Service, id string) bot.Reply {
	return svc.HandleClick(context.Background(), bot.Click{Actor: as("megan"), Action: handlers.ActionApprove, Value: id,
		Message: bot.MessageRef{Platform: "test", ID: "approval-" + id}})
}

// request reads a request as stored.
func (w *bulkWorld) request(id string) handlers.Request {
	w.t.Helper()
	rec, err := w.st.Get(context.Background(), id)
	if err != nil {
		w.t.Fatal(err)
	}
	var r handlers.Request
	if err := json.Unmarshal(rec.Data, &r); err != nil {
		w.t.Fatal(err)
	}
	r.State = handlers.State(rec.State)
	return r
}

// waitFinal waits until the request is finished and its outcome delivered.
func (w *bulkWorld) waitFinal(id string, within time.Duration) handlers.Request {
	w.t.Helper()
	return w.waitUntil(id, within, func(r handlers.Request) bool { return r.State.Final() && r.Delivered })
}

// waitFinished waits until the request's outcome is recorded, delivered or not (replica
// processes can't deliver to this process's test platform).
func (w *bulkWorld) waitFinished(id string, within time.Duration) handlers.Request {
	w.t.Helper()
	return w.waitUntil(id, within, func(r handlers.Request) bool { return r.State.Final() })
}

func (w *bulkWorld) waitUntil(id string, within time.Duration, done func(handlers.Request) bool) handlers.Request {
	w.t.Helper()
	deadline := time.Now().Add(within)
	for {
		r := w.request(id)
		if done(r) {
			return r
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("request %s still %s after %s (%d results)", id, r.State, within, len(r.Results))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// exactlyOnce checks that each of the first n staff lost Office 365 E3 exactly once and
// that the roll-up lists each of them as removed.
func (w *bulkWorld) exactlyOnce(r handlers.Request, n int) {
	w.t.Helper()
	removed := map[string]int{}
	for _, res := range r.Results {
		if res.Outcome == handlers.OutcomeRemoved {
			removed[res.UPN]++
		}
	}
	bad := 0
	for i := 1; i <= n; i++ {
		u, ok := w.tenant.User(graphtest.StaffUPN(i))
		if !ok {
			w.t.Fatalf("no user %s", graphtest.StaffUPN(i))
		}
		if got := w.tenant.Removals(u.ID, e3); got != 1 || removed[u.UserPrincipalName] != 1 {
			if bad++; bad <= 5 {
				w.t.Errorf("%s: removed %d times by Graph, %d times in the roll-up; want 1 and 1", u.UserPrincipalName, got, removed[u.UserPrincipalName])
			}
		}
	}
	if bad > 0 {
		w.t.Fatalf("%d of %d users not removed exactly once", bad, n)
	}
	if r.State != handlers.StateDone || len(r.Results) != n {
		w.t.Fatalf("state %s with %d results, want done with %d", r.State, len(r.Results), n)
	}
}

// editRecorder is a chat platform that keeps what it is sent and how often each message
// was edited.
type editRecorder struct {
	mu    sync.Mutex
	posts []bot.Message
	edits map[string][]bot.Message
	times map[string][]time.Time
}

func (r *editRecorder) Post(_ context.Context, _ bot.Destination, m bot.Message) (bot.MessageRef, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.posts = append(r.posts, m)
	return bot.MessageRef{Platform: "test", ID: fmt.Sprintf("post-%d", len(r.posts))}, nil
}

func (r *editRecorder) Update(_ context.Context, ref bot.MessageRef, m bot.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.edits == nil {
		r.edits, r.times = map[string][]bot.Message{}, map[string][]time.Time{}
	}
	r.edits[ref.ID] = append(r.edits[ref.ID], m)
	r.times[ref.ID] = append(r.times[ref.ID], time.Now())
	return nil
}

func (r *editRecorder) postsContaining(s string) []bot.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []bot.Message
	for _, m := range r.posts {
		if strings.Contains(m.Text, s) {
			out = append(out, m)
		}
	}
	return out
}

// The first promise: 1,000 users in one request, each removed exactly once, while
// the tenant throttles (429 with Retry-After, in and outside $batch) and fails 5% of
// requests with 5xx.
func TestThousandUsersRemovedExactlyOnceThroughThrottlingAndFailures(t *testing.T) {
	t.Parallel()
	const n = 1000
	w := newBulkWorld(t, n, handlers.Options{}, graphtest.WithThrottle(150, 0), graphtest.WithFailureRate(0, 7))
	svc := w.replica()
	id := w.confirmed(svc, n)
	w.workers(svc, 2)
	start := time.Now()
	// The approval itself fails closed on a failing Graph (it reads the approver): approve on
	// a healthy tenant, then fail 5% of what the job sends.
	if r := w.approve(svc, id); !strings.Contains(r.Message.Text, "Approved") {
		t.Fatalf("approve: %s", r.Message.Text)
	}
	w.tenant.SetFailureRate(0.05)
	r := w.waitFinal(id, 2*time.Minute)
	w.exactlyOnce(r, n)
	t.Logf("%d users in %s: %d $batch calls carrying %d assignLicense requests", n, time.Since(start).Round(time.Millisecond),
		w.tenant.Calls("POST", "/$batch"), w.tenant.Calls("POST", "/users/"))
	if out := w.out.postsContaining("Request " + id + ": 1000 removed"); len(out) == 0 {
		t.Error("the outcome was not posted")
	}
}

// Progress: the approval message is edited with counts while the job runs, never twice
// within 2 seconds, and ends with the full roll-up.
func TestProgressEditsAtMostEveryTwoSeconds(t *testing.T) {
	t.Parallel()
	const n = 300
	w := newBulkWorld(t, n, handlers.Options{InFlight: 1, MaxInFlight: 1}, graphtest.WithLatency(150*time.Millisecond))
	svc := w.replica()
	id := w.confirmed(svc, n)
	w.workers(svc, 1)
	w.approve(svc, id)
	w.waitFinal(id, time.Minute)
	w.out.mu.Lock()
	defer w.out.mu.Unlock()
	var approvalRef string
	for ref := range w.out.edits {
		if strings.HasPrefix(ref, "post-") {
			approvalRef = ref
		}
	}
	edits, times := w.out.edits[approvalRef], w.out.times[approvalRef]
	var progress int
	for i, m := range edits {
		if strings.Contains(m.Text, "users done") {
			progress++
			if i > 0 && times[i].Sub(times[i-1]) < 1900*time.Millisecond {
				t.Errorf("edits %d and %d only %s apart", i-1, i, times[i].Sub(times[i-1]))
			}
		}
	}
	if progress == 0 {
		t.Fatalf("no progress edit among %d edits of %s: %+v", len(edits), approvalRef, edits)
	}
	if last := edits[len(edits)-1]; !strings.Contains(last.Text, "Done: 300 removed") {
		t.Errorf("last edit is not the roll-up: %q", last.Text)
	}
}

// Many replicas: 100 Approve clicks spread over 3 replicas start exactly one job, and the
// removal happens once.
func TestHundredApprovalsOverThreeReplicasStartOneJob(t *testing.T) {
	t.Parallel()
	w := newBulkWorld(t, 30, handlers.Options{Approvers: []string{"megan@contoso.example", "hal@contoso.example"}},
		graphtest.WithLatency(5*time.Millisecond))
	replicas := []*handlers.Service{w.replica(), w.replica(), w.replica()}
	id := w.confirmed(replicas[0], 30)
	for _, r := range replicas {
		w.workers(r, 2)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 100 {
		wg.Go(func() {
			<-start
			who := []string{"megan", "hal"}[i%2]
			replicas[i%3].HandleClick(context.Background(), bot.Click{Actor: as(who), Action: handlers.ActionApprove, Value: id})
		})
	}
	close(start)
	wg.Wait()
	r := w.waitFinal(id, time.Minute)
	w.exactlyOnce(r, 30)
	events, err := w.st.AuditLog(context.Background(), id, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range events {
		count[e.Action]++
	}
	if count["approved"] != 1 || count["started"] != 1 || count["finished"] != 1 {
		t.Fatalf("audit: %d approved, %d started, %d finished; want 1 each (%v)", count["approved"], count["started"], count["finished"], count)
	}
}

// Undo gives back exactly what was removed: the same products with the same disabled plans,
// to the users of that request only, after its own confirmation.
func TestUndoRestoresTheSameProductsAndDisabledPlans(t *testing.T) {
	t.Parallel()
	const n = 45
	w := newBulkWorld(t, n+5, handlers.Options{}, graphtest.WithLatency(2*time.Millisecond))
	svc := w.replica()
	before := map[string]graphtest.User{}
	for i := 1; i <= n+5; i++ {
		u, _ := w.tenant.User(graphtest.StaffUPN(i))
		before[u.UserPrincipalName] = u
	}
	id := w.confirmed(svc, n)
	w.workers(svc, 2)
	w.approve(svc, id)
	r := w.waitFinal(id, time.Minute)
	w.exactlyOnce(r, n)

	ctx := context.Background()
	// The outcome offers [Undo]; the command does the same.
	outcome := w.out.postsContaining("Request " + id + ": ")
	if len(outcome) == 0 || !slices.ContainsFunc(outcome[0].Buttons, func(b bot.Button) bool { return b.Action == handlers.ActionUndo }) {
		t.Fatalf("the outcome has no Undo button: %+v", outcome)
	}
	if m := svc.HandleCommand(ctx, bot.Command{Actor: as("carol"), Text: "undo " + id}).Message; !strings.Contains(m.Text, "can't unassign licenses") {
		t.Errorf("a non-admin may undo: %s", m.Text)
	}
	plan := svc.HandleClick(ctx, bot.Click{Actor: as("adele"), Action: handlers.ActionUndo, Value: id}).Message
	if !strings.Contains(plan.Text, fmt.Sprintf("%d licenses to %d users", n, n)) || len(plan.Buttons) != 2 {
		t.Fatalf("undo plan: %s %+v", plan.Text, plan.Buttons)
	}
	if !strings.Contains(strings.Join(plan.Warnings, " "), "30 days") {
		t.Errorf("undo plan doesn't say until when the data comes back: %v", plan.Warnings)
	}
	undoID := plan.Buttons[0].Value
	if again := svc.HandleCommand(ctx, bot.Command{Actor: as("adele"), Text: "undo " + id}).Message; len(again.Buttons) == 0 {
		t.Fatalf("a second undo before the first is confirmed is refused: %s", again.Text)
	}
	if m := svc.HandleClick(ctx, bot.Click{Actor: as("hal"), Action: handlers.ActionConfirm, Value: undoID}).Message; !strings.Contains(m.Text, "Only") {
		t.Errorf("someone else confirmed Adele's undo: %s", m.Text)
	}
	svc.HandleClick(ctx, bot.Click{Actor: as("adele"), Action: handlers.ActionConfirm, Value: undoID})
	// The undo goes through the approval policy, as the removal did.
	if got := w.request(undoID).State; got != handlers.StateAwaitingApproval {
		t.Fatalf("a confirmed undo is %s, want it awaiting approval", got)
	}
	w.approve(svc, undoID)
	u := w.waitFinal(undoID, time.Minute)
	if u.State != handlers.StateDone || len(u.Results) != n {
		t.Fatalf("undo %s with %d results: %+v", u.State, len(u.Results), u.Results[:min(3, len(u.Results))])
	}
	for upn, b := range before {
		now, _ := w.tenant.User(upn)
		if !equalLicenses(b.Licenses, now.Licenses) {
			t.Errorf("%s: licenses %+v after undo, want %+v", upn, now.Licenses, b.Licenses)
		}
	}
	if m := svc.HandleCommand(ctx, bot.Command{Actor: as("adele"), Text: "undo " + id}).Message; !strings.Contains(m.Text, "already being undone") {
		t.Errorf("undo twice: %s", m.Text)
	}
}

func equalLicenses(a, b []graphtest.License) bool {
	key := func(ls []graphtest.License) []string {
		var out []string
		for _, l := range ls {
			d := slices.Clone(l.DisabledPlans)
			slices.Sort(d)
			out = append(out, l.SKUID+":"+strings.Join(d, ","))
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(key(a), key(b))
}
