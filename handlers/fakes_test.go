package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
)

const (
	skuE3  = "6fd2c87f-b296-42f0-b197-1e91e994b900" // Office 365 E3, ENTERPRISEPACK
	skuEMS = "efccb6f7-5641-4e0e-bd10-b4976e1bf68e" // Enterprise Mobility + Security E3
	skuPBI = "f8a1db68-be16-40ed-86d5-cb42ce701560" // Power BI Pro
)

var e3Plans = []licensing.ServicePlanState{
	{Name: "EXCHANGE_S_ENTERPRISE", ProvisioningStatus: "Success"},
	{Name: "SHAREPOINTENTERPRISE", ProvisioningStatus: "Success"},
	{Name: "OFFICESUBSCRIPTION", ProvisioningStatus: "Success"},
}

// fakeDirectory is an in-memory tenant with Graph's rules, counting removals.
type fakeDirectory struct {
	mu           sync.Mutex
	users        map[string]*licensing.User // by lower-case UPN
	roles        map[string][]string        // by user id
	managers     map[string]string          // user id → manager UPN
	products     []licensing.TenantProduct
	subs         []licensing.Subscription
	failSubs     error          // Subscriptions fails with it
	removals     map[string]int // "userID/sku"
	productReads int
	failRead     error // every read fails with it
	// removeErrs are returned by the next RemoveLicenses calls, in order.
	removeErrs []error
	// failFor fails every change of that user id with the error.
	failFor map[string]error
	// panicFind and panicProducts make the next FindUser of that query, and the next
	// Products calls, panic: a bug or an answer no check caught.
	panicFind     map[string]bool
	panicProducts int
	restores      map[string]int // "userID/sku"
}

func newFakeDirectory() *fakeDirectory {
	d := &fakeDirectory{users: map[string]*licensing.User{}, roles: map[string][]string{}, managers: map[string]string{}, removals: map[string]int{}}
	add := func(id, name, upn string, lic ...licensing.Assignment) {
		d.users[upn] = &licensing.User{ID: id, DisplayName: name, UserPrincipalName: upn, Mail: upn, AccountEnabled: true, UsageLocation: "TR", Licenses: lic}
	}
	// As Graph gives them to an app-only token: no service plans on the user (no
	// licenseDetails); the tenant's products carry them.
	direct := func(sku, pn string) licensing.Assignment {
		return licensing.Assignment{SKUID: sku, PartNumber: pn, Direct: true, State: "Active"}
	}
	add("u-adele", "Adele Vance", "adele@contoso.example")
	add("u-megan", "Megan Bowen", "megan@contoso.example")
	add("u-nestor", "Nestor Wilke", "nestor@contoso.example")
	add("u-carol", "Carol Diaz", "carol@contoso.example")
	add("u-alice", "Alice Wood", "alice@contoso.example", direct(skuE3, "ENTERPRISEPACK"),
		licensing.Assignment{SKUID: skuEMS, PartNumber: "EMS", State: "Active", Groups: []licensing.Group{{ID: "g-ems", DisplayName: "Licensing - EMS"}}})
	add("u-bob", "Bob Kent", "bob@contoso.example", direct(skuE3, "ENTERPRISEPACK"), direct(skuPBI, "POWER_BI_PRO"))
	add("u-dan", "Dan Jump", "dan@contoso.example", direct(skuE3, "ENTERPRISEPACK"))
	d.roles["u-adele"] = []string{RoleLicenseAdministrator}
	d.roles["u-nestor"] = []string{RoleUserAdministrator}
	d.managers["u-alice"] = "megan@contoso.example"
	d.managers["u-bob"] = "megan@contoso.example"
	d.managers["u-dan"] = "nestor@contoso.example"
	d.products = []licensing.TenantProduct{
		{SKUID: skuE3, PartNumber: "ENTERPRISEPACK", CapabilityStatus: "Enabled", Purchased: 25, Assigned: 3, ServicePlans: e3Plans},
		{SKUID: skuEMS, PartNumber: "EMS", CapabilityStatus: "Enabled", Purchased: 10, Assigned: 1},
		{SKUID: skuPBI, PartNumber: "POWER_BI_PRO", CapabilityStatus: "Enabled", Purchased: 5, Assigned: 1},
	}
	return d
}

func (d *fakeDirectory) FindUser(_ context.Context, q string) (licensing.User, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.panicFind[q] {
		panic("nil page from Graph for " + q)
	}
	if d.failRead != nil {
		return licensing.User{}, d.failRead
	}
	for _, u := range d.users {
		if strings.EqualFold(u.UserPrincipalName, q) || u.ID == q {
			c := *u
			c.Licenses = append([]licensing.Assignment(nil), u.Licenses...)
			return c, nil
		}
	}
	return licensing.User{}, licensing.ErrUserNotFound
}

