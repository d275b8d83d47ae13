// Package bottest is what the chat platforms' tests share: a handler that records what
// reaches it, an inbox that fails, a sleep that only records, an observer of API errors,
// servers that answer badly, the messages the handlers make (for rendering tests) and golden
// files. Only tests import it.
package bottest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
)

// Recorder is a bot.Handler that records what reaches it and answers with canned replies,
// after Delay for commands (Graph being slow).
type Recorder struct {
	mu       sync.Mutex
	commands []bot.Command
	clicks   []bot.Click
	Delay    time.Duration
	Command  bot.Reply
	Click    bot.Reply
}

// HandleCommand records cmd and answers Command after Delay (or when ctx ends).
func (r *Recorder) HandleCommand(ctx context.Context, cmd bot.Command) bot.Reply {
	r.mu.Lock()
	r.commands = append(r.commands, cmd)
	delay, reply := r.Delay, r.Command
	r.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
		}
	}
	return reply
}

// HandleClick records click and answers Click.
func (r *Recorder) HandleClick(_ context.Context, click bot.Click) bot.Reply {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clicks = append(r.clicks, click)
	return r.Click
}

// Commands are the commands handled so far.
func (r *Recorder) Commands() []bot.Command {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.commands)
}

// Clicks are the clicks handled so far.
func (r *Recorder) Clicks() []bot.Click {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.clicks)
}

// Panicker is a handler that panics on everything.
type Panicker struct{}

func (Panicker) HandleCommand(context.Context, bot.Command) bot.Reply { panic("boom") }
func (Panicker) HandleClick(context.Context, bot.Click) bot.Reply     { panic("boom") }

// Sleeps records the waits for a rate limit's Retry-After instead of sleeping.
type Sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

// Sleep records d and returns at once.
func (s *Sleeps) Sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return nil
}

// Waits are the waits so far.
func (s *Sleeps) Waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.waits)
}

// FailingInbox is an inbox whose Redis is down: every call fails.
type FailingInbox struct{}

var errRedisDown = errors.New("redis: connection refused")

func (FailingInbox) Record(context.Context, bot.Delivery, string, time.Duration) (string, bool, error) {
	return "", false, errRedisDown
}

func (FailingInbox) Reclaim(context.Context, string, string, time.Duration) (bot.Delivery, bool, error) {
	return bot.Delivery{}, false, errRedisDown
}

func (FailingInbox) Extend(context.Context, string, string, []string) ([]string, error) {
	return nil, errRedisDown
}

func (FailingInbox) Done(context.Context, string, string) error { return errRedisDown }

// Observed records what bot.Options.ObserveError is told, as "method reason".
type Observed struct {
	mu    sync.Mutex
	calls []string
}

// Observe is the ObserveError to give a platform.
func (o *Observed) Observe(_, method, reason string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, method+" "+reason)
}

// Calls are the observations so far.
func (o *Observed) Calls() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.calls)
}

// Answering is a platform API that answers every call with status and an HTML page (a
// proxy's error, say); its base URL ends with path.
func Answering(t *testing.T, status int, path string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "<html>oops</html>", status)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + path
}

// Unreachable is a base URL nothing answers on: a server that was closed.
func Unreachable(path string) string {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	return srv.URL + path
}

// WaitFor polls cond every 5 ms for up to within.
func WaitFor(t testing.TB, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Golden compares v, as indented JSON without HTML escaping (so that the file reads as the
// platform shows it), with testdata/golden/name.json, and rewrites the file first when
// update (the test package's -update flag).
func Golden(t *testing.T, name string, v any, update bool) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	path := filepath.Join("testdata", "golden", name+".json")
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the golden file (run with -update if intended):\n%s", path, got)
	}
}

// ObserveCase is one case of a platform's test that ObserveError is told of each failed
// attempt of a call, and why. W is the platform test's world.
type ObserveCase[W any] struct {
	Name    string
	APIURL  func(t *testing.T) string // nil: the platform's fake
	Client  *http.Client              // nil: the default
	Setup   func(w W)
	Act     func(w W) error
	WantErr bool
	Want    []string // what ObserveError is told, as "method reason"
}

// ObserveWorld makes a test world whose platform is set up as o says.
type ObserveWorld[W any] func(t *testing.T, o ObserveSetup) W

