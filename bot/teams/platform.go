package teams

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/configs"
	"github.com/licensebot/licensebot/locale"
)

// platformName is bot.Actor.Platform and bot.MessageRef.Platform for Teams.
const platformName = "teams"

// commandWord is what a message to the bot starts with: "unassign …", in a 1:1 chat or
// after @licensebot in a channel. A leading "/" (typed from habit) is allowed.
const commandWord = "unassign"

// Config is what the Teams platform needs: the Azure Bot's Microsoft App ID and client
// secret, the tenant it serves, and where approval requests go. The options every platform
// takes are bot.Options.
type Config struct {
	AppID, AppPassword, TenantID string
	// ApprovalChannel is the conversation id of the approvers' channel ("19:…@thread.tacv2").
	ApprovalChannel string
	// OpenIDMetadataURL is the Bot Framework's OpenID metadata (DefaultOpenIDMetadataURL).
	OpenIDMetadataURL string
	// TokenURL is the bot's token endpoint (default: the tenant's, on
	// login.microsoftonline.com).
	TokenURL string
	// MessagingEndpoint is where Teams reaches /api/messages from the internet, for doctor
	// (<LICENSEBOT_PUBLIC_URL>/api/messages); empty: not checked.
	MessagingEndpoint string
	bot.Options
}

// Platform is the Teams platform and the handlers' Notifier.
type Platform struct {
	cfg    Config
	log    *slog.Logger
	verify *verifier
	conn   *connector
	in     *bot.Inbound
	// Poster is Post and Update, the handlers' Notifier (notify.go).
	bot.Poster

	chats *chatCache // person (29:… or Entra object id) → their 1:1 conversation
	trustState
}

// Configured is the Teams platform serve runs, from licensebot's configuration: false when
// no Teams bot is configured.
func Configured(c configs.Config, opts bot.Options) (*Platform, bool, error) {
	if !c.Teams.Enabled() {
		return nil, false, nil
	}
	cfg := Config{
		AppID: c.Teams.AppID, AppPassword: c.Teams.AppPassword, TenantID: c.Teams.TenantID,
		ApprovalChannel: c.Teams.ApprovalChannel, OpenIDMetadataURL: c.Teams.OpenIDMetadataURL,
		TokenURL: c.Teams.TokenURL, Options: opts,
	}
	if c.SignIn.PublicURL != "" {
		cfg.MessagingEndpoint = strings.TrimSuffix(c.SignIn.PublicURL, "/") + "/api/messages"
	}
	p, err := New(cfg)
	if err != nil {
		return nil, true, &bot.ConfigError{Platform: "Microsoft Teams", Err: err}
	}
	return p, true, nil
}

