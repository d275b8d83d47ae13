package handlers

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	allStates = []State{StateAwaitingPick, StateAwaitingConfirmation, StateAwaitingApproval, StateApproved,
		StateRunning, StateDone, StatePartlyDone, StateFailed, StateCancelled, StateDenied, StateExpired, StateLinked}
	allEvents = []event{evRequest, evPick, evConfirm, evCancel, evApprove, evDeny, evExpire, evStart, evFinish, evRetry,
		evLinkRequest, evLinkApprove, evLinkDeny, evLinkExpire, evLinked}
)

// The dates a move stamps on the request, as the tests check them.
type stamped int

const (
	stampsNothing    stamped = iota
	stampsCreated            // CreatedAt now, ExpiresAt at the end of the confirmation window
	stampsConfirmBy          // ExpiresAt at the end of the confirmation window
	stampsApproveBy          // ExpiresAt at the end of the approval window
	stampsStarted            // StartedAt now
	stampsFinished           // FinishedAt now
	stampsLinkWindow         // CreatedAt now, ExpiresAt at the end of the link request's window
)

// wantMove is a move the tests know: from, on, to, and what it dates.
type wantMove struct {
	from  State
	on    event
	to    State
	dates stamped
}

// The request's life as the README tells it: every move that may happen, on what, and what
// it dates. Anything else is refused.
var wantLifecycle = []wantMove{
	{noState, evRequest, StateAwaitingPick, stampsCreated},
	{noState, evRequest, StateAwaitingConfirmation, stampsCreated},
	{StateAwaitingPick, evPick, StateAwaitingConfirmation, stampsConfirmBy},
	{StateAwaitingPick, evCancel, StateCancelled, stampsFinished},
	{StateAwaitingPick, evExpire, StateExpired, stampsNothing},
	{StateAwaitingConfirmation, evConfirm, StateAwaitingApproval, stampsApproveBy},
	{StateAwaitingConfirmation, evConfirm, StateApproved, stampsNothing},
	{StateAwaitingConfirmation, evCancel, StateCancelled, stampsFinished},
	{StateApproved, evCancel, StateCancelled, stampsFinished}, // scheduled, before its time
	{StateAwaitingConfirmation, evExpire, StateExpired, stampsNothing},
	{StateAwaitingApproval, evApprove, StateApproved, stampsNothing},
	{StateAwaitingApproval, evApprove, StateAwaitingApproval, stampsNothing},
	{StateAwaitingApproval, evDeny, StateDenied, stampsFinished},
	{StateAwaitingApproval, evExpire, StateExpired, stampsNothing},
	{StateApproved, evStart, StateRunning, stampsStarted},
	{StateRunning, evFinish, StateDone, stampsFinished},
	{StateRunning, evFinish, StatePartlyDone, stampsFinished},
	{StateRunning, evFinish, StateFailed, stampsFinished},
	{StatePartlyDone, evRetry, StateApproved, stampsNothing},
	{StateFailed, evRetry, StateApproved, stampsNothing},
}

// A link request's life: asked, then approved and linked, denied or expired. Nothing of a
// removal's life (confirm, start, retry…) can happen to it, nor the other way round.
var wantLinkLifecycle = []wantMove{
	{noState, evLinkRequest, StateAwaitingApproval, stampsLinkWindow},
	{StateAwaitingApproval, evLinkApprove, StateApproved, stampsNothing},
	{StateAwaitingApproval, evLinkDeny, StateDenied, stampsFinished},
	{StateAwaitingApproval, evLinkExpire, StateExpired, stampsNothing},
	{StateApproved, evLinked, StateLinked, stampsFinished},
}

// The kinds of request and their lives (an undo lives a removal's).
var wantLifecycles = []struct {
	kind  Kind
	moves []wantMove
}{{KindRemove, wantLifecycle}, {KindUndo, wantLifecycle}, {KindLink, wantLinkLifecycle}}

// lifecycleService is a Service over an in-memory store that records its audit and metrics.
func lifecycleService(t *testing.T) (*Service, *memRequests, *memAudit, *stateMetrics) {
	t.Helper()
	reqs, audit, metrics := newMemRequests(), &memAudit{}, &stateMetrics{}
	dir := newFakeDirectory()
	svc, err := New(Deps{Directory: dir, Remover: dir, Requests: reqs, Notifier: &fakeNotifier{}, Audit: audit, Metrics: metrics,
		NewID: func() (string, error) { return "req0000000000000001", nil }}, Options{Approvers: []string{"megan@contoso.example"}})
	if err != nil {
		t.Fatal(err)
	}
	return svc, reqs, audit, metrics
}

