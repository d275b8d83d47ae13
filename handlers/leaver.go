package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/licensebot/licensebot/licensing"
)

// Leavers. /unassign leaver <user> is one request, confirmed and approved once, that runs
// Microsoft's order for someone who leaves ("Remove a former employee",
// https://learn.microsoft.com/microsoft-365/admin/add-users/remove-former-employee): block sign-in
// (accountEnabled false, read back), sign them out of every session (revokeSignInSessions),
// then remove every license assigned to them directly. A step that fails stops the ones after
// it: licenses are never removed from an account that can still sign in. The steps are
// recorded in the job's ledger, so a worker that takes the job over does not repeat them.
// The plan warns when the mailbox is still a user mailbox (mailboxWarning); --at schedules
// it like any request (schedule.go); its undo gives the licenses back and allows sign-in
// again (reenable).

// MailboxReader says what kind of mailbox a user has (mailboxSettings' userPurpose: "user",
// "shared", …; "none" without one).
type MailboxReader interface {
	MailboxPurpose(ctx context.Context, userID string) (string, error)
}

// mailboxWarning reads, for a leaver whose removal takes their mailbox, whether it is still a
// user mailbox, which loses its data 30 days after the license goes; converted to a shared
// mailbox first it keeps it, without a license up to 50 GB (Microsoft's "Convert a user
// mailbox to a shared mailbox":
// https://learn.microsoft.com/microsoft-365/admin/email/convert-user-mailbox-to-shared-mailbox).
// A warning, never an action: "unknown" when it can't be read.
func (s *Service) mailboxWarning(ctx context.Context, p *licensing.Plan, notices map[string][]licensing.Notice) {
	if len(p.Users) != 1 {
		return
	}
	up := &p.Users[0]
	takesMailbox := false
	for _, n := range notices[up.User.ID] {
		takesMailbox = takesMailbox || n.Kind == licensing.NoticeMailboxDeletion
	}
	m, ok := s.Directory.(MailboxReader)
	if !takesMailbox || !ok {
		return
	}
	purpose, err := m.MailboxPurpose(ctx, up.User.ID)
	if err != nil {
		s.Logger.WarnContext(ctx, "read a leaver's mailbox kind", "user", up.User.UserPrincipalName, "err", err)
		purpose = "unknown"
	}
	up.MailboxPurpose = purpose
}

// Offboarder blocks sign-in and revokes sessions; each call returns Graph's request-id.
type Offboarder interface {
	BlockSignIn(ctx context.Context, userID string) (requestID string, err error)
	RevokeSessions(ctx context.Context, userID string) (requestID string, err error)
	// EnableSignIn allows sign-in again: the undo of a leaver.
	EnableSignIn(ctx context.Context, userID string) (requestID string, err error)
}

// The outcomes of a leaver's steps.
const (
	OutcomeBlocked Outcome = "blocked" // sign-in blocked, read back
	OutcomeRevoked Outcome = "revoked" // every session revoked
	// OutcomeUnblocked: an undo of a leaver allowed sign-in again, read back.
	OutcomeUnblocked Outcome = "unblocked"
)

// leaverSteps is the unit key the steps' results are merged under.
const leaverSteps = "leaver-steps"