// New checks the configuration and returns the platform. Errors never contain the secret.
func New(cfg Config) (*Platform, error) {
	opts, err := cfg.Options.WithDefaults(platformName)
	errs := []error{err}
	if strings.TrimSpace(cfg.AppID) == "" {
		errs = append(errs, errors.New("teams: the bot's Microsoft App ID is required"))
	}
	if cfg.AppPassword == "" {
		errs = append(errs, errors.New("teams: the bot's client secret is required"))
	}
	if strings.TrimSpace(cfg.TenantID) == "" {
		errs = append(errs, errors.New("teams: the tenant id is required: activities from any other tenant are refused"))
	}
	if cfg.OpenIDMetadataURL == "" {
		cfg.OpenIDMetadataURL = DefaultOpenIDMetadataURL
	}
	if cfg.TokenURL == "" {
		cfg.TokenURL = "https://login.microsoftonline.com/" + cfg.TenantID + "/oauth2/v2.0/token"
	}
	for name, u := range map[string]string{"OpenID metadata URL": cfg.OpenIDMetadataURL, "token URL": cfg.TokenURL} {
		if err := checkHTTPS(u); err != nil {
			errs = append(errs, fmt.Errorf("teams: %s: %w", name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	cfg.Options = opts
	log := cfg.Logger.With("platform", platformName)
	p := &Platform{cfg: cfg, log: log, chats: newChatCache(cfg.Now)}
	p.trustedURLs = map[string]time.Time{}
	p.verify = &verifier{metadataURL: cfg.OpenIDMetadataURL, appID: cfg.AppID, channel: channelTeams,
		http: cfg.HTTPClient, now: cfg.Now, keys: map[string]endorsedKey{}}
	p.conn = &connector{
		tokens: newTokens(cfg.AppID, cfg.AppPassword, cfg.TokenURL, cfg.HTTPClient),
		http:   cfg.HTTPClient,
		calls: &bot.API{
			Platform: platformName, Log: log, MaxRetries: cfg.MaxRetries, Sleep: cfg.Sleep, Observe: cfg.ObserveError,
			MinWait: time.Second, Errors: apiErrors(),
		},
		limit:   newConversationLimits(cfg.Now, cfg.Sleep),
		trusted: p.trusted,
	}
	p.Poster = bot.NewPoster(bot.Posting{
		Platform: platformName, Title: "Microsoft Teams", Language: p.language, ApprovalChannel: cfg.ApprovalChannel,
		Thread: p.postThread, Approvers: p.postApprovers, Email: p.postEmail, Entra: p.postEntra,
		Direct: p.postDirect, Edit: p.editMessage,
	})
	p.in = bot.NewInbound(platformName, cfg.Options, bot.Wire{Open: p.open, Unidentified: msgWhoAreYou})
	return p, nil
}

// apiErrors reads the connector's errors for bot.Call.
func apiErrors() bot.APIErrors {
	return bot.APIErrors{
		RateLimited: func(err error) (time.Duration, bool) {
			var e *statusError
			if errors.As(err, &e) && e.Status == http.StatusTooManyRequests {
				return e.RetryAfter, true
			}
			return 0, false
		},
		Status: func(err error) int {
			var e *statusError
			if errors.As(err, &e) {
				return e.Status
			}
			return 0
		},
	}
}

// Name is the platform's name in actors and message references.
func (p *Platform) Name() string { return platformName }

// Mode says how Teams reaches licensebot, for the start-up line.
func (p *Platform) Mode() string {
	return "Microsoft Teams over the Bot Framework (POST /api/messages)"
}

// EditsPerMinute is how many messages a replica edits a minute with progress: Teams allows a
// bot 1,800 messages an hour in one conversation (conversationWindows), 30 a minute.
func (p *Platform) EditsPerMinute() int { return 30 }

// SetHandler sets who answers commands and clicks.
func (p *Platform) SetHandler(h bot.Handler) { p.in.SetHandler(h) }

// Wait blocks until the work started by commands and clicks so far has finished.
func (p *Platform) Wait() { p.in.Wait() }

// Start reads the Bot Framework's signing keys, so that the first activity doesn't wait
// for them; the app itself is set up by its package (configs/teams-app). Keys that can't be
// read now are read by the first activity: nothing stops serving.
func (p *Platform) Start(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := p.verify.warm(ctx); err != nil {
		p.log.WarnContext(ctx, "the Bot Framework's signing keys couldn't be read at start: the first activity reads them", "err", err)
	}
	return nil
}

// Run runs the inbox's heartbeat and take-over of deliveries another replica left.
func (p *Platform) Run(ctx context.Context) error { return p.in.RunBeside(ctx, nil) }

// Routes is the bot's messaging endpoint, as the Azure Bot's configuration names it.
func (p *Platform) Routes() []bot.Route {
	return []bot.Route{{Pattern: "POST /api/messages", Name: "messages", Handler: p.MessagesHandler()}}
}

// language is the language for a person with this Teams locale ("tr-TR", "en-US").
func (p *Platform) language(locale string) string { return p.cfg.LanguageOf(locale) }

func msgWhoAreYou(lang string) bot.Message {
	return bot.Message{Text: locale.For(lang).T("teams.who_are_you")}
}
