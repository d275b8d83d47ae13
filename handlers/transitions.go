package handlers

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// event is what happens to a request. Its name is the action the audit trail records.
type event string

// The events of a request's life.
const (
	evRequest event = "requested" // a plan is stored, to pick from or to confirm
	evPick    event = "picked"    // the requester picked the licenses that go
	evConfirm event = "confirmed" // the requester confirmed
	evCancel  event = "cancelled" // the requester cancelled, or another undo took the original
	evApprove event = "approved"  // an approver approved (under the manager policy, maybe one of several)
	evDeny    event = "denied"    // an approver denied
	evExpire  event = "expired"   // nobody acted before the deadline
	evStart   event = "started"   // a worker took the job
	evFinish  event = "finished"  // the outcome is recorded
	evRetry   event = "retry"     // [Retry failed]: a new round for the users that failed
)

// The events of a link request's life.
const (
	evLinkRequest event = "link_requested" // someone asked to link their chat account
	evLinkApprove event = "link_approved"  // an administrator approved
	evLinkDeny    event = "link_denied"    // an administrator denied
	evLinkExpire  event = "link_expired"   // nobody decided before the deadline
	evLinked      event = "linked"         // the link is stored
)

// noState is where a request is before it is stored.
const noState State = ""

// transition is one move of the request's state machine: on an event, a request in from may
// go to to, with the dates that go with it stamped.
type transition struct {
	on       event
	from, to State
	stamp    func(r *Request, now time.Time, o Options)
}

// lifecycle is every move a removal or an undo can make; transition refuses any other. It
// is read, never written. An expired request keeps ExpiresAt as its end: nothing else is
// stamped.
var lifecycle = []transition{
	{evRequest, noState, StateAwaitingPick, stampCreated},
	{evRequest, noState, StateAwaitingConfirmation, stampCreated},
	{evPick, StateAwaitingPick, StateAwaitingConfirmation, stampConfirmWindow},
	{evConfirm, StateAwaitingConfirmation, StateAwaitingApproval, stampApprovalWindow},
	{evConfirm, StateAwaitingConfirmation, StateApproved, nil}, // approval policy none
	{evCancel, StateAwaitingPick, StateCancelled, stampFinished},
	{evCancel, StateAwaitingConfirmation, StateCancelled, stampFinished},
	{evCancel, StateApproved, StateCancelled, stampFinished},       // scheduled, before its time (schedule.go)
	{evApprove, StateAwaitingApproval, StateAwaitingApproval, nil}, // one manager of several
	{evApprove, StateAwaitingApproval, StateApproved, nil},
	{evDeny, StateAwaitingApproval, StateDenied, stampFinished},
	{evExpire, StateAwaitingPick, StateExpired, nil},
	{evExpire, StateAwaitingConfirmation, StateExpired, nil},
	{evExpire, StateAwaitingApproval, StateExpired, nil},
	{evStart, StateApproved, StateRunning, stampStarted},
	{evFinish, StateRunning, StateDone, stampFinished},
	{evFinish, StateRunning, StatePartlyDone, stampFinished},
	{evFinish, StateRunning, StateFailed, stampFinished},
	{evRetry, StatePartlyDone, StateApproved, nil},
	{evRetry, StateFailed, StateApproved, nil},
}

// linkLifecycle is every move a link request can make: asked, then decided once; approved
// is the moment between the decision and the stored link, which the sweeper finishes
// should the replica stop in it.
var linkLifecycle = []transition{
	{evLinkRequest, noState, StateAwaitingApproval, stampLinkWindow},
	{evLinkApprove, StateAwaitingApproval, StateApproved, nil},
	{evLinkDeny, StateAwaitingApproval, StateDenied, stampFinished},
	{evLinkExpire, StateAwaitingApproval, StateExpired, nil},
	{evLinked, StateApproved, StateLinked, stampFinished},
}

// lifecycleOf is the moves of a request of kind k.
func lifecycleOf(k Kind) []transition {
	if k == KindLink {
		return linkLifecycle
	}
	return lifecycle
}

