package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
)

// removed runs a removal of Office 365 E3 from bob and dan to its end and returns the
// outcome posted to the requester.
func (w *world) removed(t *testing.T) (string, bot.Message) {
	t.Helper()
	plan := w.command("adele", `bob@contoso.example dan@contoso.example -p "Office 365 E3"`)
	id := button(t, plan, ActionConfirm).Value
	w.press("adele", button(t, plan, ActionConfirm))
	w.press("megan", button(t, w.approvalRequest().Msg, ActionApprove))
	var outcome bot.Message
	for _, p := range w.out.all() {
		if strings.HasPrefix(p.Msg.Text, "Request "+id+":") {
			outcome = p.Msg
		}
	}
	if outcome.Text == "" {
		t.Fatalf("no outcome posted for %s", id)
	}
	return id, outcome
}

func TestRetryFailedRerunsOnlyTheFailedUsers(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	w.dir.failFor = map[string]error{"u-dan": &licensing.GraphError{Reason: licensing.ErrUnavailable, Status: 503}}
	id, outcome := w.removed(t)
	mustContain(t, outcome, "1 removed, 0 skipped, 1 failed", "didn't answer after 5 tries", "[Retry failed]")
	retry := button(t, outcome, ActionRetry)

	// Carol is no admin; the retry needs the same checks as the request.
	mustContain(t, w.press("carol", retry).Message, "can't unassign licenses")
	w.dir.failFor = nil
	r := w.press("adele", retry)
	mustContain(t, r.Message, "Done: 2 removed, 0 skipped, 0 failed")
	if n := w.dir.removals["u-bob/"+skuE3]; n != 1 {
		t.Errorf("bob's license removed %d times, want 1: the retry must not touch him", n)
	}
	if n := w.dir.removals["u-dan/"+skuE3]; n != 1 {
		t.Errorf("dan's license removed %d times, want 1", n)
	}
	// Nothing left to retry: the button answers with where the request is.
	mustContain(t, w.press("adele", retry).Message, "Done: 2 removed")
	st := w.command("adele", "status "+id)
	mustContain(t, st, "2 removed, 0 skipped, 0 failed")
}

func TestUndoGivesBackAndReportsWhatCannotBe(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	id, outcome := w.removed(t)
	undo := button(t, outcome, ActionUndo)
	w.dir.failFor = map[string]error{"u-dan": &licensing.GraphError{Reason: licensing.ErrNoSeats, Status: 400}}
	plan := w.press("adele", undo).Message
	mustContain(t, plan, "Give back what request "+id+" removed? 2 licenses to 2 users")
	confirmed := w.press("adele", button(t, plan, ActionConfirm))
	// An undo assigns licenses: it goes through the approval policy like the removal.
	mustContain(t, confirmed.Message, "Confirmed. I asked the approvers")
	if len(w.dir.restores) != 0 {
		t.Fatalf("licenses given back before an approval: %v", w.dir.restores)
	}
	var approval bot.Message
	for _, p := range w.out.all() {
		if strings.Contains(p.Msg.Text, "asks to give back") {
			approval = p.Msg
		}
	}
	mustContain(t, approval, "Adele Vance asks to give back 2 licenses to 2 users, undoing request "+id, "↺ Office 365 E3")
	mustContain(t, w.press("adele", button(t, approval, ActionApprove)).Message, "your own request")
	r := w.press("megan", button(t, approval, ActionApprove))
	mustContain(t, r.Message, "Undo of request "+id+": partly done: 1 restored, 1 failed")
	var report bot.Message
	for _, p := range w.out.all() {
		if strings.HasPrefix(p.Msg.Text, "Undo ") {
			report = p.Msg
		}
	}
	mustContain(t, report, "gave back Office 365 E3", "no free seat of this product")
	if w.dir.restores["u-bob/"+skuE3] != 1 || w.dir.restores["u-dan/"+skuE3] != 0 {
		t.Errorf("restores %v, want bob's only", w.dir.restores)
	}
	// One undo per request.
	mustContain(t, w.command("adele", "undo "+id), "already being undone")
}

// With the undo policy none, the undoer's confirmation alone gives the licenses back.
func TestUndoWithoutApprovalWhenConfigured(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{UndoPolicy: PolicyNone})
	id, outcome := w.removed(t)
	plan := w.press("adele", button(t, outcome, ActionUndo)).Message
	r := w.press("adele", button(t, plan, ActionConfirm))
	mustContain(t, r.Message, "Undo of request "+id+": done: 2 restored, 0 failed")
}

