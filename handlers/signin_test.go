package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
)

// fakeSignIns plays Microsoft's side: each device sign-in waits for the test to say who
// signed in (or why not); links are made when withLinks, and exchanged for what the test
// set for their code.
type fakeSignIns struct {
	mu        sync.Mutex
	started   []chan signInResult
	withLinks bool
	links     int
	exchange  map[string]signInResult // by code
}

type signInResult struct {
	si  SignedIn
	err error
}

func (f *fakeSignIns) StartDevice(context.Context) (DeviceSignIn, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan signInResult, 1)
	f.started = append(f.started, ch)
	n := len(f.started)
	return DeviceSignIn{UserCode: fmt.Sprintf("CODE-%d", n), VerificationURI: "https://microsoft.com/devicelogin", ExpiresAt: time.Now().Add(15 * time.Minute),
		Wait: func(ctx context.Context) (SignedIn, error) {
			select {
			case r := <-ch:
				return r.si, r.err
			case <-ctx.Done():
				return SignedIn{}, ctx.Err()
			}
		}}, nil
}

func (f *fakeSignIns) NewLink() (string, SignInSecret, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.withLinks {
		return "", SignInSecret{}, nil
	}
	f.links++
	state := fmt.Sprintf("state%d", f.links)
	return "https://login.example/authorize?state=" + state, SignInSecret{State: state, Nonce: "n", Verifier: "v"}, nil
}

func (f *fakeSignIns) Exchange(_ context.Context, code string, _ SignInSecret) (SignedIn, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.exchange[code]
	return r.si, r.err
}

// signIn finishes the nth device sign-in started (from 1).
func (f *fakeSignIns) signIn(t *testing.T, n int, r signInResult) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.started) < n {
		t.Fatalf("%d device sign-ins started, want at least %d", len(f.started), n)
	}
	f.started[n-1] <- r
}

type memSignInStates struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (m *memSignInStates) PutSignIn(_ context.Context, state string, data []byte, _ time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[state] = data
	return nil
}

func (m *memSignInStates) TakeSignIn(_ context.Context, state string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.m[state]
	delete(m.m, state)
	return d, ok, nil
}

type signInWorld struct {
	*linkWorld
	signIns *fakeSignIns
	states  *memSignInStates
}

func newSignInWorld(t *testing.T, o Options) *signInWorld {
	t.Helper()
	w := &signInWorld{linkWorld: &linkWorld{
		world: &world{t: t, dir: newFakeDirectory(), reqs: newMemRequests(), out: &fakeNotifier{},
			clk: &clock{now: time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC)}},
		links: newMemLinks(), audit: &memAudit{}, deadlines: &memDeadlines{},
	}, signIns: &fakeSignIns{exchange: map[string]signInResult{}}, states: &memSignInStates{m: map[string][]byte{}}}
	if o.Approvers == nil {
		o.Approvers = []string{"megan@contoso.example"}
	}
	if o.Identity == "" {
		o.Identity = IdentityEntra
	}
	var ids atomic.Int64
	svc, err := New(Deps{
		Directory: w.dir, Remover: w.dir, Restorer: w.dir, Requests: w.reqs, Notifier: w.out, Links: w.links, Audit: w.audit,
		Deadlines: w.deadlines, SignIns: w.signIns, SignInStates: w.states,
		NewID: func() (string, error) { return fmt.Sprintf("req%016d", ids.Add(1)), nil },
		Now:   w.clk.Now,
	}, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	w.svc = svc
	return w
}

// linkedBySignIn stores a link as a sign-in at signedIn would have made it.
func (w *signInWorld) linkedBySignIn(who bot.Actor, userID, upn string, signedIn time.Time, acrs ...string) {
	w.t.Helper()
	if err := w.links.SetLink(context.Background(), Link{Account: accountOf(who), UserID: userID, UPN: upn, By: upn, At: signedIn,
		Method: LinkBySignIn, SignedInAt: signedIn, Evidence: EvidenceAuthTime, AuthContexts: acrs}); err != nil {
		w.t.Fatal(err)
	}
}

