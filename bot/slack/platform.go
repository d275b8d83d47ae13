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
	"github.com/licensebot/licensebot/configs"
)

// platformName is bot.Actor.Platform and bot.MessageRef.Platform for Slack.
const platformName = "slack"

// Config is what the Slack platform needs. BotToken is required, and AppToken (Socket Mode)
// or SigningSecret (HTTP mode) or both. The options every platform takes (logging, the
// clock, the inbox, the bounds of the work, retries, the language) are bot.Options.
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
	bot.Options
}

// Handler answers commands and clicks (handlers.Service).
type Handler = bot.Handler

// Platform is the Slack platform and the handlers' Notifier.
type Platform struct {
	cfg   Config
	api   *slackapi.Client
	log   *slog.Logger
	http  *http.Client
	calls *bot.API
	// in is the inbound pipeline: record, ack, identify, run safely, answer.
	in *bot.Inbound
	// Poster is Post and Update, the handlers' Notifier: the kinds of destinations as this
	// platform posts to them (notify.go).
	bot.Poster

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
	actorTTL     = 5 * time.Minute
	groupTTL     = 5 * time.Minute
	directoryTTL = 5 * time.Minute
	cacheSize    = 1000
)

// Configured is the Slack platform serve runs, from licensebot's configuration: false when
// no Slack app is configured.
func Configured(c configs.Config, opts bot.Options) (*Platform, bool, error) {
	if !c.Slack.Enabled() {
		return nil, false, nil
	}
	p, err := New(Config{
		BotToken: c.Slack.BotToken, AppToken: c.Slack.AppToken, SigningSecret: c.Slack.SigningSecret,
		APIURL: c.Slack.APIURL, ApprovalChannel: c.Slack.ApprovalChannel, Approvers: c.Approval.Approvers,
		Command: "/unassign", Options: opts,
	})
	if err != nil {
		return nil, true, &bot.ConfigError{Platform: "Slack", Err: err}
	}
	return p, true, nil
}

// New checks the configuration and returns the platform. Errors never contain tokens.
func New(cfg Config) (*Platform, error) {
	// The options every platform takes first, then Slack's own settings; every error at once.
	opts, err := cfg.Options.WithDefaults(platformName)
	errs := []error{err}
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
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	cfg.Options = opts
	log := cfg.Logger.With("platform", platformName)
	p := &Platform{
		cfg:       cfg,
		log:       log,
		http:      cfg.HTTPClient,
		profiles:  newTTLCache[string, profile](cacheSize, cfg.Now),
		emails:    newTTLCache[string, string](cacheSize, cfg.Now),
		dms:       newTTLCache[string, string](cacheSize, cfg.Now),
		groups:    newTTLCache[string, []string](100, cfg.Now),
		directory: newTTLCache[string, []profileWithHandle](1, cfg.Now),
		mentions:  newTTLCache[string, string](cacheSize, cfg.Now),
		warned:    map[string]bool{},
	}
	p.calls = &bot.API{
		Platform: platformName, Log: log, MaxRetries: cfg.MaxRetries, Sleep: cfg.Sleep, Observe: cfg.ObserveError,
		// Slack asks for whole seconds; slack-go reads a missing Retry-After as 0.
		MinWait: time.Second,
		Errors:  apiErrors(),
	}
	p.Poster = bot.NewPoster(bot.Posting{
		Platform: platformName, Title: "Slack", Language: p.language, ApprovalChannel: p.cfg.ApprovalChannel,
		Thread: p.postThread, Approvers: p.postApprovers, Email: p.postEmail, Direct: p.postDM, Edit: p.editMessage,
	})
	p.in = bot.NewInbound(platformName, cfg.Options, bot.Wire{Open: p.open, Unidentified: msgWhoAreYou})
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

// Name is the platform's name in actors and message references.
func (p *Platform) Name() string { return platformName }

// EditsPerMinute is how many messages a replica edits a minute with progress: chat.update
// is a Tier 3 method, about 50 calls a minute per workspace ("Rate limits",
// https://api.slack.com/apis/rate-limits); 40 leaves room for the outcome's edits.
func (p *Platform) EditsPerMinute() int { return 40 }

// Mode says how Slack reaches licensebot, for the start-up line.
func (p *Platform) Mode() string {
	if p.cfg.AppToken != "" {
		return "Slack over Socket Mode"
	}
	return "Slack over HTTP"
}

// SetHandler sets who answers commands and clicks. The handlers are built with the
// Platform as their Notifier, so the handler comes after New.
func (p *Platform) SetHandler(h Handler) { p.in.SetHandler(h) }

// Wait blocks until the work started by commands and clicks so far has finished.
func (p *Platform) Wait() { p.in.Wait() }

// Start has nothing to prepare: the Slack app is set up by its manifest.
func (p *Platform) Start(context.Context) error { return nil }

// Run runs until ctx ends what Slack needs running: Socket Mode when it is configured, and
// always the inbox's heartbeat and take-over of deliveries another replica left.
func (p *Platform) Run(ctx context.Context) error {
	if p.cfg.AppToken == "" {
		return p.in.RunBeside(ctx, nil)
	}
	return p.in.RunBeside(ctx, p.RunSocketMode)
}

// Routes are Slack's HTTP endpoints in HTTP mode; none in Socket Mode.
func (p *Platform) Routes() []bot.Route {
	if p.cfg.SigningSecret == "" || p.cfg.AppToken != "" {
		return nil
	}
	return []bot.Route{
		{Pattern: "POST /slack/commands", Name: "commands", Handler: p.CommandsHandler()},
		{Pattern: "POST /slack/interactions", Name: "interactions", Handler: p.InteractionsHandler()},
	}
}

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
