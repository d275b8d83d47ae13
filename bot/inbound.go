package bot

import (
	"context"
	"slices"
	"sync"
	"time"
)

// The inbound pipeline every chat platform runs: verify → record → acknowledge → identify
// → run safely → answer. A platform keeps its wire format (the signature scheme, reading
// its payloads, rendering, its API) and Inbound does the rest, the same way for all:
//
//   - verify: the platform checks the signature over the raw body (ReadVerified) and reads
//     its payload into a Delivery;
//   - record: Receive records the delivery in the inbox (Options.Inbox: Redis, shared by
//     the replicas) before the platform gets its acknowledgement, under a budget that
//     leaves time for the ack within the platforms' 3 seconds, and learns whether it is a
//     platform's retry of a delivery seen before. When the inbox can't be written, nothing
//     is done and the person is told so (fail closed);
//   - acknowledge: the platform's ack callback answers as its wire format says;
//   - identify, run safely, answer: after the ack, in bounded background work (Work), the
//     platform reads the delivery back (Wire.Open) and Inbound asks it who is acting, runs
//     the handler (a panic becomes an answer) and has the platform deliver the reply; the
//     delivery is then deleted from the inbox.
//
// A replica keeps the deliveries it holds alive in the inbox (Run's heartbeat); one killed
// after its ack leaves them there, and after Options.ReclaimAfter another replica's Run
// takes them over and works on them. A delivery is thus worked on at least once, and
// again only when a replica dies between acting on it and deleting it: the requests'
// compare-and-set keeps what the handlers do single.

// Handler answers commands and clicks (handlers.Service).
type Handler interface {
	HandleCommand(ctx context.Context, cmd Command) Reply
	HandleClick(ctx context.Context, click Click) Reply
}

// Exchange is one delivery read back by its platform, which alone knows its wire format.
type Exchange interface {
	// Locale is the person's chat locale as far as it is known before they are identified
	// (Discord's interaction carries it; Slack's cached profile may have it), or "".
	Locale() string
	// Early is an answer the wire format alone gives, before anyone is identified (a
	// command that isn't licensebot's); ok is false when there is none.
	Early(lang string) (m Message, ok bool)
	// Identify says who is acting, as the handlers know people.
	Identify(ctx context.Context) (Actor, error)
	// Handle hands the command or click to h, as who; the platform may answer some itself
	// (what its wire format alone can tell: an unknown command, an account not linked).
	Handle(ctx context.Context, h Handler, who Actor) Reply
	// Answer delivers the reply, the platform's own words in it in lang.
	Answer(ctx context.Context, r Reply, lang string)
}

// Wire is what only the platform knows, for the pipeline.
type Wire struct {
	// Open reads a delivery back into an Exchange: the one just received, or one taken
	// over from a replica that died.
	Open func(ctx context.Context, d Delivery) (Exchange, error)
	// Unidentified is what a person hears, in lang, when the platform can't say who they
	// are just now (Identify failed): that nothing was changed, in the platform's words.
	Unidentified func(lang string) Message
}

// Receipt is what recording a delivery came to, for the platform's acknowledgement.
type Receipt int

const (
	// Recorded: the delivery is in the inbox; the work follows the acknowledgement.
	Recorded Receipt = iota + 1
	// Repeated: a delivery with this key was recorded before (a platform's retry, a second
	// gateway session): nothing follows.
	Repeated
	// Unrecorded: the inbox couldn't be written (Redis is down): nothing is done, and the
	// person is told so, in the ack or right after it.
	Unrecorded
)

// Ack acknowledges a delivery on the platform's wire, as r says. told reports that the
// acknowledgement itself told the person that licensebot is unavailable (Unrecorded);
// otherwise the pipeline tells them through the Exchange right after. An error means the
// platform didn't take the acknowledgement: the delivery is dropped.
type Ack func(r Receipt) (told bool, err error)

