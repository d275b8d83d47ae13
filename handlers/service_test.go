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
	"github.com/licensebot/licensebot/licensing"
)

type world struct {
	t    *testing.T
	dir  *fakeDirectory
	reqs *memRequests
	out  *fakeNotifier
	clk  *clock
	svc  *Service
}

func newWorld(t *testing.T, o Options) *world {
	t.Helper()
	w := &world{t: t, dir: newFakeDirectory(), reqs: newMemRequests(), out: &fakeNotifier{},
		clk: &clock{now: time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC)}}
	var ids atomic.Int64
	if o.Approvers == nil && o.Policy == "" {
		o.Approvers = []string{"megan@contoso.example"}
	}
	if o.Location == nil {
		o.Location, _ = time.LoadLocation("Europe/Istanbul")
	}
	svc, err := New(Deps{
		Directory: w.dir, Remover: w.dir, Restorer: w.dir, Requests: w.reqs, Notifier: w.out,
		NewID: func() (string, error) { return fmt.Sprintf("req%016d", ids.Add(1)), nil },
		Now:   w.clk.Now,
		Sleep: func(_ context.Context, d time.Duration) error { w.clk.Advance(d); return nil },
	}, o)
	if err != nil {
		t.Fatal(err)
	}
	w.svc = svc
	return w
}

func actor(name string) bot.Actor {
	return bot.Actor{Platform: "test", ChatID: "chat-" + name, Name: name, Email: name + "@contoso.example"}
}

func (w *world) command(who, text string) bot.Message {
	w.t.Helper()
	return w.svc.HandleCommand(context.Background(), bot.Command{Actor: actor(who), Text: text}).Message
}

func (w *world) press(who string, b bot.Button) bot.Reply {
	w.t.Helper()
	return w.svc.HandleClick(context.Background(), bot.Click{Actor: actor(who), Action: b.Action, Value: b.Value})
}

func button(t *testing.T, m bot.Message, action string) bot.Button {
	t.Helper()
	for _, b := range m.Buttons {
		if b.Action == action {
			return b
		}
	}
	t.Fatalf("no %q button in message %q (buttons %+v)", action, m.Text, m.Buttons)
	return bot.Button{}
}

func text(m bot.Message) string {
	var b strings.Builder
	b.WriteString(m.Text + "\n")
	for _, s := range m.Sections {
		b.WriteString(s.Title + "\n" + s.Text + "\n")
		for _, f := range s.Fields {
			b.WriteString(f.Label + ": " + f.Value + "\n")
		}
	}
	for _, w := range m.Warnings {
		b.WriteString(w + "\n")
	}
	b.WriteString(m.Footer)
	return b.String()
}

func mustContain(t *testing.T, m bot.Message, parts ...string) {
	t.Helper()
	s := text(m)
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Fatalf("message does not contain %q:\n%s", p, s)
		}
	}
}

func (w *world) approvalRequest() posted {
	w.t.Helper()
	for _, p := range w.out.all() {
		if len(p.Msg.Buttons) > 0 && p.Msg.Buttons[0].Action == ActionApprove {
			return p
		}
	}
	w.t.Fatal("no approval request was posted")
	return posted{}
}

