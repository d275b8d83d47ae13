package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/licensebot/licensebot/bot/discord"
	"github.com/licensebot/licensebot/bot/slack"
	"github.com/licensebot/licensebot/configs"
	"github.com/licensebot/licensebot/graph"
	"github.com/licensebot/licensebot/handlers"
	"github.com/licensebot/licensebot/licensing"
	"github.com/licensebot/licensebot/store"
)

// runServe is the real thing: Slack and/or Discord in front, Redis for requests, Graph
// behind.
func runServe(ctx context.Context, getenv func(string) string, now func() time.Time, stdout, stderr io.Writer) error {
	cfg, err := configs.Load(getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	if err := cfg.ValidateServe(); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	logger := newLogger(cfg.Log, stderr)

	rdb, err := store.Open(cfg.Redis.URL)
	if err != nil {
		return fmt.Errorf("REDIS_URL: %w", err)
	}
	defer rdb.Close()
	st := store.NewWithOptions(rdb, cfg.Redis.KeyPrefix, store.Options{Now: now})
	warnAboutRedis(ctx, st, logger)

	m := newMetrics()
	gcfg := graphConfig(cfg)
	gcfg.Observe = m.graphCall
	gcfg.Now = now
	directory, err := graph.New(gcfg)
	if err != nil {
		return fmt.Errorf("graph: %w", err)
	}

	catalogue := licensing.DefaultCatalogue()
	// Discord members are approvers through their roles: an actor's groups are its roles.
	approvers := append(append([]string(nil), cfg.Approval.Approvers...), cfg.Discord.ApproverRoleIDs...)
	var (
		chat     platforms
		slackApp *slack.Platform
		discApp  *discord.Platform
		routes   chatRoutes
		modes    []string
	)
	if cfg.Slack.Enabled() {
		slackApp, err = slack.New(slack.Config{
			BotToken: cfg.Slack.BotToken, AppToken: cfg.Slack.AppToken, SigningSecret: cfg.Slack.SigningSecret,
			APIURL: cfg.Slack.APIURL, ApprovalChannel: cfg.Slack.ApprovalChannel, Approvers: cfg.Approval.Approvers,
			Command: "/unassign", Logger: logger, Deduper: st, ObserveError: m.chatAPIErrors("slack"), Language: cfg.Language,
			Now: now, Quick: handlers.IsQuickCommand,
		})
		if err != nil {
			return fmt.Errorf("slack: %w", err)
		}
		chat.add("slack", slackApp)
		if cfg.Slack.SocketMode() {
			modes = append(modes, "Slack over Socket Mode")
		} else {
			routes.slackCommands, routes.slackInteractions = slackApp.CommandsHandler(), slackApp.InteractionsHandler()
			modes = append(modes, "Slack over HTTP")
		}
	}
	if cfg.Discord.Enabled() {
		discApp, err = discord.New(discord.Config{
			BotToken: cfg.Discord.BotToken, PublicKey: cfg.Discord.PublicKey, ApplicationID: cfg.Discord.ApplicationID,
			GuildIDs: cfg.Discord.GuildIDs, ApprovalChannelID: cfg.Discord.ApprovalChannelID, ApproverRoleIDs: cfg.Discord.ApproverRoleIDs,
			UserMap: cfg.Discord.UserMap, APIURL: cfg.Discord.APIURL, Links: discordLinks{st}, Deduper: st, Logger: logger, ObserveError: m.chatAPIErrors("discord"),
			Language: cfg.Language, Now: now, Quick: handlers.IsQuickCommand,
			Products: func(ctx context.Context) ([]string, error) { return productNames(ctx, directory, catalogue) },
		})
		if err != nil {
			return fmt.Errorf("discord: %w", err)
		}
		chat.add("discord", discApp)
		if cfg.Discord.HTTPInteractions() {
			routes.discordInteractions = discApp.InteractionsHandler()
			modes = append(modes, "Discord over HTTP")
		} else {
			modes = append(modes, "Discord over the gateway")
		}
	}
	changes := graphChanges{directory}
	worker := handlers.WorkerName()
	svc, err := handlers.New(handlers.Deps{
		Directory: directory, Remover: changes, Restorer: changes, Requests: requestStore{st}, Audit: requestStore{st}, RoleCache: st,
		Deadlines: st, Jobs: jobQueue{st}, Ledger: ledger{st}, Limiter: st,
		Metrics: m, Notifier: &chat, NewID: store.NewID, Catalogue: catalogue, Logger: logger, Now: now,
	}, handlers.Options{
		AdminRoles: cfg.Approval.AdminRoles, Policy: handlers.Policy(cfg.Approval.Policy), Approvers: approvers,
		ConfirmTTL: cfg.ConfirmTTL, ApprovalTTL: cfg.Approval.TTL, MaxTargets: cfg.MaxTargets, Location: cfg.Location(),
		OneDriveExempt: cfg.OneDriveExempt(), UndoPolicy: handlers.Policy(cfg.UndoPolicy()),
		ApprovalPlatforms: chat.order, Language: cfg.Language,
		UserRequests: cfg.Limits.UserRequests, WorkspaceRequests: cfg.Limits.WorkspaceRequests, LimitWindow: cfg.Limits.Window,
		DryRunRequests: cfg.Limits.UserDryRuns, WorkspaceDryRuns: cfg.Limits.WorkspaceDryRuns, Workspaces: cfg.AllowedWorkspaces(),
		JobIdle: cfg.Jobs.Idle, ClaimStaleAfter: cfg.Jobs.ClaimStaleAfter, InFlight: cfg.Jobs.InFlight, MaxInFlight: cfg.Jobs.MaxInFlight,
	})
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	if slackApp != nil {
		slackApp.SetHandler(svc)
	}
	if discApp != nil {
		discApp.SetHandler(svc)
		regCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := discApp.RegisterCommands(regCtx)
		cancel()
		if err != nil {
			return fmt.Errorf("discord: register /unassign: %w", err)
		}
	}

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("LICENSEBOT_HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
	}
	srv := &http.Server{
		Handler: newServer(newReadiness(map[string]pinger{
			"redis": st, "graph": directory, "planning": pingFunc(svc.PlanningReady),
		}, now, logger), routes, m),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	mode := strings.Join(modes, ", ")
	logger.Info("licensebot serving", "version", buildVersion(), "worker", worker, "addr", ln.Addr().String(), "chat", mode, "policy", cfg.Approval.Policy, "cloud", cfg.Graph.Cloud)
	fmt.Fprintf(stdout, "licensebot %s listening on %s (%s)\n", buildVersion(), ln.Addr(), mode)

	errc := make(chan error, 2)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http: %w", err)
		}
	})
	socketCtx, stopSocket := context.WithCancel(ctx)
	defer stopSocket()
	if slackApp != nil && cfg.Slack.SocketMode() {
		wg.Go(func() {
			if err := slackApp.RunSocketMode(socketCtx); err != nil && socketCtx.Err() == nil {
				errc <- fmt.Errorf("slack socket mode: %w", err)
			}
		})
	}
	if discApp != nil && !cfg.Discord.HTTPInteractions() {
		wg.Go(func() {
			if err := discApp.RunGateway(socketCtx); err != nil && socketCtx.Err() == nil {
				errc <- fmt.Errorf("discord gateway: %w", err)
			}
		})
	}

	// Every replica sweeps; each expired request is claimed by one of them.
	wg.Go(func() { svc.RunSweeper(socketCtx, 30*time.Second) })
	// Every replica runs workers; they share the jobs. On stop they start nothing new,
	// let the calls in flight answer, and hand their jobs back to the other replicas.
	wg.Go(func() { svc.RunWorkers(socketCtx, worker, cfg.Jobs.Workers) })

	var runErr error
	select {
	case <-ctx.Done():
		logger.Info("stopping: no new work is taken; in-flight work finishes", "deadline", cfg.ShutdownTimeout)
	case runErr = <-errc:
		logger.Error("stopping", "err", runErr)
	}
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	stopSocket()
	_ = srv.Shutdown(stopCtx)
	done := make(chan struct{})
	go func() {
		if slackApp != nil {
			slackApp.Wait()
		}
		if discApp != nil {
			discApp.Wait()
		}
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-stopCtx.Done():
		logger.Warn("shutdown deadline reached with work in flight")
	}
	return runErr
}

