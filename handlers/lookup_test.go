package handlers

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
)

// batchDirectory reads users 20 at a time from the fake directory; the first read of each
// user in throttle is answered 429 with a Retry-After.
type batchDirectory struct {
	*fakeDirectory
	mu        sync.Mutex
	calls     int
	biggest   int
	throttle  map[string]bool
	failQuery string
}

func (b *batchDirectory) FindUsersBatch(ctx context.Context, queries []string) []Lookup {
	b.mu.Lock()
	b.calls++
	b.biggest = max(b.biggest, len(queries))
	b.mu.Unlock()
	out := make([]Lookup, len(queries))
	for i, q := range queries {
		b.mu.Lock()
		throttled := b.throttle[q]
		delete(b.throttle, q)
		b.mu.Unlock()
		switch {
		case throttled:
			out[i].Err = &licensing.ThrottledError{RetryAfter: 3 * time.Second}
		case q == b.failQuery:
			out[i].Err = licensing.ErrUnavailable
		default:
			out[i].User, out[i].Err = b.FindUser(ctx, q)
		}
	}
	return out
}

func TestAPlanReadsItsUsersInBatchesAndWaitsOutThrottling(t *testing.T) {
	t.Parallel()
	dir := &batchDirectory{fakeDirectory: newFakeDirectory(), throttle: map[string]bool{}}
	var users []string
	for i := range 45 {
		upn := fmt.Sprintf("staff%02d@contoso.example", i)
		dir.users[upn] = &licensing.User{ID: fmt.Sprintf("u-staff%02d", i), DisplayName: upn, UserPrincipalName: upn, AccountEnabled: true,
			Licenses: []licensing.Assignment{{SKUID: skuE3, PartNumber: "ENTERPRISEPACK", Direct: true, State: "Active"}}}
		users = append(users, upn)
		if i%7 == 0 {
			dir.throttle[upn] = true
		}
	}
	users = append(users, "ghost@contoso.example")
	clk := &clock{now: time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC)}
	var slept atomic.Int64
	var ids atomic.Int64
	svc, err := New(Deps{Directory: dir, Remover: dir, Requests: newMemRequests(), Notifier: &fakeNotifier{},
		NewID: func() (string, error) { return fmt.Sprintf("req%016d", ids.Add(1)), nil }, Now: clk.Now,
		Sleep: func(ctx context.Context, d time.Duration) error {
			slept.Add(int64(d))
			clk.Advance(d)
			return ctx.Err()
		}}, Options{Approvers: []string{"megan@contoso.example"}, MaxTargets: 100})
	if err != nil {
		t.Fatal(err)
	}
	plan := svc.HandleCommand(context.Background(), bot.Command{Actor: actor("adele"), Text: strings.Join(users, " ") + ` --product "Office 365 E3"`}).Message
	mustContain(t, plan, "staff00@contoso.example", "staff44@contoso.example", "ghost@contoso.example")
	button(t, plan, ActionConfirm)
	if dir.biggest > 20 || dir.calls < 3 {
		t.Errorf("%d calls, the biggest of %d users", dir.calls, dir.biggest)
	}
	if time.Duration(slept.Load()) < 3*time.Second {
		t.Errorf("waited %s, want at least the Retry-After", time.Duration(slept.Load()))
	}

	// A user Graph can't read now fails the plan, said as such.
	dir.failQuery = "staff03@contoso.example"
	got := svc.HandleCommand(context.Background(), bot.Command{Actor: actor("adele"), Text: strings.Join(users, " ") + ` --product "Office 365 E3"`}).Message
	if !strings.Contains(text(got), "Microsoft Graph") || len(got.Buttons) != 0 {
		t.Fatalf("a failed read: %q", text(got))
	}
}