// expiry is the event that expires a pending request of kind k.
func expiry(k Kind) event {
	if k == KindLink {
		return evLinkExpire
	}
	return evExpire
}

func stampCreated(r *Request, now time.Time, o Options) {
	r.CreatedAt, r.ExpiresAt = now, now.Add(o.ConfirmTTL)
}
func stampConfirmWindow(r *Request, now time.Time, o Options)  { r.ExpiresAt = now.Add(o.ConfirmTTL) }
func stampApprovalWindow(r *Request, now time.Time, o Options) { r.ExpiresAt = now.Add(o.ApprovalTTL) }
func stampStarted(r *Request, now time.Time, _ Options)        { r.StartedAt = now }
func stampFinished(r *Request, now time.Time, _ Options)       { r.FinishedAt = now }
func stampLinkWindow(r *Request, now time.Time, o Options) {
	r.CreatedAt, r.ExpiresAt = now, now.Add(o.LinkTTL)
}

// move is a state change as a use case decides it.
type move struct {
	on event
	to State
	by Person    // who made it happen; nobody for licensebot's own moves
	at time.Time // when; zero is now
	// audit is what the audit line says besides the event and who.
	audit map[string]string
	// fill writes what the new state carries that depends on its stamps (an outcome's
	// report is dated by FinishedAt), before the request is written.
	fill func(r *Request)
}

// errTransition is a move the lifecycle of the request's kind doesn't have: a use case
// checks the state before it moves, so this is a bug, refused before anything is written.
type errTransition struct {
	kind Kind
	from State
	on   event
	to   State
}

func (e *errTransition) Error() string {
	if e.kind != KindRemove {
		return fmt.Sprintf("no move of a %s request from %q to %q on %q", e.kind, e.from, e.to, e.on)
	}
	return fmt.Sprintf("no move from %q to %q on %q", e.from, e.to, e.on)
}

// transition is the one way a request changes state. The move must be in the lifecycle of
// r's kind from the state r was read in (from; a request not stored yet is created). It sets r's state and
// the stamps that go with the move, writes r by compare-and-set (save), counts the new
// state and audits the event. On ErrConflict it returns the record as it is now and nothing
// is counted or audited; r is left as the move made it, to be read again.
func (s *Service) transition(ctx context.Context, r *Request, from Stored, m move) (Stored, error) {
	t, ok := findTransition(r.Kind, State(from.State), m.on, m.to)
	if !ok {
		return from, fmt.Errorf("request %s: %w", r.ID, &errTransition{kind: r.Kind, from: State(from.State), on: m.on, to: m.to})
	}
	at := m.at
	if at.IsZero() {
		at = s.Now()
	}
	r.State = t.to
	if t.stamp != nil {
		t.stamp(r, at, s.opts)
	}
	if m.fill != nil {
		m.fill(r)
	}
	next, err := s.write(ctx, r, from)
	if err != nil {
		return next, err
	}
	if t.from != t.to {
		s.Metrics.RequestState(string(t.to))
	}
	s.audit(ctx, r, string(m.on), m.by, m.audit)
	return next, nil
}

// write stores a new request, or changes a stored one by compare-and-set. A created
// request's Stored is not returned: its version is the store's, and a change reads it first.
func (s *Service) write(ctx context.Context, r *Request, from Stored) (Stored, error) {
	if from.State != string(noState) {
		return s.save(ctx, r, from)
	}
	data, err := r.encode()
	if err != nil {
		return Stored{}, err
	}
	if err := s.Requests.Create(ctx, r.ID, string(r.State), data, s.opts.RetainFor); err != nil {
		if errors.Is(err, ErrExists) {
			// The same delivery made it before (requestID): not an outage.
			return Stored{}, fmt.Errorf("store request %s: %w", r.ID, err)
		}
		return Stored{}, fmt.Errorf("store request %s: %w", r.ID, errStore{err})
	}
	return Stored{}, nil
}

func findTransition(k Kind, from State, on event, to State) (transition, bool) {
	for _, t := range lifecycleOf(k) {
		if t.from == from && t.on == on && t.to == to {
			return t, true
		}
	}
	return transition{}, false
}
