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
	"github.com/licensebot/licensebot/configs"
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
	// ApproverRoleIDs are the roles mentioned in approval and link requests. Configure the
	// same role ids as handlers' approvers, since an Actor's Groups are their role ids.
	ApproverRoleIDs []string
	// APIURL replaces https://discord.com/ as the base of every REST call, e.g.
	// "http://127.0.0.1:8080/" for a local fake that serves /api/v10/… (licensebot speaks
	// API v10, apiVersion). discordgo builds its endpoints from package variables at init, so
	// assigning discordgo.EndpointDiscord changes nothing; the Session's HTTP client rewrites
	// the scheme and host of requests to discord.com instead, and discordgo's /api/v9/ to
	// /api/v10/ (see endpoint.go). The gateway's WebSocket URL comes from GET /gateway, so a
	// fake that answers it moves the gateway too. Default https://discord.com/.
	APIURL string
	// The options every platform takes: logging, the clock, the inbox, the bounds of the
	// work, retries, the language (also of the command's descriptions, and of the approval
	// channel). Products lists the tenant's product names for /unassign remove's
	// autocomplete, for the person typing; nil: no suggestions.
	bot.Options
}

// Handler answers commands and clicks (handlers.Service).
type Handler = bot.Handler

// Platform is the Discord platform and the handlers' Notifier.
type Platform struct {
	cfg       Config
	publicKey ed25519.PublicKey
	session   *discordgo.Session
	log       *slog.Logger

	calls *bot.API
	// in is the inbound pipeline: record, ack, identify, run safely, answer.
	in *bot.Inbound
	// Poster is Post and Update, the handlers' Notifier: the kinds of destinations as this
	// platform posts to them (notify.go).
	bot.Poster

	dmMu sync.Mutex
	dms  map[string]string // user id → DM channel id
}

const defaultAPIURL = "https://discord.com/"

var snowflake = regexp.MustCompile(`^[0-9]{1,20}$`)

// New checks the configuration and returns the platform. Errors never contain the token.
func New(cfg Config) (*Platform, error) {
	opts, err := cfg.Options.WithDefaults(platformName)
	errs := []error{err} // the options every platform takes, then Discord's own settings
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
	if cfg.APIURL == "" {
		cfg.APIURL = defaultAPIURL
	}
	base, err := parseAPIURL(cfg.APIURL)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	cfg.Options = opts
	log := cfg.Logger.With("platform", platformName)
	p := &Platform{
		cfg:       cfg,
		publicKey: key,
		log:       log,
		dms:       map[string]string{},
	}
	p.calls = &bot.API{
		Platform: platformName, Log: log, MaxRetries: cfg.MaxRetries, Sleep: cfg.Sleep, Observe: cfg.ObserveError,
		// Discord's retry_after has millisecond precision; 10 ms keeps a zero from spinning.
		MinWait: 10 * time.Millisecond,
		Errors:  apiErrors(),
	}
	p.Poster = bot.NewPoster(bot.Posting{
		Platform: platformName, Title: "Discord", Language: p.language, ApprovalChannel: p.cfg.ApprovalChannelID,
		Thread: p.postReply, Approvers: p.postApprovers,
		// Discord can't find anyone by address: the handlers post to a linked account.
		Email: p.postToEmail, Direct: p.postDM, Edit: p.editMessage,
	})
	p.in = bot.NewInbound(platformName, cfg.Options, bot.Wire{Open: p.open, Unidentified: msgWhoAreYou})
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

// Configured is the Discord platform serve runs, from licensebot's configuration: false
// when no Discord application is configured.
func Configured(c configs.Config, opts bot.Options) (*Platform, bool, error) {
	d := c.Discord
	if !d.Enabled() {
		return nil, false, nil
	}
	p, err := New(Config{
		BotToken: d.BotToken, PublicKey: d.PublicKey, ApplicationID: d.ApplicationID, GuildIDs: d.GuildIDs,
		ApprovalChannelID: d.ApprovalChannelID, ApproverRoleIDs: d.ApproverRoleIDs, APIURL: d.APIURL,
		Options: opts,
	})
	if err != nil {
		return nil, true, &bot.ConfigError{Platform: "Discord", Err: err}
	}
	return p, true, nil
}

// Name is the platform's name in actors and message references.
func (p *Platform) Name() string { return platformName }

// EditsPerMinute is how many messages a replica edits a minute with progress. Discord
// documents no fixed figure (its limits come in each answer's X-RateLimit headers, which
// the 429 retry honours: "Rate Limits", https://discord.com/developers/docs/topics/rate-limits);
// message edits are per channel, about five every five seconds in practice: 50 a minute.
func (p *Platform) EditsPerMinute() int { return 50 }

// Mode says how Discord reaches licensebot, for the start-up line.
func (p *Platform) Mode() string {
	if p.publicKey != nil {
		return "Discord over HTTP"
	}
	return "Discord over the gateway"
}

// SetHandler sets who answers commands and clicks. The handlers are built with the
// Platform as their Notifier, so the handler comes after New.
func (p *Platform) SetHandler(h Handler) { p.in.SetHandler(h) }

// Wait blocks until the work started by commands and clicks so far has finished.
func (p *Platform) Wait() { p.in.Wait() }

// Start registers /unassign (RegisterCommands), within 30 seconds.
func (p *Platform) Start(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := p.RegisterCommands(ctx); err != nil {
		return fmt.Errorf("discord: register /unassign: %w", err)
	}
	return nil
}

// Run runs until ctx ends what Discord needs running: the gateway, unless interactions
// come over HTTP, and always the inbox's heartbeat and take-over of deliveries another
// replica left.
func (p *Platform) Run(ctx context.Context) error {
	gateway := p.RunGateway
	if p.publicKey != nil {
		gateway = nil // interactions come over HTTP
	}
	return p.in.RunBeside(ctx, gateway)
}

// Routes is Discord's HTTP interactions endpoint when a public key is configured.
func (p *Platform) Routes() []bot.Route {
	if p.publicKey == nil {
		return nil
	}
	return []bot.Route{{Pattern: "POST /discord/interactions", Name: "interactions", Handler: p.InteractionsHandler()}}
}