// waitToActor waits for a private message to who that says want.
func (w *signInWorld) waitToActor(who bot.Actor, want string) {
	w.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, m := range w.toActor(who) {
			if strings.Contains(text(m), want) {
				return
			}
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("no private message saying %q to %s; got %+v", want, who.ChatID, w.toActor(who))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestUnderEntraTheProfileAddressProvesNothing(t *testing.T) {
	t.Parallel()
	w := newSignInWorld(t, Options{})
	adele := actor("adele") // her chat profile shows adele@contoso.example
	mustContain(t, w.commandAs(adele, "show alice@contoso.example"), "Sign in with Microsoft once: run /unassign link")
	mustContain(t, w.commandAs(adele, "link adele@contoso.example"), "by signing in with Microsoft here")

	// Links an administrator approved count only where allowed.
	w.links.SetLink(context.Background(), Link{Account: accountOf(adele), UserID: "u-adele", UPN: "adele@contoso.example", By: "nestor@contoso.example", Method: LinkByApproval})
	mustContain(t, w.commandAs(adele, "show alice@contoso.example"), "Sign in with Microsoft once")
	allowed := newSignInWorld(t, Options{LinkByApproval: true})
	allowed.links.SetLink(context.Background(), Link{Account: accountOf(adele), UserID: "u-adele", UPN: "adele@contoso.example", By: "nestor@contoso.example", Method: LinkByApproval})
	mustContain(t, allowed.commandAs(adele, "show alice@contoso.example"), "Alice Wood")
	mustContain(t, allowed.commandAs(onDiscord("d-x", "x"), "link nestor@contoso.example"), "confirm that you are nestor@contoso.example")
}

func TestSigningInLinksTheAccountByObjectID(t *testing.T) {
	t.Parallel()
	w := newSignInWorld(t, Options{})
	nestor := onDiscord("d-nestor", "nestor_w")
	step := w.commandAs(nestor, "link")
	mustContain(t, step, "open https://microsoft.com/devicelogin and enter the code CODE-1", "If anyone sends you one, don't use it")
	at := w.clk.Now().Add(-time.Minute)
	w.signIns.signIn(t, 1, signInResult{si: SignedIn{ObjectID: "u-nestor", TenantID: "t", Username: "nestor@contoso.example", AuthTime: at, AuthContexts: []string{"c1"}}})
	w.waitToActor(nestor, "now linked to nestor@contoso.example")
	k, ok := w.links.get(accountOf(nestor))
	if !ok || k.UserID != "u-nestor" || k.Method != LinkBySignIn || !k.SignedInAt.Equal(at) || k.Evidence != EvidenceAuthTime || len(k.AuthContexts) != 1 {
		t.Fatalf("link %+v", k)
	}
	mustContain(t, w.commandAs(nestor, "show alice@contoso.example"), "Alice Wood")
	linked := w.auditOf("linked")
	if len(linked) != 1 || linked[0].Fields["method"] != "signin" || linked[0].Fields["mfa"] != "acrs:c1" || linked[0].Fields["actor_id"] != "u-nestor" {
		t.Fatalf("audit %+v", linked)
	}

	// Someone whose profile shows an address must sign in as that person.
	carol := actor("carol")
	w.commandAs(carol, "link")
	w.signIns.signIn(t, 2, signInResult{si: SignedIn{ObjectID: "u-megan", Username: "megan@contoso.example"}})
	w.waitToActor(carol, "You signed in as megan@contoso.example, but your chat profile's address is carol@contoso.example")
	if _, ok := w.links.get(accountOf(carol)); ok {
		t.Fatal("linked to someone else's sign-in")
	}
	// Each way a sign-in fails is said, and links nothing.
	for i, tt := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("%w: tid", ErrSignInOtherTenant), "another organisation's directory"},
		{ErrSignInDeclined, "declined at Microsoft's page"},
		{ErrSignInExpired, "in time"},
		{fmt.Errorf("%w: alg none", ErrSignInInvalid), "couldn't be verified"},
		{ErrSignInUnavailable, "couldn't be reached"},
	} {
		who := onDiscord(fmt.Sprintf("d-%d", i), "someone")
		w.commandAs(who, "link")
		w.signIns.signIn(t, 3+i, signInResult{err: tt.err})
		w.waitToActor(who, tt.want)
		if _, ok := w.links.get(accountOf(who)); ok {
			t.Fatalf("%v linked an account", tt.err)
		}
	}
	if n := len(w.auditOf("signin_failed")); n != 6 {
		t.Errorf("%d failed sign-ins audited, want 6", n)
	}
}

