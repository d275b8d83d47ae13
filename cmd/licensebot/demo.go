package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/console"
	"github.com/licensebot/licensebot/configs"
	"github.com/licensebot/licensebot/graph"
	"github.com/licensebot/licensebot/graph/graphtest"
	"github.com/licensebot/licensebot/handlers"
	"github.com/licensebot/licensebot/licensing"
	"github.com/licensebot/licensebot/store"
)

const demoDomain = "contoso.example"

// runDemo runs the whole flow in the terminal: an in-process Redis, the simulated tenant
// behind a loopback HTTP server reached through the real Graph SDK, and the console platform.
func runDemo(ctx context.Context, args []string, getenv func(string) string, now func() time.Time, stdin io.Reader, stdout, stderr io.Writer) error {
	started := time.Now()
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	policy := fs.String("policy", "approvers", "who approves: approvers (Megan Bowen), manager (each user's manager) or none")
	tz := fs.String("tz", firstNonEmpty(getenv("LICENSEBOT_TIMEZONE"), "Europe/Istanbul"), "the organisation's time zone, for dates")
	language := fs.String("lang", firstNonEmpty(getenv("LICENSEBOT_LANGUAGE"), "en"), "the language: en (English) or tr (Turkish)")
	as := fs.String("as", "adele", "who you are at start")
	worstCase := fs.Bool("worst-case", false, "the simulated tenant answers as Microsoft documents the worst case for an app-only token: licenseDetails refused, every subscription owned by a user")
	if err := fs.Parse(args); err != nil {
		return err
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return fmt.Errorf("-tz %q: not an IANA time zone such as Europe/Istanbul", *tz)
	}

	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		return fmt.Errorf("start the embedded Redis: %w", err)
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), ContextTimeoutEnabled: true}) // a stop ends a blocked read at once
	defer rdb.Close()

	tenant := graphtest.SampleTenant()
	token, err := randomToken()
	if err != nil {
		return err
	}
	// The sample tenant's dates (subscriptions' creation and lifecycle) are relative to the
	// demo's clock, so the demo reads the same on any day.
	tenantOpts := []graphtest.Option{graphtest.WithToken(token), graphtest.WithClock(now)}
	if *worstCase {
		tenantOpts = append(tenantOpts, graphtest.WithDocumentedWorstCase())
	}
	tenantSrv, err := graphtest.NewServer(tenant, tenantOpts...)
	if err != nil {
		return fmt.Errorf("start the simulated tenant: %w", err)
	}
	defer tenantSrv.Close()
	directory, err := graph.New(graph.Config{BaseURL: tenantSrv.URL, AccessToken: token, Timeout: 10 * time.Second, Now: now})
	if err != nil {
		return fmt.Errorf("graph client: %w", err)
	}

	st := store.NewWithOptions(rdb, "licensebot", store.Options{Now: now})
	out := console.New(stdout, bot.Actor{})
	out.Approvers = "the approvers (Megan Bowen)"
	if *language == "tr" {
		out.Approvers = "onaylayıcılar (Megan Bowen)"
	}
	out.Language = *language
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// The terminal is the one chat platform, run as serve runs its platforms.
	chat := &chatSet{}
	chat.add(out)
	links, err := newLinks(st, configs.Config{})
	if err != nil {
		return err
	}
	svc, err := handlers.New(handlers.Deps{
		Directory: graphDirectory{directory},
		Remover:   graphChanges{directory},
		Restorer:  graphChanges{directory},
		Requests:  requestStore{st},
		Audit:     requestStore{st},
		RoleCache: st,
		Links:     links,
		// The real job path, as serve runs it, on the embedded Redis.
		Deadlines: st,
		Jobs:      jobQueue{st},
		Ledger:    ledger{st},
		Notifier:  &chat.notifier,
		NewID:     store.NewID,
		Catalogue: licensing.DefaultCatalogue(),
		Logger:    logger,
		Now:       now,
	}, handlers.Options{
		Policy:    handlers.Policy(*policy),
		Approvers: []string{"megan@" + demoDomain},
		Location:  loc,
		Language:  *language,
		// The embedded Redis wakes a blocked read only when it times out: a worker that
		// looks for jobs every 100 ms starts an approved one at once, as a person expects.
		JobIdle: 400 * time.Millisecond,
		Prices:  demoPrices,
	})
	if err != nil {
		return err
	}

	users := func(ctx context.Context, who string) (bot.Actor, error) {
		q := strings.TrimPrefix(strings.TrimSpace(who), "@")
		if !strings.Contains(q, "@") && !handlers.IsUserQuery(q) {
			q += "@" + demoDomain
		}
		if !handlers.IsUserQuery(q) {
			return bot.Actor{}, errors.New("give a name (megan) or an address (megan@contoso.example)")
		}
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		u, err := directory.FindPerson(ctx, q)
		if err != nil {
			return bot.Actor{}, err
		}
		return bot.Actor{Platform: "console", ChatID: u.ID, Name: u.DisplayName, Email: firstNonEmpty(u.Mail, u.UserPrincipalName)}, nil
	}
	me, err := users(ctx, *as)
	if err != nil {
		return fmt.Errorf("-as %s: %w", *as, err)
	}
	out.SetActor(me)

	fmt.Fprintf(stdout, "licensebot demo %s: a simulated Microsoft 365 tenant (%s, %d users, %d products) reached through the real Graph SDK,\n",
		buildVersion(), demoDomain, len(tenant.Users), len(tenant.SKUs))
	fmt.Fprintf(stdout, "and an embedded Redis: data is in memory and gone when the demo ends. Approval policy: %s. Dates in %s.\n", *policy, loc)
	fmt.Fprintf(stdout, "You are %s <%s>. Try: /unassign alice@%s --product \"Office 365 E3\", press a button by typing its number, /as megan to approve. /help for more.\n",
		me.Name, me.Email, demoDomain)
	fmt.Fprintf(stdout, "(ready in %s)\n", time.Since(started).Round(time.Millisecond))
	out.Input(stdin, users)
	out.SetSettle(func(ctx context.Context) { settleJobs(ctx, st) })
	if err := chat.start(ctx, svc); err != nil {
		return err
	}
	// The demo ends when the terminal's input does.
	var wg sync.WaitGroup
	errc, done := make(chan error, 1), make(chan string, 1)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	chat.run(runCtx, &wg, errc, done)
	// Approved requests run as jobs, taken by a worker, as in serve.
	wg.Go(func() { svc.RunWorkers(runCtx, "demo", 1) })
	wg.Go(func() { svc.RunSweeper(runCtx, 30*time.Second) })
	<-done
	stop()
	wg.Wait()
	chat.wait()
	select {
	case err := <-errc:
		return err
	default:
		return nil
	}
}

// settleJobs waits, for a minute at most, until no job is queued or running.
func settleJobs(ctx context.Context, st *store.Store) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		if n, err := st.JobsWaiting(ctx); err != nil || n == 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func randomToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "demo-" + hex.EncodeToString(b), nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// demoPrices are made-up monthly prices for the sample's products, so that the demo shows
// the money freed (a real organisation configures its own: LICENSEBOT_PRICES).
var demoPrices = licensing.PriceList{
	"ENTERPRISEPACK":   {Minor: 2300, Currency: "EUR"},
	"SPE_E3":           {Minor: 3600, Currency: "EUR"},
	"EMS":              {Minor: 1060, Currency: "EUR"},
	"EXCHANGESTANDARD": {Minor: 400, Currency: "EUR"},
	"POWER_BI_PRO":     {Minor: 1400, Currency: "EUR"},
	"VISIOCLIENT":      {Minor: 1500, Currency: "EUR"},
}
