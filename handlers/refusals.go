package handlers

import (
	"errors"
	"time"

	"github.com/licensebot/licensebot/licensing"
)

// Refusal is an answer of "no" that a use case decided on. It carries the reason, typed,
// with what the sentence about it needs; explain.go alone puts it into words, in the
// reader's language (refusalWords).
type Refusal struct{ reason refusalReason }

// Error is the refusal in English, for logs.
func (r *Refusal) Error() string {
	text, _ := refusalWords(english, r.reason)
	return text
}

func refuse(why refusalReason) error { return &Refusal{reason: why} }

// refusalReason is one of the reasons below, each made where the decision is.
type refusalReason interface{ refusal() }

// isReason makes a type one of the reasons.
type isReason struct{}

func (isReason) refusal() {}

// Who is asking.
type (
	// noChatEmail: the chat account has no e-mail address to find the Entra user by.
	noChatEmail struct{ isReason }
	// unusableChatEmail: the chat account's address can't be an Entra user's.
	unusableChatEmail struct {
		isReason
		email string
	}
	// noVouchedUser: the platform vouches for an Entra object id (Teams) that isn't a user
	// of the directory.
	noVouchedUser struct {
		isReason
		id string
	}
	// noEntraUser: no Entra user has the chat account's address.
	noEntraUser struct {
		isReason
		email string
	}
	// notAnAdmin: the caller holds none of the admin roles (named in roles).
	notAnAdmin struct {
		isReason
		upn   string
		roles []string
	}
)

// Signing in with Microsoft (signin.go).
type (
	// notSignedIn: under IdentityEntra, the account is linked to nobody by a sign-in.
	notSignedIn struct{ isReason }
	// linkBySignInOnly: /unassign link <address> where links are made by signing in only.
	linkBySignInOnly struct{ isReason }
	// signInUnavailable: licensebot runs without a sign-in configured.
	signInUnavailable struct{ isReason }
	// signInOtherTenant: the person signed in to another organisation's directory.
	signInOtherTenant struct{ isReason }
	// signInDeclined: the person declined at Microsoft's page.
	signInDeclined struct{ isReason }
	// signInExpired: the code or link expired before anyone used it, or was used.
	signInExpired struct{ isReason }
	// signInFailed: the token could not be verified, or Microsoft (unavailable) or the
	// directory could not be reached.
	signInFailed struct {
		isReason
		unavailable bool
	}
	// signInNoUser: the signed-in account (upn) is no user of the directory.
	signInNoUser struct {
		isReason
		upn string
	}
	// signInNotAccount: the person signed in as upn, and the platform vouches for another
	// Entra user as the chat account's (Teams).
	signInNotAccount struct {
		isReason
		upn string
	}
	// signInNotYou: the person signed in as upn, and the chat profile shows email.
	signInNotYou struct {
		isReason
		upn, email string
	}
	// signInNeeded: a decision needs a sign-in within window, and the account has none.
	signInNeeded struct {
		isReason
		window time.Duration
	}
	// signInStale: the account's last sign-in (at) is older than window.
	signInStale struct {
		isReason
		window time.Duration
		at     time.Time
		loc    *time.Location
	}
	// signInNoContext: the last sign-in didn't meet the authentication context asked for.
	signInNoContext struct {
		isReason
		context string
	}
)

// Targets that stand for many users (targets.go).
type (
	// expansionUnavailable: the directory can't list groups or holders.
	expansionUnavailable struct{ isReason }
	// noSignInActivity: the tenant has no Entra ID P1, so sign-in activity can't be read, and
	// the activity report couldn't be read either.
	noSignInActivity struct{ isReason }
	// concealedReport: the activity report hides users' names.
	concealedReport struct{ isReason }
	// badSchedule: --at is unreadable, or not between five minutes from now and latest.
	badSchedule struct {
		isReason
		at         string
		latest     time.Time
		loc        *time.Location
		unreadable bool
	}
	// mayNotUnschedule: only the requester or an approver may cancel a scheduled request.
	mayNotUnschedule struct{ isReason }
	// leaverUnavailable: the directory can't block sign-in or revoke sessions.
	leaverUnavailable struct{ isReason }
	// noSuchLeaver: the leaver named is no user.
	noSuchLeaver struct {
		isReason
		query string
	}
	// noSuchGroup: no group has that name or id.
	noSuchGroup struct {
		isReason
		name string
	}
	// ambiguousGroup: more than one group has that name.
	ambiguousGroup struct {
		isReason
		name string
	}
	// emptySource: the group or the product's holders gave no user.
	emptySource struct {
		isReason
		src licensing.Source
	}
	// tooManyInSource: the group or the product's holders gave more users than one request
	// may hold (max).
	tooManyInSource struct {
		isReason
		src licensing.Source
		max int
	}
)

