package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/licensebot/licensebot/bot"
)

// platformName is bot.Actor.Platform and bot.MessageRef.Platform for Discord.
const platformName = "discord"

// Config is what the Discord platform needs. BotToken and ApplicationID are required, and
// PublicKey for the HTTP interactions endpoint.
type Config struct {
	// BotToken is the bot's token, with or without the "Bot " prefix.
	BotToken string
	// PublicKey is the application's Ed25519 public key in hex (the developer portal's
	// "Public Key"), which signs HTTP interactions. Required for InteractionsHandler.
	PublicKey string
	// ApplicationID is the application's id: the commands are registered under it, and
	// follow-ups go to /webhooks/{application id}/{token}.
	ApplicationID string
	// GuildIDs are the guilds /unassign is registered in; none: registered globally.
	GuildIDs []string
	// ApprovalChannelID is the channel approval and link requests are posted to.
	ApprovalChannelID string
	// ApproverRoleIDs are the roles mentioned in approval requests and the roles whose
	// members may approve links. Configure the same role ids as handlers' approvers, since
	// an Actor's Groups are their role ids.
	ApproverRoleIDs []string
	// UserMap maps Discord user ids to Entra UPNs, fixed by configuration; it takes
	// precedence over links, which can't change it.
	UserMap map[string]string
	// APIURL replaces https://discord.com/ as the base of every REST call, e.g.
	// "http://127.0.0.1:8080/" for a local fake that serves /api/v10/… (licensebot speaks
	// API v10, apiVersion). discordgo builds its endpoints from package variables at init, so
	// assigning discordgo.EndpointDiscord changes nothing; the Session's HTTP client rewrites
	// the scheme and host of requests to discord.com instead, and discordgo's /api/v9/ to
	// /api/v10/ (see endpoint.go). The gateway's WebSocket URL comes from GET /gateway, so a
	// fake that answers it moves the gateway too. Default https://discord.com/.
	APIURL string
	// Links keeps link requests and links (Discord user → UPN) as records (records.go),
	// shared (Redis, through the store) when several replicas run; nil: in this process only
	// (links are then lost on restart).
	Links Links
	// Deduper remembers which interactions were acted on, so that a delivery seen twice
	// (two gateway sessions, a replayed request) is acted on once. nil: this process only.
	Deduper Deduper
	// Language is what the platform's own words (its refusals, link requests, summaries and
	// the command's descriptions) are in for a person whose Discord locale is neither
	// English nor Turkish, and in the approval channel: "en" or "tr" (the handlers'
	// configured language). Default "en".
	Language string
	// Quick tells a command answered from a few reads (help, status, show) from the others,
	// so that it runs in slots of its own (bot.Work.GoQuick); nil: none is.
	Quick func(text string) bool
	// Products lists the tenant's product names for /unassign remove's autocomplete.
	// nil: no suggestions.
	Products   func(ctx context.Context) ([]string, error)
	HTTPClient *http.Client
	Logger     *slog.Logger
	Now        func() time.Time
	// WorkTimeout bounds the work on one command or click after its ack. Default 2 minutes,
	// well within the interaction token's 15 minutes.
	WorkTimeout time.Duration
	// MaxConcurrentWork bounds how many commands and clicks are worked on at once after
	// their ack, so that a burst neither starves the acks (3 s) nor floods Graph. Default 8.
	MaxConcurrentWork int
	// Sleep waits for d or until ctx ends (for Discord's retry_after); tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxRetries bounds the retries of one REST call answered with 429. Default 3.
	MaxRetries int
	// ObserveError, when set, is told of every failed attempt of a REST call, each 429
	// included (those waited out too), for metrics: the call as its errors name it, a fixed
	// string without ids ("send a message", "edit a message", "open a DM", "ack the
	// interaction", "edit the original response", "follow-up", "register commands"), and
	// why, one of rate_limited, http_5xx, api_error (Discord refused: a 4xx), timeout,
	// canceled, network or other (observe.go). nil: nobody is told. It must not block.
	ObserveError func(method, reason string)
}

// Handler answers commands and clicks (handlers.Service).
type Handler interface {
	HandleCommand(ctx context.Context, cmd bot.Command) bot.Reply
	HandleClick(ctx context.Context, click bot.Click) bot.Reply
}