func TestUnassignConfirmApproveRemovesOnceAndReports(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	plan := w.command("adele", `alice@contoso.example --product "Office 365 E3" --reason "left the company"`)
	mustContain(t, plan, "remove Office 365 E3", "deleted for good on Tue 29 Dec 2026", "Sign-in is NOT blocked")
	if w.dir.removalCount() != 0 {
		t.Fatal("removed before confirmation")
	}

	confirmed := w.press("adele", button(t, plan, ActionConfirm))
	if !confirmed.Replace {
		t.Fatal("Confirm should replace the plan message")
	}
	mustContain(t, confirmed.Message, "Confirmed")
	approval := w.approvalRequest()
	if !approval.To.Approvers {
		t.Fatalf("approval went to %+v, want the approvers", approval.To)
	}
	mustContain(t, approval.Msg, "Adele Vance", "left the company", "remove Office 365 E3")

	decided := w.press("megan", button(t, approval.Msg, ActionApprove))
	mustContain(t, decided.Message, "Approved by Megan Bowen", "1 removed")
	if len(decided.Message.Buttons) != 0 {
		t.Fatal("the decided message kept its buttons")
	}
	if got := w.dir.removals["u-alice/"+skuE3]; got != 1 {
		t.Fatalf("E3 removed %d times from alice, want 1", got)
	}
	if w.dir.removals["u-alice/"+skuEMS] != 0 {
		t.Fatal("the inherited EMS license was removed")
	}

	var report *posted
	for _, p := range w.out.all() {
		if p.To.Actor != nil && strings.Contains(p.Msg.Text, "removed") {
			report = &p
		}
	}
	if report == nil {
		t.Fatal("no outcome was posted to the requester")
	}
	mustContain(t, report.Msg, "removed Office 365 E3", "deleted for good on Tue 29 Dec 2026", "25 purchased, 2 assigned, 23 unused (1 freed now)", "reduce the subscription's license count")

	// The same click again, and Confirm after the fact: nothing more happens.
	again := w.press("megan", button(t, approval.Msg, ActionApprove))
	mustContain(t, again.Message, "Done")
	w.press("adele", button(t, plan, ActionConfirm))
	if w.dir.removalCount() != 1 {
		t.Fatalf("%d removals after repeated clicks, want 1", w.dir.removalCount())
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, who, text string
		want            string
	}{
		{"a non-admin is refused with the roles needed", "carol", `alice@contoso.example --all`, "Global Administrator, License Administrator or User Administrator"},
		{"an unknown caller is refused", "nobody", `alice@contoso.example --all`, "No Microsoft Entra user has the address nobody@contoso.example"},
		{"an unknown product is named", "adele", `alice@contoso.example --product "Office 365 Z9"`, `product called "Office 365 Z9"`},
		{"a product the tenant lacks says so", "adele", `alice@contoso.example --product "Office 365 E5"`, "has no Office 365 E5"},
		{"a malformed command gets the syntax", "adele", `alice@contoso.example --frobnicate`, "Usage"},
		{"a malformed user is named", "adele", `alice --all`, `"alice"`},
		{"nothing to remove stores nothing", "adele", `carol@contoso.example --product "Office 365 E3"`, "nothing to remove"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, Options{})
			m := w.command(tt.who, tt.text)
			mustContain(t, m, tt.want)
			if len(m.Buttons) != 0 || w.reqs.count() != 0 || w.dir.removalCount() != 0 {
				t.Fatalf("a refusal stored or changed something: buttons %d, requests %d", len(m.Buttons), w.reqs.count())
			}
		})
	}
}

func TestInheritedLicenseIsSkippedWithItsGroup(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	m := w.command("adele", `alice@contoso.example --product EMS`)
	mustContain(t, m, "nothing to remove", `inherited from the group "Licensing - EMS"`)
}

func TestUnknownUserIsSkippedAndOthersGo(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	m := w.command("adele", `ghost@contoso.example bob@contoso.example -p ENTERPRISEPACK`)
	mustContain(t, m, "ghost@contoso.example", "no user has this UPN", "remove Office 365 E3")
	button(t, m, ActionConfirm)
}

func TestRequesterCannotApproveOwnRequest(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{Approvers: []string{"megan@contoso.example", "adele@contoso.example"}})
	plan := w.command("adele", `bob@contoso.example --all`)
	w.press("adele", button(t, plan, ActionConfirm))
	approval := w.approvalRequest()
	r := w.press("adele", button(t, approval.Msg, ActionApprove))
	mustContain(t, r.Message, "can't approve or deny your own request")
	if r.Replace || w.dir.removalCount() != 0 {
		t.Fatal("self-approval changed something")
	}
	r = w.press("carol", button(t, approval.Msg, ActionApprove))
	mustContain(t, r.Message, "not one of licensebot's approvers")
	r = w.press("nestor", button(t, plan, ActionConfirm))
	mustContain(t, r.Message, "Only Adele Vance")
	if w.dir.removalCount() != 0 {
		t.Fatal("a refused click removed something")
	}
}

func TestDenyChangesNothingAndTellsTheRequester(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	plan := w.command("adele", `bob@contoso.example --all`)
	w.press("adele", button(t, plan, ActionConfirm))
	r := w.press("megan", button(t, w.approvalRequest().Msg, ActionDeny))
	mustContain(t, r.Message, "Denied by Megan Bowen", "Nothing was changed")
	if w.dir.removalCount() != 0 {
		t.Fatal("denied request removed licenses")
	}
	told := false
	for _, p := range w.out.all() {
		told = told || (p.To.Actor != nil && p.To.Actor.Email == "adele@contoso.example" && strings.Contains(p.Msg.Text, "Denied"))
	}
	if !told {
		t.Fatal("the requester was not told of the denial")
	}
}

