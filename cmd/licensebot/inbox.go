package main

import (
	"context"
	"strconv"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/store"
)

// inbox is the store's inboxes as the chat platforms' bot.Inbox: one per platform (the
// delivery's), each a Redis stream with one consumer group for every replica.
type inbox struct{ *store.Store }

// The inbox entry's fields: the delivery as bot keeps it. Reply is its own field, the
// credential that answers the delivery, which lives in the entry only.
const (
	inboxKind     = "kind"
	inboxPayload  = "payload"
	inboxReply    = "reply"
	inboxReceived = "received"
	inboxQuick    = "quick"
	inboxRetry    = "retry"
)

func (s inbox) Record(ctx context.Context, d bot.Delivery, holder string, dedupe time.Duration) (string, bool, error) {
	return s.RecordDelivery(ctx, d.Platform, holder, d.Key, map[string]string{
		inboxKind:     d.Kind,
		inboxPayload:  string(d.Payload),
		inboxReply:    d.Reply.Reveal(),
		inboxReceived: d.Received.UTC().Format(time.RFC3339Nano),
		inboxQuick:    strconv.FormatBool(d.Quick),
		inboxRetry:    strconv.Itoa(d.Retry),
	}, dedupe)
}

func (s inbox) Reclaim(ctx context.Context, platform, holder string, minIdle time.Duration) (bot.Delivery, bool, error) {
	e, ok, err := s.ReclaimDelivery(ctx, platform, holder, minIdle)
	if err != nil || !ok {
		return bot.Delivery{}, false, err
	}
	// A field that can't be read is left zero: the platform refuses a payload it can't
	// read, and a zero arrival makes its Reply too old to use.
	received, _ := time.Parse(time.RFC3339Nano, e.Fields[inboxReceived])
	quick, _ := strconv.ParseBool(e.Fields[inboxQuick])
	retry, _ := strconv.Atoi(e.Fields[inboxRetry])
	return bot.Delivery{
		Platform: platform, Kind: e.Fields[inboxKind], Key: e.Key,
		Payload: []byte(e.Fields[inboxPayload]), Reply: bot.Secret(e.Fields[inboxReply]),
		Received: received, Quick: quick, Retry: retry, ID: e.ID, Attempt: e.Attempt,
	}, true, nil
}

func (s inbox) Extend(ctx context.Context, platform, holder string, ids []string) ([]string, error) {
	return s.ExtendDeliveries(ctx, platform, holder, ids)
}

func (s inbox) Done(ctx context.Context, platform, id string) error {
	return s.AckDelivery(ctx, platform, id)
}
