package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"
)

// Options are what every chat platform takes beside its own settings: how it logs, keeps
// time and records deliveries, how much work it runs at once, and how it retries and
// observes its API's calls. The zero value is usable: New fills in the defaults.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
	// Inbox records each verified delivery before its acknowledgement and keeps it until it
	// has been worked on, so that a replica killed after acknowledging loses nothing, and
	// remembers which deliveries were seen, so that a platform's retry is acted on once.
	// Shared (Redis, through the store) when several replicas run; nil: this process only
	// (MemoryInbox), which loses what a killed process held.
	Inbox Inbox
	// Facts keeps small facts a platform learns from verified deliveries (Teams: the service
	// URL its activities come from), shared by the replicas (Redis, through the store); nil:
	// this process only (MemoryFacts), forgotten at a restart.
	Facts Facts
	// Holder names this process in the inbox: unique across replicas and restarts (a host
	// name, pid and random suffix). Default: made up that way.
	Holder string
	// ReclaimAfter is how long a delivery may go without its holder's heartbeat before
	// another replica takes it over. Default 30 seconds.
	ReclaimAfter time.Duration
	// Language is what the platform's own words (its acks, refusals and summaries) are in
	// when the person's chat locale is neither English nor Turkish or not known: "en" or
	// "tr" (the handlers' configured language). Default "en".
	Language string
	// Quick tells a command answered from a few reads (help, status, show) from the others,
	// so that it runs in slots of its own (Work.GoQuick); nil: none is.
	Quick func(cmd Command) bool
	// MaxConcurrentWork bounds how many commands and clicks are worked on at once after
	// their ack; the rest wait their turn. A burst of commands then neither starves the
	// acknowledgements of CPU (the platforms give up after 3 s) nor floods Graph. Default 8.
	MaxConcurrentWork int
	// WorkTimeout bounds the work on one command or click after its ack. Default 2 minutes,
	// well within a Discord interaction token's 15 minutes and a response_url's 30.
	WorkTimeout time.Duration
	HTTPClient  *http.Client
	// Sleep waits for d or until ctx ends (for a rate limit's Retry-After); tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxRetries bounds the retries of one API call answered with 429. Default 3.
	MaxRetries int
	// ObserveError, when set, is told of every failed attempt of an API call, each 429
	// included (those waited out too), for metrics: the platform, the call as its errors
	// name it (a fixed string without ids: "chat.postMessage", "edit a message"…) and why,
	// one of the Reason constants. nil: nobody is told. It must not block.
	ObserveError func(platform, method, reason string)
	// Products lists the tenant's product names for a person typing one, for platforms that
	// suggest them (Discord's autocomplete): none for someone licensebot doesn't know
	// (handlers.Service.ProductNames). nil: no suggestions.
	Products func(ctx context.Context, who Actor) ([]string, error)
}

// Defaults of Options.
const (
	DefaultReclaimAfter      = 30 * time.Second
	DefaultMaxConcurrentWork = 8
	DefaultWorkTimeout       = 2 * time.Minute
	DefaultMaxRetries        = 3
)

// WithDefaults checks the options a platform was given and fills in the defaults. platform
// names the platform in its errors ("slack").
func (o Options) WithDefaults(platform string) (Options, error) {
	if o.Language != "" {
		lang, ok := ParseLanguage(o.Language)
		if !ok {
			return o, fmt.Errorf("%s: language %q: licensebot speaks en (English) and tr (Turkish)", platform, o.Language)
		}
		o.Language = lang
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxConcurrentWork <= 0 {
		o.MaxConcurrentWork = DefaultMaxConcurrentWork
	}
	if o.WorkTimeout <= 0 {
		o.WorkTimeout = DefaultWorkTimeout
	}
	if o.Sleep == nil {
		o.Sleep = Sleep
	}
	if o.MaxRetries <= 0 {
		o.MaxRetries = DefaultMaxRetries
	}
	if o.ReclaimAfter <= 0 {
		o.ReclaimAfter = DefaultReclaimAfter
	}
	if o.Inbox == nil {
		o.Inbox = NewMemoryInbox(o.Now)
	}
	if o.Facts == nil {
		o.Facts = NewMemoryFacts(o.Now)
	}
	if o.Holder == "" {
		h, err := HolderName()
		if err != nil {
			return o, fmt.Errorf("%s: %w", platform, err)
		}
		o.Holder = h
	}
	return o, nil
}

// LanguageOf is the language to speak to a person with this chat locale: theirs when
// licensebot speaks it, else Options.Language. Messages many read (an approval channel)
// and messages to a person found by e-mail pass "", as the handlers write those in the
// configured language.
func (o Options) LanguageOf(locale string) string { return LanguageOf(locale, o.Language) }

// HolderName names this process for the inbox and the job stream: host, pid and a random
// suffix, so that a restarted process with the same pid is someone else.
func HolderName() (string, error) {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "licensebot"
	}
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return "", errors.New("make a holder name: no randomness")
	}
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b)), nil
}

// ConfigError is a platform's refusal of its configuration, naming the platform as people
// know it ("Discord"), so that doctor can say which settings to fix.
type ConfigError struct {
	Platform string
	Err      error
}

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// Facts keeps small facts a platform learned from verified deliveries, for ttl, shared by
// the replicas: what one replica learned, another can act on after a restart.
type Facts interface {
	Remember(ctx context.Context, key, value string, ttl time.Duration) error
	// Recall is a fact kept and not expired; ok is false when there is none.
	Recall(ctx context.Context, key string) (value string, ok bool, err error)
}

// MemoryFacts is Facts in this process only.
type MemoryFacts struct {
	now   func() time.Time
	mu    sync.Mutex
	facts map[string]memoryFact
}

type memoryFact struct {
	value   string
	expires time.Time
}

// NewMemoryFacts is an empty MemoryFacts on the clock now.
func NewMemoryFacts(now func() time.Time) *MemoryFacts {
	return &MemoryFacts{now: now, facts: map[string]memoryFact{}}
}

func (m *MemoryFacts) Remember(_ context.Context, key, value string, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.facts[key] = memoryFact{value: value, expires: m.now().Add(ttl)}
	return nil
}

func (m *MemoryFacts) Recall(_ context.Context, key string) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.facts[key]
	if !ok || !m.now().Before(f.expires) {
		return "", false, nil
	}
	return f.value, true, nil
}
