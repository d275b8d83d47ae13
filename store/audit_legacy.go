package store

import (
	"context"
	"fmt"
	"time"
)

// Versions before the audit chain wrote every event to one unchained stream,
// <prefix>:audit, capped by length and never expired. Nothing writes or reads it now; left
// alone it would stay in Redis for good, so it is given the audit record's retention once
// and ages out like the chain's entries. It is not deleted at once: an admin who needs it
// can still export it (redis-cli XRANGE <prefix>:audit - +) before then.

// LegacyAuditKey is the name of the unchained audit stream of earlier versions.
func (s *Store) LegacyAuditKey() string { return s.prefix + ":audit" }

// ExpireLegacyAudit gives the unchained audit stream of earlier versions, if there is one,
// the audit retention as its time to live, unless it has one already (a restart doesn't
// push the date back). It reports when the stream goes, and false when there is none.
func (s *Store) ExpireLegacyAudit(ctx context.Context) (expires time.Time, found bool, err error) {
	key := s.LegacyAuditKey()
	ttl, err := s.rdb.PTTL(ctx, key).Result()
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read when the audit stream of earlier versions expires: %w", err)
	}
	switch {
	case ttl == -2: // no such key: go-redis hands Redis' -2 on as it is, not as milliseconds
		return time.Time{}, false, nil
	case ttl < 0: // -1, no time to live yet; replicas starting at once set about the same one
		if err := s.rdb.PExpire(ctx, key, s.opts.AuditRetention).Err(); err != nil {
			return time.Time{}, false, fmt.Errorf("expire the audit stream of earlier versions: %w", err)
		}
		ttl = s.opts.AuditRetention
	}
	return s.opts.Now().Add(ttl), true, nil
}
