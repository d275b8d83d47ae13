package handlers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
)

// linkWorld is a Service whose people may be on a platform that shows no e-mail address
// (Discord), with links, an audit trail and a sweeper's deadlines.
type linkWorld struct {
	*world
	links     *memLinks
	audit     *memAudit
	deadlines *memDeadlines
}

func newLinkWorld(t *testing.T, o Options) *linkWorld {
	t.Helper()
	w := &linkWorld{
		world: &world{t: t, dir: newFakeDirectory(), reqs: newMemRequests(), out: &fakeNotifier{},
			clk: &clock{now: time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC)}},
		links: newMemLinks(), audit: &memAudit{}, deadlines: &memDeadlines{},
	}
	if o.Approvers == nil && o.Policy == "" {
		o.Approvers = []string{"megan@contoso.example"}
	}
	var ids atomic.Int64
	svc, err := New(Deps{
		Directory: w.dir, Remover: w.dir, Restorer: w.dir, Requests: w.reqs, Notifier: w.out, Links: w.links, Audit: w.audit, Deadlines: w.deadlines,
		NewID: func() (string, error) { return fmt.Sprintf("req%016d", ids.Add(1)), nil },
		Now:   w.clk.Now,
	}, o)
	if err != nil {
		t.Fatal(err)
	}
	w.svc = svc
	return w
}

// onDiscord is someone on Discord, in the server g1: no e-mail address.
func onDiscord(id, name string) bot.Actor {
	return bot.Actor{Platform: "discord", Workspace: "g1", ChatID: id, Name: name, Groups: []string{"role-it"}}
}

func (w *linkWorld) commandAs(a bot.Actor, text string) bot.Message {
	w.t.Helper()
	return w.svc.HandleCommand(context.Background(), bot.Command{Actor: a, Text: text}).Message
}

func (w *linkWorld) pressAs(a bot.Actor, b bot.Button, on bot.MessageRef) bot.Reply {
	w.t.Helper()
	return w.svc.HandleClick(context.Background(), bot.Click{Actor: a, Action: b.Action, Value: b.Value, Message: on})
}

