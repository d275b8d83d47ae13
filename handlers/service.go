package handlers

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
)

// Deps are what the use cases talk to. All are required but Audit and RoleCache.
type Deps struct {
	Directory Directory
	Remover   Remover
	Requests  Requests
	Audit     Audit
	RoleCache RoleCache
	// Deadlines lets a sweeper find expired requests; optional.
	Deadlines Deadlines
	// Metrics counts requests, removals and throttling; optional.
	Metrics  Metrics
	Notifier Notifier
	// Jobs and Ledger run approved requests as durable jobs shared by every replica
	// (RunWorkers). Without Jobs a request runs at once in the approving click, with an
	// in-memory ledger: one process only (unit tests; the demo runs jobs on its embedded Redis).
	Jobs   Jobs
	Ledger Ledger
	// Limiter bounds new requests per person and workspace; optional.
	Limiter Limiter
	// Restorer gives licenses back for /unassign undo; without it undo is refused.
	Restorer Restorer
	// Links says who a chat account without an e-mail address is (Discord's), and keeps the
	// links /unassign link asks for; without it such accounts can't be identified.
	Links Links
	// SignIns signs people in with Microsoft (/unassign link, fresh sign-in for decisions);
	// SignInStates keeps the pending sign-in links for whichever replica gets the redirect.
	// Without SignIns, links are made by administrators only.
	SignIns      SignIns
	SignInStates SignInStates
	// Once makes an unused-seat reminder go out once across replicas; optional.
	Once Once
	// Trail reads a request's audit events, its story for /unassign status; optional.
	Trail     AuditTrail
	NewID     NewID
	Catalogue *licensing.Catalogue
	Now       func() time.Time
	// Sleep waits for d or until ctx ends; tests replace it to make retries instant.
	Sleep  func(ctx context.Context, d time.Duration) error
	Logger *slog.Logger
}

// Service runs /unassign for any platform.
type Service struct {
	Deps
	opts     Options
	products productCache
	// progressBudgets are the replica's progress-edit budgets, one per chat platform.
	budgetsMu       sync.Mutex
	progressBudgets map[string]*editBudget
	machine         machineTime
	signIns         signInRuns
}

// machineTime is time as it passes on this machine, for heartbeats, reclaims, progress
// edits and sweeps: Deps.Now may be set to any day (a test's, the demo's) and must not
// stretch or shrink them. Tests replace it to drive them by hand.
type machineTime struct {
	now       func() time.Time
	newTicker func(d time.Duration) (ticks <-chan time.Time, stop func())
}

func realMachineTime() machineTime {
	return machineTime{now: time.Now, newTicker: func(d time.Duration) (<-chan time.Time, func()) {
		t := time.NewTicker(d)
		return t.C, t.Stop
	}}
}