// Timing of the pipeline.
const (
	// RecordBudget bounds recording a delivery before its ack, so that a Redis that hangs
	// still lets the person hear "unavailable" within the platforms' 3 seconds.
	RecordBudget = 1500 * time.Millisecond
	// DedupeTTL is how long a delivery's key is remembered: Slack retries within minutes
	// (after ~1 and ~5 minutes), and a Discord interaction can't be acted on after its
	// token's 15 minutes anyway.
	DedupeTTL = time.Hour
	// MaxAttempts is how often a delivery is taken up at most: one that keeps taking its
	// replica down is dropped (and logged) rather than taken over forever.
	MaxAttempts = 3
	// finishBudget bounds deleting a delivery once worked on.
	finishBudget = 2 * time.Second
)

// Inbound is one platform's inbound pipeline.
type Inbound struct {
	platform string
	wire     Wire
	opts     Options
	work     *Work

	mu      sync.RWMutex
	handler Handler

	heldMu sync.Mutex
	held   map[string]*holding // by inbox entry id: what this process holds and hasn't finished
}

// holding is a delivery this process holds in the inbox.
type holding struct {
	extended time.Time // last recorded or extended, on the monotonic clock
	started  bool      // its work has begun
	lost     bool      // the inbox says another replica holds it now
}

// NewInbound makes the pipeline of a platform named platform ("slack"), with its options
// (defaults filled in: Options.WithDefaults) and its Wire.
func NewInbound(platform string, opts Options, wire Wire) *Inbound {
	log := opts.Logger.With("platform", platform)
	opts.Logger = log
	return &Inbound{
		platform: platform,
		wire:     wire,
		opts:     opts,
		work:     NewWork(opts.MaxConcurrentWork, opts.WorkTimeout, log),
		held:     map[string]*holding{},
	}
}

// SetHandler sets who answers commands and clicks. The handlers are built with the
// platform as their Notifier, so the handler comes after the platform.
func (in *Inbound) SetHandler(h Handler) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.handler = h
}

// Handler is who answers commands and clicks now; nil before SetHandler.
func (in *Inbound) Handler() Handler {
	in.mu.RLock()
	defer in.mu.RUnlock()
	return in.handler
}

// Wait blocks until the work started on deliveries so far has finished.
func (in *Inbound) Wait() { in.work.Wait() }

// Language is the language for a person with this chat locale (Options.LanguageOf).
func (in *Inbound) Language(locale string) string { return in.opts.LanguageOf(locale) }

// Quick reports whether a command's text is answered from a few reads (Options.Quick).
func (in *Inbound) Quick(cmd Command) bool { return in.opts.Quick != nil && in.opts.Quick(cmd) }

// Receive records a verified delivery, acknowledges it through ack, and then works on it.
// It returns once the acknowledgement is made; the work goes on in the background.
func (in *Inbound) Receive(ctx context.Context, d Delivery, ack Ack) {
	log := in.opts.Logger
	d.Platform = in.platform
	if d.Received.IsZero() {
		d.Received = in.opts.Now()
	}
	recordCtx, cancel := context.WithTimeout(ctx, RecordBudget)
	id, first, err := in.opts.Inbox.Record(recordCtx, d, in.opts.Holder, DedupeTTL)
	cancel()
	receipt := Recorded
	switch {
	case err != nil:
		log.ErrorContext(ctx, "inbox failed: refusing the delivery", "delivery", d, "err", err)
		receipt = Unrecorded
	case !first:
		log.InfoContext(ctx, "delivery already handled: ignoring this one", "delivery", d, "retry", d.Retry)
		receipt = Repeated
	default:
		d.ID, d.Attempt = id, 1
		in.hold(d.ID)
	}
	told, err := ack(receipt)
	switch {
	case receipt == Recorded && err != nil:
		log.ErrorContext(ctx, "acknowledgement failed: not acting on the delivery", "delivery", d, "err", err)
		in.finish(ctx, d)
	case receipt == Recorded:
		in.start(ctx, d)
	case receipt == Unrecorded && !told:
		in.work.GoQuick(ctx, "refusal", func(ctx context.Context) {
			x, err := in.wire.Open(ctx, d)
			if err != nil {
				log.ErrorContext(ctx, "delivery unreadable: nobody told it was refused", "delivery", d, "err", err)
				return
			}
			lang := in.Language(x.Locale())
			x.Answer(ctx, Reply{Message: Unavailable(lang)}, lang)
		})
	}
}