func newLogger(c configs.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Level)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	// Every line of a request carries its id (handlers.RequestIDs).
	if c.Format == "text" {
		return slog.New(handlers.RequestIDs(slog.NewTextHandler(w, opts)))
	}
	return slog.New(handlers.RequestIDs(slog.NewJSONHandler(w, opts)))
}

// productNames lists the organisation's products by name, for Discord's autocomplete.
func productNames(ctx context.Context, d *graph.Client, cat *licensing.Catalogue) ([]string, error) {
	products, err := d.Products(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(products))
	for _, p := range products {
		names = append(names, cat.DisplayName(p.SKUID, p.PartNumber))
	}
	return names, nil
}

// warnAboutRedis says at start-up what in Redis's settings puts pending requests at risk
// (no persistence, an eviction policy, a version without XAUTOCLAIM). It doesn't stop the
// start: Redis may be fixed while licensebot runs, and readiness tells whether it answers.
func warnAboutRedis(ctx context.Context, st *store.Store, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	h, err := st.Health(ctx)
	if err != nil {
		logger.Warn("Redis doesn't answer at start-up; requests are refused until it does", "err", err)
		return
	}
	for _, f := range h.Findings() {
		if f.Problem != "" {
			logger.Warn("Redis setting puts pending requests at risk", "check", f.Check, "problem", f.Problem, "fix", f.Fix)
		}
	}
}