// FindPerson is FindUser without the licenses, as the graph adapter reads callers.
func (d *fakeDirectory) FindPerson(ctx context.Context, q string) (licensing.User, error) {
	u, err := d.FindUser(ctx, q)
	u.Licenses = nil
	return u, err
}

func (d *fakeDirectory) Subscriptions(context.Context) ([]licensing.Subscription, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.failRead != nil {
		return nil, d.failRead
	}
	if d.failSubs != nil {
		return nil, d.failSubs
	}
	return append([]licensing.Subscription(nil), d.subs...), nil
}

func (d *fakeDirectory) ActiveRoles(_ context.Context, id string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.failRead != nil {
		return nil, d.failRead
	}
	return d.roles[id], nil
}

func (d *fakeDirectory) Manager(ctx context.Context, id string) (licensing.User, error) {
	d.mu.Lock()
	m, ok := d.managers[id]
	d.mu.Unlock()
	if !ok {
		return licensing.User{}, licensing.ErrNoManager
	}
	return d.FindUser(ctx, m)
}

func (d *fakeDirectory) Products(context.Context) ([]licensing.TenantProduct, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.productReads++
	if d.panicProducts > 0 {
		d.panicProducts--
		panic("nil subscribedSkus page")
	}
	if d.failRead != nil {
		return nil, d.failRead
	}
	return append([]licensing.TenantProduct(nil), d.products...), nil
}

// RestoreLicenses gives the products back directly, with their disabled plans.
func (d *fakeDirectory) RestoreLicenses(_ context.Context, id string, ls []Restore) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.failFor[id]; err != nil {
		return "", err
	}
	for _, u := range d.users {
		if u.ID != id {
			continue
		}
		for _, l := range ls {
			u.Licenses = append(u.Licenses, licensing.Assignment{SKUID: l.SKUID, Direct: true, DisabledPlans: l.DisabledPlans, State: "Active"})
			if d.restores == nil {
				d.restores = map[string]int{}
			}
			d.restores[id+"/"+l.SKUID]++
		}
		return "graph-restore-" + id, nil
	}
	return "", &licensing.GraphError{Reason: licensing.ErrUserNotFound, Status: 404}
}

func (d *fakeDirectory) RemoveLicenses(_ context.Context, id string, skus []string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.failFor[id]; err != nil {
		return "", err
	}
	if len(d.removeErrs) > 0 {
		err := d.removeErrs[0]
		d.removeErrs = d.removeErrs[1:]
		return "", err
	}
	for _, u := range d.users {
		if u.ID != id {
			continue
		}
		for _, sku := range skus {
			a, ok := u.License(sku)
			if !ok {
				return "", &licensing.GraphError{Reason: licensing.ErrNotAssigned, Status: 400}
			}
			if !a.Direct {
				return "", &licensing.GraphError{Reason: licensing.ErrInherited, Status: 400}
			}
		}
		for _, sku := range skus {
			for i, a := range u.Licenses {
				if a.SKUID == sku {
					u.Licenses = append(u.Licenses[:i], u.Licenses[i+1:]...)
					break
				}
			}
			d.removals[id+"/"+sku]++
			for i := range d.products {
				if d.products[i].SKUID == sku {
					d.products[i].Assigned--
				}
			}
		}
		return "graph-req-" + id, nil
	}
	return "", licensing.ErrUserNotFound
}

func (d *fakeDirectory) removalCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, c := range d.removals {
		n += c
	}
	return n
}

// memRequests is the store's contract in memory: compare-and-set on state and version.
type memRequests struct {
	mu   sync.Mutex
	recs map[string]Stored
	fail error
}

func newMemRequests() *memRequests { return &memRequests{recs: map[string]Stored{}} }

func (m *memRequests) Create(_ context.Context, id, state string, data []byte, _ time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	if _, ok := m.recs[id]; ok {
		return fmt.Errorf("request %s: %w", id, ErrExists)
	}
	m.recs[id] = Stored{State: state, Version: 1, Data: data}
	return nil
}

func (m *memRequests) Get(_ context.Context, id string) (Stored, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return Stored{}, m.fail
	}
	s, ok := m.recs[id]
	if !ok {
		return Stored{}, ErrNotFound
	}
	return s, nil
}

func (m *memRequests) Transition(_ context.Context, id, from string, version int64, to string, data []byte, _ time.Duration) (Stored, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return Stored{}, m.fail
	}
	s, ok := m.recs[id]
	if !ok {
		return Stored{}, ErrNotFound
	}
	if s.State != from || s.Version != version {
		return s, ErrConflict
	}
	s = Stored{State: to, Version: version + 1, Data: data}
	m.recs[id] = s
	return s, nil
}