// start runs the work on a held delivery after its ack, in its quick slots when quick.
func (in *Inbound) start(ctx context.Context, d Delivery) {
	work := func(ctx context.Context) { in.process(ctx, d) }
	if d.Quick {
		in.work.GoQuick(ctx, d.Kind, work)
		return
	}
	in.work.Go(ctx, d.Kind, work)
}

// process identifies, runs safely and answers: the work on one delivery.
func (in *Inbound) process(ctx context.Context, d Delivery) {
	log := in.opts.Logger
	defer in.finish(ctx, d)
	if !in.begin(ctx, d) {
		log.WarnContext(ctx, "another replica took the delivery over while it waited: leaving it to them", "delivery", d)
		return
	}
	x, err := in.wire.Open(ctx, d)
	if err != nil {
		log.ErrorContext(ctx, "delivery unreadable: dropped", "delivery", d, "err", err)
		return
	}
	lang := in.Language(x.Locale())
	if m, ok := x.Early(lang); ok {
		x.Answer(ctx, Reply{Message: m}, lang)
		return
	}
	h := in.Handler()
	if h == nil {
		x.Answer(ctx, Reply{Message: NotReady(lang)}, lang)
		return
	}
	who, err := x.Identify(ctx)
	if err != nil {
		log.ErrorContext(ctx, "who is acting", "delivery", d, "err", err)
		x.Answer(ctx, Reply{Message: in.wire.Unidentified(lang)}, lang)
		return
	}
	lang = in.Language(who.Locale)
	reply := Safely(ctx, log, d.Kind, Failed(lang), func() Reply { return x.Handle(ctx, h, who) })
	x.Answer(ctx, reply, lang)
}

// hold notes a delivery this process now holds in the inbox.
func (in *Inbound) hold(id string) {
	in.heldMu.Lock()
	defer in.heldMu.Unlock()
	in.held[id] = &holding{extended: time.Now()}
}

// begin marks a held delivery's work as begun, and reports whether it is still this
// process's to work on. A delivery that waited for a slot longer than half the reclaim
// time without a heartbeat (the inbox didn't answer) may have been taken over meanwhile:
// the inbox is asked first.
func (in *Inbound) begin(ctx context.Context, d Delivery) bool {
	in.heldMu.Lock()
	h, ok := in.held[d.ID]
	if !ok {
		in.heldMu.Unlock()
		return false
	}
	h.started = true
	stale, lost := time.Since(h.extended) >= in.opts.ReclaimAfter/2, h.lost
	in.heldMu.Unlock()
	if lost {
		return false
	}
	if !stale {
		return true
	}
	gone, err := in.opts.Inbox.Extend(ctx, in.platform, in.opts.Holder, []string{d.ID})
	if err != nil {
		// Can't tell: go on. Were it taken over, the requests' compare-and-set still keeps
		// what is done single.
		in.opts.Logger.WarnContext(ctx, "can't tell whether a delivery is still ours: working on it", "delivery", d, "err", err)
		return true
	}
	return !slices.Contains(gone, d.ID)
}

// finish deletes a delivery from the inbox, with what answers it, and forgets it.
func (in *Inbound) finish(ctx context.Context, d Delivery) {
	in.heldMu.Lock()
	h, held := in.held[d.ID]
	delete(in.held, d.ID)
	in.heldMu.Unlock()
	if !held || h.lost {
		return // another replica holds it now, and deletes it when done
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishBudget)
	defer cancel()
	if err := in.opts.Inbox.Done(ctx, in.platform, d.ID); err != nil {
		in.opts.Logger.WarnContext(ctx, "delete a delivery worked on: another replica may take it up again", "delivery", d, "err", err)
	}
}

