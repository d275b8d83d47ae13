package handlers

import (
	"encoding/json"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
	"github.com/licensebot/licensebot/locale"
)

// State is where a request is in its life. Every change is a compare-and-set in the store.
type State string

// The states. awaiting_pick → awaiting_confirmation → awaiting_approval → approved → running
// → done | partly_done | failed; cancelled, denied and expired end a request early.
const (
	StateAwaitingPick         State = "awaiting_pick"
	StateAwaitingConfirmation State = "awaiting_confirmation"
	StateAwaitingApproval     State = "awaiting_approval"
	StateApproved             State = "approved"
	StateRunning              State = "running"
	StateDone                 State = "done"
	StatePartlyDone           State = "partly_done"
	StateFailed               State = "failed"
	StateCancelled            State = "cancelled"
	StateDenied               State = "denied"
	StateExpired              State = "expired"
	// StateLinked: a link request's link is stored (approved, then linked).
	StateLinked State = "linked"
)

// Pending reports whether the request still waits for someone.
func (s State) Pending() bool {
	return s == StateAwaitingPick || s == StateAwaitingConfirmation || s == StateAwaitingApproval
}

// Final reports whether nothing more will happen to the request.
func (s State) Final() bool {
	switch s {
	case StateDone, StatePartlyDone, StateFailed, StateCancelled, StateDenied, StateExpired, StateLinked:
		return true
	}
	return false
}

// Person is someone who acted on a request: their chat identity and their Entra user.
type Person struct {
	Actor       bot.Actor `json:"actor"`
	UserID      string    `json:"userId"`
	UPN         string    `json:"upn"`
	DisplayName string    `json:"displayName"`
}

// Decision is one approver's answer.
type Decision struct {
	By       Person    `json:"by"`
	Approved bool      `json:"approved"`
	At       time.Time `json:"at"`
}

// Outcome of one product on one user.
type Outcome string

// Outcomes.
const (
	OutcomeRemoved Outcome = "removed"
	OutcomeSkipped Outcome = "skipped"
	OutcomeFailed  Outcome = "failed"
	// OutcomeRestored: an undo gave the product back.
	OutcomeRestored Outcome = "restored"
)

// Result is what happened to one product on one user.
type Result struct {
	UserID  string  `json:"userId"`
	UPN     string  `json:"upn"`
	SKUID   string  `json:"skuId"`
	Product string  `json:"product"`
	Outcome Outcome `json:"outcome"`
	Reason  string  `json:"reason,omitempty"` // why skipped or failed, a sentence in English
	// Why is Reason's message id and WhyArgs its placeholders' values: the reason said
	// again in the reader's language. A result recorded before message ids has its
	// English sentence in Why: it is said as Reason.
	Why       string            `json:"why,omitempty"`
	WhyArgs   map[string]string `json:"whyArgs,omitempty"`
	GraphID   string            `json:"graphRequestId,omitempty"`
	At        time.Time         `json:"at"`
	Attempts  int               `json:"attempts,omitempty"`
	Retryable bool              `json:"retryable,omitempty"`
	// Uncertain: a call that failed may still have taken effect (Graph didn't answer), so
	// a retry that finds the change already made counts it as made.
	Uncertain bool `json:"uncertain,omitempty"`
}

// Kind is what a request does.
type Kind string

// The kinds of request.
const (
	KindRemove Kind = ""     // remove licenses (the default, and every request before undo existed)
	KindUndo   Kind = "undo" // give back what an earlier removal took
	KindLink   Kind = "link" // link the requester's chat account to an Entra user
	// KindLeaver: block sign-in, revoke sessions, then remove every direct license (leaver.go).
	KindLeaver Kind = "leaver"
)

// LinkRequest is what a link request links: the requester's chat account, and the Entra
// user they say they are.
type LinkRequest struct {
	Account     ChatAccount `json:"account"`
	UserID      string      `json:"userId"`
	UPN         string      `json:"upn"`
	DisplayName string      `json:"displayName"`
	// Was is the UPN the account was linked to when asked, if any.
	Was string `json:"was,omitempty"`
}

// UserRestore is what an undo gives back to one user: the products an earlier request
// removed, as they were assigned before (with their disabled plans).
type UserRestore struct {
	UserID      string    `json:"userId"`
	UPN         string    `json:"upn"`
	DisplayName string    `json:"displayName"`
	Products    []Product `json:"products"`
	// Missing says why something removed can't be given back (no snapshot).
	Missing []string `json:"missing,omitempty"`
}

// Product is one product to give back.
type Product struct {
	Restore
	Name string `json:"name"`
}

