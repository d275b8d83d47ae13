package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
)

// Signing in with Microsoft. /unassign link (no address) starts a sign-in for the person who
// typed it: a device code to enter at Microsoft's device login page, always (no public URL
// needed), and a one-time link (authorization code flow with PKCE) where serve has a public
// URL. Whichever the person uses first, the verified ID token's object id (oid) becomes the
// chat account's link: proof made by Microsoft, not a profile e-mail or an administrator's
// belief. A decision that needs a fresh sign-in (Options.ApprovalSignIn) and finds none
// answers with the same sign-in step, remembers the click, and makes the decision once the
// person has signed in: nothing is decided by a stale identity in between.
//
// What a sign-in proves is said in identity.SignIn: auth_time (an optional claim) is the
// time the person entered credentials; without it, the sign-in proves a session at the time
// it completed here, which is what freshness then counts from (evidence "session"). A
// Conditional Access authentication context (acrs, Options.AuthContext) is the one signal
// of a second factor Entra's ID tokens carry.

// IdentityMode says what makes a chat account a given Microsoft Entra user.
type IdentityMode string

// The identity modes.
const (
	// IdentityEmail: the e-mail address the chat platform shows (Slack's profile), else a
	// link: licensebot's behaviour before sign-in existed, for trials and existing installs.
	IdentityEmail IdentityMode = "email"
	// IdentityEntra: only a link made by signing in with Microsoft (and, where
	// Options.LinkByApproval allows it, one an administrator approved).
	IdentityEntra IdentityMode = "entra"
)

// Link methods: how a link was made.
const (
	LinkBySignIn   = "signin"   // the person signed in with Microsoft
	LinkByApproval = "approval" // an administrator approved /unassign link <address>
)

// Evidence of when a person last signed in (SignInEvidence).
const (
	// EvidenceAuthTime: the auth_time claim, when the person entered credentials.
	EvidenceAuthTime = "auth_time"
	// EvidenceSession: no auth_time; the time the sign-in completed at licensebot, which
	// proves a session at Microsoft then, not that credentials were entered.
	EvidenceSession = "session"
)

// SignedIn is what a verified sign-in proves (the identity package's SignIn, as handlers
// needs it).
type SignedIn struct {
	ObjectID, TenantID string
	// Username (preferred_username) and Name are for display only.
	Username, Name string
	// AuthTime is the auth_time claim; zero when the tenant doesn't send it.
	AuthTime time.Time
	// AuthContexts are the Conditional Access authentication contexts the sign-in met.
	AuthContexts []string
}

// DeviceSignIn is a started device code sign-in: the code to show the person, and Wait,
// which returns once they signed in, declined, or the code expired.
type DeviceSignIn struct {
	UserCode, VerificationURI string
	ExpiresAt                 time.Time
	Wait                      func(ctx context.Context) (SignedIn, error)
}

