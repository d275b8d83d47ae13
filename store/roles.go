package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// CacheRoles remembers a caller's directory roles for ttl, so a burst of commands and
// clicks does not ask Graph each time. An empty list is cached too: "no admin role" is
// the answer most worth not asking again for.
func (s *Store) CacheRoles(ctx context.Context, userID string, roles []string, ttl time.Duration) error {
	if err := checkTTL(ttl); err != nil {
		return fmt.Errorf("cache roles of %s: %w", userID, err)
	}
	if roles == nil {
		roles = []string{}
	}
	b, err := json.Marshal(roles)
	if err != nil {
		return fmt.Errorf("cache roles of %s: %w", userID, err)
	}
	if err := s.rdb.Set(ctx, s.rolesKey(userID), b, ttl).Err(); err != nil {
		return fmt.Errorf("cache roles of %s: %w", userID, err)
	}
	return nil
}

// CachedRoles returns the roles cached for userID; ok is false if none are cached (never
// cached, or expired).
func (s *Store) CachedRoles(ctx context.Context, userID string) (roles []string, ok bool, err error) {
	b, err := s.rdb.Get(ctx, s.rolesKey(userID)).Bytes()
	if isNil(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cached roles of %s: %w", userID, err)
	}
	if err := json.Unmarshal(b, &roles); err != nil {
		return nil, false, fmt.Errorf("cached roles of %s: %w", userID, err)
	}
	return roles, true, nil
}