// linkRequest is the one link request posted for a decision.
func (w *linkWorld) linkRequest() posted {
	w.t.Helper()
	var found []posted
	for _, p := range w.out.all() {
		if len(p.Msg.Buttons) > 0 && p.Msg.Buttons[0].Label == english.T("link.button.approve") {
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		w.t.Fatalf("%d link requests posted, want 1: %+v", len(found), w.out.all())
	}
	return found[0]
}

// toActor are the messages posted privately to a chat account.
func (w *linkWorld) toActor(a bot.Actor) []bot.Message {
	var out []bot.Message
	for _, p := range w.out.all() {
		if p.To.Actor != nil && p.To.Actor.Platform == a.Platform && p.To.Actor.ChatID == a.ChatID {
			out = append(out, p.Msg)
		}
	}
	return out
}

func (w *linkWorld) auditOf(action string) []AuditEvent {
	w.audit.mu.Lock()
	defer w.audit.mu.Unlock()
	var out []AuditEvent
	for _, e := range w.audit.events {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

var nestorOnDiscord = onDiscord("d-nestor", "nestor_w")

func TestALinkApprovedByAnAdministratorIdentifiesTheAccount(t *testing.T) {
	t.Parallel()
	w := newLinkWorld(t, Options{})
	account := accountOf(nestorOnDiscord)

	// Unknown: told how to link; nothing read for them.
	mustContain(t, w.commandAs(nestorOnDiscord, "show alice@contoso.example"), "/unassign link <your work address>")

	answer := w.commandAs(nestorOnDiscord, "link nestor@contoso.example")
	mustContain(t, answer, "confirm that you are nestor@contoso.example", "waits 24 hours")
	req := w.linkRequest()
	if !req.To.Approvers {
		t.Fatalf("the link request went to %+v, want the approvers", req.To)
	}
	mustContain(t, req.Msg, "linked to the work account nestor@contoso.example", "discord d-nestor (g1)", "nestor_w", "Nestor Wilke <nestor@contoso.example>")
	approve, deny := button(t, req.Msg, ActionApprove), button(t, req.Msg, ActionDeny)
	if approve.Value != deny.Value || approve.Confirm == nil {
		t.Fatalf("buttons %+v %+v", approve, deny)
	}

	// Who may not decide: the person who asked (unknown yet), someone without an admin
	// role, the person whose account it is.
	for _, tt := range []struct {
		who  bot.Actor
		want string
	}{
		{nestorOnDiscord, "/unassign link <your work address>"},
		{actor("carol"), "You (carol@contoso.example) can't decide link requests"},
		{actor("nestor"), "your own work account"},
	} {
		if got := w.pressAs(tt.who, approve, req.Ref); !strings.Contains(text(got.Message), tt.want) || got.Replace {
			t.Fatalf("%s pressed Approve: %q, want %q", tt.who.Name, text(got.Message), tt.want)
		}
	}
	if _, ok := w.links.get(account); ok {
		t.Fatal("linked before an administrator approved")
	}

	// Adele, a License Administrator, approves: linked once, and the person who asked is told.
	got := w.pressAs(actor("adele"), approve, req.Ref)
	if !got.Replace {
		t.Fatalf("reply %+v doesn't replace the request", got)
	}
	mustContain(t, got.Message, "Link of nestor_w to nestor@contoso.example approved by Adele Vance")
	l, ok := w.links.get(account)
	if !ok || l.UserID != "u-nestor" || l.UPN != "nestor@contoso.example" || l.By != "adele@contoso.example" || l.Request != approve.Value {
		t.Fatalf("link %+v", l)
	}
	told := w.toActor(nestorOnDiscord)
	if len(told) != 1 || !strings.Contains(told[0].Text, "now linked to nestor@contoso.example") {
		t.Fatalf("the person who asked was told %+v", told)
	}

	// Decided once: a second approval changes nothing.
	mustContain(t, w.pressAs(actor("nestor"), deny, req.Ref).Message, "own work account")
	if again := w.pressAs(actor("dan"), approve, req.Ref); !strings.Contains(text(again.Message), "approved by Adele Vance") {
		t.Fatalf("a late press answered %q", text(again.Message))
	}
	if w.links.sets != 1 {
		t.Fatalf("the link was stored %d times", w.links.sets)
	}

	// Nestor, a User Administrator, acts with his linked account.
	mustContain(t, w.commandAs(nestorOnDiscord, "show alice@contoso.example"), "Alice Wood <alice@contoso.example>")

	// The audit trail: who asked (by their chat account), who decided, which account and user.
	if a := w.audit.actions(); !slices.Equal(a, []string{"link_requested", "link_approved", "linked"}) {
		t.Fatalf("audit %v", a)
	}
	asked := w.auditOf("link_requested")[0]
	if asked.Actor != "discord:g1:d-nestor" || asked.Fields["account"] != "discord:g1:d-nestor" || asked.Fields["user"] != "nestor@contoso.example" ||
		asked.Fields["user_id"] != "u-nestor" || asked.Fields["command"] != "link nestor@contoso.example" {
		t.Fatalf("requested %+v", asked)
	}
	for _, action := range []string{"link_approved", "linked"} {
		e := w.auditOf(action)[0]
		if e.Actor != "adele@contoso.example" || e.Fields["account"] != "discord:g1:d-nestor" || e.Fields["user"] != "nestor@contoso.example" {
			t.Fatalf("%s %+v", action, e)
		}
	}
}

func TestADeniedLinkLinksNothing(t *testing.T) {
	t.Parallel()
	w := newLinkWorld(t, Options{})
	w.commandAs(nestorOnDiscord, "link adele@contoso.example")
	req := w.linkRequest()
	got := w.pressAs(actor("nestor"), button(t, req.Msg, ActionDeny), req.Ref)
	mustContain(t, got.Message, "denied by Nestor Wilke")
	if _, ok := w.links.get(accountOf(nestorOnDiscord)); ok {
		t.Fatal("a denied link was stored")
	}
	if told := w.toActor(nestorOnDiscord); len(told) != 1 || !strings.Contains(told[0].Text, "denied linking your chat account to adele@contoso.example") {
		t.Fatalf("told %+v", told)
	}
	if a := w.audit.actions(); !slices.Equal(a, []string{"link_requested", "link_denied"}) {
		t.Fatalf("audit %v", a)
	}
	mustContain(t, w.commandAs(nestorOnDiscord, "show alice@contoso.example"), "/unassign link")
}

func TestALinkRequestNobodyDecidesExpires(t *testing.T) {
	t.Parallel()
	w := newLinkWorld(t, Options{})
	w.commandAs(nestorOnDiscord, "link nestor@contoso.example")
	req := w.linkRequest()
	w.clk.Advance(24*time.Hour + time.Second)
	if n, err := w.svc.SweepExpired(context.Background()); err != nil || n != 1 {
		t.Fatalf("swept %d, %v", n, err)
	}
	if m, ok := w.out.updates[req.Ref.ID]; !ok || !strings.Contains(m.Text, "expired at") || len(m.Buttons) != 0 {
		t.Fatalf("the request's message after expiry: %+v", m)
	}
	if told := w.toActor(nestorOnDiscord); len(told) != 1 || !strings.Contains(told[0].Text, "Nobody decided") {
		t.Fatalf("told %+v", told)
	}
	if got := w.pressAs(actor("adele"), button(t, req.Msg, ActionApprove), req.Ref); !strings.Contains(text(got.Message), "expired") {
		t.Fatalf("a press after expiry: %q", text(got.Message))
	}
	if _, ok := w.links.get(accountOf(nestorOnDiscord)); ok {
		t.Fatal("an expired request linked")
	}
	if a := w.audit.actions(); !slices.Equal(a, []string{"link_requested", "link_expired"}) {
		t.Fatalf("audit %v", a)
	}
}

// Of several administrators approving at once, one decides; the link is stored once.
func TestRacingApproversDecideALinkOnce(t *testing.T) {
	t.Parallel()
	w := newLinkWorld(t, Options{})
	w.dir.roles["u-dan"] = []string{RoleGlobalAdministrator}
	w.commandAs(nestorOnDiscord, "link nestor@contoso.example")
	req := w.linkRequest()
	approve := button(t, req.Msg, ActionApprove)
	var wg sync.WaitGroup
	for range 8 {
		for _, who := range []string{"adele", "dan"} {
			wg.Go(func() { w.pressAs(actor(who), approve, req.Ref) })
		}
	}
	wg.Wait()
	if n := len(w.auditOf("link_approved")); n != 1 {
		t.Fatalf("%d approvals audited", n)
	}
	if n := len(w.auditOf("linked")); n != 1 || w.links.sets != 1 {
		t.Fatalf("linked %d times, stored %d times", n, w.links.sets)
	}
}

func TestALinkIsRefusedWhenItCantBeAsked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		setup      func(w *linkWorld)
		want       string
	}{
		{"not an address", `link "--all"`, nil, `"--all": is not a user`},
		{"a mention", "link <@80351110224678912>", nil, "give your own work address"},
		{"two addresses", "link a@contoso.example b@contoso.example", nil, "give your own work address"},
		{"nobody has it", "link ghost@contoso.example", nil, "No Microsoft Entra user has the address ghost@contoso.example"},
		{"mapped by configuration", "link adele@contoso.example", func(w *linkWorld) { w.links.static["discord:d-nestor"] = "nestor@contoso.example" },
			"mapped to nestor@contoso.example by licensebot's configuration"},
		{"linked to that user already", "link Nestor@contoso.example", func(w *linkWorld) {
			w.links.links[accountOf(nestorOnDiscord)] = Link{Account: accountOf(nestorOnDiscord), UserID: "u-nestor", UPN: "nestor@contoso.example"}
		}, "already linked to nestor@contoso.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newLinkWorld(t, Options{})
			if tt.setup != nil {
				tt.setup(w)
			}
			mustContain(t, w.commandAs(nestorOnDiscord, tt.text), tt.want)
			if n := len(w.out.all()); n != 0 || w.reqs.count() != 0 {
				t.Fatalf("%d messages posted, %d requests stored", n, w.reqs.count())
			}
		})
	}
	t.Run("no link store", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, Options{})
		m := w.svc.HandleCommand(context.Background(), bot.Command{Actor: nestorOnDiscord, Text: "link nestor@contoso.example"}).Message
		mustContain(t, m, "without a place to keep links")
		m = w.svc.HandleCommand(context.Background(), bot.Command{Actor: nestorOnDiscord, Text: "show alice@contoso.example"}).Message
		mustContain(t, m, "has no e-mail address")
	})
}

