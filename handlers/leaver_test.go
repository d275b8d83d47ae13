package handlers

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
)

type offboardingDirectory struct {
	*fakeDirectory
	mu               sync.Mutex
	blockErr         error
	blocked, revoked []string
	enabled          []string
}

func (o *offboardingDirectory) BlockSignIn(_ context.Context, id string) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.blockErr != nil {
		return "req-block", o.blockErr
	}
	o.blocked = append(o.blocked, id)
	return "req-block", nil
}

func (o *offboardingDirectory) EnableSignIn(_ context.Context, id string) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.enabled = append(o.enabled, id)
	return "req-enable", nil
}

func (o *offboardingDirectory) RevokeSessions(_ context.Context, id string) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.revoked = append(o.revoked, id)
	return "req-revoke", nil
}

func leaverWorld(t *testing.T, dir *offboardingDirectory) (*Service, *fakeNotifier, *memAudit) {
	t.Helper()
	out, audit := &fakeNotifier{}, &memAudit{}
	var ids atomic.Int64
	svc, err := New(Deps{Directory: dir, Remover: dir, Restorer: dir, Requests: newMemRequests(), Notifier: out, Audit: audit,
		NewID: func() (string, error) { return fmt.Sprintf("req%016d", ids.Add(1)), nil },
		Now:   (&clock{now: time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC)}).Now},
		Options{Approvers: []string{"megan@contoso.example"}})
	if err != nil {
		t.Fatal(err)
	}
	return svc, out, audit
}

func approveLeaver(t *testing.T, svc *Service, out *fakeNotifier, who string) bot.Reply {
	t.Helper()
	ctx := context.Background()
	plan := svc.HandleCommand(ctx, bot.Command{Actor: actor("adele"), Text: "leaver " + who}).Message
	mustContain(t, plan, "As a leaver, in Microsoft's order")
	svc.HandleClick(ctx, bot.Click{Actor: actor("adele"), Action: ActionConfirm, Value: button(t, plan, ActionConfirm).Value})
	var approval posted
	for _, p := range out.all() {
		if p.To.Approvers {
			approval = p
		}
	}
	return svc.HandleClick(ctx, bot.Click{Actor: actor("megan"), Action: ActionApprove, Value: button(t, approval.Msg, ActionApprove).Value, Message: approval.Ref})
}

// The steps, then the licenses; a block that fails leaves everything else undone.
func TestALeaverIsBlockedRevokedThenUnlicensed(t *testing.T) {
	t.Parallel()
	dir := &offboardingDirectory{fakeDirectory: newFakeDirectory()}
	svc, out, audit := leaverWorld(t, dir)
	approveLeaver(t, svc, out, "bob@contoso.example")
	if len(dir.blocked) != 1 || len(dir.revoked) != 1 || dir.removalCount() != 2 {
		t.Fatalf("blocked %v revoked %v, %d removals", dir.blocked, dir.revoked, dir.removalCount())
	}
	var steps []string
	for _, e := range audit.events {
		if e.Action == "blocked" || e.Action == "revoked" {
			steps = append(steps, e.Action+":"+e.Fields["graph_request_id"])
		}
	}
	if fmt.Sprint(steps) != "[blocked:req-block revoked:req-revoke]" {
		t.Fatalf("audit %v", steps)
	}

	failing := &offboardingDirectory{fakeDirectory: newFakeDirectory(), blockErr: licensing.ErrForbidden}
	svc2, out2, _ := leaverWorld(t, failing)
	reply := approveLeaver(t, svc2, out2, "bob@contoso.example")
	if failing.removalCount() != 0 || len(failing.revoked) != 0 {
		t.Fatalf("after a failed block: %d removals, revoked %v", failing.removalCount(), failing.revoked)
	}
	mustContain(t, reply.Message, "Failed: 0 removed, 0 skipped, 3 failed")
	said := false
	for _, p := range out2.all() {
		said = said || strings.Contains(text(p.Msg), "not removed: the account's sign-in couldn't be blocked or its sessions revoked first")
	}
	if !said {
		t.Fatalf("the outcome doesn't say why: %+v", out2.all())
	}
}

// A leaver who holds licenses only through groups still has sign-in to block and sessions to
// revoke; nothing is removed.
func TestALeaverWithoutDirectLicensesIsStillBlocked(t *testing.T) {
	t.Parallel()
	dir := &offboardingDirectory{fakeDirectory: newFakeDirectory()}
	dir.users["carol@contoso.example"].Licenses = []licensing.Assignment{{SKUID: skuEMS, PartNumber: "EMS", State: "Active",
		Groups: []licensing.Group{{ID: "g-ems", DisplayName: "Licensing - EMS"}}}}
	svc, out, _ := leaverWorld(t, dir)
	approveLeaver(t, svc, out, "carol@contoso.example")
	if len(dir.blocked) != 1 || len(dir.revoked) != 1 || dir.removalCount() != 0 {
		t.Fatalf("blocked %v revoked %v, %d removals", dir.blocked, dir.revoked, dir.removalCount())
	}
}

// Undoing a leaver gives the licenses back and allows sign-in again.
func TestUndoingALeaverAllowsSignInAgain(t *testing.T) {
	t.Parallel()
	dir := &offboardingDirectory{fakeDirectory: newFakeDirectory()}
	svc, out, _ := leaverWorld(t, dir)
	approveLeaver(t, svc, out, "bob@contoso.example")
	var id string
	for _, p := range out.all() {
		for _, b := range p.Msg.Buttons {
			if b.Action == ActionUndo {
				id = b.Value
			}
		}
	}
	if id == "" {
		t.Fatal("no [Undo] on a leaver's outcome")
	}
	ctx := context.Background()
	plan := svc.HandleCommand(ctx, bot.Command{Actor: actor("adele"), Text: "undo " + id}).Message
	mustContain(t, plan, "Sign-in will be allowed again for bob@contoso.example")
	svc.HandleClick(ctx, bot.Click{Actor: actor("adele"), Action: ActionConfirm, Value: button(t, plan, ActionConfirm).Value})
	var approval posted
	for _, p := range out.all() {
		if p.To.Approvers && strings.Contains(text(p.Msg), "give back") || p.To.Approvers && len(p.Msg.Buttons) > 0 {
			approval = p
		}
	}
	svc.HandleClick(ctx, bot.Click{Actor: actor("megan"), Action: ActionApprove, Value: button(t, approval.Msg, ActionApprove).Value, Message: approval.Ref})
	if len(dir.enabled) != 1 || dir.enabled[0] != "u-bob" {
		t.Fatalf("sign-in allowed again for %v", dir.enabled)
	}
	said := false
	for _, p := range out.all() {
		said = said || strings.Contains(text(p.Msg), "sign-in allowed again")
	}
	if !said {
		t.Fatal("the undo's outcome doesn't say sign-in is allowed again")
	}
}
