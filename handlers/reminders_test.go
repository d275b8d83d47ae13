package handlers

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/licensebot/licensebot/licensing"
)

type memOnce struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (m *memOnce) FirstTime(_ context.Context, key string, _ time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen[key] {
		return false, nil
	}
	m.seen[key] = true
	return true, nil
}

// A product with unused seats whose subscription moves on within the window is named to the
// approvers once, with what the seats cost; one further away, or fully used, is not.
func TestUnusedSeatsAreRemindedOnceBeforeTheDate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC)
	dir := newFakeDirectory()
	dir.subs = []licensing.Subscription{
		{ID: "s-e3", SKUID: skuE3, Status: "Enabled", TotalLicenses: 25, NextLifecycle: now.AddDate(0, 0, 10)},
		{ID: "s-pbi", SKUID: skuPBI, Status: "Enabled", TotalLicenses: 5, NextLifecycle: now.AddDate(0, 0, 90)},
	}
	out := &fakeNotifier{}
	var ids atomic.Int64
	svc, err := New(Deps{Directory: dir, Remover: dir, Requests: newMemRequests(), Notifier: out, Once: &memOnce{seen: map[string]bool{}},
		NewID: func() (string, error) { return fmt.Sprintf("req%016d", ids.Add(1)), nil }, Now: func() time.Time { return now }},
		Options{Approvers: []string{"megan@contoso.example"}, SeatReminderDays: 14,
			Prices: licensing.PriceList{"ENTERPRISEPACK": {Minor: 2300, Currency: "EUR"}}})
	if err != nil {
		t.Fatal(err)
	}
	for pass, want := range []int{1, 0} {
		n, err := svc.RemindUnusedSeats(context.Background())
		if err != nil || n != want {
			t.Fatalf("pass %d: %d reminders, %v; want %d", pass, n, err, want)
		}
	}
	posts := out.all()
	if len(posts) != 1 || !posts[0].To.Approvers {
		t.Fatalf("posts %+v", posts)
	}
	got := text(posts[0].Msg)
	for _, want := range []string{"Office 365 E3 has 22 seats unused", "Wed 9 Dec 2026", "Billing › Your products", "€ 506.00 a month"} {
		if !strings.Contains(got, want) {
			t.Errorf("reminder %q lacks %q", got, want)
		}
	}
}
