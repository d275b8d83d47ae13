package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
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
	// in-memory ledger: one process only (the demo, tests).
	Jobs   Jobs
	Ledger Ledger
	// Limiter bounds new requests per person and workspace; optional.
	Limiter Limiter
	// Restorer gives licenses back for /unassign undo; without it undo is refused.
	Restorer  Restorer
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
	opts           Options
	products       productCache
	progressBudget *editBudget
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
	return &Service{Deps: d, opts: o, products: productCache{ttl: o.ProductsTTL},
		progressBudget: &editBudget{perMin: float64(o.ProgressPerMinute)}}, nil
}

// Options returns the options in force, defaults filled in.
func (s *Service) Options() Options { return s.opts }

// backoff is exponential with full jitter, for a Graph that fails without saying when to
// come back: 0.5 s, 1 s, 2 s, … capped at 30 s.
func backoff(attempt int) time.Duration {
	d := 500 * time.Millisecond << min(attempt, 6)
	d = min(d, 30*time.Second)
	return d/2 + rand.N(d/2+1)
}

type noAudit struct{}

func (noAudit) Audit(context.Context, AuditEvent) error { return nil }

func (s *Service) audit(ctx context.Context, r *Request, action string, actor Person, fields map[string]string) {
	e := AuditEvent{RequestID: r.ID, Action: action, Actor: actor.UPN, At: s.Now(), Fields: fields}
	if err := s.Audit.Audit(ctx, e); err != nil {
		// The audit trail matters, but a removal already made can't be undone because the
		// audit write failed: log loudly and go on.
		s.Logger.ErrorContext(ctx, "audit write failed", "request", r.ID, "action", action, "err", err)
	}
}

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
	if err := s.refuseForeignWorkspace(ctx, cmd.Actor); err != nil {
		return bot.Message{}, err
	}
	c, err := Parse(cmd.Text, s.opts.MaxTargets)
	if err != nil {
		return bot.Message{}, err
	}
	if c.Verb == VerbHelp {
		return helpMessage(langIn(ctx), s.opts), nil
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
	if err := s.refuseForeignWorkspace(ctx, click.Actor); err != nil {
		return bot.Reply{}, err
	}
	id, pick, err := parseButtonValue(ctx, click.Action, click.Value)
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
	case ActionUndo:
		clicker, err := s.identify(ctx, click.Actor)
		if err != nil {
			return bot.Reply{}, err
		}
		msg, err := s.undo(ctx, bot.Command{Actor: click.Actor, Text: "undo " + id}, clicker, id)
		return bot.Reply{Message: msg}, err
	}
	return bot.Reply{}, refuse(say(ctx, "That button is not one of licensebot's."))
}

// load reads a request; a pending request past its deadline is moved to expired first, so
// that no button works on it whatever the sweeper has or hasn't done.
func (s *Service) load(ctx context.Context, id string) (*Request, Stored, error) {
	st, err := s.Requests.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, Stored{}, refuse(say(ctx, "There is no request %s: it never existed or its record has been deleted (finished requests are kept for %d days).", id, int(s.opts.RetainFor.Hours()/24)))
	}
	if err != nil {
		return nil, Stored{}, fmt.Errorf("read request %s: %w", id, errStore{err})
	}
	r, err := decodeRequest(st)
	if err != nil {
		return nil, Stored{}, fmt.Errorf("decode request %s: %w", id, err)
	}
	if r.State.Pending() && !s.Now().Before(r.ExpiresAt) {
		from := r.State
		r.State = StateExpired
		data, err := r.encode()
		if err != nil {
			return nil, Stored{}, err
		}
		next, err := s.Requests.Transition(ctx, id, string(from), st.Version, string(StateExpired), data, s.opts.RetainFor)
		if err != nil && !errors.Is(err, ErrConflict) {
			return nil, Stored{}, fmt.Errorf("expire request %s: %w", id, errStore{err})
		}
		if err == nil {
			s.Metrics.RequestState(string(StateExpired))
			s.audit(ctx, r, "expired", Person{}, map[string]string{"was": string(from)})
			s.updateApprovals(ctx, r, func(l lang) bot.Message { return expiredMessage(l, r, s.opts.Location) }, bot.MessageRef{})
		}
		if r, err = decodeRequest(next); err != nil {
			return nil, Stored{}, err
		}
		return r, next, nil
	}
	return r, st, nil
}

// save moves the request from its stored state and version to r.State.
func (s *Service) save(ctx context.Context, r *Request, from Stored) (Stored, error) {
	data, err := r.encode()
	if err != nil {
		return Stored{}, err
	}
	if r.State == StateApproved && from.State != string(StateApproved) && s.Jobs != nil && s.Deadlines != nil {
		// The start check goes in before the approval: should the approval be written but
		// its job never queued (Redis answered too late, the replica died), the sweeper
		// finds the request approved and queues it. Before an approval that then fails, it
		// finds a pending request and leaves it be.
		if err := s.Deadlines.ScheduleDeadline(ctx, r.ID, s.Now().Add(startGrace)); err != nil {
			return from, fmt.Errorf("save request %s: schedule its start check: %w", r.ID, errStore{err})
		}
	}
	next, err := s.Requests.Transition(ctx, r.ID, from.State, from.Version, string(r.State), data, s.opts.RetainFor)
	if err != nil && !errors.Is(err, ErrConflict) {
		return next, fmt.Errorf("save request %s: %w", r.ID, errStore{err})
	}
	if err == nil && from.State != string(r.State) {
		s.Metrics.RequestState(string(r.State))
	}
	return next, err
}
