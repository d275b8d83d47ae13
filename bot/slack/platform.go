package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/licensebot/licensebot/bot"
)

// platformName is bot.Actor.Platform and bot.MessageRef.Platform for Slack.
const platformName = "slack"

// Config is what the Slack platform needs. BotToken is required, and AppToken (Socket Mode)
// or SigningSecret (HTTP mode) or both.
type Config struct {
	BotToken, AppToken, SigningSecret string
	// APIURL is the Web API's base, ending with "/" (slack-go joins method names straight
	// onto it). Default https://slack.com/api/.
	APIURL string
	// ApprovalChannel is the channel id approval requests are posted to.
	ApprovalChannel string
	// Approvers are Slack user ids (U…/W…), user group ids (S…) or e-mails; they are
	// mentioned in approval requests, and the groups among them are the ones an Actor's
	// Groups are checked against. Other entries (e.g. Entra object ids) are ignored here.
	Approvers []string
	// Command is the slash command, default "/unassign".
	Command string
	// Language is what the platform's own words (its acks, refusals and summaries) are in
	// when the person's Slack locale is neither English nor Turkish or not known yet: "en"
	// or "tr" (the handlers' configured language). Default "en".
	Language string
	// Quick tells a command answered from a few reads (help, status, show) from the others,
	// so that it runs in slots of its own (bot.Work.GoQuick); nil: none is.
	Quick      func(text string) bool
	HTTPClient *http.Client
	Logger     *slog.Logger
	Now        func() time.Time
	// Deduper remembers which deliveries were acted on, so a retried one is not acted on
	// twice. Shared (e.g. Redis) when several replicas run; nil: one in this process only.
	Deduper Deduper
	// WorkTimeout bounds the work on one command or click after its ack. Default 2 minutes.
	WorkTimeout time.Duration
	// MaxConcurrentWork bounds how many commands and clicks are worked on at once after
	// their ack; the rest wait their turn. A burst of commands then neither starves the
	// acknowledgements of CPU (Slack gives up after 3 s) nor floods Graph. Default 8.
	MaxConcurrentWork int
	// Sleep waits for d or until ctx ends (for Slack's Retry-After); tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxRetries bounds the retries of one Web API call answered with 429. Default 3.
	MaxRetries int
	// ObserveError, when set, is told of every failed attempt of a Web API call or a
	// response_url post, each 429 included (those waited out too), for metrics: the method
	// ("chat.postMessage", "users.info", "response_url"…) and why, one of rate_limited,
	// http_5xx, api_error (Slack refused: ok:false or another 4xx), timeout, canceled,
	// network or other (observe.go). nil: nobody is told. It must not block.
	ObserveError func(method, reason string)
}

// Handler answers commands and clicks (handlers.Service).
type Handler interface {
	HandleCommand(ctx context.Context, cmd bot.Command) bot.Reply
	HandleClick(ctx context.Context, click bot.Click) bot.Reply
}