// A link from configuration (DISCORD_USER_MAP) identifies its account as a stored one does.
func TestALinkFromConfigurationIdentifies(t *testing.T) {
	t.Parallel()
	w := newLinkWorld(t, Options{})
	w.links.static["discord:d-nestor"] = "nestor@contoso.example"
	mustContain(t, w.commandAs(nestorOnDiscord, "show alice@contoso.example"), "Alice Wood")
}

// Approved, but the link store failed: the person who clicked is told it is stored shortly,
// and the sweeper stores it (the start check went in before the approval).
func TestAnApprovedLinkTheStoreLostIsStoredByTheSweeper(t *testing.T) {
	t.Parallel()
	w := newLinkWorld(t, Options{})
	w.commandAs(nestorOnDiscord, "link nestor@contoso.example")
	req := w.linkRequest()
	w.links.failSet = 1
	got := w.pressAs(actor("adele"), button(t, req.Msg, ActionApprove), req.Ref)
	mustContain(t, got.Message, "approved by Adele Vance", "storing it now", "stored within a few minutes")
	if _, ok := w.links.get(accountOf(nestorOnDiscord)); ok {
		t.Fatal("stored although the store failed")
	}
	w.clk.Advance(startGrace + time.Second)
	if _, err := w.svc.SweepExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	if l, ok := w.links.get(accountOf(nestorOnDiscord)); !ok || l.By != "adele@contoso.example" {
		t.Fatalf("after the sweep: %+v %v", l, ok)
	}
	if told := w.toActor(nestorOnDiscord); len(told) != 1 || !strings.Contains(told[0].Text, "now linked") {
		t.Fatalf("told %+v", told)
	}
	if m := w.out.updates[req.Ref.ID]; !strings.Contains(m.Text, "approved by Adele Vance") || strings.Contains(m.Text, "storing") {
		t.Fatalf("the request's message %q", m.Text)
	}
}