// Links: who a chat account is.
type (
	// notLinked: the account shows no e-mail address and is linked to no Entra user.
	notLinked struct{ isReason }
	// linkedUserGone: the Entra user the account is linked to (upn) no longer exists.
	linkedUserGone struct {
		isReason
		upn string
	}
	// linksUnavailable: licensebot runs without a place to keep links.
	linksUnavailable struct{ isReason }
	// linkFixed: the account is linked to upn by configuration, which a link can't change.
	linkFixed struct {
		isReason
		upn string
	}
	// alreadyLinked: the account is already linked to upn.
	alreadyLinked struct {
		isReason
		upn string
	}
	// noLinkUser: no Entra user has the address asked for (upn).
	noLinkUser struct {
		isReason
		upn string
	}
	// ownLinkRequest: nobody decides their own link request.
	ownLinkRequest struct{ isReason }
	// ownLinkAccount: nobody approves a link to their own Entra user.
	ownLinkAccount struct{ isReason }
	// notALinkDecider: the clicker (upn) holds none of the admin roles (roles).
	notALinkDecider struct {
		isReason
		upn   string
		roles []string
	}
	// notALinkAdmin: the caller (upn) asked about someone else's link without one of the
	// admin roles (roles).
	notALinkAdmin struct {
		isReason
		upn   string
		roles []string
	}
	// noSuchLinkedUser: no Entra user has the address (upn) given for whose link.
	noSuchLinkedUser struct {
		isReason
		upn string
	}
	// unlinkFixed: the account (own: the caller's) is mapped to upn by configuration
	// (DISCORD_USER_MAP), which unlink can't remove.
	unlinkFixed struct {
		isReason
		upn, account string
		own          bool
	}
	// notARemoval: the request is a link request, which removed nothing.
	notARemoval struct {
		isReason
		id string
	}
)

// Where from.
type (
	// foreignWorkspace: licensebot doesn't serve the workspace (Options.Workspaces).
	foreignWorkspace struct{ isReason }
	// otherWorkspace: the request was made in another workspace of the same platform.
	otherWorkspace struct {
		isReason
		id string
	}
)

// Buttons.
type (
	// unknownButton: an action licensebot has no button for.
	unknownButton struct{ isReason }
	// unknownButtonValue: a button's value names no request licensebot could have made.
	unknownButtonValue struct{ isReason }
	// choiceNotInRequest: a pick button's choice is not among the request's.
	choiceNotInRequest struct{ isReason }
)

// Requests and who may act on them.
type (
	// noSuchRequest: no request has the id (never made, or past keptDays).
	noSuchRequest struct {
		isReason
		id       string
		keptDays int
	}
	// notTheRequester: only the requester (name) confirms, picks or cancels.
	notTheRequester struct {
		isReason
		name string
	}
	// mayNotSee: status is for the requester, the approvers and admins.
	mayNotSee struct{ isReason }
	// mayNotRetry: a retry is for the requester or an approver.
	mayNotRetry struct{ isReason }
	// nothingToRetry: what failed has no user to run again.
	nothingToRetry struct{ isReason }
)

// Approval.
type (
	// ownRequest: nobody approves or denies their own request.
	ownRequest struct{ isReason }
	// alreadyApproved: this manager approved; the others haven't yet.
	alreadyApproved struct{ isReason }
	// notAManager: under the manager policy only the targets' managers decide.
	notAManager struct{ isReason }
	// notAnApprover: the clicker is none of the configured approvers.
	notAnApprover struct {
		isReason
		upn string
	}
	// noManager: a target has no manager to ask, under the manager policy.
	noManager struct {
		isReason
		upn string
	}
	// managerOfTarget: the caller is a target's manager, so would approve their own request.
	managerOfTarget struct {
		isReason
		upn string
	}
)

// What is asked for.
type (
	// ambiguousProduct: the name typed matches several products (candidates, as named).
	ambiguousProduct struct {
		isReason
		typed      string
		candidates []string
	}
	// productNotInTenant: a product licensebot knows, but the organisation has none of.
	productNotInTenant struct {
		isReason
		name, partNumber string
	}
	// unknownProduct: no product is called what was typed.
	unknownProduct struct {
		isReason
		typed string
	}
	// noSuchUser: show found nobody with the UPN, mail or id.
	noSuchUser struct {
		isReason
		query string
	}
	// overLimit: the person (or, with workspace, the workspace) has made limit requests
	// (or, with dryRun, dry runs) in window; the next is allowed after wait.
	overLimit struct {
		isReason
		dryRun, workspace bool
		limit             int
		window, wait      time.Duration
	}
)

// Undo.
type (
	// undoUnavailable: licensebot runs without a way to assign licenses.
	undoUnavailable struct{ isReason }
	// undoGone: the request to undo is no longer kept (keptDays).
	undoGone struct {
		isReason
		id       string
		keptDays int
	}
	// undoOfUndo: the request is itself an undo.
	undoOfUndo struct {
		isReason
		id string
	}
	// undoUnfinished: the request hasn't finished.
	undoUnfinished struct {
		isReason
		id string
	}
	// alreadyUndone: another undo (by) of the request was made before.
	alreadyUndone struct {
		isReason
		id, by string
	}
	// undoneMeanwhile: another undo (by) took the request while this one was confirmed.
	undoneMeanwhile struct {
		isReason
		id, by string
	}
	// nothingRemoved: the request removed nothing to give back.
	nothingRemoved struct {
		isReason
		id string
	}
	// undoTooLate: the removal (on removedOn, said in loc) is older than the undo window
	// (windowDays): the mailbox data is gone.
	undoTooLate struct {
		isReason
		id         string
		removedOn  time.Time
		loc        *time.Location
		windowDays int
	}
	// noSnapshots: how the licenses were assigned is no longer known.
	noSnapshots struct {
		isReason
		id string
	}
)

// gone reports whether err says the request doesn't exist (any more).
func gone(err error) bool {
	var r *Refusal
	if !errors.As(err, &r) {
		return false
	}
	_, ok := r.reason.(noSuchRequest)
	return ok
}