// New checks the dependencies and options and returns the use cases.
func New(d Deps, o Options) (*Service, error) {
	if d.Directory == nil || d.Remover == nil || d.Requests == nil || d.Notifier == nil || d.NewID == nil {
		return nil, errors.New("handlers: Directory, Remover, Requests, Notifier and NewID are required")
	}
	if err := o.setDefaults(); err != nil {
		return nil, err
	}
	if d.Catalogue == nil {
		d.Catalogue = licensing.DefaultCatalogue()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Sleep == nil {
		d.Sleep = bot.Sleep
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Audit == nil {
		d.Audit = noAudit{}
	}
	if d.Metrics == nil {
		d.Metrics = noMetrics{}
	}
	switch {
	case d.Jobs != nil && d.Ledger == nil:
		return nil, errors.New("handlers: Jobs needs a Ledger shared by the workers")
	case d.Ledger == nil:
		d.Ledger = newMemoryLedger(d.Now)
	}
	s := &Service{Deps: d, opts: o, products: productCache{ttl: o.ProductsTTL},
		machine: realMachineTime()}
	s.signIns.ctx, s.signIns.cancel = context.WithCancel(context.Background())
	return s, nil
}

// Options returns the options in force, defaults filled in.
func (s *Service) Options() Options { return s.opts }

// HandleCommand answers /unassign. The reply goes privately to the caller; any error has
// already been turned into words in it.
func (s *Service) HandleCommand(ctx context.Context, cmd bot.Command) bot.Reply {
	ctx = withLang(ctx, s.langFor(cmd.Actor.Locale))
	msg, err := func() (_ bot.Message, err error) {
		defer s.recovered(ctx, "answering a command", &err)
		return s.command(ctx, cmd)
	}()
	if err != nil {
		return bot.Reply{Message: s.explain(ctx, err)}
	}
	return bot.Reply{Message: msg}
}

func (s *Service) command(ctx context.Context, cmd bot.Command) (bot.Message, error) {
	if err := s.refuseForeignWorkspace(cmd.Actor); err != nil {
		return bot.Message{}, err
	}
	var c Command
	var err error
	if cmd.Args != nil {
		c, err = FromArgs(*cmd.Args, s.opts.MaxTargets)
	} else {
		c, err = Parse(cmd.Text, s.opts.MaxTargets)
	}
	if err != nil {
		return bot.Message{}, err
	}
	if c.Verb == VerbHelp {
		return helpMessage(langIn(ctx), s.opts), nil
	}
	if c.Verb == VerbLink {
		// Whoever asks is, as a rule, someone licensebot can't identify yet.
		switch {
		case c.Link == "":
			return s.linkBySignIn(ctx, cmd)
		case s.opts.Identity == IdentityEntra && !s.opts.LinkByApproval:
			return bot.Message{}, refuse(linkBySignInOnly{})
		}
		return s.link(ctx, cmd, c.Link)
	}
	switch c.Verb {
	case VerbLinkStatus:
		return s.linkStatus(ctx, cmd, c)
	case VerbUnlink:
		return s.unlink(ctx, cmd, c)
	}
	caller, err := s.identify(ctx, cmd.Actor)
	if err != nil {
		return bot.Message{}, err
	}
	if c.Verb == VerbShow || c.Verb == VerbUnassign {
		// Nothing is done per target, and no mention is looked up, before the caller is
		// known to be allowed to ask.
		if err := s.authorize(ctx, caller); err != nil {
			return bot.Message{}, err
		}
		if c.Users, err = s.resolveMentions(ctx, cmd, c.Users); err != nil {
			return bot.Message{}, err
		}
	}
	switch c.Verb {
	case VerbStatus:
		return s.status(withRequest(ctx, c.RequestID), caller, c.RequestID)
	case VerbUndo:
		return s.undo(withRequest(ctx, c.RequestID), cmd, caller, c.RequestID)
	case VerbShow:
		return s.show(ctx, c.Users[0])
	}
	return s.unassign(ctx, cmd, c, caller)
}

// HandleClick answers a button press. Every press is checked again on arrival: who pressed,
// whether they may, and whether the request is still where the button belongs.
func (s *Service) HandleClick(ctx context.Context, click bot.Click) bot.Reply {
	ctx = withLang(ctx, s.langFor(click.Actor.Locale))
	reply, err := func() (_ bot.Reply, err error) {
		defer s.recovered(ctx, "answering a click", &err)
		return s.click(ctx, click)
	}()
	if err != nil {
		return bot.Reply{Message: s.explain(ctx, err)}
	}
	return reply
}

func (s *Service) click(ctx context.Context, click bot.Click) (bot.Reply, error) {
	if err := s.refuseForeignWorkspace(click.Actor); err != nil {
		return bot.Reply{}, err
	}
	id, pick, err := parseButtonValue(click.Action, click.Value)
	if err != nil {
		return bot.Reply{}, err
	}
	ctx = withRequest(ctx, id)
	switch click.Action {
	case ActionConfirm, ActionCancel, ActionPick:
		return s.confirmOrCancel(ctx, click, id, pick)
	case ActionApprove, ActionDeny:
		return s.decide(ctx, click, id)
	case ActionRetry:
		return s.retry(ctx, click, id)
	case ActionUnschedule:
		return s.unschedule(ctx, click, id)
	case ActionUndo:
		clicker, err := s.identify(ctx, click.Actor)
		if err != nil {
			return bot.Reply{}, err
		}
		msg, err := s.undo(ctx, bot.Command{Actor: click.Actor, Text: "undo " + id}, clicker, id)
		return bot.Reply{Message: msg}, err
	}
	return bot.Reply{}, refuse(unknownButton{})
}