func (m *memRequests) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.recs)
}

// posted is one message a fake platform received.
type posted struct {
	To  bot.Destination
	Ref bot.MessageRef
	Msg bot.Message
}

type fakeNotifier struct {
	failUpdates  bool
	failToActors bool // posts to a person fail
	mu           sync.Mutex
	n            int
	posts        []posted
	updates      map[string]bot.Message
	rates        map[string]int // EditsPerMinute by platform
}

// EditsPerMinute is EditRates.
func (f *fakeNotifier) EditsPerMinute(platform string) int { return f.rates[platform] }

func (f *fakeNotifier) Post(_ context.Context, to bot.Destination, msg bot.Message) (bot.MessageRef, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failToActors && to.Actor != nil {
		return bot.MessageRef{}, errors.New("chat.postMessage: service_unavailable")
	}
	f.n++
	ref := bot.MessageRef{Platform: "test", ID: fmt.Sprint(f.n)}
	f.posts = append(f.posts, posted{To: to, Ref: ref, Msg: msg})
	return ref, nil
}

func (f *fakeNotifier) Update(_ context.Context, ref bot.MessageRef, msg bot.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failUpdates {
		return errors.New("chat.update: ratelimited")
	}
	if f.updates == nil {
		f.updates = map[string]bot.Message{}
	}
	f.updates[ref.ID] = msg
	return nil
}

func (f *fakeNotifier) all() []posted {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]posted(nil), f.posts...)
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// memDeadlines is the store's deadlines in memory: a claim removes the entry, once.
type memDeadlines struct {
	mu sync.Mutex
	at map[string]time.Time
}

func (m *memDeadlines) ScheduleDeadline(_ context.Context, id string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.at == nil {
		m.at = map[string]time.Time{}
	}
	m.at[id] = at
	return nil
}

func (m *memDeadlines) DueDeadlines(_ context.Context, now time.Time, max int) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []string
	for id, at := range m.at {
		if !at.After(now) && len(ids) < max {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func (m *memDeadlines) ClaimDeadline(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.at[id]
	delete(m.at, id)
	return ok, nil
}

// memAudit keeps the audit trail in memory.
type memAudit struct {
	mu     sync.Mutex
	events []AuditEvent
}

func (m *memAudit) Audit(_ context.Context, e AuditEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, e)
	return nil
}

// actions are the audit trail's actions, in order.
func (m *memAudit) actions() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, len(m.events))
	for i, e := range m.events {
		out[i] = e.Action
	}
	return out
}

// stateMetrics counts the states requests enter.
type stateMetrics struct {
	noMetrics
	mu      sync.Mutex
	entered []string
}

func (m *stateMetrics) RequestState(state string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entered = append(m.entered, state)
}

func (m *stateMetrics) states() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.entered...)
}

// manualTime is machine time a test drives: its clock, and tickers that tick when the test
// says so.
type manualTime struct {
	clk     *clock
	mu      sync.Mutex
	tickers map[time.Duration][]chan time.Time
}

func (m *manualTime) machine() machineTime {
	return machineTime{now: m.clk.Now, newTicker: m.newTicker}
}

func (m *manualTime) newTicker(d time.Duration) (<-chan time.Time, func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tickers == nil {
		m.tickers = map[time.Duration][]chan time.Time{}
	}
	c := make(chan time.Time, 1)
	m.tickers[d] = append(m.tickers[d], c)
	return c, func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.tickers[d] = slices.DeleteFunc(m.tickers[d], func(x chan time.Time) bool { return x == c })
	}
}

// tick ticks every ticker of period d once, after waiting for one to exist; like a real
// ticker's, a tick nobody took yet is not doubled.
func (m *manualTime) tick(t *testing.T, d time.Duration) {
	t.Helper()
	eventually(t, "a ticker every "+d.String(), func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		return len(m.tickers[d]) > 0
	})
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.tickers[d] {
		select {
		case c <- m.clk.Now():
		default:
		}
	}
}

// eventually waits for cond, failing the test if it doesn't hold within a few seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 5 s for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// receive waits for a value on c, failing the test if none comes within a few seconds.
func receive[T any](t *testing.T, what string, c <-chan T) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("waited 5 s for %s", what)
	}
	var zero T
	return zero
}

// memJobs is the job queue in memory: a job goes to one worker; acknowledged, it is gone.
type memJobs struct {
	mu sync.Mutex
	// firstAttempt is the attempt a queued job is delivered as (1 unless a test says a
	// job has come back that many times).
	firstAttempt int
	queue        []Job
	n            int
	wake         chan struct{}
	// lost jobs are another worker's: their heartbeat fails with ErrJobLost.
	lost     map[string]bool
	enqueued chan string // request ids, as queued
	acked    chan string // job ids, as acknowledged
}

