package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/licensebot/licensebot/bot/slack"
	"github.com/licensebot/licensebot/configs"
	"github.com/licensebot/licensebot/graph"
	"github.com/licensebot/licensebot/handlers"
	"github.com/licensebot/licensebot/licensing"
	"github.com/licensebot/licensebot/store"
)

// runServe is the real thing: Slack in front, Redis for requests, Graph behind.
func runServe(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
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
	st := store.New(rdb, cfg.Redis.KeyPrefix)

	directory, err := graph.New(graph.Config{
		Cloud: graph.Cloud(cfg.Graph.Cloud), BaseURL: cfg.Graph.BaseURL,
		TenantID: cfg.Graph.TenantID, ClientID: cfg.Graph.ClientID, ClientSecret: cfg.Graph.ClientSecret,
		CertificatePath: cfg.Graph.CertificatePath, CertificatePassword: cfg.Graph.CertificatePassword,
		UseWorkloadIdentity: cfg.Graph.WorkloadIdentity, UseManagedIdentity: cfg.Graph.ManagedIdentity,
		AccessToken: cfg.Graph.AccessToken, Timeout: cfg.Graph.Timeout,
	})
	if err != nil {
		return fmt.Errorf("graph: %w", err)
	}

	approvers := cfg.Approval.Approvers
	platform, err := slack.New(slack.Config{
		BotToken: cfg.Slack.BotToken, AppToken: cfg.Slack.AppToken, SigningSecret: cfg.Slack.SigningSecret,
		APIURL: cfg.Slack.APIURL, ApprovalChannel: cfg.Slack.ApprovalChannel, Approvers: approvers,
		Command: "/unassign", Logger: logger, Deduper: st,
	})
	if err != nil {
		return fmt.Errorf("slack: %w", err)
	}
	var chat platforms
	chat.add("slack", platform)
	svc, err := handlers.New(handlers.Deps{
		Directory: directory, Remover: directory, Requests: requestStore{st}, Audit: requestStore{st}, RoleCache: st,
		Deadlines: st, Notifier: &chat, NewID: store.NewID, Catalogue: licensing.DefaultCatalogue(), Logger: logger,
	}, handlers.Options{
		AdminRoles: cfg.Approval.AdminRoles, Policy: handlers.Policy(cfg.Approval.Policy), Approvers: approvers,
		ConfirmTTL: cfg.ConfirmTTL, ApprovalTTL: cfg.Approval.TTL, MaxTargets: cfg.MaxTargets, Location: cfg.Location(),
		ApprovalPlatforms: chat.order,
	})
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	platform.SetHandler(svc)

	var routes *slackRoutes
	if !cfg.Slack.SocketMode() {
		routes = &slackRoutes{commands: platform.CommandsHandler(), interactions: platform.InteractionsHandler()}
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("LICENSEBOT_HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
	}
	srv := &http.Server{
		Handler:           newServer(map[string]pinger{"redis": st, "graph": directory}, routes),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	mode := "HTTP mode"
	if cfg.Slack.SocketMode() {
		mode = "Socket Mode"
	}
	logger.Info("licensebot serving", "version", buildVersion(), "addr", ln.Addr().String(), "slack", mode, "policy", cfg.Approval.Policy, "cloud", cfg.Graph.Cloud)
	fmt.Fprintf(stdout, "licensebot %s listening on %s (Slack %s)\n", buildVersion(), ln.Addr(), mode)

	errc := make(chan error, 2)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http: %w", err)
		}
	})
	socketCtx, stopSocket := context.WithCancel(ctx)
	defer stopSocket()
	if cfg.Slack.SocketMode() {
		wg.Go(func() {
			if err := platform.RunSocketMode(socketCtx); err != nil && socketCtx.Err() == nil {
				errc <- fmt.Errorf("slack socket mode: %w", err)
			}
		})
	}

	// Every replica sweeps; each expired request is claimed by one of them.
	wg.Go(func() { svc.RunSweeper(socketCtx, 30*time.Second) })

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
	go func() { platform.Wait(); wg.Wait(); close(done) }()
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
	if c.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