// stored puts a request of kind k in state from into the store, as a use case would have
// read it.
func stored(t *testing.T, reqs *memRequests, id string, k Kind, from State) (*Request, Stored) {
	t.Helper()
	r := &Request{ID: id, State: from, Kind: k}
	if from == noState {
		return r, Stored{}
	}
	data, err := r.encode()
	if err != nil {
		t.Fatal(err)
	}
	st := Stored{State: string(from), Version: 3, Data: data}
	reqs.recs[id] = st
	return r, st
}

func TestEveryAllowedMoveWorksAndDatesTheRequest(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC)
	for _, life := range wantLifecycles {
		for _, tt := range life.moves {
			testAllowedMove(t, at, life.kind, tt)
		}
	}
}

func testAllowedMove(t *testing.T, at time.Time, kind Kind, tt wantMove) {
	t.Run(string(kind)+" "+string(tt.from)+" "+string(tt.on)+" "+string(tt.to), func(t *testing.T) {
		t.Parallel()
		svc, reqs, audit, metrics := lifecycleService(t)
		r, st := stored(t, reqs, "req0000000000000001", kind, tt.from)
		clicker := Person{UPN: "adele@contoso.example"}
		if _, err := svc.transition(context.Background(), r, st, move{on: tt.on, to: tt.to, by: clicker, at: at}); err != nil {
			t.Fatalf("refused: %v", err)
		}
		got := reqs.recs[r.ID]
		if got.State != string(tt.to) || r.State != tt.to {
			t.Errorf("stored %q, request %q; want %q", got.State, r.State, tt.to)
		}
		if tt.from != noState && got.Version != st.Version+1 {
			t.Errorf("version %d, want %d: not a compare-and-set", got.Version, st.Version+1)
		}
		back, err := decodeRequest(got)
		if err != nil {
			t.Fatal(err)
		}
		o := svc.Options()
		want := Request{}
		switch tt.dates {
		case stampsCreated:
			want.CreatedAt, want.ExpiresAt = at, at.Add(o.ConfirmTTL)
		case stampsConfirmBy:
			want.ExpiresAt = at.Add(o.ConfirmTTL)
		case stampsApproveBy:
			want.ExpiresAt = at.Add(o.ApprovalTTL)
		case stampsStarted:
			want.StartedAt = at
		case stampsFinished:
			want.FinishedAt = at
		case stampsLinkWindow:
			want.CreatedAt, want.ExpiresAt = at, at.Add(o.LinkTTL)
		}
		for _, d := range []struct {
			name      string
			got, want time.Time
		}{
			{"CreatedAt", back.CreatedAt, want.CreatedAt}, {"ExpiresAt", back.ExpiresAt, want.ExpiresAt},
			{"StartedAt", back.StartedAt, want.StartedAt}, {"FinishedAt", back.FinishedAt, want.FinishedAt},
		} {
			if !d.got.Equal(d.want) {
				t.Errorf("%s %s, want %s", d.name, d.got, d.want)
			}
		}
		if a := audit.actions(); !slices.Equal(a, []string{string(tt.on)}) || audit.events[0].Actor != clicker.UPN {
			t.Errorf("audit %v by %q, want one %q by %s", a, audit.events[0].Actor, tt.on, clicker.UPN)
		}
		wantCounted := []string{string(tt.to)}
		if tt.from == tt.to {
			wantCounted = nil // no state entered
		}
		if m := metrics.states(); !slices.Equal(m, wantCounted) {
			t.Errorf("states counted %v, want %v", m, wantCounted)
		}
	})
}