// offboard runs the leaver's steps that no worker has recorded yet. ok is false when a step
// failed: the licenses are then left in place.
func (s *Service) offboard(ctx context.Context, r *Request) (results []Result, ok bool) {
	if len(r.Plan.Users) != 1 || !r.Plan.Users[0].Found {
		return nil, false
	}
	up := r.Plan.Users[0]
	o, _ := s.Directory.(Offboarder)
	recorded, err := s.Ledger.Results(ctx, r.ID)
	if err != nil {
		recorded = nil // read again by calling: both steps may be made twice
	}
	for _, step := range []struct {
		key     string
		outcome Outcome
		call    func(context.Context, string) (string, error)
	}{
		{"step-block", OutcomeBlocked, func(ctx context.Context, id string) (string, error) { return o.BlockSignIn(ctx, id) }},
		{"step-revoke", OutcomeRevoked, func(ctx context.Context, id string) (string, error) { return o.RevokeSessions(ctx, id) }},
	} {
		if prior, derr := decodeResults(recorded[step.key]); derr == nil && len(prior) == 1 && prior[0].Outcome == step.outcome {
			results = append(results, prior...)
			continue
		}
		res := Result{UserID: up.User.ID, UPN: up.User.UserPrincipalName, Outcome: step.outcome, At: s.Now()}
		var err error
		if o == nil {
			err = errors.New("no offboarder")
		} else {
			callCtx, cancel := settling(ctx)
			res.GraphID, err = step.call(callCtx, up.User.ID)
			cancel()
		}
		if err != nil {
			res.Outcome, res.Retryable = OutcomeFailed, true
			res.because("result.leaver_step_failed")
			res.Reason = err.Error()
			s.Logger.ErrorContext(ctx, "a leaver's step failed", "request", r.ID, "step", step.key, "err", err)
		}
		if raw, merr := json.Marshal([]Result{res}); merr == nil && err == nil {
			if _, rerr := s.Ledger.Record(ctx, r.ID, step.key, raw); rerr != nil {
				s.Logger.WarnContext(ctx, "record a leaver's step", "request", r.ID, "step", step.key, "err", rerr)
			}
		}
		s.audit(ctx, r, string(step.outcome), Person{}, map[string]string{
			"user": res.UPN, "graph_request_id": res.GraphID, "reason": res.Reason, "ok": fmt.Sprint(err == nil)})
		results = append(results, res)
		if err != nil {
			return results, false
		}
	}
	return results, true
}

// leaverStopped are the license results of a leaver whose steps failed: nothing removed.
func (s *Service) leaverStopped(r *Request) []Result {
	var out []Result
	for _, up := range r.Plan.Users {
		for _, it := range up.Remove {
			res := Result{UserID: up.User.ID, UPN: userLabel(up), SKUID: it.SKUID, Product: it.Name, Outcome: OutcomeFailed, At: s.Now()}
			res.because("result.leaver_stopped")
			out = append(out, res)
		}
	}
	return out
}

// leaverTarget checks a leaver's plan and the means to carry it out: one user who exists,
// and a directory that can block sign-in.
func (s *Service) leaverTarget(p licensing.Plan) error {
	if _, ok := s.Directory.(Offboarder); !ok {
		return refuse(leaverUnavailable{})
	}
	if len(p.Users) != 1 || !p.Users[0].Found {
		return refuse(noSuchLeaver{query: p.Users[0].Query})
	}
	return nil
}

// reenable allows sign-in again for the users whose sign-in an undone leaver blocked, once
// (the ledger's "step-enable"); a failure is reported and the licenses are given back anyway.
func (s *Service) reenable(ctx context.Context, r *Request) []Result {
	o, ok := s.Directory.(Offboarder)
	if !ok || len(r.EnableSignIn) == 0 {
		return nil
	}
	recorded, _ := s.Ledger.Results(ctx, r.ID)
	if prior, err := decodeResults(recorded["step-enable"]); err == nil && len(prior) > 0 {
		return prior
	}
	var out []Result
	for _, ur := range r.Restores {
		if !slices.Contains(r.EnableSignIn, ur.UserID) {
			continue
		}
		res := Result{UserID: ur.UserID, UPN: ur.UPN, Outcome: OutcomeUnblocked, At: s.Now()}
		callCtx, cancel := settling(ctx)
		id, err := o.EnableSignIn(callCtx, ur.UserID)
		cancel()
		res.GraphID = id
		if err != nil {
			res.Outcome, res.Reason = OutcomeFailed, err.Error()
			res.because("result.leaver_step_failed")
		}
		s.audit(ctx, r, string(OutcomeUnblocked), Person{}, map[string]string{"user": res.UPN, "graph_request_id": id, "ok": fmt.Sprint(err == nil), "reason": res.Reason})
		out = append(out, res)
	}
	if raw, err := json.Marshal(out); err == nil {
		_, _ = s.Ledger.Record(ctx, r.ID, "step-enable", raw)
	}
	return out
}
