package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/discord"
	"github.com/licensebot/licensebot/bot/slack"
	"github.com/licensebot/licensebot/bot/teams"
	"github.com/licensebot/licensebot/configs"
	"github.com/licensebot/licensebot/handlers"
	"github.com/licensebot/licensebot/store"
)

// chatPlatform is a configured chat platform, as serve, demo and doctor run it; they never
// name one. Each is a package under bot/. Slack and Discord build themselves from the
// configuration (chatPlatforms) and run their deliveries through the shared inbound
// pipeline (bot.Inbound), which records each one in Redis before acknowledging it. The
// console (bot/console) is the demo's: built by demo, added to the same chatSet and run
// the same way, but with no inbox, since a terminal has no acknowledgement to lose.
type chatPlatform interface {
	// Post and Update make it a handlers.Notifier: the handlers post through it.
	handlers.Notifier
	// Name is its name in actors and message references ("slack").
	Name() string
	// Mode says how it is reached, for the start-up line ("Slack over Socket Mode").
	Mode() string
	// Routes are the HTTP endpoints it serves (none over Socket Mode or the gateway).
	Routes() []bot.Route
	// Check is what doctor checks of its setup, without writing anything anywhere.
	Check(ctx context.Context) []bot.Finding
	// SetHandler sets who answers its commands and clicks.
	SetHandler(h bot.Handler)
	// Start prepares it before anything is served (Discord registers /unassign).
	Start(ctx context.Context) error
	// Run runs its long-running loops (Socket Mode, the gateway, the inbox's heartbeat and
	// take-over) until ctx ends; an error means it can't go on.
	Run(ctx context.Context) error
	// Wait waits for the work on the deliveries it took.
	Wait()
}

// newPlatform builds a chat platform from the configuration and the options every platform
// takes; configured is false when the configuration has none of it.
type newPlatform func(cfg configs.Config, opts bot.Options) (p chatPlatform, configured bool, err error)

// chatPlatforms are the chat platforms serve and doctor know, in the order in which the
// handlers prefer them (the first configured is the default for messages that name none).
// A new platform is a package under bot/ with a Configured function, and a line here.
func chatPlatforms() []newPlatform {
	return []newPlatform{
		platform(slack.Configured),
		platform(discord.Configured),
		platform(teams.Configured),
	}
}

// platform makes a package's Configured a newPlatform.
func platform[P chatPlatform](configured func(configs.Config, bot.Options) (P, bool, error)) newPlatform {
	return func(cfg configs.Config, opts bot.Options) (chatPlatform, bool, error) {
		p, ok, err := configured(cfg, opts)
		if !ok || err != nil {
			return nil, ok, err
		}
		return p, true, nil
	}
}

// chatOptions are the options serve gives every chat platform: its logger and clock, the
// configured language, the store's inboxes and facts (every replica's deliveries in Redis, held in
// the name worker, taken over by another replica after the jobs' idle time when this one
// stops answering for them), the metrics, and the product names for the person typing.
func chatOptions(cfg configs.Config, st *store.Store, worker string, logger *slog.Logger, now func() time.Time, m *metrics, products func(ctx context.Context, who bot.Actor) ([]string, error)) bot.Options {
	return bot.Options{
		Logger: logger, Now: now, Language: cfg.Language, Quick: handlers.IsQuick,
		Inbox: inbox{st}, Facts: st, Holder: worker, ReclaimAfter: cfg.Jobs.Idle,
		ObserveError: m.ChatAPIError,
		Products:     products,
	}
}

// configuredPlatforms builds every platform the configuration has.
func configuredPlatforms(cfg configs.Config, opts bot.Options) (*chatSet, error) {
	set := &chatSet{}
	for _, build := range chatPlatforms() {
		p, ok, err := build(cfg, opts)
		if err != nil {
			return nil, err
		}
		if ok {
			set.add(p)
		}
	}
	return set, nil
}

// chatSet is the chat platforms a process runs, and the handlers' Notifier over them all
// (platforms: each message to its platform).
type chatSet struct {
	list     []chatPlatform
	notifier platforms
}

func (s *chatSet) add(p chatPlatform) {
	s.list = append(s.list, p)
	s.notifier.add(p.Name(), p)
}

// names are the platforms' names, in order: where approval requests go.
func (s *chatSet) names() []string { return s.notifier.order }

// modes says how each platform is reached, for the start-up line.
func (s *chatSet) modes() string {
	var out []string
	for _, p := range s.list {
		out = append(out, p.Mode())
	}
	return strings.Join(out, ", ")
}

// routes are every platform's HTTP endpoints.
func (s *chatSet) routes() map[string][]bot.Route {
	out := map[string][]bot.Route{}
	for _, p := range s.list {
		out[p.Name()] = p.Routes()
	}
	return out
}

// start sets the handler of every platform and prepares each.
func (s *chatSet) start(ctx context.Context, h bot.Handler) error {
	for _, p := range s.list {
		p.SetHandler(h)
	}
	for _, p := range s.list {
		if err := p.Start(ctx); err != nil {
			return err
		}
	}
	return nil
}

// run runs every platform's loops on wg until ctx ends; the first that fails reports its
// error to errc (buffered for one), and, when done is not nil, the end of each loop is
// reported to it (demo: the terminal's input ended).
func (s *chatSet) run(ctx context.Context, wg *sync.WaitGroup, errc chan<- error, done chan<- string) {
	for _, p := range s.list {
		wg.Go(func() {
			err := p.Run(ctx)
			if err != nil && ctx.Err() == nil {
				select {
				case errc <- fmt.Errorf("%s: %w", p.Name(), err):
				default:
				}
			}
			if done != nil {
				done <- p.Name()
			}
		})
	}
}

// wait waits for the work every platform took.
func (s *chatSet) wait() {
	for _, p := range s.list {
		p.Wait()
	}
}

// configError names the platform whose configuration err refuses, and its errors one by
// one; platform is "" when err isn't a platform's.
func configError(err error) (platform string, errs []error) {
	var ce *bot.ConfigError
	if errors.As(err, &ce) {
		return ce.Platform, leafErrors(ce.Err)
	}
	return "", leafErrors(err)
}