func TestCancelAndDryRun(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	dry := w.command("adele", `bob@contoso.example --all --dry-run`)
	mustContain(t, dry, "Dry run", "Power BI Pro")
	if len(dry.Buttons) != 0 || w.reqs.count() != 0 {
		t.Fatal("a dry run stored a request")
	}
	plan := w.command("adele", `bob@contoso.example --all`)
	r := w.press("adele", button(t, plan, ActionCancel))
	mustContain(t, r.Message, "Cancelled")
	r = w.press("adele", button(t, plan, ActionConfirm))
	mustContain(t, r.Message, "Cancelled")
	if len(w.out.all()) != 0 {
		t.Fatal("a cancelled request was sent for approval")
	}
}

func TestExpiredRequestCannotBeApproved(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{ApprovalTTL: time.Hour})
	plan := w.command("adele", `bob@contoso.example --all`)
	w.press("adele", button(t, plan, ActionConfirm))
	w.clk.Advance(61 * time.Minute)
	r := w.press("megan", button(t, w.approvalRequest().Msg, ActionApprove))
	mustContain(t, r.Message, "expired", "Nothing was changed")
	if w.dir.removalCount() != 0 {
		t.Fatal("an expired request was run")
	}
}

func TestPickOneLicenseOfOneUser(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	pick := w.command("adele", `bob@contoso.example`)
	mustContain(t, pick, "Which of Bob Kent")
	var pbi bot.Button
	for _, b := range pick.Buttons {
		if strings.Contains(b.Label, "Power BI") {
			pbi = b
		}
	}
	r := w.press("adele", pbi)
	mustContain(t, r.Message, "remove Power BI Pro")
	if strings.Contains(text(r.Message), "Office 365 E3") {
		t.Fatal("the plan kept a license that was not picked")
	}
	w.press("adele", button(t, r.Message, ActionConfirm))
	w.press("megan", button(t, w.approvalRequest().Msg, ActionApprove))
	if w.dir.removals["u-bob/"+skuPBI] != 1 || w.dir.removals["u-bob/"+skuE3] != 0 {
		t.Fatalf("removals %v, want only Power BI Pro", w.dir.removals)
	}
}

func TestManagerPolicyNeedsEveryManager(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{Policy: PolicyManager})
	plan := w.command("adele", `alice@contoso.example dan@contoso.example -p ENTERPRISEPACK`)
	w.press("adele", button(t, plan, ActionConfirm))
	var toMegan, toNestor posted
	for _, p := range w.out.all() {
		switch p.To.Email {
		case "megan@contoso.example":
			toMegan = p
		case "nestor@contoso.example":
			toNestor = p
		}
	}
	if toMegan.Ref.IsZero() || toNestor.Ref.IsZero() {
		t.Fatalf("approval not sent to both managers: %+v", w.out.all())
	}
	r := w.press("carol", button(t, toMegan.Msg, ActionApprove))
	mustContain(t, r.Message, "Only the managers")
	r = w.press("megan", button(t, toMegan.Msg, ActionApprove))
	mustContain(t, r.Message, "still waiting for Nestor Wilke")
	if w.dir.removalCount() != 0 {
		t.Fatal("removed with one manager of two")
	}
	last := w.svc.HandleClick(context.Background(), bot.Click{Actor: actor("nestor"), Action: ActionApprove, Value: button(t, toNestor.Msg, ActionApprove).Value, Message: toNestor.Ref})
	if w.dir.removalCount() != 2 {
		t.Fatalf("%d removals, want 2", w.dir.removalCount())
	}
	// The clicked message is replaced by the click's reply; the other manager's is edited.
	if !last.Replace || len(last.Message.Buttons) != 0 {
		t.Fatalf("the clicked message is not replaced without buttons: %+v", last)
	}
	if _, edited := w.out.updates[toNestor.Ref.ID]; edited {
		t.Error("the clicked message was also edited separately")
	}
	if m, edited := w.out.updates[toMegan.Ref.ID]; !edited || len(m.Buttons) != 0 || !strings.Contains(m.Text, "Done") {
		t.Errorf("the other manager's message was not edited to the outcome: %+v", m)
	}
}