func TestAnApprovalWaitsForAFreshSignInWithTheContext(t *testing.T) {
	t.Parallel()
	w := newSignInWorld(t, Options{ApprovalSignIn: 8 * time.Hour, AuthContext: "c1"})
	adele, megan := actor("adele"), actor("megan")
	now := w.clk.Now()
	w.linkedBySignIn(adele, "u-adele", "adele@contoso.example", now)
	w.linkedBySignIn(megan, "u-megan", "megan@contoso.example", now.Add(-time.Hour)) // fresh, but no c1
	plan := w.commandAs(adele, `alice@contoso.example --product "Office 365 E3"`)
	w.pressAs(adele, button(t, plan, ActionConfirm), bot.MessageRef{})
	var approval posted
	for _, p := range w.out.all() {
		if p.To.Approvers {
			approval = p
		}
	}
	approve := button(t, approval.Msg, ActionApprove)
	reply := w.pressAs(megan, approve, approval.Ref)
	mustContain(t, reply.Message, "met your organisation's sign-in policy c1", "enter the code CODE-1", "Your click waits")
	if reply.Replace || w.dir.removalCount() != 0 {
		t.Fatalf("decided without the context: replace %v, %d removals", reply.Replace, w.dir.removalCount())
	}
	// Signed in meeting c1: the waiting click is decided.
	w.signIns.signIn(t, 1, signInResult{si: SignedIn{ObjectID: "u-megan", Username: "megan@contoso.example", AuthTime: now, AuthContexts: []string{"c1"}}})
	w.waitToActor(megan, "Signed in")
	deadline := time.Now().Add(5 * time.Second)
	for w.dir.removalCount() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d removals after signing in, want 1", w.dir.removalCount())
		}
		time.Sleep(5 * time.Millisecond)
	}
	approved := w.auditOf("approved")
	if len(approved) != 1 || approved[0].Fields["mfa"] != "acrs:c1" || approved[0].Fields["signin_evidence"] != EvidenceAuthTime {
		t.Fatalf("approval audit %+v", approved)
	}
	// A denial needs no fresh sign-in (it changes nothing).
	w.clk.Advance(24 * time.Hour)
	plan = w.commandAs(adele, `bob@contoso.example --product "Office 365 E3"`)
	w.pressAs(adele, button(t, plan, ActionConfirm), bot.MessageRef{})
	var second posted
	for _, p := range w.out.all() {
		if p.To.Approvers && p.Msg.Footer != approval.Msg.Footer {
			second = p
		}
	}
	mustContain(t, w.pressAs(megan, button(t, second.Msg, ActionDeny), second.Ref).Message, "Denied by Megan Bowen")
}

func TestARequestMayNeedAFreshSignInToo(t *testing.T) {
	t.Parallel()
	w := newSignInWorld(t, Options{RequestSignIn: time.Hour})
	adele := actor("adele")
	w.linkedBySignIn(adele, "u-adele", "adele@contoso.example", w.clk.Now().Add(-2*time.Hour))
	mustContain(t, w.commandAs(adele, `alice@contoso.example --product "Office 365 E3" --dry-run`), "Alice Wood")
	mustContain(t, w.commandAs(adele, `alice@contoso.example --product "Office 365 E3"`), "within the last 1 hour; yours was at", "enter the code CODE-1")
	if w.reqs.count() != 0 {
		t.Fatal("a request was stored on a stale sign-in")
	}
}

func TestASignInLinkWorksOnce(t *testing.T) {
	t.Parallel()
	w := newSignInWorld(t, Options{})
	w.signIns.withLinks = true
	nestor := onDiscord("d-nestor", "nestor_w")
	mustContain(t, w.commandAs(nestor, "link"), "Or open this one-time sign-in link", "https://login.example/authorize?state=state1")
	w.signIns.exchange["good"] = signInResult{si: SignedIn{ObjectID: "u-nestor", Username: "nestor@contoso.example"}}
	ctx := context.Background()
	if ok, page := w.svc.CompleteSignIn(ctx, "nope", "good", ""); ok || !strings.Contains(page, "unknown") {
		t.Fatalf("an unknown state: %v %q", ok, page)
	}
	if ok, page := w.svc.CompleteSignIn(ctx, "state1", "good", ""); !ok || !strings.Contains(page, "now linked to nestor@contoso.example") || !strings.Contains(page, "close this tab") {
		t.Fatalf("the link's redirect: %v %q", ok, page)
	}
	if ok, _ := w.svc.CompleteSignIn(ctx, "state1", "good", ""); ok {
		t.Fatal("a state worked twice")
	}
	w.commandAs(nestor, "link")
	if ok, page := w.svc.CompleteSignIn(ctx, "state2", "", "access_denied"); ok || !strings.Contains(page, "declined") {
		t.Fatalf("a declined sign-in: %v %q", ok, page)
	}
	if k, _ := w.links.get(accountOf(nestor)); k.Evidence != EvidenceSession || !k.SignedInAt.Equal(w.clk.Now()) {
		t.Fatalf("without auth_time the sign-in counts from when it completed: %+v", k)
	}
}

// A replica that stops ends the sign-ins it waits on, without a word to anyone.
func TestCloseEndsTheWaitingSignIns(t *testing.T) {
	t.Parallel()
	w := newSignInWorld(t, Options{})
	w.commandAs(onDiscord("d-1", "one"), "link")
	done := make(chan struct{})
	go func() { w.svc.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close didn't end the waiting sign-in")
	}
	if n := len(w.auditOf("signin_failed")); n != 0 {
		t.Fatalf("%d failures audited for a replica stopping", n)
	}
	if _, err := w.svc.startSignIn(context.Background(), onDiscord("d-2", "two"), nil); err != nil || errors.Is(err, context.Canceled) {
		t.Fatalf("a sign-in after Close: %v", err)
	}
}