// Request is a request as stored: everything needed to continue it on any replica.
type Request struct {
	ID        string           `json:"id"`
	State     State            `json:"state"`
	Requester Person           `json:"requester"`
	Reason    string           `json:"reason,omitempty"`
	Command   string           `json:"command"`
	CreatedAt time.Time        `json:"createdAt"`
	ExpiresAt time.Time        `json:"expiresAt"`
	Plan      licensing.Plan   `json:"plan"`
	Policy    Policy           `json:"policy"`
	Managers  []Person         `json:"managers,omitempty"` // with PolicyManager: who must approve
	Decisions []Decision       `json:"decisions,omitempty"`
	Approvals []bot.MessageRef `json:"approvalMessages,omitempty"`
	Results   []Result         `json:"results,omitempty"`
	// Report is the outcome message, kept so that status can show it again.
	Report     *bot.Message `json:"report,omitempty"`
	FinishedAt time.Time    `json:"finishedAt,omitempty"`

	Kind Kind `json:"kind,omitempty"`
	// UndoOf is, for an undo, the request it undoes; Restores what it gives back.
	UndoOf   string        `json:"undoOf,omitempty"`
	Restores []UserRestore `json:"restores,omitempty"`
	// Link is, for a link request, the account and the user to link.
	Link *LinkRequest `json:"link,omitempty"`
	// UndoneBy is the undo request started for this one, so there is only one.
	UndoneBy string `json:"undoneBy,omitempty"`
	// Round counts the runs: 0 the first, n the n-th [Retry failed], which re-runs the
	// users in Retry only.
	Round int      `json:"round,omitempty"`
	Retry []string `json:"retry,omitempty"`
	// StartedAt is when a worker first took the job; Delivered says the outcome was posted.
	StartedAt time.Time `json:"startedAt,omitempty"`
	Delivered bool      `json:"delivered,omitempty"`
	// Sent are the outcome's deliveries already made ("requester", "thread:…", "edits"), so
	// that a delivery retried after a chat platform failed sends only what is missing.
	Sent []string `json:"sent,omitempty"`
	// Undelivered are the deliveries given up because delivering them panicked (a bug):
	// they are not tried again; status shows the outcome.
	Undelivered []string `json:"undelivered,omitempty"`
	// EnableSignIn are, for an undo of a leaver, the users whose sign-in it allows again.
	EnableSignIn []string `json:"enableSignIn,omitempty"`
	// RunAt, when set, is when an approved request runs (--at); Reminded says its requester
	// was reminded of it.
	RunAt    time.Time `json:"runAt,omitempty"`
	Reminded bool      `json:"reminded,omitempty"`
	// Due: its time came and the plan was found unchanged; from then on it is started like
	// any approved request.
	Due bool `json:"due,omitempty"`
	// Progress is the message a running job edits when there is no approval message.
	Progress *bot.MessageRef `json:"progress,omitempty"`
}

func (r *Request) encode() ([]byte, error) { return json.Marshal(r) }

func decodeRequest(s Stored) (*Request, error) {
	var r Request
	if err := json.Unmarshal(s.Data, &r); err != nil {
		return nil, err
	}
	r.State = State(s.State)
	return &r, nil
}

// approvedBy reports whether the person already approved.
func (r *Request) approvedBy(userID string) bool {
	for _, d := range r.Decisions {
		if d.Approved && d.By.UserID == userID {
			return true
		}
	}
	return false
}

// because sets the reason: a message id of the catalogue and its placeholders' names and
// values, in pairs (as locale.Lang.T takes them).
func (r *Result) because(id string, args ...string) {
	r.Why = id
	r.WhyArgs = nil
	pairs := make([]any, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		if r.WhyArgs == nil {
			r.WhyArgs = map[string]string{}
		}
		r.WhyArgs[args[i]] = args[i+1]
		pairs = append(pairs, args[i], args[i+1])
	}
	r.Reason = english.T(id, pairs...)
}

// why is the reason in l.
func (r Result) why(l locale.Lang) string {
	if r.Why == "" || !locale.Has(r.Why) {
		return r.Reason
	}
	pairs := make([]any, 0, 2*len(r.WhyArgs))
	for name, v := range r.WhyArgs {
		pairs = append(pairs, name, v)
	}
	return l.T(r.Why, pairs...)
}

func failedCount(results []Result) int {
	n := 0
	for _, r := range results {
		if r.Outcome == OutcomeFailed {
			n++
		}
	}
	return n
}

func countOutcome(results []Result, o Outcome) int {
	n := 0
	for _, r := range results {
		if r.Outcome == o {
			n++
		}
	}
	return n
}

func failedUsers(r *Request) int {
	seen := map[string]bool{}
	for _, res := range r.Results {
		if res.Outcome == OutcomeFailed {
			seen[res.UserID] = true
		}
	}
	return len(seen)
}