// Under the manager policy, an approval request reaches a manager on a platform that can't
// look people up by address through their link, and they decide with it.
func TestAManagerIsReachedAndDecidesThroughTheirLink(t *testing.T) {
	t.Parallel()
	w := newLinkWorld(t, Options{Policy: PolicyManager, ApprovalPlatforms: []string{"discord"}})
	meganOnDiscord := onDiscord("d-megan", "megan_b")
	w.links.links[accountOf(meganOnDiscord)] = Link{Account: accountOf(meganOnDiscord), UserID: "u-megan", UPN: "megan@contoso.example", At: w.clk.Now()}

	plan := w.commandAs(onDiscordLinked(w, "d-adele", "adele"), `alice@contoso.example --product "Office 365 E3"`)
	w.pressAs(onDiscord("d-adele", "adele"), button(t, plan, ActionConfirm), bot.MessageRef{})
	approval := w.approvalRequest()
	if a := approval.To.Actor; a == nil || a.Platform != "discord" || a.ChatID != "d-megan" || approval.To.Email != "" {
		t.Fatalf("the approval request went to %+v", approval.To)
	}
	got := w.pressAs(meganOnDiscord, button(t, approval.Msg, ActionApprove), approval.Ref)
	mustContain(t, got.Message, "Approved by Megan Bowen")
	if n := w.dir.removalCount(); n != 1 {
		t.Fatalf("%d removals", n)
	}
}

