package handlers

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
)

// countingMetrics counts panics.
type countingMetrics struct {
	noMetrics
	mu     sync.Mutex
	panics map[string]int
}

func (m *countingMetrics) Panic(where string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.panics == nil {
		m.panics = map[string]int{}
	}
	m.panics[where]++
}

func (m *countingMetrics) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, c := range m.panics {
		n += c
	}
	return n
}

// A panic while looking a target up (a nil page from Graph, a bug) fails that request with
// an answer and a count, and never ends the process: the lookups run in goroutines of their
// own, which no recover up the stack would catch.
func TestPanicInATargetLookupFailsOnlyThatRequest(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	m := &countingMetrics{}
	w.svc.Metrics = m
	w.dir.panicFind = map[string]bool{"bob@contoso.example": true}
	got := w.command("adele", `alice@contoso.example bob@contoso.example -p "Office 365 E3" --dry-run`)
	mustContain(t, got, "Something went wrong on licensebot's side and nothing was changed")
	if m.count() != 1 {
		t.Errorf("%d panics counted, want 1", m.count())
	}
	delete(w.dir.panicFind, "bob@contoso.example")
	mustContain(t, w.command("adele", `alice@contoso.example bob@contoso.example -p "Office 365 E3" --dry-run`), "Dry run: 2 licenses")
}

// A panic while reading the products can't leave the product cache loading forever: later
// plans don't wait for it, and readiness says whether the replica can plan.
func TestPlanningDoesNotWedgeAfterAPanic(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	w.svc.Metrics = &countingMetrics{}
	w.dir.panicProducts = 1
	mustContain(t, w.command("adele", `alice@contoso.example -p "Office 365 E3" --dry-run`), "Something went wrong")
	done := make(chan bot.Message, 1)
	go func() { done <- w.command("adele", `alice@contoso.example -p "Office 365 E3" --dry-run`) }()
	select {
	case m := <-done:
		mustContain(t, m, "Dry run: 1 license")
	case <-time.After(5 * time.Second):
		t.Fatal("planning is wedged after a panic")
	}
	if err := w.svc.PlanningReady(context.Background()); err != nil {
		t.Errorf("PlanningReady = %v", err)
	}
	w.dir.failRead = context.DeadlineExceeded
	w.clk.Advance(time.Minute) // past the product cache
	if err := w.svc.PlanningReady(context.Background()); err == nil {
		t.Error("PlanningReady says ready while the products can't be read")
	}
}

// A panic while reading the seats after a removal (an empty subscribedSkus answer) doesn't
// stop the outcome from being recorded and delivered, once.
func TestPanicInTheSeatReportStillDeliversTheOutcome(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	w.svc.Metrics = &countingMetrics{}
	plan := w.command("adele", `alice@contoso.example --product "Office 365 E3"`)
	w.press("adele", button(t, plan, ActionConfirm))
	w.dir.panicProducts = 1_000 // every read of the products, from here on
	decided := w.press("megan", button(t, w.approvalRequest().Msg, ActionApprove))
	mustContain(t, decided.Message, "Approved by Megan Bowen", "1 removed")
	var report bool
	for _, p := range w.out.all() {
		if p.To.Actor != nil && strings.Contains(p.Msg.Text, "1 removed") {
			report = true
		}
	}
	if !report {
		t.Fatal("no outcome delivered to the requester")
	}
}

// Before the caller is known to be allowed, nobody is looked up: a member without a role
// can't learn a colleague's address from a mention, nor make the platform look people up.
func TestMentionsAreResolvedOnlyForAuthorizedCallers(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	var asked []string
	mentions := func(_ context.Context, m string) (string, bool) {
		asked = append(asked, m)
		if m == "<@U0MGR>" {
			return "megan@contoso.example", true
		}
		return "", false
	}
	for _, typed := range []string{"<@U0MGR>, --all", "<@U0MGR> --all", "show <@U0MGR>", strings.Repeat("<@U0X> ", 600) + "--all"} {
		m := w.svc.HandleCommand(context.Background(), bot.Command{Actor: actor("carol"), Text: typed, Mentions: mentions}).Message
		if strings.Contains(text(m), "megan@contoso.example") {
			t.Errorf("%.30q: the answer to a member without a role names a colleague's address:\n%s", typed, text(m))
		}
	}
	if len(asked) != 0 {
		t.Fatalf("mentions looked up for a caller without a role: %q", asked)
	}
	// An administrator's mentions are looked up, once each; one that can't be is named as typed.
	m := w.svc.HandleCommand(context.Background(), bot.Command{Actor: actor("adele"), Text: "<@U0MGR> <@U0MGR> --all --dry-run", Mentions: mentions}).Message
	mustContain(t, m, "Dry run", "Megan Bowen")
	m = w.svc.HandleCommand(context.Background(), bot.Command{Actor: actor("adele"), Text: "<@U0NOBODY> --all --dry-run", Mentions: mentions}).Message
	mustContain(t, m, `"<@U0NOBODY>": is a mention I can't turn into an address`)
}