func TestFailsClosedWhenGraphCannotBeRead(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	w.dir.failRead = &licensing.GraphError{Reason: licensing.ErrUnavailable, Status: 503}
	m := w.command("adele", `alice@contoso.example --all`)
	mustContain(t, m, "isn't answering", "nothing was changed")
	w.dir.failRead = &licensing.GraphError{Reason: &licensing.ThrottledError{RetryAfter: 7 * time.Second}, Status: 429}
	m = w.command("adele", `alice@contoso.example --all`)
	mustContain(t, m, "throttling", "7 seconds")
	if w.reqs.count() != 0 {
		t.Fatal("a request was stored on unread data")
	}
}

func TestStoreOutageSaysNothingChanged(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	w.reqs.fail = errors.New("dial tcp: connection refused")
	m := w.command("adele", `alice@contoso.example --all`)
	mustContain(t, m, "temporarily unavailable", "nothing was changed")
}

func TestThrottledRemovalIsRetried(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	w.dir.removeErrs = []error{
		&licensing.GraphError{Reason: &licensing.ThrottledError{RetryAfter: 2 * time.Second}, Status: 429},
		&licensing.GraphError{Reason: licensing.ErrUnavailable, Status: 503},
	}
	plan := w.command("adele", `bob@contoso.example -p POWER_BI_PRO`)
	w.press("adele", button(t, plan, ActionConfirm))
	r := w.press("megan", button(t, w.approvalRequest().Msg, ActionApprove))
	mustContain(t, r.Message, "1 removed, 0 skipped, 0 failed")
}

func TestRemovalThatKeepsFailingIsReported(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{RemoveAttempts: 2})
	unavailable := &licensing.GraphError{Reason: licensing.ErrUnavailable, Status: 503, RequestID: "r-1"}
	w.dir.removeErrs = []error{unavailable, unavailable}
	plan := w.command("adele", `bob@contoso.example -p POWER_BI_PRO`)
	w.press("adele", button(t, plan, ActionConfirm))
	r := w.press("megan", button(t, w.approvalRequest().Msg, ActionApprove))
	mustContain(t, r.Message, "Failed", "1 failed")
}

func TestConcurrentApprovalsRunOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{Approvers: []string{"megan@contoso.example", "nestor@contoso.example"}})
	plan := w.command("adele", `alice@contoso.example bob@contoso.example -p ENTERPRISEPACK`)
	w.press("adele", button(t, plan, ActionConfirm))
	approve := button(t, w.approvalRequest().Msg, ActionApprove)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			who := "megan"
			if i%2 == 1 {
				who = "nestor"
			}
			w.press(who, approve)
		}()
	}
	wg.Wait()
	if w.dir.removalCount() != 2 {
		t.Fatalf("%d removals after 50 concurrent approvals, want 2 (one per user)", w.dir.removalCount())
	}
}

func TestStatusShowsTheOutcome(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	plan := w.command("adele", `bob@contoso.example -p POWER_BI_PRO`)
	id := button(t, plan, ActionConfirm).Value
	mustContain(t, w.command("adele", "status "+id), "waits for Adele Vance to confirm")
	w.press("adele", button(t, plan, ActionConfirm))
	w.press("megan", button(t, w.approvalRequest().Msg, ActionApprove))
	mustContain(t, w.command("adele", "status "+id), "Done", "removed Power BI Pro")
	mustContain(t, w.command("carol", "status "+id), "Only the requester")
}

func TestForgedButtonValuesAreRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	for _, v := range []string{"", "../../etc", "req0000000000000099", "x' or 1=1", strings.Repeat("a", 5000)} {
		r := w.press("megan", bot.Button{Action: ActionApprove, Value: v})
		if r.Replace || w.dir.removalCount() != 0 {
			t.Fatalf("value %q was acted on", v)
		}
	}
}