// ObserveSetup is how a case sets up the platform: who is told of failed calls, and the API
// it calls.
type ObserveSetup struct {
	Observe func(platform, method, reason string)
	APIURL  string       // "": the platform's fake
	Client  *http.Client // nil: the default
}

// Apply sets a platform's options and API URL as o says.
func (o ObserveSetup) Apply(opts *bot.Options, apiURL *string) {
	opts.ObserveError, opts.HTTPClient = o.Observe, o.Client
	if o.APIURL != "" {
		*apiURL = o.APIURL
	}
}

// RunObserveCases runs each case in a world of its own.
func RunObserveCases[W any](t *testing.T, world ObserveWorld[W], cases []ObserveCase[W]) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			obs := &Observed{}
			apiURL := ""
			if tt.APIURL != nil {
				apiURL = tt.APIURL(t)
			}
			w := world(t, ObserveSetup{Observe: obs.Observe, APIURL: apiURL, Client: tt.Client})
			if tt.Setup != nil {
				tt.Setup(w)
			}
			if err := tt.Act(w); (err != nil) != tt.WantErr {
				t.Fatalf("err %v, want an error: %v", err, tt.WantErr)
			}
			if got := obs.Calls(); !slices.Equal(got, tt.Want) {
				t.Fatalf("ObserveError told %q, want %q", got, tt.Want)
			}
		})
	}
}

// Hanging is a platform API that never answers (until the test ends); its base URL ends
// with path.
func Hanging(t *testing.T, path string) string {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-stop }))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) }) // first: Close waits for the handler
	return srv.URL + path
}

// RenderGolden renders each sample as the platform does, compares it with its golden file
// (Golden) and holds it to the platform's limits (check).
func RenderGolden[R any](t *testing.T, samples []Sample, render func(s Sample) R, check func(t *testing.T, r R), update bool) {
	t.Helper()
	for _, s := range samples {
		t.Run(s.Name, func(t *testing.T) {
			r := render(s)
			Golden(t, s.Name, r, update)
			check(t, r)
		})
	}
}

// Fixture reads a JSON object from testdata (a platform's example payload) and changes it
// for a test.
func Fixture(t *testing.T, name string, change func(p map[string]any)) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(p)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Findings are a platform's doctor findings as doctor prints them, one line each
// ("check: problem — fix"), sorted by outcome; All in their order.
type Findings struct {
	Passed, Failed, Unchecked, All []string
}

// SortFindings sorts a platform's findings, and fails t if one shows a secret or spans
// lines.
func SortFindings(t *testing.T, findings []bot.Finding, secrets ...string) Findings {
	t.Helper()
	var out Findings
	for _, fd := range findings {
		line := fd.Check
		if fd.Problem != "" {
			line += ": " + fd.Problem + " — " + fd.Fix
		}
		out.All = append(out.All, line)
		switch {
		case fd.Problem == "":
			out.Passed = append(out.Passed, line)
		case fd.Unchecked:
			out.Unchecked = append(out.Unchecked, line)
		default:
			out.Failed = append(out.Failed, line)
		}
		for _, secret := range secrets {
			if secret != "" && strings.Contains(line, secret) {
				t.Errorf("a finding contains a secret: %q", line)
			}
		}
		if strings.ContainsAny(line, "\n\r") {
			t.Errorf("a finding spans lines: %q", line)
		}
	}
	return out
}

// Clock is a platform's clock that a test moves.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts at now.
func NewClock(now time.Time) *Clock { return &Clock{now: now} }

// Now is the clock's time (bot.Options.Now).
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// NewPlatform applies configure to a platform's configuration, makes the platform with
// newPlatform, sets h as its handler, and waits for its work when the test ends.
func NewPlatform[C any, P interface {
	SetHandler(bot.Handler)
	Wait()
}](t *testing.T, cfg C, configure []func(*C), newPlatform func(C) (P, error), h bot.Handler) P {
	t.Helper()
	for _, c := range configure {
		c(&cfg)
	}
	p, err := newPlatform(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.SetHandler(h)
	t.Cleanup(p.Wait)
	return p
}

// Running runs a platform's loop (Socket Mode, the gateway) until the returned stop is
// called; stop fails t if the loop doesn't return nil within 5 seconds of its context's end.
func Running(t *testing.T, name string, loop func(ctx context.Context) error) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- loop(ctx) }()
	return func() {
		t.Helper()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s = %v, want nil when its context ends", name, err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("%s didn't return after its context ended", name)
		}
	}
}
