package licensing

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The reasons Graph refuses a removal, as values adapters map Graph's errors to, so that
// handlers decide on them with errors.Is and never on an error's English text.
var (
	// ErrUserNotFound: no user has that UPN, mail or object id.
	ErrUserNotFound = errors.New("user not found")
	// ErrInherited: the license comes from a group and cannot be removed from the user.
	ErrInherited = errors.New("license is inherited from a group")
	// ErrNotAssigned: the user does not have the license.
	ErrNotAssigned = errors.New("license is not assigned to the user")
	// ErrUnknownSKU: the organisation has no such product.
	ErrUnknownSKU = errors.New("the organisation has no such product")
	// ErrGroupNotFound: no group has that object id or display name.
	ErrGroupNotFound = errors.New("group not found")
	// ErrAmbiguousGroup: more than one group has that display name.
	ErrAmbiguousGroup = errors.New("more than one group has that name")
	// ErrNoPremium: the tenant has no Microsoft Entra ID P1 or P2, so users' sign-in
	// activity can't be read.
	ErrNoPremium = errors.New("the tenant has no Microsoft Entra ID P1 or P2 for sign-in activity")
	// ErrConcealedReport: the tenant's usage reports hide users' names, so they can't be
	// matched to users.
	ErrConcealedReport = errors.New("the usage reports conceal users' names")
	// ErrNoManager: the user has no manager in the directory.
	ErrNoManager = errors.New("user has no manager")
	// ErrUnavailable: the directory could not be reached or failed; nothing was changed.
	ErrUnavailable = errors.New("directory unavailable")
	// ErrNoSeats: a license can't be given back because every seat of the product is taken.
	ErrNoSeats = errors.New("the product has no free seat")
	// ErrUsageLocation: a license can't be given to a user without a usage location.
	ErrUsageLocation = errors.New("the user has no usage location, which a license assignment needs")
	// ErrUnusableAnswer: Graph (or something between licensebot and Graph) answered with
	// something that can't be relied on: an empty, null, HTML, truncated, huge or endlessly
	// paged answer. Nothing is planned or decided on it.
	ErrUnusableAnswer = errors.New("Microsoft Graph gave an answer licensebot can't use")
	// ErrForbidden: Graph refused the call for want of a permission (403): the app lacks
	// one, or the call isn't supported for an app-only token.
	ErrForbidden = errors.New("the app is not allowed to do this")
)

// ThrottledError is Graph's 429: try again after RetryAfter.
type ThrottledError struct {
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("throttled by Microsoft Graph, retry in %s", e.RetryAfter.Round(time.Second))
}

// GraphError carries what support needs from a failed Graph call (its request id, status and
// code) around the domain reason it was mapped to, so errors.Is(err, ErrInherited) still works.
type GraphError struct {
	Reason    error // one of the Err* values above, a *ThrottledError, or nil when unmapped
	Status    int
	Code      string
	Message   string
	RequestID string
}

func (e *GraphError) Error() string {
	var b strings.Builder
	if e.Reason != nil {
		b.WriteString(e.Reason.Error())
	} else {
		fmt.Fprintf(&b, "graph: %d %s", e.Status, e.Code)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request-id %s)", e.RequestID)
	}
	return b.String()
}

func (e *GraphError) Unwrap() error { return e.Reason }

func equalID(a, b string) bool { return strings.EqualFold(a, b) }