// Deduper claims a key once: the first Claim of a key within ttl returns true, the others
// false. An error means it can't tell, and the caller must not act (store.Claim).
type Deduper interface {
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// Platform is the Discord platform and the handlers' Notifier.
type Platform struct {
	cfg       Config
	publicKey ed25519.PublicKey
	session   *discordgo.Session
	log       *slog.Logger
	links     *links

	mu      sync.RWMutex
	handler Handler

	// work runs what follows the acks, at most MaxConcurrentWork at a time.
	work *bot.Work

	dmMu sync.Mutex
	dms  map[string]string // user id → DM channel id
}

const (
	defaultAPIURL  = "https://discord.com/"
	defaultTimeout = 2 * time.Minute
	// dedupeTTL outlives the interaction token (15 minutes): no delivery of an interaction
	// can be acted on after its token has expired anyway.
	dedupeTTL = time.Hour
)

var (
	snowflake = regexp.MustCompile(`^[0-9]{1,20}$`)
	// addressPattern is the handlers' shape of a UPN or e-mail (handlers/parse.go), repeated
	// here so that this package needn't import the handlers (and licensing with them). It only
	// screens what is linked and mapped; the handlers check every address again.
	addressPattern = regexp.MustCompile(`^[\p{L}\p{N}._%+\-'!#$&*/=?^{|}~]+@[\p{L}\p{N}][\p{L}\p{N}.\-]*\.[\p{L}]{2,}$`)
)

func isAddress(s string) bool { return len(s) <= 256 && addressPattern.MatchString(s) }

// New checks the configuration and returns the platform. Errors never contain the token.
func New(cfg Config) (*Platform, error) {
	var errs []error
	cfg.BotToken = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(cfg.BotToken), "Bot "))
	if cfg.BotToken == "" {
		errs = append(errs, errors.New("discord: the bot token is required"))
	}
	if !snowflake.MatchString(cfg.ApplicationID) {
		errs = append(errs, fmt.Errorf("discord: application id %q is not a Discord id", cfg.ApplicationID))
	}
	var key ed25519.PublicKey
	if cfg.PublicKey != "" {
		b, err := hex.DecodeString(strings.TrimSpace(cfg.PublicKey))
		if err != nil || len(b) != ed25519.PublicKeySize {
			errs = append(errs, errors.New("discord: the public key must be 64 hex digits (an Ed25519 key)"))
		}
		key = b
	}
	for _, ids := range [][]string{cfg.GuildIDs, cfg.ApproverRoleIDs, {cfg.ApprovalChannelID}} {
		for _, id := range ids {
			if id != "" && !snowflake.MatchString(id) {
				errs = append(errs, fmt.Errorf("discord: %q is not a Discord id", id))
			}
		}
	}
	for id, upn := range cfg.UserMap {
		if !snowflake.MatchString(id) || !isAddress(upn) {
			errs = append(errs, fmt.Errorf("discord: user map entry %q → %q is not a Discord id and a UPN", id, upn))
		}
	}
	if cfg.Language != "" {
		lang, ok := bot.ParseLanguage(cfg.Language)
		if !ok {
			errs = append(errs, fmt.Errorf("discord: language %q: licensebot speaks en (English) and tr (Turkish)", cfg.Language))
		}
		cfg.Language = lang
	}
	if cfg.APIURL == "" {
		cfg.APIURL = defaultAPIURL
	}
	base, err := parseAPIURL(cfg.APIURL)
	if err != nil {
		errs = append(errs, err)
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
	if cfg.Links == nil {
		cfg.Links = NewMemoryRecords(cfg.Now)
	}
	p := &Platform{
		cfg:       cfg,
		publicKey: key,
		log:       cfg.Logger.With("platform", platformName),
		work:      bot.NewWork(cfg.MaxConcurrentWork, cfg.WorkTimeout, cfg.Logger.With("platform", platformName)),
		dms:       map[string]string{},
	}
	p.links = &links{records: cfg.Links, static: cfg.UserMap, now: cfg.Now}
	p.session = newSession(cfg.BotToken, cfg.HTTPClient, base)
	return p, nil
}

// newSession makes the discordgo Session for REST and the gateway. Its own rate-limit
// retries are off (each call says so too): they sleep without a bound and without a
// context, so call() waits out 429s instead.
func newSession(token string, client *http.Client, base apiBase) *discordgo.Session {
	s, _ := discordgo.New("Bot " + token) // New never fails
	c := *client
	c.Transport = rewriteTransport{base: base, next: client.Transport}
	s.Client = &c
	s.ShouldRetryOnRateLimit = false
	s.MaxRestRetries = 1
	// Interactions reach a bot whatever its intents; it needs no events beyond them.
	s.Identify.Intents = discordgo.IntentsNone
	s.StateEnabled = false
	return s
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
