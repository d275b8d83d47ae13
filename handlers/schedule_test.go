package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
)

// scheduledWorld plans, confirms and approves a removal at a time, and returns its id.
func scheduledRequest(t *testing.T, w *linkWorld, command string) (string, bot.Reply) {
	t.Helper()
	adele, megan := actor("adele"), actor("megan")
	plan := w.commandAs(adele, command)
	mustContain(t, plan, "Scheduled: once approved, this runs on Mon 30 Nov 2026 12:00 UTC")
	id := button(t, plan, ActionConfirm).Value
	w.pressAs(adele, button(t, plan, ActionConfirm), bot.MessageRef{})
	var approval posted
	for _, p := range w.out.all() {
		if p.To.Approvers && strings.Contains(text(p.Msg), id) {
			approval = p
		}
	}
	mustContain(t, approval.Msg, "Scheduled: once approved")
	return id, w.pressAs(megan, button(t, approval.Msg, ActionApprove), approval.Ref)
}

func TestAScheduledRequestRunsAtItsTimeAfterAReminder(t *testing.T) {
	t.Parallel()
	w := newLinkWorld(t, Options{})
	_, reply := scheduledRequest(t, w, `alice@contoso.example --product "Office 365 E3" --at "2026-11-30 12:00"`)
	mustContain(t, reply.Message, "Approved by Megan Bowen; it runs on Mon 30 Nov 2026 12:00 UTC")
	button(t, reply.Message, ActionUnschedule)
	ctx := context.Background()
	sweep := func(at time.Time) {
		t.Helper()
		w.clk.Advance(at.Sub(w.clk.Now()))
		if _, err := w.svc.SweepExpired(ctx); err != nil {
			t.Fatal(err)
		}
	}
	sweep(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
	if w.dir.removalCount() != 0 || len(w.toActor(actor("adele"))) != 0 {
		t.Fatal("acted before the reminder's time")
	}
	sweep(time.Date(2026, 11, 30, 11, 15, 0, 0, time.UTC))
	if msgs := w.toActor(actor("adele")); len(msgs) != 1 || !strings.Contains(text(msgs[0]), "runs on Mon 30 Nov 2026 12:00 UTC: in an hour or less") {
		t.Fatalf("reminder %+v", msgs)
	}
	sweep(time.Date(2026, 11, 30, 11, 30, 0, 0, time.UTC))
	if w.dir.removalCount() != 0 || len(w.toActor(actor("adele"))) != 1 {
		t.Fatal("acted, or reminded again, before the time")
	}
	sweep(time.Date(2026, 11, 30, 12, 0, 30, 0, time.UTC))
	if n := w.dir.removalCount(); n != 1 {
		t.Fatalf("%d removals at the time, want 1", n)
	}
	sweep(time.Date(2026, 11, 30, 12, 10, 0, 0, time.UTC))
	if n := w.dir.removalCount(); n != 1 {
		t.Fatalf("%d removals after another sweep, want 1", n)
	}
}

func TestAScheduledRequestWhosePlanChangedAsksAgain(t *testing.T) {
	t.Parallel()
	w := newLinkWorld(t, Options{})
	id, _ := scheduledRequest(t, w, `alice@contoso.example --product "Office 365 E3" --at "2026-11-30 12:00"`)
	// Someone took E3 off Alice in the meantime.
	w.dir.mu.Lock()
	w.dir.users["alice@contoso.example"].Licenses = []licensing.Assignment{w.dir.users["alice@contoso.example"].Licenses[1]}
	w.dir.mu.Unlock()
	w.clk.Advance(27 * time.Hour)
	if _, err := w.svc.SweepExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := w.dir.removalCount(); n != 0 {
		t.Fatalf("%d removals on a changed plan", n)
	}
	said := false
	for _, m := range w.toActor(actor("adele")) {
		said = said || (strings.Contains(text(m), "changed since it was approved, so nothing was done") && strings.Contains(text(m), "would now lose nothing"))
	}
	if !said {
		t.Fatalf("the requester wasn't told: %+v", w.toActor(actor("adele")))
	}
	if got := w.svc.HandleCommand(context.Background(), bot.Command{Actor: actor("adele"), Text: "status " + id}).Message; !strings.Contains(text(got), "ancel") {
		t.Fatalf("status %q", text(got))
	}
}

func TestAScheduledRequestCanBeCancelledUntilItsTime(t *testing.T) {
	t.Parallel()
	w := newLinkWorld(t, Options{})
	_, reply := scheduledRequest(t, w, `alice@contoso.example --product "Office 365 E3" --at "2026-11-30 12:00"`)
	cancel := button(t, reply.Message, ActionUnschedule)
	if got := w.pressAs(actor("carol"), cancel, bot.MessageRef{}); !strings.Contains(text(got.Message), "Only the requester or an approver") {
		t.Fatalf("carol cancelled: %q", text(got.Message))
	}
	got := w.pressAs(actor("adele"), cancel, bot.MessageRef{})
	if !got.Replace || !strings.Contains(strings.ToLower(text(got.Message)), "cancelled") {
		t.Fatalf("cancel answered %q", text(got.Message))
	}
	w.clk.Advance(27 * time.Hour)
	if _, err := w.svc.SweepExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := w.dir.removalCount(); n != 0 {
		t.Fatalf("%d removals after a cancel", n)
	}
	for _, bad := range []string{`a@x.com -p E3 --at friday`, `a@x.com -p E3 --at "2026-11-29 09:31"`, `a@x.com -p E3 --at "2027-03-01 10:00"`} {
		msg := w.commandAs(actor("adele"), bad)
		if !strings.Contains(text(msg), "--at") {
			t.Errorf("%s: %q", bad, text(msg))
		}
	}
}
