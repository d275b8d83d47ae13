package slack

import (
	"sync"
	"time"
)

// ttlCache is a small map whose entries expire, bounded in size: when full, expired entries
// go first, then the entry closest to expiry. Lookups of Slack users and groups are cached
// in it so that a burst of clicks doesn't spend Slack's rate limits (users.info is Tier 4,
// usergroups.users.list Tier 2).
type ttlCache[K comparable, V any] struct {
	mu      sync.Mutex
	max     int
	now     func() time.Time
	entries map[K]cacheEntry[V]
}

type cacheEntry[V any] struct {
	value   V
	expires time.Time
}

func newTTLCache[K comparable, V any](max int, now func() time.Time) *ttlCache[K, V] {
	return &ttlCache[K, V]{max: max, now: now, entries: map[K]cacheEntry[V]{}}
}

func (c *ttlCache[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || !c.now().Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.value, true
}

func (c *ttlCache[K, V]) put(k K, v V, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if _, ok := c.entries[k]; !ok && len(c.entries) >= c.max {
		var oldest K
		var oldestAt time.Time
		first := true
		for key, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, key)
				continue
			}
			if first || e.expires.Before(oldestAt) {
				oldest, oldestAt, first = key, e.expires, false
			}
		}
		if len(c.entries) >= c.max && !first {
			delete(c.entries, oldest)
		}
	}
	c.entries[k] = cacheEntry[V]{value: v, expires: now.Add(ttl)}
}
