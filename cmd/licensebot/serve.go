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

	"github.com/redis/go-redis/v9"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/configs"
	"github.com/licensebot/licensebot/graph"
	"github.com/licensebot/licensebot/handlers"
	"github.com/licensebot/licensebot/licensing"
	"github.com/licensebot/licensebot/store"
)

// runServe is the real thing: the configured chat platforms in front (chatPlatforms),
// Redis for requests, Graph behind.
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
	st := newStore(rdb, cfg.Redis, now)
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
	links, err := newLinks(st, cfg)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	prices, err := priceList(cfg.Prices)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	signIns, err := serveSignIns(ctx, cfg, now, logger)
	if err != nil {
		return err
	}
	// The handlers, built below with the platforms as their Notifier, say which product
	// names a person may be shown as they type; nobody types before the platforms start.
	var svc *handlers.Service
	products := func(ctx context.Context, who bot.Actor) ([]string, error) { return svc.ProductNames(ctx, who) }
	// This replica's name in the job stream and the inboxes: host, pid and a random suffix,
	// unique across replicas and restarts.
	worker, err := bot.HolderName()
	if err != nil {
		return err
	}
	chat, err := configuredPlatforms(cfg, chatOptions(cfg, st, worker, logger, now, m, products))
	if err != nil {
		return err
	}
	changes := graphChanges{directory}
	svc, err = handlers.New(handlers.Deps{
		Directory: graphDirectory{directory}, Remover: changes, Restorer: changes, Requests: requestStore{st}, Audit: requestStore{st}, Trail: requestStore{st}, RoleCache: st, Links: links,
		SignIns: signIns, SignInStates: st, Once: st, Deadlines: st, Jobs: jobQueue{st}, Ledger: ledger{st}, Limiter: st,
		Metrics: m, Notifier: &chat.notifier, NewID: store.NewID, Catalogue: catalogue, Logger: logger, Now: now,
	}, handlers.Options{
		AdminRoles: cfg.Approval.AdminRoles, Policy: handlers.Policy(cfg.Approval.Policy), Approvers: cfg.AllApprovers(),
		ConfirmTTL: cfg.ConfirmTTL, ApprovalTTL: cfg.Approval.TTL, MaxTargets: cfg.MaxTargets, Location: cfg.Location(),
		OneDriveExempt: cfg.OneDriveExempt(), UndoPolicy: handlers.Policy(cfg.UndoPolicy()),
		ApprovalPlatforms: chat.names(), Language: cfg.Language,
		UserRequests: cfg.Limits.UserRequests, WorkspaceRequests: cfg.Limits.WorkspaceRequests, LimitWindow: cfg.Limits.Window,
		DryRunRequests: cfg.Limits.UserDryRuns, WorkspaceDryRuns: cfg.Limits.WorkspaceDryRuns, Workspaces: cfg.AllowedWorkspaces(),
		JobIdle: cfg.Jobs.Idle, ClaimStaleAfter: cfg.Jobs.ClaimStaleAfter, InFlight: cfg.Jobs.InFlight, MaxInFlight: cfg.Jobs.MaxInFlight,
		Identity: handlers.IdentityMode(cfg.SignIn.Identity), LinkByApproval: cfg.SignIn.LinkByApproval,
		ApprovalSignIn: signInWindow(cfg, cfg.SignIn.ApprovalMaxAge), RequestSignIn: signInWindow(cfg, cfg.SignIn.RequestMaxAge),
		AuthContext: cfg.SignIn.AuthContext, Prices: prices, InactiveExclude: cfg.InactiveExclude, SeatReminderDays: cfg.SeatReminderDays,
	})
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	defer svc.Close()
	if err := chat.start(ctx, svc); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("LICENSEBOT_HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
	}
	srv := &http.Server{
		Handler: newServer(newReadiness(map[string]pinger{
			"redis": st, "graph": directory, "planning": pingFunc(svc.PlanningReady),
		}, now, logger), chat.routes(), signInRoutes(cfg, svc, logger), m),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	mode := chat.modes()
	logger.Info("licensebot serving", "version", buildVersion(), "worker", worker, "addr", ln.Addr().String(), "chat", mode, "policy", cfg.Approval.Policy, "cloud", cfg.Graph.Cloud, "identity", cfg.SignIn.Identity)
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
	// Socket Mode, the gateway, the inboxes' heartbeats and take-overs.
	chat.run(socketCtx, &wg, errc, nil)

	// Every replica sweeps; each expired request is claimed by one of them.
	wg.Go(func() { svc.RunSweeper(socketCtx, cfg.Jobs.Sweep) })
	// Unused seats before a subscription's next state: each replica looks every 6 hours;
	// each reminder goes out once.
	wg.Go(func() { svc.RunSeatReminders(socketCtx, 6*time.Hour) })
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
		chat.wait()
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

// newStore is the store on rdb as serve and the audit commands use it: one set of options,
// so that what one trims and the other verifies agree.
func newStore(rdb redis.UniversalClient, cfg configs.Redis, now func() time.Time) *store.Store {
	return store.NewWithOptions(rdb, cfg.KeyPrefix, store.Options{Now: now, AuditRetention: cfg.AuditRetention})
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
	if expires, found, err := st.ExpireLegacyAudit(ctx); err != nil {
		logger.Warn("the audit stream of earlier versions", "err", err)
	} else if found {
		logger.Info("the unchained audit stream of earlier versions ages out with the audit retention: export it before then if you need it",
			"key", st.LegacyAuditKey(), "export", "redis-cli XRANGE "+st.LegacyAuditKey()+" - +", "expires", expires.UTC().Format(time.RFC3339))
	}
}