func TestProductListIsReusedBrieflyForPlanningOnly(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	reads := func() int { w.dir.mu.Lock(); defer w.dir.mu.Unlock(); return w.dir.productReads }

	w.command("adele", `bob@contoso.example -p POWER_BI_PRO --dry-run`)
	w.command("adele", `alice@contoso.example -p ENTERPRISEPACK --dry-run`)
	if got := reads(); got != 1 {
		t.Fatalf("%d product reads for two plans within seconds, want 1", got)
	}
	w.clk.Advance(16 * time.Second)
	plan := w.command("adele", `bob@contoso.example -p POWER_BI_PRO`)
	if got := reads(); got != 2 {
		t.Fatalf("%d product reads after the list aged, want 2", got)
	}
	w.press("adele", button(t, plan, ActionConfirm))
	w.press("megan", button(t, w.approvalRequest().Msg, ActionApprove))
	if got := reads(); got != 3 {
		t.Fatalf("%d product reads after a removal, want 3: the seat report reads them fresh", got)
	}
}

func TestSweeperExpiresWaitingRequestsAndSaysSoOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{ApprovalTTL: time.Hour})
	dl := &memDeadlines{}
	w.svc.Deadlines = dl
	plan := w.command("adele", `bob@contoso.example --all`)
	w.press("adele", button(t, plan, ActionConfirm))
	approval := w.approvalRequest()

	w.clk.Advance(30 * time.Minute)
	if n, err := w.svc.SweepExpired(context.Background()); err != nil || n != 0 {
		t.Fatalf("swept %d (%v) before the deadline", n, err)
	}
	w.clk.Advance(31 * time.Minute)
	var wg sync.WaitGroup
	var total atomic.Int64
	for range 3 { // three replicas sweep at once
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, _ := w.svc.SweepExpired(context.Background())
			total.Add(int64(n))
		}()
	}
	wg.Wait()
	if total.Load() != 1 {
		t.Fatalf("%d expiries, want exactly 1", total.Load())
	}
	m, edited := w.out.updates[approval.Ref.ID]
	if !edited || !strings.Contains(m.Text, "expired") || len(m.Buttons) != 0 {
		t.Fatalf("approval message not edited to expired: %+v", m)
	}
	if r := w.press("megan", button(t, approval.Msg, ActionApprove)); !strings.Contains(r.Message.Text, "expired") || w.dir.removalCount() != 0 {
		t.Fatalf("an expired request was approved: %+v", r.Message)
	}
}

func TestSweeperFollowsAMovedDeadline(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{ConfirmTTL: 10 * time.Minute, ApprovalTTL: time.Hour})
	dl := &memDeadlines{}
	w.svc.Deadlines = dl
	pick := w.command("adele", `bob@contoso.example`)
	w.clk.Advance(9 * time.Minute)
	plan := w.press("adele", pick.Buttons[0]).Message // picking gives another 10 minutes
	w.clk.Advance(5 * time.Minute)
	if n, _ := w.svc.SweepExpired(context.Background()); n != 0 {
		t.Fatal("a request whose deadline moved was expired")
	}
	if r := w.press("adele", button(t, plan, ActionConfirm)); !strings.Contains(r.Message.Text, "Confirmed") {
		t.Fatalf("confirm after the pick: %+v", r.Message)
	}
}

func TestApprovalOnEveryPlatformAnyMayApprove(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{ApprovalPlatforms: []string{"slack", "discord"}})
	plan := w.command("adele", `bob@contoso.example -p POWER_BI_PRO`)
	w.press("adele", button(t, plan, ActionConfirm))
	byPlatform := map[string]posted{}
	for _, p := range w.out.all() {
		if p.To.Approvers {
			byPlatform[p.To.Platform] = p
		}
	}
	if len(byPlatform) != 2 || byPlatform["slack"].Ref.IsZero() || byPlatform["discord"].Ref.IsZero() {
		t.Fatalf("approval requests by platform: %+v", byPlatform)
	}
	fromDiscord := byPlatform["discord"]
	megan := actor("megan")
	megan.Platform = "discord"
	r := w.svc.HandleClick(context.Background(), bot.Click{Actor: megan, Action: ActionApprove, Value: button(t, fromDiscord.Msg, ActionApprove).Value, Message: fromDiscord.Ref})
	mustContain(t, r.Message, "Approved by Megan Bowen")
	if w.dir.removalCount() != 1 {
		t.Fatalf("%d removals", w.dir.removalCount())
	}
	if m, ok := w.out.updates[byPlatform["slack"].Ref.ID]; !ok || len(m.Buttons) != 0 {
		t.Fatalf("the Slack copy of the approval was not edited: %+v", m)
	}
}
