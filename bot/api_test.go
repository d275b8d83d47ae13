package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
)

// limited is a platform's 429 with its wait; status, an answer that refused with a status;
// refused, one that refused without (ok:false); nothing, what is no failure.
type (
	limited struct{ wait time.Duration }
	status  int
	refused struct{}
	nothing struct{}
)

func (e limited) Error() string { return fmt.Sprintf("rate limited for %s", e.wait) }
func (e status) Error() string  { return fmt.Sprintf("status %d", int(e)) }
func (refused) Error() string   { return "ok:false" }
func (nothing) Error() string   { return "no more pages" }

func testAPI(observe func(platform, method, reason string), waits *[]time.Duration) *API {
	return &API{
		Platform: "test", Log: slog.New(slog.DiscardHandler), MaxRetries: 2, MinWait: time.Second, Observe: observe,
		Sleep: func(_ context.Context, d time.Duration) error { *waits = append(*waits, d); return nil },
		Errors: APIErrors{
			RateLimited: func(err error) (time.Duration, bool) {
				var l limited
				return l.wait, errors.As(err, &l)
			},
			Status: func(err error) int {
				var s status
				if errors.As(err, &s) {
					return int(s)
				}
				return 0
			},
			Refused: func(err error) bool { return errors.As(err, &refused{}) },
			Ignore:  func(err error) bool { return errors.As(err, &nothing{}) },
		},
	}
}

func TestCallWaitsOutRateLimits(t *testing.T) {
	tests := []struct {
		name     string
		errs     []error // what the attempts return, in turn; then success
		deadline time.Duration
		wantErr  string
		waits    []time.Duration
		observed []string
	}{
		{name: "a success is not observed"},
		{name: "429s are waited out, at least MinWait", errs: []error{limited{3 * time.Second}, limited{0}},
			waits: []time.Duration{3 * time.Second, time.Second}, observed: []string{"test call rate_limited", "test call rate_limited"}},
		{name: "after MaxRetries the 429 is the error", errs: []error{limited{time.Second}, limited{time.Second}, limited{time.Second}},
			wantErr: "test call: rate limited for 1s", waits: []time.Duration{time.Second, time.Second},
			observed: []string{"test call rate_limited", "test call rate_limited", "test call rate_limited"}},
		{name: "a wait over a minute is not waited", errs: []error{limited{2 * time.Minute}},
			wantErr: "rate limited for 2m0s", observed: []string{"test call rate_limited"}},
		{name: "a wait past the deadline is not waited", errs: []error{limited{5 * time.Second}}, deadline: time.Second,
			wantErr: "longer than the time left", observed: []string{"test call rate_limited"}},
		{name: "another error is not retried", errs: []error{status(500)},
			wantErr: "test call: status 500", observed: []string{"test call http_5xx"}},
		{name: "what is no failure is not observed", errs: []error{nothing{}}, wantErr: "no more pages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var waits []time.Duration
			var observed []string
			api := testAPI(func(p, m, r string) { observed = append(observed, p+" "+m+" "+r) }, &waits)
			ctx := context.Background()
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.deadline)
				defer cancel()
			}
			attempt := 0
			got, err := Call(ctx, api, "call", func(context.Context) (int, error) {
				attempt++
				if attempt <= len(tt.errs) {
					return 0, tt.errs[attempt-1]
				}
				return 42, nil
			})
			switch {
			case tt.wantErr == "" && (err != nil || got != 42):
				t.Fatalf("Call = %d, %v", got, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err %v, want %q", err, tt.wantErr)
			}
			if !slices.Equal(waits, tt.waits) || !slices.Equal(observed, tt.observed) {
				t.Fatalf("waits %v observed %q, want %v %q", waits, observed, tt.waits, tt.observed)
			}
		})
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestReasonSortsErrors(t *testing.T) {
	var waits []time.Duration
	api := testAPI(nil, &waits)
	tests := []struct {
		err  error
		want string
	}{
		{limited{time.Second}, ReasonRateLimited},
		{fmt.Errorf("wrapped: %w", status(429)), ReasonRateLimited},
		{status(503), ReasonHTTP5xx},
		{status(404), ReasonAPIError},
		{refused{}, ReasonAPIError},
		{context.Canceled, ReasonCanceled},
		{fmt.Errorf("post: %w", context.DeadlineExceeded), ReasonTimeout},
		{&net.OpError{Op: "read", Err: timeoutErr{}}, ReasonTimeout},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, ReasonNetwork},
		{io.ErrUnexpectedEOF, ReasonNetwork},
		{errors.New("invalid character '<'"), ReasonOther},
	}
	for _, tt := range tests {
		if got := api.Reason(tt.err); got != tt.want {
			t.Errorf("Reason(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}
