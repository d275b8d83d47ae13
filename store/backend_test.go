package store_test

import (
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/licensebot/licensebot/store"
	"github.com/licensebot/licensebot/store/storetest"
	"github.com/redis/go-redis/v9"
)

// backend is a Redis the contract tests run against.
type backend struct {
	rdb redis.UniversalClient
	// advance lets d pass for the server's key expiry: a real sleep on redis-server,
	// miniredis' FastForward (miniredis never expires keys on its own).
	advance func(d time.Duration)
}

// forEachBackend runs test against a real redis-server (what production runs) and
// against miniredis (what `licensebot demo` embeds), so the Lua scripts and commands
// are known to work on both.
func forEachBackend(t *testing.T, test func(t *testing.T, b backend)) {
	t.Helper()
	t.Run("redis-server", func(t *testing.T) {
		srv := storetest.Start(t)
		test(t, backend{rdb: srv.Client(t), advance: time.Sleep})
	})
	t.Run("miniredis", func(t *testing.T) {
		m := miniredis.RunT(t)
		rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
		t.Cleanup(func() { _ = rdb.Close() })
		test(t, backend{rdb: rdb, advance: m.FastForward})
	})
}

// testNow is the store's clock in tests, so UpdatedAt and audit times are exact.
var testNow = time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)

func newStore(b backend) *store.Store {
	return store.NewWithOptions(b.rdb, "test", store.Options{Now: func() time.Time { return testNow }})
}

func mustID(t testing.TB) string {
	t.Helper()
	id, err := store.NewID()
	if err != nil {
		t.Fatal(err)
	}
	return id
}
