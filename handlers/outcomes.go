package handlers

import (
	"context"
	"errors"
	"strconv"

	"github.com/licensebot/licensebot/licensing"
)

// What Graph's answer means for one product on one user: removed, skipped or failed, and
// why, as a message said again in the reader's language (Result.why).

// result turns one product's answer into an outcome and a sentence.
func (e *engine) result(u *unit, it unitItem, graphID string, err error) Result {
	s := e.s
	tries := max(u.calls, 1)
	res := Result{UserID: u.userID, UPN: u.label, SKUID: it.SKUID, Product: it.Name, GraphID: firstNonEmpty(graphRequestID(err), graphID), At: s.Now(), Attempts: tries}
	var throttled *licensing.ThrottledError
	switch {
	case err == nil && e.undo:
		res.Outcome = OutcomeRestored
	case err == nil:
		res.Outcome = OutcomeRemoved
	case errors.Is(err, licensing.ErrNotAssigned) && u.uncertain && !e.undo:
		// An earlier call that got no answer did take effect.
		res.Outcome = OutcomeRemoved
	case errors.Is(err, licensing.ErrInherited):
		res.Outcome = OutcomeSkipped
		res.because("result.inherited_now")
	case errors.Is(err, licensing.ErrNotAssigned):
		res.Outcome = OutcomeSkipped
		res.because("result.not_assigned_now")
	case errors.Is(err, licensing.ErrUserNotFound) && !e.undo:
		res.Outcome = OutcomeSkipped
		res.because("result.user_gone")
	case errors.Is(err, licensing.ErrUserNotFound):
		res.Outcome = OutcomeFailed
		res.because("result.user_gone")
	case errors.Is(err, licensing.ErrUnknownSKU):
		res.Outcome = OutcomeFailed
		res.because("result.product_gone")
	case errors.Is(err, licensing.ErrNoSeats):
		res.Outcome, res.Retryable = OutcomeFailed, true
		res.because("result.no_seats")
	case errors.Is(err, licensing.ErrUsageLocation):
		res.Outcome = OutcomeFailed
		res.because("result.no_usage_location")
	case errors.As(err, &throttled):
		res.Outcome, res.Retryable = OutcomeFailed, true
		res.because("result.throttled", "Tries", strconv.Itoa(tries))
	case errors.Is(err, licensing.ErrUnavailable), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		res.Outcome, res.Retryable = OutcomeFailed, true
		res.because("result.unavailable", "Tries", strconv.Itoa(tries))
		res.Uncertain = true
	case errors.As(err, new(errPanic)):
		// Whether the call went out is unknown: a retry reads the user again first.
		res.Outcome, res.Retryable, res.Uncertain = OutcomeFailed, true, true
		res.because("result.panicked")
	case it.UserOwned && !e.undo && refused(err):
		// Microsoft documents no error text for a self-service purchase: any refusal of a
		// product whose subscription names a user as owner gets the take-over step.
		res.Outcome, res.Retryable = OutcomeFailed, true
		res.because("result.user_owned_refused")
		s.Logger.WarnContext(context.Background(), "Graph refused a removal of a user-owned product", "request", e.r.ID, "user", u.userID, "sku", it.SKUID, "err", err)
	case errors.Is(err, licensing.ErrForbidden):
		res.Outcome = OutcomeFailed
		res.because("result.forbidden")
		s.Logger.ErrorContext(context.Background(), "Graph refused a change for want of a permission", "request", e.r.ID, "user", u.userID, "sku", it.SKUID, "err", err)
	default:
		res.Outcome = OutcomeFailed
		res.because("result.refused")
		s.Logger.ErrorContext(context.Background(), "unexpected Graph error", "request", e.r.ID, "user", u.userID, "sku", it.SKUID, "err", err)
	}
	return res
}

// refused reports whether Graph refused a call outright (a 400 or 403, or a reason mapped
// from one): nothing changed, and trying each product alone names the one refused.
func refused(err error) bool {
	if isPerProduct(err) || errors.Is(err, licensing.ErrNoSeats) || errors.Is(err, licensing.ErrUsageLocation) || errors.Is(err, licensing.ErrForbidden) {
		return true
	}
	var ge *licensing.GraphError
	return errors.As(err, &ge) && ge.Reason == nil && (ge.Status == 400 || ge.Status == 403)
}

func isThrottled(err error) bool {
	var t *licensing.ThrottledError
	return errors.As(err, &t)
}

func isPerProduct(err error) bool {
	return errors.Is(err, licensing.ErrInherited) || errors.Is(err, licensing.ErrNotAssigned) || errors.Is(err, licensing.ErrUnknownSKU)
}

func graphRequestID(err error) string {
	var ge *licensing.GraphError
	if errors.As(err, &ge) {
		return ge.RequestID
	}
	return ""
}