func TestEveryOtherMoveIsRefusedBeforeAnythingIsWritten(t *testing.T) {
	t.Parallel()
	for _, life := range wantLifecycles {
		allowed := func(from State, on event, to State) bool {
			return slices.ContainsFunc(life.moves, func(w wantMove) bool { return w.from == from && w.on == on && w.to == to })
		}
		refused := 0
		for _, from := range append([]State{noState}, allStates...) {
			for _, on := range allEvents {
				for _, to := range allStates {
					if allowed(from, on, to) {
						continue
					}
					svc, reqs, audit, metrics := lifecycleService(t)
					r, st := stored(t, reqs, "req0000000000000001", life.kind, from)
					_, err := svc.transition(context.Background(), r, st, move{on: on, to: to})
					var bad *errTransition
					if !errors.As(err, &bad) {
						t.Errorf("%q %s %s → %s: %v, want a refused move", life.kind, from, on, to, err)
						continue
					}
					refused++
					if got := reqs.recs[r.ID]; got.State != st.State || got.Version != st.Version || r.State != from {
						t.Errorf("%q %s %s → %s: refused but written (%q v%d, request %q)", life.kind, from, on, to, got.State, got.Version, r.State)
					}
					if len(audit.actions()) > 0 || len(metrics.states()) > 0 {
						t.Errorf("%q %s %s → %s: refused but audited %v, counted %v", life.kind, from, on, to, audit.actions(), metrics.states())
					}
				}
			}
		}
		if want := (len(allStates)+1)*len(allEvents)*len(allStates) - len(life.moves); refused != want {
			t.Errorf("%q: %d moves refused, want %d", life.kind, refused, want)
		}
	}
}

// The tables in the code are the tables above, no more: a new move is added to both.
func TestTheLifecycleIsTheOneTheTestsKnow(t *testing.T) {
	t.Parallel()
	for _, life := range wantLifecycles {
		table := lifecycleOf(life.kind)
		if len(table) != len(life.moves) {
			t.Fatalf("%q: lifecycle has %d moves, the tests know %d", life.kind, len(table), len(life.moves))
		}
		for _, m := range table {
			if _, ok := findTransition(life.kind, m.from, m.on, m.to); !ok {
				t.Errorf("%q: move %s %s → %s not found", life.kind, m.from, m.on, m.to)
			}
		}
	}
}

// Pending states are those a deadline can expire; final states are those nothing leaves but
// a retry of what failed; in the life of every kind of request.
func TestPendingAndFinalStatesFollowTheLifecycle(t *testing.T) {
	t.Parallel()
	for _, life := range wantLifecycles {
		table := lifecycleOf(life.kind)
		for _, st := range allStates {
			expires, leaves, lives := false, false, false
			for _, m := range table {
				lives = lives || m.from == st || m.to == st
				if m.from != st {
					continue
				}
				expires = expires || m.on == expiry(life.kind)
				leaves = leaves || m.on != evRetry
			}
			if !lives {
				continue // not a state of this kind
			}
			if st.Pending() != expires {
				t.Errorf("%q %s: Pending() %v, but a deadline expires it: %v", life.kind, st, st.Pending(), expires)
			}
			if st.Final() == leaves {
				t.Errorf("%q %s: Final() %v, but it moves on other than by a retry: %v", life.kind, st, st.Final(), leaves)
			}
		}
	}
}

// A move that loses the compare-and-set writes, counts and audits nothing, and hands back
// the record as it is now.
func TestALostMoveChangesNothing(t *testing.T) {
	t.Parallel()
	svc, reqs, audit, metrics := lifecycleService(t)
	r, st := stored(t, reqs, "req0000000000000001", KindRemove, StateAwaitingApproval)
	now := reqs.recs[r.ID]
	now.Version++ // another approver got there first
	reqs.recs[r.ID] = now
	got, err := svc.transition(context.Background(), r, st, move{on: evApprove, to: StateApproved})
	if !errors.Is(err, ErrConflict) || got.Version != now.Version {
		t.Fatalf("err %v, record v%d; want a conflict and v%d", err, got.Version, now.Version)
	}
	if len(audit.actions()) > 0 || len(metrics.states()) > 0 {
		t.Errorf("a lost move audited %v, counted %v", audit.actions(), metrics.states())
	}
}

// Every state change goes through transition: nothing else in the package assigns a
// request's State (decoding a stored record aside).
func TestOnlyTransitionSetsTheState(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || name == "transitions.go" {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if ok && fn.Name.Name == "decodeRequest" {
				continue
			}
			ast.Inspect(d, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.AssignStmt:
					for _, lhs := range n.Lhs {
						if sel, ok := lhs.(*ast.SelectorExpr); ok && sel.Sel.Name == "State" {
							t.Errorf("%s: a State assigned outside transition", fset.Position(n.Pos()))
						}
					}
				case *ast.CompositeLit:
					if id, ok := n.Type.(*ast.Ident); ok && id.Name == "Request" {
						for _, e := range n.Elts {
							if kv, ok := e.(*ast.KeyValueExpr); ok && kv.Key.(*ast.Ident).Name == "State" {
								t.Errorf("%s: a Request made with a State outside transition", fset.Position(kv.Pos()))
							}
						}
					}
				}
				return true
			})
		}
	}
}
