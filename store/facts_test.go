package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/licensebot/licensebot/store"
	"github.com/licensebot/licensebot/store/storetest"
)

// A fact one replica remembers, another recalls, until it expires; keys and values that
// aren't a fact's are refused.
func TestFactsAreSharedUntilTheyExpire(t *testing.T) {
	srv := storetest.Start(t)
	a, b := store.New(srv.Client(t), "facts"), store.New(srv.Client(t), "facts")
	ctx := t.Context()
	if _, ok, err := b.Recall(ctx, "teams.serviceurl.abc"); ok || err != nil {
		t.Fatalf("recalled a fact never kept: %v, %v", ok, err)
	}
	if err := a.Remember(ctx, "teams.serviceurl.abc", "https://smba.trafficmanager.net/emea/", time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := b.Recall(ctx, "teams.serviceurl.abc"); !ok || err != nil || v != "https://smba.trafficmanager.net/emea/" {
		t.Fatalf("recalled %q, %v, %v", v, ok, err)
	}
	if err := a.Remember(ctx, "short", "x", 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(80 * time.Millisecond)
	if _, ok, _ := b.Recall(ctx, "short"); ok {
		t.Fatal("an expired fact recalled")
	}
	for name, remember := range map[string]func() error{
		"a key with a colon": func() error { return a.Remember(ctx, "teams:x", "v", time.Minute) },
		"no time to live":    func() error { return a.Remember(ctx, "k", "v", 0) },
		"a value too long":   func() error { return a.Remember(ctx, "k", strings.Repeat("v", 4096), time.Minute) },
	} {
		if err := remember(); !errors.Is(err, store.ErrInvalidID) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
