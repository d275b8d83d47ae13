package main

import (
	"context"
	"errors"
	"time"

	"github.com/licensebot/licensebot/bot/discord"
	"github.com/licensebot/licensebot/handlers"
	"github.com/licensebot/licensebot/store"
)

// requestStore lets handlers keep requests in store: the two packages don't know each
// other, and this is the one place that translates between them.
type requestStore struct{ *store.Store }

func (s requestStore) Create(ctx context.Context, id, state string, data []byte, ttl time.Duration) error {
	_, err := s.Store.Create(ctx, id, state, data, ttl)
	return err
}

func (s requestStore) Get(ctx context.Context, id string) (handlers.Stored, error) {
	rec, err := s.Store.Get(ctx, id)
	return stored(rec), storeErr(err)
}

func (s requestStore) Transition(ctx context.Context, id, from string, version int64, to string, data []byte, ttl time.Duration) (handlers.Stored, error) {
	rec, err := s.Store.Transition(ctx, id, from, version, to, data, ttl)
	return stored(rec), storeErr(err)
}

func (s requestStore) Audit(ctx context.Context, e handlers.AuditEvent) error {
	return s.Store.Audit(ctx, store.AuditEvent{RequestID: e.RequestID, Action: e.Action, Actor: e.Actor, At: e.At, Fields: e.Fields})
}

func stored(r store.Record) handlers.Stored {
	return handlers.Stored{State: r.State, Version: r.Version, Data: r.Data}
}

// storeErr keeps the store's error (and its context) and adds the meaning handlers decide on.
func storeErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return errors.Join(handlers.ErrNotFound, err)
	case errors.Is(err, store.ErrConflict):
		return errors.Join(handlers.ErrConflict, err)
	}
	return err
}

// discordLinks keeps Discord's account links (Discord user → Entra UPN) and link requests
// in the store, so that every replica sees them.
type discordLinks struct{ *store.Store }

func (s discordLinks) Create(ctx context.Context, id, state string, data []byte, ttl time.Duration) error {
	_, err := s.Store.Create(ctx, id, state, data, ttl)
	return err
}

func (s discordLinks) Get(ctx context.Context, id string) (discord.Record, bool, error) {
	rec, err := s.Store.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return discord.Record{}, false, nil
	}
	if err != nil {
		return discord.Record{}, false, err
	}
	return discord.Record{State: rec.State, Version: rec.Version, Data: rec.Data}, true, nil
}

func (s discordLinks) Transition(ctx context.Context, id, from string, version int64, to string, data []byte, ttl time.Duration) (discord.Record, bool, error) {
	rec, err := s.Store.Transition(ctx, id, from, version, to, data, ttl)
	switch {
	case err == nil:
		return discord.Record{State: rec.State, Version: rec.Version, Data: rec.Data}, true, nil
	case errors.Is(err, store.ErrConflict):
		return discord.Record{State: rec.State, Version: rec.Version, Data: rec.Data}, false, nil
	}
	return discord.Record{}, false, err
}
