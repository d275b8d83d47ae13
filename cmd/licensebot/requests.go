package main

import (
	"context"
	"errors"
	"github.com/licensebot/licensebot/configs"
	"strings"
	"time"

	"github.com/licensebot/licensebot/graph"
	"github.com/licensebot/licensebot/handlers"
	"github.com/licensebot/licensebot/licensing"
	"github.com/licensebot/licensebot/store"
)

// requestStore lets handlers keep requests in store: the two packages don't know each
// other, and this is the one place that translates between them.
type requestStore struct{ *store.Store }

func (s requestStore) Create(ctx context.Context, id, state string, data []byte, ttl time.Duration) error {
	_, err := s.Store.Create(ctx, id, state, data, ttl)
	return storeErr(err)
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

// RequestAudit is a request's own audit events, for its story in /unassign status.
func (s requestStore) RequestAudit(ctx context.Context, id string, max int) ([]handlers.AuditEvent, error) {
	events, err := s.Store.AuditLog(ctx, id, max)
	if err != nil {
		return nil, err
	}
	out := make([]handlers.AuditEvent, len(events))
	for i, e := range events {
		out[i] = handlers.AuditEvent{RequestID: e.RequestID, Action: e.Action, Actor: e.Actor, At: e.At, Fields: e.Fields}
	}
	return out, nil
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
	case errors.Is(err, store.ErrExists):
		return errors.Join(handlers.ErrExists, err)
	}
	return err
}

// jobQueue is the store's job stream as handlers' Jobs.
type jobQueue struct{ *store.Store }

func (q jobQueue) NextJob(ctx context.Context, worker string, block time.Duration) (handlers.Job, bool, error) {
	j, ok, err := q.Store.NextJob(ctx, worker, block)
	return handlers.Job{ID: j.ID, RequestID: j.RequestID, Attempt: j.Attempt}, ok, err
}

func (q jobQueue) ReclaimJob(ctx context.Context, worker string, minIdle time.Duration) (handlers.Job, bool, error) {
	j, ok, err := q.Store.ReclaimJob(ctx, worker, minIdle)
	return handlers.Job{ID: j.ID, RequestID: j.RequestID, Attempt: j.Attempt}, ok, err
}

func (q jobQueue) ExtendJob(ctx context.Context, worker, jobID string) error {
	err := q.Store.ExtendJob(ctx, worker, jobID)
	if errors.Is(err, store.ErrJobLost) {
		return errors.Join(handlers.ErrJobLost, err)
	}
	return err
}

// ledger is the store's checkpoints, in-flight marks and snapshots as handlers' Ledger.
type ledger struct{ *store.Store }

func (l ledger) Results(ctx context.Context, requestID string) (map[string][]byte, error) {
	return l.Store.Checkpoints(ctx, requestID)
}

func (l ledger) Record(ctx context.Context, requestID, key string, result []byte) (bool, error) {
	return l.Store.Checkpoint(ctx, requestID, key, result)
}

func (l ledger) Claim(ctx context.Context, requestID, key, worker string, staleAfter time.Duration) (handlers.Claim, error) {
	c, err := l.Store.ClaimUser(ctx, requestID, key, worker, staleAfter)
	return handlers.Claim{Done: c.Done, Result: c.Result, Claimed: c.Claimed, TookOver: c.TookOver, SendBy: c.SendBy}, err
}

func (l ledger) Release(ctx context.Context, requestID, key, worker string) (bool, error) {
	return l.Store.ReleaseUser(ctx, requestID, key, worker)
}

// graphDirectory is the Graph client as handlers' Directory and BatchFinder.
type graphDirectory struct{ *graph.Client }

func (g graphDirectory) FindUsersBatch(ctx context.Context, queries []string) []handlers.Lookup {
	out := make([]handlers.Lookup, len(queries))
	for i, l := range g.Client.FindUsersBatch(ctx, queries) {
		out[i] = handlers.Lookup{User: l.User, Err: l.Err}
	}
	return out
}

func (g graphDirectory) GroupUsers(ctx context.Context, group string) (licensing.Source, []string, error) {
	e, err := g.Client.GroupUsers(ctx, group)
	return licensing.Source{ID: e.ID, Name: e.Name, LeftOut: e.LeftOut}, e.UserIDs, err
}

func (g graphDirectory) ProductHolders(ctx context.Context, skuID string) (licensing.Source, []string, error) {
	e, err := g.Client.ProductHolders(ctx, skuID)
	return licensing.Source{ID: e.ID, LeftOut: e.LeftOut}, e.UserIDs, err
}

func (g graphDirectory) InactiveUsers(ctx context.Context, skuIDs []string, cutoff time.Time) (licensing.Source, []string, error) {
	e, err := g.Client.InactiveUsers(ctx, skuIDs, cutoff)
	return licensing.Source{LeftOut: e.LeftOut, Via: e.Via}, e.UserIDs, err
}

// graphChanges is the Graph client as handlers' Remover, BatchRemover and Restorer.
type graphChanges struct{ *graph.Client }

func (g graphChanges) RemoveLicensesBatch(ctx context.Context, rs []handlers.Removal) []handlers.RemovalResult {
	in := make([]graph.Removal, len(rs))
	for i, r := range rs {
		in[i] = graph.Removal{UserID: r.UserID, SKUIDs: r.SKUIDs}
	}
	out := make([]handlers.RemovalResult, len(rs))
	for i, r := range g.Client.RemoveLicensesBatch(ctx, in) {
		out[i] = handlers.RemovalResult{UserID: r.UserID, RequestID: r.RequestID, Err: r.Err}
	}
	return out
}

func (g graphChanges) RestoreLicenses(ctx context.Context, userID string, ls []handlers.Restore) (string, error) {
	in := make([]graph.Restore, len(ls))
	for i, l := range ls {
		in[i] = graph.Restore{SKUID: l.SKUID, DisabledPlans: l.DisabledPlans}
	}
	return g.Client.RestoreLicenses(ctx, userID, in)
}

// priceList is the configured prices as handlers take them: keys that are GUIDs are SKU ids,
// the others part numbers (configs checked the amounts and the currency).
func priceList(p configs.Prices) (licensing.PriceList, error) {
	minor, err := p.Minor()
	if err != nil {
		return nil, err
	}
	out := licensing.PriceList{}
	for k, v := range minor {
		key := strings.ToUpper(k)
		if licensing.IsGUID(k) {
			key = strings.ToLower(k)
		}
		out[key] = licensing.Price{Minor: v, Currency: p.Currency}
	}
	return out, nil
}