// Run keeps the deliveries this process holds alive in the inbox, and takes over those
// another replica left (it died after acknowledging them), until ctx ends. Then it takes
// nothing more, and keeps what it still holds alive until the work on it is done.
func (in *Inbound) Run(ctx context.Context) error {
	beat := min(max(in.opts.ReclaimAfter/3, 10*time.Millisecond), 5*time.Second)
	t := time.NewTicker(beat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			in.drain(beat)
			return nil
		case <-t.C:
			in.heartbeat(ctx)
			in.reclaim(ctx)
		}
	}
}

// RunBeside runs the platform's own loop (Socket Mode, the gateway; nil: none) and Run
// together until ctx ends or the loop fails, and returns the loop's error.
func (in *Inbound) RunBeside(ctx context.Context, loop func(ctx context.Context) error) error {
	if loop == nil {
		return in.Run(ctx)
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	inbox := make(chan error, 1)
	go func() { inbox <- in.Run(ctx) }()
	err := loop(ctx)
	stop()
	<-inbox
	return err
}

// drain heartbeats until nothing is held: a stopping replica still answers what it has
// begun, and no other replica must take it over meanwhile.
func (in *Inbound) drain(beat time.Duration) {
	ctx := context.Background()
	for {
		in.heldMu.Lock()
		n := len(in.held)
		in.heldMu.Unlock()
		if n == 0 {
			return
		}
		in.heartbeat(ctx)
		time.Sleep(beat)
	}
}

// heartbeat extends every delivery held, and marks those the inbox says are lost.
func (in *Inbound) heartbeat(ctx context.Context) {
	in.heldMu.Lock()
	ids := make([]string, 0, len(in.held))
	for id, h := range in.held {
		if !h.lost {
			ids = append(ids, id)
		}
	}
	in.heldMu.Unlock()
	if len(ids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, finishBudget)
	defer cancel()
	lost, err := in.opts.Inbox.Extend(ctx, in.platform, in.opts.Holder, ids)
	if err != nil {
		in.opts.Logger.WarnContext(ctx, "heartbeat of the deliveries held failed", "held", len(ids), "err", err)
		return
	}
	now := time.Now()
	in.heldMu.Lock()
	defer in.heldMu.Unlock()
	for _, id := range ids {
		if h, ok := in.held[id]; ok {
			h.extended = now
		}
	}
	for _, id := range lost {
		h, ok := in.held[id]
		if !ok {
			continue
		}
		h.lost = true
		if h.started {
			in.opts.Logger.WarnContext(ctx, "another replica took over a delivery being worked on (heartbeats failed): it may be answered twice", "entry", id)
		}
	}
}

// reclaim takes over deliveries left by a replica that stopped, as many as there are free
// slots for: what a dead replica held is shared by the living ones.
func (in *Inbound) reclaim(ctx context.Context) {
	for range in.work.Spare() {
		if ctx.Err() != nil {
			return
		}
		d, ok, err := in.opts.Inbox.Reclaim(ctx, in.platform, in.opts.Holder, in.opts.ReclaimAfter)
		if err != nil {
			in.opts.Logger.WarnContext(ctx, "take over deliveries left by another replica", "err", err)
			return
		}
		if !ok {
			return
		}
		in.hold(d.ID)
		if d.Attempt > MaxAttempts {
			in.opts.Logger.ErrorContext(ctx, "a delivery taken up too often: dropped", "delivery", d)
			in.finish(ctx, d)
			continue
		}
		in.opts.Logger.InfoContext(ctx, "took over a delivery another replica acknowledged and left", "delivery", d)
		in.start(ctx, d)
	}
}