func newMemJobs() *memJobs {
	return &memJobs{firstAttempt: 1, wake: make(chan struct{}, 1), lost: map[string]bool{},
		enqueued: make(chan string, 100), acked: make(chan string, 100)}
}

func (m *memJobs) EnqueueJob(_ context.Context, requestID string) (string, error) {
	m.mu.Lock()
	m.n++
	j := Job{ID: fmt.Sprintf("job-%d", m.n), RequestID: requestID, Attempt: m.firstAttempt}
	m.queue = append(m.queue, j)
	m.mu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
	m.enqueued <- requestID
	return j.ID, nil
}

func (m *memJobs) NextJob(ctx context.Context, _ string, block time.Duration) (Job, bool, error) {
	timer := time.NewTimer(block)
	defer timer.Stop()
	for {
		m.mu.Lock()
		if len(m.queue) > 0 {
			j := m.queue[0]
			m.queue = m.queue[1:]
			m.mu.Unlock()
			return j, true, nil
		}
		m.mu.Unlock()
		select {
		case <-m.wake:
		case <-timer.C:
			return Job{}, false, nil
		case <-ctx.Done():
			return Job{}, false, ctx.Err()
		}
	}
}

func (m *memJobs) ReclaimJob(context.Context, string, time.Duration) (Job, bool, error) {
	return Job{}, false, nil
}

func (m *memJobs) AckJob(_ context.Context, jobID string) error {
	m.acked <- jobID
	return nil
}

func (m *memJobs) ExtendJob(_ context.Context, _, jobID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lost[jobID] {
		return ErrJobLost
	}
	return nil
}

// gatedRemover holds every removal until the test opens the gate, and says when one waits.
type gatedRemover struct {
	Remover
	waiting chan string // user ids, as their call arrives
	open    chan struct{}
}

func newGatedRemover(r Remover) *gatedRemover {
	return &gatedRemover{Remover: r, waiting: make(chan string, 100), open: make(chan struct{})}
}

func (g *gatedRemover) RemoveLicenses(ctx context.Context, userID string, skus []string) (string, error) {
	g.waiting <- userID
	<-g.open
	return g.Remover.RemoveLicenses(ctx, userID, skus)
}

// runningMetrics says when a job starts and stops on this replica.
type runningMetrics struct {
	noMetrics
	running chan int
}

func (m runningMetrics) JobRunning(delta int) { m.running <- delta }

// stallingLedger is a ledger whose claims wait until the job is stopped: it says when a
// claim arrives, and answers it with the job's end.
type stallingLedger struct {
	Ledger
	claiming chan string // keys, as claimed
}

func (l *stallingLedger) Claim(ctx context.Context, _, key, _ string, _ time.Duration) (Claim, error) {
	l.claiming <- key
	<-ctx.Done()
	return Claim{}, ctx.Err()
}

// memLinks is the link store in memory, with the links of configuration (static, by chat
// id on a platform, any workspace) in front, as cmd puts them.
type memLinks struct {
	mu      sync.Mutex
	static  map[string]string // "platform:chatID" → UPN
	links   map[ChatAccount]Link
	sets    int
	failSet int // the next failSet SetLink calls fail
}

func newMemLinks() *memLinks {
	return &memLinks{static: map[string]string{}, links: map[ChatAccount]Link{}}
}

func (m *memLinks) Link(_ context.Context, a ChatAccount) (Link, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if upn, ok := m.static[a.Platform+":"+a.ChatID]; ok {
		return Link{Account: a, UPN: upn, By: "configuration", Fixed: true}, true, nil
	}
	l, ok := m.links[a]
	return l, ok, nil
}

func (m *memLinks) LinkedAccount(_ context.Context, platform, userID, upn string) (ChatAccount, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, v := range m.static {
		p, id, _ := strings.Cut(k, ":")
		if p == platform && strings.EqualFold(v, upn) {
			return ChatAccount{Platform: p, ChatID: id}, true, nil
		}
	}
	var found Link
	for a, l := range m.links {
		if a.Platform == platform && l.UserID == userID && l.At.After(found.At) {
			found = l
		}
	}
	return found.Account, found.Account.ChatID != "", nil
}

func (m *memLinks) SetLink(_ context.Context, l Link) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failSet > 0 {
		m.failSet--
		return errors.New("redis: connection refused")
	}
	m.sets++
	m.links[l.Account] = l
	return nil
}

func (m *memLinks) Unlink(_ context.Context, a ChatAccount) (Link, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.links[a]
	delete(m.links, a)
	return l, ok, nil
}

func (m *memLinks) get(a ChatAccount) (Link, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.links[a]
	return l, ok
}
