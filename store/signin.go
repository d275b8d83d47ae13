package store

import (
	"context"
	"fmt"
	"time"
)

// Pending sign-in links (the authorization code flow): what the redirect needs, by the
// link's state, until it comes back to whichever replica. GETDEL makes each state work
// once: a redirect replayed, or raced by two browsers, finds nothing the second time.
//
//	licensebot:signin:STATE  string, with the link's lifetime

func (s *Store) signInKey(state string) string { return s.prefix + ":signin:" + state }

// maxSignInData bounds what one pending sign-in may hold.
const maxSignInData = 16 << 10

// PutSignIn keeps a pending sign-in's data under its state for ttl.
func (s *Store) PutSignIn(ctx context.Context, state string, data []byte, ttl time.Duration) error {
	if !validSegment(state, false) || ttl <= 0 || len(data) > maxSignInData {
		return fmt.Errorf("keep sign-in %q: %w", state, ErrInvalidID)
	}
	if err := s.rdb.Set(ctx, s.signInKey(state), data, ttl).Err(); err != nil {
		return fmt.Errorf("keep a sign-in: %w", err)
	}
	return nil
}

// TakeSignIn reads and deletes a pending sign-in; ok is false when the state is unknown,
// used or expired (or malformed: it can't be one licensebot made).
func (s *Store) TakeSignIn(ctx context.Context, state string) ([]byte, bool, error) {
	if !validSegment(state, false) {
		return nil, false, nil
	}
	b, err := s.rdb.GetDel(ctx, s.signInKey(state)).Bytes()
	switch {
	case isNil(err):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("read a sign-in: %w", err)
	}
	return b, true, nil
}
