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
		StateRunning, StateDone, StatePartlyDone, StateFailed, StateCancelled, StateDenied, StateExpired}
	allEvents = []event{evRequest, evPick, evConfirm, evCancel, evApprove, evDeny, evExpire, evStart, evFinish, evRetry}
)

// The dates a move stamps on the request, as the tests check them.
type stamped int

const (
	stampsNothing   stamped = iota
	stampsCreated           // CreatedAt now, ExpiresAt at the end of the confirmation window
	stampsConfirmBy         // ExpiresAt at the end of the confirmation window
	stampsApproveBy         // ExpiresAt at the end of the approval window
	stampsStarted           // StartedAt now
	stampsFinished          // FinishedAt now
)

// The request's life as the README tells it: every move that may happen, on what, and what
// it dates. Anything else is refused.
var wantLifecycle = []struct {
	from  State
	on    event
	to    State
	dates stamped
}{
	{noState, evRequest, StateAwaitingPick, stampsCreated},
	{noState, evRequest, StateAwaitingConfirmation, stampsCreated},
	{StateAwaitingPick, evPick, StateAwaitingConfirmation, stampsConfirmBy},
	{StateAwaitingPick, evCancel, StateCancelled, stampsFinished},
	{StateAwaitingPick, evExpire, StateExpired, stampsNothing},
	{StateAwaitingConfirmation, evConfirm, StateAwaitingApproval, stampsApproveBy},
	{StateAwaitingConfirmation, evConfirm, StateApproved, stampsNothing},
	{StateAwaitingConfirmation, evCancel, StateCancelled, stampsFinished},
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

// stored puts a request in state from into the store, as a use case would have read it.
func stored(t *testing.T, reqs *memRequests, id string, from State) (*Request, Stored) {
	t.Helper()
	r := &Request{ID: id, State: from}
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
	for _, tt := range wantLifecycle {
		t.Run(string(tt.from)+" "+string(tt.on)+" "+string(tt.to), func(t *testing.T) {
			t.Parallel()
			svc, reqs, audit, metrics := lifecycleService(t)
			r, st := stored(t, reqs, "req0000000000000001", tt.from)
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
}

func TestEveryOtherMoveIsRefusedBeforeAnythingIsWritten(t *testing.T) {
	t.Parallel()
	allowed := func(from State, on event, to State) bool {
		return slices.ContainsFunc(wantLifecycle, func(w struct {
			from  State
			on    event
			to    State
			dates stamped
		}) bool {
			return w.from == from && w.on == on && w.to == to
		})
	}
	refused := 0
	for _, from := range append([]State{noState}, allStates...) {
		for _, on := range allEvents {
			for _, to := range allStates {
				if allowed(from, on, to) {
					continue
				}
				svc, reqs, audit, metrics := lifecycleService(t)
				r, st := stored(t, reqs, "req0000000000000001", from)
				_, err := svc.transition(context.Background(), r, st, move{on: on, to: to})
				var bad *errTransition
				if !errors.As(err, &bad) {
					t.Errorf("%s %s → %s: %v, want a refused move", from, on, to, err)
					continue
				}
				refused++
				if got := reqs.recs[r.ID]; got.State != st.State || got.Version != st.Version || r.State != from {
					t.Errorf("%s %s → %s: refused but written (%q v%d, request %q)", from, on, to, got.State, got.Version, r.State)
				}
				if len(audit.actions()) > 0 || len(metrics.states()) > 0 {
					t.Errorf("%s %s → %s: refused but audited %v, counted %v", from, on, to, audit.actions(), metrics.states())
				}
			}
		}
	}
	if want := (len(allStates)+1)*len(allEvents)*len(allStates) - len(wantLifecycle); refused != want {
		t.Errorf("%d moves refused, want %d", refused, want)
	}
}

// The table in the code is the table above, no more: a new move is added to both.
func TestTheLifecycleIsTheOneTheTestsKnow(t *testing.T) {
	t.Parallel()
	if len(lifecycle) != len(wantLifecycle) {
		t.Fatalf("lifecycle has %d moves, the tests know %d", len(lifecycle), len(wantLifecycle))
	}
	for _, m := range lifecycle {
		if _, ok := findTransition(m.from, m.on, m.to); !ok {
			t.Errorf("move %s %s → %s not found", m.from, m.on, m.to)
		}
	}
}

// Pending states are those a deadline can expire; final states are those nothing leaves but
// a retry of what failed.
func TestPendingAndFinalStatesFollowTheLifecycle(t *testing.T) {
	t.Parallel()
	for _, st := range allStates {
		expires, leaves := false, false
		for _, m := range lifecycle {
			if m.from != st {
				continue
			}
			expires = expires || m.on == evExpire
			leaves = leaves || m.on != evRetry
		}
		if st.Pending() != expires {
			t.Errorf("%s: Pending() %v, but a deadline expires it: %v", st, st.Pending(), expires)
		}
		if st.Final() == leaves {
			t.Errorf("%s: Final() %v, but it moves on other than by a retry: %v", st, st.Final(), leaves)
		}
	}
}

// A move that loses the compare-and-set writes, counts and audits nothing, and hands back
// the record as it is now.
func TestALostMoveChangesNothing(t *testing.T) {
	t.Parallel()
	svc, reqs, audit, metrics := lifecycleService(t)
	r, st := stored(t, reqs, "req0000000000000001", StateAwaitingApproval)
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
