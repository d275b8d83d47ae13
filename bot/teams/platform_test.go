package teams

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/bottest"
	"github.com/licensebot/licensebot/bot/teams/teamsfake"
)

// world is the platform against the fake Bot Framework, its messaging endpoint served.
type world struct {
	p      *Platform
	fake   *teamsfake.Fake
	rec    *bottest.Recorder
	sleeps *bottest.Sleeps
	url    string // the messaging endpoint
	adele  teamsfake.User
	ch     teamsfake.Channel
}

func newWorld(t *testing.T, change func(*Config)) *world {
	t.Helper()
	fake := teamsfake.New(t)
	appID, secret, tenant := fake.Credentials()
	w := &world{fake: fake, rec: &bottest.Recorder{}, sleeps: &bottest.Sleeps{}}
	w.adele = fake.AddUser(teamsfake.User{Name: "Adele Vance", UPN: "adele@contoso.example", Installed: true})
	w.ch = fake.AddChannel("Approvals", w.adele)
	cfg := Config{AppID: appID, AppPassword: secret, TenantID: tenant, ApprovalChannel: w.ch.ID,
		OpenIDMetadataURL: fake.OpenIDMetadataURL(), TokenURL: fake.TokenURL(),
		Options: bot.Options{Sleep: w.sleeps.Sleep}}
	if change != nil {
		change(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.SetHandler(w.rec)
	srv := httptest.NewServer(p.MessagesHandler())
	t.Cleanup(srv.Close)
	t.Cleanup(p.Wait)
	w.p, w.url = p, srv.URL
	return w
}

func (w *world) send(t *testing.T, a teamsfake.Activity, opts ...teamsfake.SendOption) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	status, body, err := w.fake.Send(ctx, w.url, a, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return status, body
}

// A command reaches the handler as the person Teams vouches for, by Entra object id and
// tenant, and its answer goes back to the 1:1 chat.
func TestCommandReachesTheHandlerAsTheVouchedPerson(t *testing.T) {
	w := newWorld(t, nil)
	w.rec.Command = bot.Reply{Message: bot.Message{Text: "Here is your plan."}}
	if status, _ := w.send(t, w.fake.Personal(w.adele, `unassign alice@contoso.com --product "Office 365 E3"`)); status != 200 {
		t.Fatalf("answered %d", status)
	}
	m := w.fake.WaitPosted(t, w.adele.Conversation, func(m teamsfake.Message) bool { return strings.Contains(m.Text(), "Here is your plan.") })
	if m.Card == nil {
		t.Fatal("the answer is no card")
	}
	cmds := w.rec.Commands()
	_, _, tenant := w.fake.Credentials()
	if len(cmds) != 1 || cmds[0].Text != `alice@contoso.com --product "Office 365 E3"` {
		t.Fatalf("commands %+v", cmds)
	}
	a := cmds[0].Actor
	if a.Platform != "teams" || a.EntraID != w.adele.AADObjectID || a.ChatID != w.adele.AADObjectID || a.Workspace != tenant || a.Email != "" {
		t.Fatalf("actor %+v", a)
	}
}

// The signing keys are read once, again when a token names a key not seen (Microsoft rolled
// them), and not again and again for a stranger's key ids.
func TestSigningKeysAreReadOnceAndOnRollover(t *testing.T) {
	w := newWorld(t, nil)
	for range 3 {
		if status, _ := w.send(t, w.fake.Personal(w.adele, "hello")); status != 200 {
			t.Fatalf("answered %d", status)
		}
	}
	if n := w.fake.KeyFetches(); n != 1 {
		t.Fatalf("keys read %d times for 3 activities", n)
	}
	if err := w.fake.RotateKeys(); err != nil {
		t.Fatal(err)
	}
	if status, _ := w.send(t, w.fake.Personal(w.adele, "hello")); status != 200 {
		t.Fatalf("a token from the new key answered %d", status)
	}
	if n := w.fake.KeyFetches(); n != 2 {
		t.Fatalf("keys read %d times after the rollover", n)
	}
	for range 5 {
		if status, _ := w.send(t, w.fake.Personal(w.adele, "hello"), teamsfake.UnknownKid()); status != 401 {
			t.Fatalf("an unknown key answered %d", status)
		}
	}
	if n := w.fake.KeyFetches(); n > 3 {
		t.Fatalf("keys read %d times for unknown key ids", n)
	}
}

// A press is answered in the HTTP response at once, then the card is replaced in place.
func TestPressAnswersAtOnceThenReplacesTheCard(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	w.p.learn(ctx, w.fake.ServiceURL())
	ref, err := w.p.Post(ctx, bot.Destination{Approvers: true}, bot.Message{Text: "Approve this?",
		Buttons: []bot.Button{{Label: "Approve", Action: "approve", Value: "r1", Style: bot.Primary}}})
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := w.fake.Message(ref.ID)
	w.rec.Click = bot.Reply{Replace: true, Message: bot.Message{Text: "Approved by Adele Vance"}}
	press, err := w.fake.Press(w.adele, msg, "Approve")
	if err != nil {
		t.Fatal(err)
	}
	status, body := w.send(t, press)
	r, err := teamsfake.ParseInvokeResponse(body)
	if status != 200 || err != nil || !strings.Contains(string(r.Value), "Working on it") {
		t.Fatalf("the press answered %d %s (%v)", status, body, err)
	}
	w.fake.WaitFor(t, "the card replaced", 5*time.Second, func() bool {
		m, _ := w.fake.Message(ref.ID)
		return m.Updates == 1 && strings.Contains(m.Text(), "Approved by Adele Vance") && len(m.Buttons()) == 0
	})
	clicks := w.rec.Clicks()
	if len(clicks) != 1 || clicks[0].Action != "approve" || clicks[0].Value != "r1" || clicks[0].Message != ref {
		t.Fatalf("clicks %+v, ref %+v", clicks, ref)
	}
	// The same press delivered again is not worked on twice.
	status, body = w.send(t, press)
	if status != 200 || !strings.Contains(string(body), "Already on it") {
		t.Fatalf("the repeated press answered %d %s", status, body)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(w.rec.Clicks()); n != 1 {
		t.Fatalf("%d clicks handled", n)
	}
}

// The bot's token: asked once and reused; a 429 waited out as Teams asks; nothing sent to a
// service URL no verified activity came from; a card Teams refuses is an error.
func TestConnectorCalls(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	msg := bot.Message{Text: "hello"}
	if _, err := w.p.Post(ctx, bot.Destination{Approvers: true}, msg); !errors.Is(err, errNoServiceURL) {
		t.Fatalf("before any activity: %v", err)
	}
	if _, err := w.p.conn.send(ctx, w.fake.ServiceURL(), w.ch.ID, "", render(msg, "en")); err == nil || !strings.Contains(err.Error(), "came in no verified activity") {
		t.Fatalf("an unverified service URL: %v", err)
	}
	if n := len(w.fake.Calls()); n != 0 || w.fake.TokensIssued() != 0 {
		t.Fatalf("%d calls, %d tokens before any activity", n, w.fake.TokensIssued())
	}
	w.p.learn(ctx, w.fake.ServiceURL())
	for range 3 {
		if _, err := w.p.Post(ctx, bot.Destination{Approvers: true}, msg); err != nil {
			t.Fatal(err)
		}
	}
	if n := w.fake.TokensIssued(); n != 1 {
		t.Fatalf("%d tokens for 3 messages", n)
	}
	w.fake.Fail429(1, 2*time.Second)
	if _, err := w.p.Post(ctx, bot.Destination{Approvers: true}, msg); err != nil {
		t.Fatalf("after a 429: %v", err)
	}
	if waits := w.sleeps.Waits(); len(waits) != 1 || waits[0] != 2*time.Second {
		t.Fatalf("waits %v", waits)
	}
	w.fake.FailNext(http.StatusForbidden, "BotNotInConversationRoster")
	_, err := w.p.Post(ctx, bot.Destination{Approvers: true}, msg)
	var se *statusError
	if !errors.As(err, &se) || se.Status != 403 || se.Code != "BotNotInConversationRoster" {
		t.Fatalf("a refused post: %v", err)
	}
}

// Another replica's verified service URL is trusted here too, through the shared facts.
func TestServiceURLsAreSharedByReplicas(t *testing.T) {
	facts := bot.NewMemoryFacts(time.Now)
	share := func(c *Config) { c.Facts = facts }
	a, b := newWorld(t, share), newWorld(t, share)
	_ = b
	ctx := context.Background()
	a.p.learn(ctx, a.fake.ServiceURL())
	if !b.p.trusted(ctx, a.fake.ServiceURL()) {
		t.Fatal("replica b doesn't trust what replica a verified")
	}
	if got, err := b.p.serviceURL(ctx); err != nil || got != a.fake.ServiceURL() {
		t.Fatalf("replica b's service URL %q, %v", got, err)
	}
}

// doctor: good credentials and keys pass; a wrong secret is named with the identity
// platform's code and never shown; an approval channel the bot isn't in is a problem.
func TestCheck(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	findings := w.p.Check(ctx)
	if len(findings) != 4 || findings[0].Problem != "" || findings[1].Problem != "" || !findings[2].Unchecked || !findings[3].Unchecked {
		t.Fatalf("findings %+v", findings)
	}
	w.p.learn(ctx, w.fake.ServiceURL())
	if f := w.p.checkApprovalChannel(ctx); f.Problem != "" || f.Unchecked {
		t.Fatalf("approval channel: %+v", f)
	}
	w.fake.SetInstalled(w.ch.ID, false)
	if f := w.p.checkApprovalChannel(ctx); f.Problem == "" {
		t.Fatalf("a channel without the bot: %+v", f)
	}
	bad := newWorld(t, func(c *Config) { c.AppPassword = "wrong-secret-value" })
	f := bad.p.checkToken(ctx)
	if !strings.Contains(f.Problem, "AADSTS7000215") || strings.Contains(f.Problem+f.Fix, "wrong-secret-value") {
		t.Fatalf("a wrong secret: %+v", f)
	}
	srv := httptest.NewServer(w.p.MessagesHandler())
	defer srv.Close()
	w.p.cfg.MessagingEndpoint = srv.URL
	if f := w.p.checkEndpoint(ctx); f.Problem != "" {
		t.Fatalf("the endpoint: %+v", f)
	}
}

// A colleague mentioned in a channel reaches the handlers as one word, and becomes their
// work address only when the handlers ask (after authorizing the caller), from Teams'
// member record.
func TestMentionedColleagueResolvedOnAsking(t *testing.T) {
	w := newWorld(t, nil)
	alice := w.fake.AddUser(teamsfake.User{Name: "Alice Wood", UPN: "alice@contoso.example", Installed: true})
	ch := w.fake.AddChannel("Helpdesk", w.adele, alice)
	a := w.fake.ChannelMention(w.adele, ch, "unassign <at>Alice Wood</at> --product Visio")
	a.Entities = append(a.Entities, teamsfake.Entity{Type: "mention", Mentioned: &teamsfake.Account{ID: alice.ID, Name: alice.Name}, Text: "<at>Alice Wood</at>"})
	if status, _ := w.send(t, a); status != 200 {
		t.Fatalf("answered %d", status)
	}
	w.fake.WaitFor(t, "the command", 5*time.Second, func() bool { return len(w.rec.Commands()) == 1 })
	cmd := w.rec.Commands()[0]
	if cmd.Text != "@Alice_Wood  --product Visio" || cmd.Mentions == nil {
		t.Fatalf("command %q", cmd.Text)
	}
	membersCalls := func() int {
		n := 0
		for _, c := range w.fake.Calls() {
			if c.Route == teamsfake.RouteMembers {
				n++
			}
		}
		return n
	}
	if membersCalls() != 0 {
		t.Fatal("members read before the handlers asked")
	}
	if email, ok := cmd.Mentions(context.Background(), "@Alice_Wood"); !ok || email != "alice@contoso.example" {
		t.Fatalf("the mention resolved to %q, %v", email, ok)
	}
	if _, ok := cmd.Mentions(context.Background(), "@Nobody"); ok {
		t.Fatal("an unknown mention resolved")
	}
	if email, ok := cmd.Mentions(context.Background(), "@Alice_Wood"); !ok || email != "alice@contoso.example" {
		t.Fatalf("asked again, the mention resolved to %q, %v", email, ok)
	}
	if n := membersCalls(); n != 1 {
		t.Fatalf("%d reads of the members for the mentions of one command, want 1", n)
	}
}

// Keys read at start serve the first activity; a metadata that doesn't answer is not asked
// again by every activity.
func TestKeysReadAtStartAndNotHammered(t *testing.T) {
	w := newWorld(t, nil)
	if err := w.p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if status, _ := w.send(t, w.fake.Personal(w.adele, "hello")); status != 200 || w.fake.KeyFetches() != 1 {
		t.Fatalf("answered %d after %d key reads", status, w.fake.KeyFetches())
	}
	var hits atomic.Int32
	failing := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		http.Error(rw, "unavailable", http.StatusServiceUnavailable)
	}))
	defer failing.Close()
	down := newWorld(t, func(c *Config) { c.OpenIDMetadataURL = failing.URL + "/v1/.well-known/openidconfiguration" })
	if err := down.p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if status, _ := down.send(t, down.fake.Personal(down.adele, "hello")); status != 401 {
			t.Fatalf("answered %d without keys", status)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("the metadata was asked %d times by a start and 5 activities within seconds", n)
	}
}

// A token near its expiry is not sent: a new one is asked for (oauth2 renews 10 s before).
func TestTokenRenewedBeforeItExpires(t *testing.T) {
	fake := teamsfake.New(t, teamsfake.TokenLifetime(5*time.Second))
	appID, secret, tenant := fake.Credentials()
	p, err := New(Config{AppID: appID, AppPassword: secret, TenantID: tenant,
		OpenIDMetadataURL: fake.OpenIDMetadataURL(), TokenURL: fake.TokenURL()})
	if err != nil {
		t.Fatal(err)
	}
	ch := fake.AddChannel("Approvals")
	p.learn(context.Background(), fake.ServiceURL())
	for range 3 {
		if _, err := p.postApprovers(context.Background(), ch.ID, bot.Message{Text: "hi"}, "en"); err != nil {
			t.Fatal(err)
		}
	}
	if n := fake.TokensIssued(); n != 3 {
		t.Fatalf("%d tokens for 3 calls with tokens that expire within oauth2's margin", n)
	}
}