// SignInSecret is what one sign-in link must remember until its redirect: its state (the
// key), nonce and PKCE verifier; all single-use.
type SignInSecret struct {
	State    string `json:"-"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
}

// SignIns signs people in with Microsoft at the configured tenant (cmd adapts the identity
// package). Its errors wrap the ErrSignIn… values below.
type SignIns interface {
	StartDevice(ctx context.Context) (DeviceSignIn, error)
	// NewLink makes a one-time sign-in link and its secret; the link is "" when serve has
	// no public URL to come back to.
	NewLink() (link string, secret SignInSecret, err error)
	// Exchange redeems the code of a link's redirect and verifies the ID token.
	Exchange(ctx context.Context, code string, secret SignInSecret) (SignedIn, error)
}

// SignInStates keeps the pending sign-in links, by state, until their redirect: any replica
// may receive it. Take reads and deletes at once, so a state works once.
type SignInStates interface {
	PutSignIn(ctx context.Context, state string, data []byte, ttl time.Duration) error
	TakeSignIn(ctx context.Context, state string) (data []byte, ok bool, err error)
}

// Why a sign-in failed, as the SignIns adapter reports it.
var (
	ErrSignInOtherTenant = errors.New("signed in to another organisation's directory")
	ErrSignInDeclined    = errors.New("the sign-in was declined")
	ErrSignInExpired     = errors.New("the sign-in code expired or was used")
	ErrSignInInvalid     = errors.New("the sign-in could not be verified")
	ErrSignInUnavailable = errors.New("Microsoft's sign-in service could not be reached")
)

// pendingSignIn is one started sign-in: who started it, where from, and the click it is
// for, if a decision waits on it.
type pendingSignIn struct {
	Secret  SignInSecret `json:"secret"`
	Actor   bot.Actor    `json:"actor"`
	Click   *bot.Click   `json:"click,omitempty"`
	Started time.Time    `json:"started"`
}

// signInRuns are the device sign-ins this replica is waiting on, so that a shutdown stops
// them (and waits for them to end).
type signInRuns struct {
	mu     sync.Mutex
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Close stops the device sign-ins this replica waits on and waits for them to end. The
// people are not told: their code stops working here, and /unassign link starts another.
func (s *Service) Close() {
	s.signIns.cancel()
	s.signIns.wg.Wait()
}

// signInLifetime bounds how long a sign-in link stays usable (a device code lives as long
// as Entra says, 15 minutes by default).
const signInLifetime = 15 * time.Minute

// linkBySignIn answers /unassign link: the sign-in step, privately, for the person who typed
// it.
func (s *Service) linkBySignIn(ctx context.Context, cmd bot.Command) (bot.Message, error) {
	a := cmd.Actor
	if s.Links == nil || a.ChatID == "" {
		return bot.Message{}, refuse(linksUnavailable{})
	}
	current, linked, err := s.Links.Link(ctx, accountOf(a))
	if err != nil {
		return bot.Message{}, fmt.Errorf("read the link of %s: %w", accountKey(accountOf(a)), errStore{err})
	}
	if linked && current.Fixed {
		return bot.Message{}, refuse(linkFixed{upn: current.UPN})
	}
	requester := Person{Actor: a, DisplayName: firstNonEmpty(a.Name, a.ChatID)}
	if err := s.withinLimits(ctx, a, requester, false); err != nil {
		return bot.Message{}, err
	}
	return s.startSignIn(ctx, a, nil)
}

// startSignIn starts a sign-in for a (a device code, and a link where there is a public
// URL) and says how to finish it. With click, the click's decision is made once the
// person has signed in.
func (s *Service) startSignIn(ctx context.Context, a bot.Actor, click *bot.Click) (bot.Message, error) {
	if s.SignIns == nil {
		return bot.Message{}, refuse(signInUnavailable{})
	}
	l := langIn(ctx)
	p := pendingSignIn{Actor: a, Click: click, Started: s.Now()}
	link, secret, err := s.SignIns.NewLink()
	if err != nil {
		return bot.Message{}, fmt.Errorf("make a sign-in link: %w", err)
	}
	var linkExpires time.Time
	if link != "" && s.SignInStates != nil {
		p.Secret = secret
		data, err := json.Marshal(p)
		if err != nil {
			return bot.Message{}, fmt.Errorf("encode a sign-in: %w", err)
		}
		if err := s.SignInStates.PutSignIn(ctx, secret.State, data, signInLifetime); err != nil {
			return bot.Message{}, fmt.Errorf("keep a sign-in link: %w", errStore{err})
		}
		linkExpires = s.Now().Add(signInLifetime)
	} else {
		link = ""
	}
	// The device code works everywhere. A second /unassign link while one waits gets its
	// own code: whichever is used links the account, the other expires unused.
	dev, err := s.SignIns.StartDevice(ctx)
	if err != nil && link == "" {
		return bot.Message{}, fmt.Errorf("start a device sign-in: %w", err)
	}
	msg := bot.Message{}
	if err == nil {
		s.waitForDevice(ctx, dev, pendingSignIn{Actor: a, Click: click, Started: p.Started})
		msg.Text = l.T("signin.device", "URI", dev.VerificationURI, "Code", dev.UserCode, "Until", l.Time(dev.ExpiresAt, s.opts.Location))
	} else {
		s.Logger.WarnContext(ctx, "start a device sign-in; offering the link only", "err", err)
	}
	if link != "" {
		section := bot.Section{Text: l.T("signin.link", "Link", link, "Until", l.Time(linkExpires, s.opts.Location))}
		if msg.Text == "" {
			msg.Text, section.Text = section.Text, ""
		}
		if section.Text != "" {
			msg.Sections = append(msg.Sections, section)
		}
	}
	// Whoever enters the code or opens the link signs in: a code or link someone else sent
	// is how an attacker gets a victim to link the attacker's chat account.
	msg.Warnings = append(msg.Warnings, l.T("signin.phishing"))
	if click != nil {
		msg.Warnings = append(msg.Warnings, l.T("signin.decision_waits"))
	}
	return msg, nil
}

// waitForDevice waits, in the background, for the person to use the device code, then
// finishes the sign-in. The wait ends with the code, or when the replica stops.
func (s *Service) waitForDevice(ctx context.Context, dev DeviceSignIn, p pendingSignIn) {
	s.signIns.mu.Lock()
	if s.signIns.ctx.Err() != nil {
		s.signIns.mu.Unlock()
		return
	}
	s.signIns.wg.Add(1)
	s.signIns.mu.Unlock()
	reqCtx := ctx
	go func() {
		defer s.signIns.wg.Done()
		ctx, cancel := context.WithDeadline(s.signIns.ctx, dev.ExpiresAt.Add(time.Minute))
		defer cancel()
		ctx = withLang(ctx, langIn(reqCtx))
		var err error
		defer s.recovered(ctx, "waiting for a sign-in", &err)
		si, werr := dev.Wait(ctx)
		if s.signIns.ctx.Err() != nil {
			return // the replica is stopping: nobody signed in here
		}
		s.finishSignIn(ctx, p, si, werr, "device")
	}()
}

// CompleteSignIn answers the redirect of a sign-in link (the callback route): code and state
// as Entra sent them, or Entra's error. It returns a sentence for the browser, in the
// person's language; the outcome is also said in chat.
func (s *Service) CompleteSignIn(ctx context.Context, state, code, entraError string) (ok bool, page string) {
	ctx = withLang(ctx, s.shared())
	if s.SignInStates == nil || s.SignIns == nil || state == "" {
		return false, say(ctx, "signin.page.unknown")
	}
	data, found, err := s.SignInStates.TakeSignIn(ctx, state)
	if err != nil {
		s.Logger.ErrorContext(ctx, "read a sign-in link's state", "err", err)
		return false, say(ctx, "error.store")
	}
	if !found {
		// Unknown, used, or expired: a redirect licensebot didn't start is refused here,
		// before anything is exchanged.
		return false, say(ctx, "signin.page.unknown")
	}
	var p pendingSignIn
	if err := json.Unmarshal(data, &p); err != nil {
		s.Logger.ErrorContext(ctx, "decode a sign-in link's state", "err", err)
		return false, say(ctx, "signin.page.unknown")
	}
	ctx = withLang(ctx, s.langFor(p.Actor.Locale))
	var si SignedIn
	switch {
	case entraError == "access_denied":
		err = ErrSignInDeclined
	case entraError != "":
		err = fmt.Errorf("%w: Entra answered %q", ErrSignInInvalid, entraError)
	case code == "":
		err = fmt.Errorf("%w: no code on the redirect", ErrSignInInvalid)
	default:
		si, err = s.SignIns.Exchange(ctx, code, p.Secret)
	}
	text, linked := s.finishSignIn(ctx, p, si, err, "link")
	return linked, text + " " + say(ctx, "signin.page.close")
}

// finishSignIn links the account that started a sign-in to the person who signed in, or
// says why not, in chat (privately) and as the returned sentence. A decision waiting on the
// sign-in is made now.
func (s *Service) finishSignIn(ctx context.Context, p pendingSignIn, si SignedIn, err error, flow string) (string, bool) {
	account := accountOf(p.Actor)
	by := Person{Actor: p.Actor, DisplayName: firstNonEmpty(p.Actor.Name, p.Actor.ChatID)}
	r := &Request{}
	fail := func(why refusalReason, detail string) (string, bool) {
		text, _ := refusalWords(langIn(ctx), why)
		s.audit(ctx, r, "signin_failed", by, map[string]string{"account": accountKey(account), "flow": flow, "reason": detail})
		s.Logger.WarnContext(ctx, "sign-in failed", "account", accountKey(account), "flow", flow, "reason", detail)
		s.tellSignIn(ctx, p.Actor, bot.Message{Text: text})
		return text, false
	}
	switch {
	case errors.Is(err, ErrSignInOtherTenant):
		return fail(signInOtherTenant{}, err.Error())
	case errors.Is(err, ErrSignInDeclined):
		return fail(signInDeclined{}, err.Error())
	case errors.Is(err, ErrSignInExpired), errors.Is(err, context.DeadlineExceeded):
		return fail(signInExpired{}, "expired")
	case errors.Is(err, ErrSignInUnavailable):
		return fail(signInFailed{unavailable: true}, err.Error())
	case err != nil:
		return fail(signInFailed{}, err.Error())
	}
	u, err := s.Directory.FindPerson(ctx, si.ObjectID)
	switch {
	case errors.Is(err, licensing.ErrUserNotFound):
		return fail(signInNoUser{upn: si.Username}, "no directory user "+si.ObjectID)
	case err != nil:
		s.Logger.ErrorContext(ctx, "read the signed-in user", "oid", si.ObjectID, "err", err)
		return fail(signInFailed{unavailable: true}, err.Error())
	}
	by = Person{Actor: p.Actor, UserID: u.ID, UPN: u.UserPrincipalName, DisplayName: u.DisplayName}
	// Where the platform shows the person's work address (Slack), the one who signed in
	// must be that person: a code or link forwarded to a victim then links nothing.
	if e := strings.TrimSpace(p.Actor.Email); e != "" && !strings.EqualFold(e, u.UserPrincipalName) && !strings.EqualFold(e, u.Mail) {
		return fail(signInNotYou{upn: u.UserPrincipalName, email: e}, "signed in as "+u.UserPrincipalName+", chat profile "+e)
	}
	// Where the platform vouches for the person's Entra object id (Teams), likewise.
	if id := p.Actor.EntraID; id != "" && !strings.EqualFold(id, u.ID) {
		return fail(signInNotAccount{upn: u.UserPrincipalName}, "signed in as "+u.UserPrincipalName+", chat account's Entra object id "+id)
	}
	now := s.Now()
	k := Link{Account: account, UserID: u.ID, UPN: u.UserPrincipalName, By: u.UserPrincipalName, At: now,
		Method: LinkBySignIn, SignedInAt: now, Evidence: EvidenceSession, AuthContexts: si.AuthContexts}
	if !si.AuthTime.IsZero() {
		k.SignedInAt, k.Evidence = si.AuthTime, EvidenceAuthTime
	}
	current, linked, err := s.Links.Link(ctx, account)
	if err == nil && linked && current.Fixed {
		return fail(linkFixed{upn: current.UPN}, "fixed by configuration")
	}
	if err := s.Links.SetLink(ctx, k); err != nil {
		s.Logger.ErrorContext(ctx, "store a signed-in link", "account", accountKey(account), "err", err)
		text := say(ctx, "error.store")
		s.tellSignIn(ctx, p.Actor, bot.Message{Text: text})
		return text, false
	}
	r.Link = &LinkRequest{Account: account, UserID: u.ID, UPN: u.UserPrincipalName}
	fields := map[string]string{"method": LinkBySignIn, "flow": flow, "tenant_id": si.TenantID,
		"signed_in_at": k.SignedInAt.UTC().Format(time.RFC3339), "evidence": k.Evidence,
		"mfa": mfaEvidence(k.AuthContexts, s.opts.AuthContext)}
	if linked && current.UserID != "" && current.UserID != u.ID {
		r.Link.Was = current.UPN
	}
	s.audit(ctx, r, "linked", by, fields)
	s.Logger.InfoContext(ctx, "account linked by signing in", "account", accountKey(account), "upn", u.UserPrincipalName, "flow", flow)
	l := langIn(ctx)
	text := l.T("signin.linked", "UPN", u.UserPrincipalName, "At", l.Time(k.SignedInAt, s.opts.Location))
	if p.Click == nil {
		s.tellSignIn(ctx, p.Actor, bot.Message{Text: text})
		return text, true
	}
	// The decision that waited: made now, as if clicked again, with every check again.
	click := *p.Click
	reply, derr := func() (_ bot.Reply, err error) {
		defer s.recovered(ctx, "deciding after a sign-in", &err)
		return s.click(ctx, click)
	}()
	var msg bot.Message
	if derr != nil {
		msg = s.explain(ctx, derr)
	} else {
		msg = reply.Message
	}
	if derr == nil && reply.Replace && !click.Message.IsZero() {
		if err := s.Notifier.Update(ctx, click.Message, reply.Message); err != nil {
			s.Logger.WarnContext(ctx, "update the clicked message after a sign-in", "err", err)
		}
	}
	msg.Text = text + "\n" + msg.Text
	s.tellSignIn(ctx, p.Actor, msg)
	return text, true
}

// tellSignIn says how a sign-in ended to the person, privately.
func (s *Service) tellSignIn(ctx context.Context, a bot.Actor, msg bot.Message) {
	if _, err := s.Notifier.Post(ctx, bot.Destination{Actor: &a}, msg); err != nil {
		s.Logger.WarnContext(ctx, "tell a person how their sign-in ended", "account", accountKey(accountOf(a)), "err", err)
	}
}

// mfaEvidence says what the link's sign-in shows of a second factor, for the audit: the
// authentication context asked for, met; or what was seen instead.
func mfaEvidence(acrs []string, want string) string {
	switch {
	case want != "" && slices.Contains(acrs, want):
		return "acrs:" + want
	case len(acrs) > 0:
		return "acrs:" + strings.Join(acrs, ",")
	default:
		return "none shown"
	}
}

// freshSignIn refuses, with the sign-in step, a person whose link doesn't show a sign-in
// within window (and the authentication context, when one is configured). click, when set,
// is decided once they have signed in.
func (s *Service) freshSignIn(ctx context.Context, p Person, window time.Duration, click *bot.Click) (Link, error) {
	if window <= 0 || s.Links == nil {
		return Link{}, nil
	}
	k, ok, err := s.Links.Link(ctx, accountOf(p.Actor))
	if err != nil {
		return Link{}, fmt.Errorf("read the link of %s: %w", accountKey(accountOf(p.Actor)), errStore{err})
	}
	now := s.Now()
	var why refusalReason
	switch {
	case !ok || k.Method != LinkBySignIn || k.UserID != p.UserID || k.SignedInAt.IsZero():
		why = signInNeeded{window: window}
	case k.SignedInAt.Before(now.Add(-window)) || k.SignedInAt.After(now.Add(5*time.Minute)):
		why = signInStale{window: window, at: k.SignedInAt, loc: s.opts.Location}
	case s.opts.AuthContext != "" && !slices.Contains(k.AuthContexts, s.opts.AuthContext):
		why = signInNoContext{context: s.opts.AuthContext}
	default:
		return k, nil
	}
	step, err := s.startSignIn(ctx, p.Actor, click)
	if err != nil {
		return Link{}, err
	}
	return Link{}, &signInStep{why: why, step: step}
}

// signInStep is a refusal that carries the sign-in step to show under it.
type signInStep struct {
	why  refusalReason
	step bot.Message
}

func (e *signInStep) Error() string {
	text, _ := refusalWords(english, e.why)
	return text
}

// signInFields are a decision's sign-in evidence for the audit.
func (s *Service) signInFields(k Link, fields map[string]string) map[string]string {
	if k.Method != LinkBySignIn {
		return fields
	}
	if fields == nil {
		fields = map[string]string{}
	}
	fields["signed_in_at"] = k.SignedInAt.UTC().Format(time.RFC3339)
	fields["signin_evidence"] = k.Evidence
	fields["mfa"] = mfaEvidence(k.AuthContexts, s.opts.AuthContext)
	return fields
}

// lastSignIn is the person's link when it was made by signing in, for the audit of what
// they decide or ask; nothing when it wasn't, or can't be read.
func (s *Service) lastSignIn(ctx context.Context, p Person) Link {
	if s.Links == nil || p.Actor.ChatID == "" {
		return Link{}
	}
	k, ok, err := s.Links.Link(ctx, accountOf(p.Actor))
	if err != nil || !ok || k.Method != LinkBySignIn || k.UserID != p.UserID {
		return Link{}
	}
	return k
}
