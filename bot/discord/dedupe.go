package discord

import (
	"context"
	"sync"
	"time"
)

// memoryDeduper is the Deduper when none is configured: it remembers interactions in this
// process only, which is enough for one replica. Several replicas need a shared one (Redis
// SET NX): with one token, every gateway session receives every interaction.
type memoryDeduper struct {
	mu   sync.Mutex
	now  func() time.Time
	seen map[string]time.Time
}

func newMemoryDeduper(now func() time.Time) *memoryDeduper {
	return &memoryDeduper{now: now, seen: map[string]time.Time{}}
}

func (d *memoryDeduper) Claim(_ context.Context, key string, ttl time.Duration) (bool, error) {
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
