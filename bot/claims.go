package bot

import (
	"context"
	"sync"
	"time"
)

// MemoryClaims remembers single-use keys (a delivery, an interaction) in this process only,
// for a platform running without Redis: enough for one replica. Several replicas need the
// shared claims of the store (Redis SET NX), since a platform may deliver the same thing to
// another replica (Slack's retries; every Discord gateway session of one token).
type MemoryClaims struct {
	mu   sync.Mutex
	now  func() time.Time
	seen map[string]time.Time
}

// NewMemoryClaims uses now as its clock.
func NewMemoryClaims(now func() time.Time) *MemoryClaims {
	return &MemoryClaims{now: now, seen: map[string]time.Time{}}
}

// Claim reports whether key is claimed for the first time within ttl.
func (d *MemoryClaims) Claim(_ context.Context, key string, ttl time.Duration) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	for k, until := range d.seen {
		if !now.Before(until) {
			delete(d.seen, k)
		}
	}
	if _, ok := d.seen[key]; ok {
		return false, nil
	}
	d.seen[key] = now.Add(ttl)
	return true, nil
}