// Dry runs read as much of Graph as requests: they are counted, with their own limit.
func TestDryRunsAreLimited(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{DryRunRequests: 2})
	w.svc.Limiter = &memLimiter{}
	for range 2 {
		mustContain(t, w.command("adele", `bob@contoso.example -p "Office 365 E3" --dry-run`), "Dry run")
	}
	mustContain(t, w.command("adele", `bob@contoso.example -p "Office 365 E3" --dry-run`), "You have made 2 dry runs in the last 10 minutes")
	// Requests have their own count.
	mustContain(t, w.command("adele", `bob@contoso.example -p "Office 365 E3"`), "Please check and confirm")
}

// A request belongs to the workspace it was made in: clicks and commands about it from
// another workspace of the same platform (another Slack team, a Slack Connect member of
// another organisation) are refused; approving from another configured platform stays
// possible; workspaces outside the configured list are refused outright.
func TestRequestsAreBoundToTheirWorkspace(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	in := func(name, platform, workspace string) bot.Actor {
		a := actor(name)
		a.Platform, a.Workspace = platform, workspace
		return a
	}
	plan := w.svc.HandleCommand(context.Background(), bot.Command{Actor: in("adele", "slack", "T1"), Text: `alice@contoso.example -p "Office 365 E3"`}).Message
	confirm := button(t, plan, ActionConfirm)
	if r := w.svc.HandleClick(context.Background(), bot.Click{Actor: in("adele", "slack", "T2"), Action: confirm.Action, Value: confirm.Value}); !strings.Contains(text(r.Message), "made in another workspace") {
		t.Fatalf("a Confirm from another workspace: %s", text(r.Message))
	}
	w.svc.HandleClick(context.Background(), bot.Click{Actor: in("adele", "slack", "T1"), Action: confirm.Action, Value: confirm.Value})
	approve := button(t, w.approvalRequest().Msg, ActionApprove)
	r := w.svc.HandleClick(context.Background(), bot.Click{Actor: in("megan", "slack", "T2"), Action: approve.Action, Value: approve.Value})
	if !strings.Contains(text(r.Message), "made in another workspace") || w.dir.removalCount() != 0 {
		t.Fatalf("an Approve from another workspace: %s (%d removals)", text(r.Message), w.dir.removalCount())
	}
	r = w.svc.HandleClick(context.Background(), bot.Click{Actor: in("megan", "discord", "G1"), Action: approve.Action, Value: approve.Value})
	mustContain(t, r.Message, "Approved by Megan Bowen")

	listed := newWorld(t, Options{Workspaces: []string{"slack:T1", "discord:G1"}})
	m := listed.svc.HandleCommand(context.Background(), bot.Command{Actor: in("adele", "slack", "T9"), Text: "help"}).Message
	mustContain(t, m, "doesn't take requests from this workspace")
	m = listed.svc.HandleCommand(context.Background(), bot.Command{Actor: in("adele", "slack", "T1"), Text: "help"}).Message
	mustContain(t, m, "licensebot removes Microsoft 365 licenses")
}

// The reason is a person's own words: shown as typed, never as formatting.
func TestTheReasonIsShownVerbatim(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	plan := w.command("adele", `alice@contoso.example -p "Office 365 E3" --reason "*Approved by:* Security Team"`)
	w.press("adele", button(t, plan, ActionConfirm))
	for _, f := range w.approvalRequest().Msg.Sections[0].Fields {
		if f.Label == "Reason" && (!f.Verbatim || f.Value != "*Approved by:* Security Team") {
			t.Fatalf("reason field %+v", f)
		}
	}
}

// A delivery worked on twice (taken over from a replica that died after answering it) makes
// one request: the second time, the answer is made again from the request stored.
func TestADeliveryWorkedOnTwiceMakesOneRequest(t *testing.T) {
	w := newWorld(t, Options{})
	cmd := bot.Command{Actor: actor("adele"), Text: `alice@contoso.example -p "Office 365 E3"`, DeliveryID: "slack:command:T1:trigger-1"}
	first := w.svc.HandleCommand(context.Background(), cmd).Message
	again := w.svc.HandleCommand(context.Background(), cmd).Message
	if w.reqs.count() != 1 {
		t.Fatalf("%d requests stored, want 1", w.reqs.count())
	}
	if button(t, first, ActionConfirm).Value != button(t, again, ActionConfirm).Value {
		t.Fatal("the second answer is for another request")
	}
	mustContain(t, again, "This will remove 1 license")
	// Another delivery is another request.
	cmd.DeliveryID = "slack:command:T1:trigger-2"
	w.svc.HandleCommand(context.Background(), cmd)
	if w.reqs.count() != 2 {
		t.Fatalf("%d requests stored, want 2", w.reqs.count())
	}
}