func TestUndoPastThirtyDaysSaysTheMailboxDataIsGone(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{RetainFor: 90 * 24 * time.Hour})
	id, _ := w.removed(t)
	w.clk.Advance(31 * 24 * time.Hour)
	mustContain(t, w.command("adele", "undo "+id), "more than 30 days ago", "mailbox data is gone")
}

func TestUndoOfAnUnknownRequestSaysWhy(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	mustContain(t, w.command("adele", "undo abcdefghijklmnop0123"), "no request abcdefghijklmnop0123", "mailbox data is gone")
}

// Every line logged while working on a request carries its id.
func TestEveryLogLineOfARequestCarriesItsID(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	var buf syncBuffer
	w.svc.Logger = slog.New(RequestIDs(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	w.out.failUpdates = true // edits fail: the flow logs warnings
	w.dir.failFor = map[string]error{"u-dan": &licensing.GraphError{Reason: licensing.ErrUnavailable, Status: 503}}
	id, _ := w.removed(t)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) < 2 {
		t.Fatalf("too few log lines to tell: %q", buf.String())
	}
	for _, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if rec["request"] != id {
			t.Errorf("a line without request %s: %s", id, line)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// An outcome the chat platform refuses stays with the request (status shows it) and is
// delivered by the sweeper once the platform takes it, without repeating what went through.
func TestUndeliveredOutcomeIsDeliveredLater(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	dl := &memDeadlines{}
	w.svc.Deadlines = dl
	w.out.failToActors = true
	id, _ := w.removed(t) // removed(t) finds the outcome posted under the approval
	threads := func() int {
		n := 0
		for _, p := range w.out.all() {
			if p.To.Thread != nil && strings.HasPrefix(p.Msg.Text, "Request "+id+":") {
				n++
			}
		}
		return n
	}
	mustContain(t, w.command("adele", "status "+id), "2 removed, 0 skipped, 0 failed")
	toRequester := func() int {
		n := 0
		for _, p := range w.out.all() {
			if p.To.Actor != nil && strings.HasPrefix(p.Msg.Text, "Request "+id+":") {
				n++
			}
		}
		return n
	}
	if toRequester() != 0 || threads() != 1 {
		t.Fatalf("before: %d to the requester, %d under the approval", toRequester(), threads())
	}
	w.out.failToActors = false
	w.clk.Advance(2 * time.Minute)
	if _, err := w.svc.SweepExpired(t.Context()); err != nil {
		t.Fatal(err)
	}
	if toRequester() != 1 || threads() != 1 {
		t.Fatalf("after: %d to the requester, %d under the approval; want 1 and 1", toRequester(), threads())
	}
	w.clk.Advance(2 * time.Minute)
	_, _ = w.svc.SweepExpired(t.Context())
	if toRequester() != 1 {
		t.Fatalf("delivered again: %d", toRequester())
	}
}

// memLimiter is the store's fixed-window counter in memory.
type memLimiter struct {
	mu sync.Mutex
	n  map[string]int
}

func (m *memLimiter) Allow(_ context.Context, key string, limit int, _ time.Duration) (bool, time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.n == nil {
		m.n = map[string]int{}
	}
	m.n[key]++
	return m.n[key] <= limit, 7 * time.Minute, nil
}

func TestNewRequestsAreLimitedPerPersonAndWorkspace(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{UserRequests: 2, WorkspaceRequests: 2})
	w.svc.Limiter = &memLimiter{}
	for range 2 {
		mustContain(t, w.command("adele", `bob@contoso.example -p "Office 365 E3"`), "Please check and confirm")
	}
	// Dry runs and reads are not counted.
	mustContain(t, w.command("adele", `bob@contoso.example -p "Office 365 E3" --dry-run`), "Dry run")
	mustContain(t, w.command("adele", `status req0000000000000001`), "waits for")
	mustContain(t, w.command("adele", `bob@contoso.example -p "Office 365 E3"`), "You have made 2 requests in the last 10 minutes", "Try again in 7 minutes")
	if w.reqs.count() != 2 {
		t.Fatalf("%d requests stored, want 2", w.reqs.count())
	}
	w.dir.roles["u-carol"] = []string{RoleLicenseAdministrator}
	mustContain(t, w.command("carol", `bob@contoso.example -p "Office 365 E3"`), "this workspace")
}