// onDiscordLinked is someone on Discord whose account is linked to name@contoso.example.
func onDiscordLinked(w *linkWorld, id, name string) bot.Actor {
	a := onDiscord(id, name)
	u := w.dir.users[name+"@contoso.example"]
	w.links.links[accountOf(a)] = Link{Account: accountOf(a), UserID: u.ID, UPN: u.UserPrincipalName, At: w.clk.Now()}
	return a
}

// The product names a platform suggests as they are typed are for people licensebot knows.
func TestProductNamesAreForPeopleLicensebotKnows(t *testing.T) {
	t.Parallel()
	w := newLinkWorld(t, Options{})
	names, err := w.svc.ProductNames(context.Background(), nestorOnDiscord)
	if err != nil || names != nil {
		t.Fatalf("an unlinked account got %v, %v", names, err)
	}
	onDiscordLinked(w, "d-nestor", "nestor")
	names, err = w.svc.ProductNames(context.Background(), nestorOnDiscord)
	if err != nil || !slices.Contains(names, "Office 365 E3") {
		t.Fatalf("a linked account got %v, %v", names, err)
	}
}

// A link request is no removal: it can't be undone or confirmed.
func TestALinkRequestIsNoRemoval(t *testing.T) {
	t.Parallel()
	w := newLinkWorld(t, Options{})
	w.commandAs(nestorOnDiscord, "link nestor@contoso.example")
	req := w.linkRequest()
	id := button(t, req.Msg, ActionApprove).Value
	w.pressAs(actor("adele"), button(t, req.Msg, ActionApprove), req.Ref)
	mustContain(t, w.commandAs(actor("adele"), "undo "+id), "linked a chat account and removed nothing")
	got := w.pressAs(nestorOnDiscord, bot.Button{Action: ActionConfirm, Value: id}, bot.MessageRef{})
	if strings.Contains(text(got.Message), "Confirmed") {
		t.Fatalf("a link request was confirmed: %q", text(got.Message))
	}
	mustContain(t, w.commandAs(actor("adele"), "status "+id), "approved by Adele Vance")
}

// Someone licensebot knows already (by address, or by an earlier link) can't decide their
// own link request from another account.
func TestAKnownRequesterCantDecideTheirLinkFromAnotherAccount(t *testing.T) {
	t.Parallel()
	w := newLinkWorld(t, Options{})
	w.dir.roles["u-dan"] = []string{RoleGlobalAdministrator}
	w.commandAs(actor("dan"), "link carol@contoso.example")
	req := w.linkRequest()
	mustContain(t, req.Msg, "Known now as: dan@contoso.example")
	got := w.pressAs(onDiscordLinked(w, "d-dan", "dan"), button(t, req.Msg, ActionApprove), req.Ref)
	mustContain(t, got.Message, "your own link request")
	if _, ok := w.links.get(accountOf(actor("dan"))); ok {
		t.Fatal("linked by its own requester")
	}
}

// A link asked for from a Turkish client: the approvers read the request in the shared
// language (English here), and the person who asked hears the outcome in Turkish.
func TestALinkRequesterHearsTheOutcomeInTheirLanguage(t *testing.T) {
	t.Parallel()
	w := newLinkWorld(t, Options{})
	turk := nestorOnDiscord
	turk.Locale = "tr"
	mustContain(t, w.commandAs(turk, "link nestor@contoso.example"), "doğrulamalarını istedim")
	req := w.linkRequest()
	mustContain(t, req.Msg, "asks to be linked to the work account nestor@contoso.example")
	w.pressAs(actor("adele"), button(t, req.Msg, ActionApprove), req.Ref)
	if told := w.toActor(turk); len(told) != 1 || !strings.Contains(told[0].Text, "artık nestor@contoso.example hesabına bağlı") {
		t.Fatalf("told %+v", told)
	}
}