// Deduper claims a key once: the first Claim of a key within ttl returns true, the others
// false. An error means it can't tell, and the caller must not act.
type Deduper interface {
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// Platform is the Slack platform and the handlers' Notifier.
type Platform struct {
	cfg  Config
	api  *slackapi.Client
	log  *slog.Logger
	http *http.Client

	mu      sync.RWMutex
	handler Handler

	// work runs what follows the acks, at most MaxConcurrentWork at a time.
	work *bot.Work

	profiles  *ttlCache[string, profile]
	emails    *ttlCache[string, string]   // e-mail → user id, for users.lookupByEmail
	dms       *ttlCache[string, string]   // user id → DM channel id
	groups    *ttlCache[string, []string] // user group id → members
	directory *ttlCache[string, []profileWithHandle]
	mentions  *ttlCache[string, string] // a mention as typed → e-mail ("" when it couldn't be had)
	// directoryMu lets one users.list reading run at a time.
	directoryMu sync.Mutex

	warnedMu sync.Mutex
	warned   map[string]bool // log-once keys (e.g. user groups not on this plan)
}

// Cache lifetimes and sizes. Short, because a Slack profile (e-mail, locale) can change and
// nothing in it is a proof of authority: roles are read from Entra on every request.
const (
	actorTTL       = 5 * time.Minute
	groupTTL       = 5 * time.Minute
	directoryTTL   = 5 * time.Minute
	cacheSize      = 1000
	dedupeTTL      = time.Hour // Slack retries within minutes (after ~1 and ~5 minutes)
	defaultTimeout = 2 * time.Minute
)

// New checks the configuration and returns the platform. Errors never contain tokens.
func New(cfg Config) (*Platform, error) {
	var errs []error
	if strings.TrimSpace(cfg.BotToken) == "" {
		errs = append(errs, errors.New("slack: the bot token (xoxb-…) is required"))
	}
	if cfg.AppToken == "" && cfg.SigningSecret == "" {
		errs = append(errs, errors.New("slack: an app-level token (Socket Mode) or a signing secret (HTTP mode) is required"))
	}
	if cfg.APIURL == "" {
		cfg.APIURL = "https://slack.com/api/"
	}
	if !strings.HasSuffix(cfg.APIURL, "/") {
		cfg.APIURL += "/" // slack-go appends method names to the base as they are
	}
	if u, err := url.Parse(cfg.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("slack: API URL %q is not an http(s) URL", cfg.APIURL))
	}
	if cfg.Command == "" {
		cfg.Command = "/unassign"
	}
	if !strings.HasPrefix(cfg.Command, "/") {
		errs = append(errs, fmt.Errorf("slack: command %q must start with /", cfg.Command))
	}
	if cfg.Language != "" {
		lang, ok := bot.ParseLanguage(cfg.Language)
		if !ok {
			errs = append(errs, fmt.Errorf("slack: language %q: licensebot speaks en (English) and tr (Turkish)", cfg.Language))
		}
		cfg.Language = lang
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxConcurrentWork <= 0 {
		cfg.MaxConcurrentWork = 8
	}
	if cfg.WorkTimeout <= 0 {
		cfg.WorkTimeout = defaultTimeout
	}
	if cfg.Sleep == nil {
		cfg.Sleep = bot.Sleep
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = 3
	}
	if cfg.Deduper == nil {
		cfg.Deduper = bot.NewMemoryClaims(cfg.Now)
	}
	p := &Platform{
		cfg:       cfg,
		log:       cfg.Logger.With("platform", platformName),
		work:      bot.NewWork(cfg.MaxConcurrentWork, cfg.WorkTimeout, cfg.Logger.With("platform", platformName)),
		http:      cfg.HTTPClient,
		profiles:  newTTLCache[string, profile](cacheSize, cfg.Now),
		emails:    newTTLCache[string, string](cacheSize, cfg.Now),
		dms:       newTTLCache[string, string](cacheSize, cfg.Now),
		groups:    newTTLCache[string, []string](100, cfg.Now),
		directory: newTTLCache[string, []profileWithHandle](1, cfg.Now),
		mentions:  newTTLCache[string, string](cacheSize, cfg.Now),
		warned:    map[string]bool{},
	}
	p.api = p.newAPI()
	return p, nil
}

func (p *Platform) newAPI(opts ...slackapi.Option) *slackapi.Client {
	opts = append([]slackapi.Option{
		slackapi.OptionAPIURL(p.cfg.APIURL),
		slackapi.OptionHTTPClient(p.http),
	}, opts...)
	return slackapi.New(p.cfg.BotToken, opts...)
}

// SetHandler sets who answers commands and clicks. The handlers are built with the
// Platform as their Notifier, so the handler comes after New.
func (p *Platform) SetHandler(h Handler) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.handler = h
}

func (p *Platform) currentHandler() Handler {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.handler
}

// Wait blocks until the work started by commands and clicks so far has finished.
func (p *Platform) Wait() { p.work.Wait() }

// logOnce logs a warning the first time key is seen, so that a permanent condition (a
// missing scope, a plan without user groups) doesn't flood the log.
func (p *Platform) logOnce(ctx context.Context, key, msg string, args ...any) {
	p.warnedMu.Lock()
	seen := p.warned[key]
	p.warned[key] = true
	p.warnedMu.Unlock()
	if !seen {
		p.log.WarnContext(ctx, msg, args...)
	}
}
