package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// Delivery is one verified delivery from a chat platform, as the inbox keeps it from before
// its acknowledgement until it has been worked on: enough for any replica to work on it.
type Delivery struct {
	Platform string // "slack", "discord"
	Kind     string // the platform's own: "command", "click"
	// Key names the delivery: a platform's retry of it has the same key, and is not acted
	// on again ("slack:command:T…:trigger", "discord:interaction:id").
	Key string
	// Payload is the delivery as the platform sent it, without Reply and without any other
	// credential, for the platform to read back (Wire.Open).
	Payload []byte
	// Reply is what the platform needs to answer later: Slack's response_url, a Discord
	// interaction token. It lives in the inbox entry only, is deleted with it, and never
	// prints (Secret).
	Reply Secret
	// Received is when the delivery arrived, by the receiving replica's clock: Reply's
	// lifetime (30 minutes for a response_url, 15 for a Discord token) counts from it.
	Received time.Time
	// Quick: the work answers from a few reads (Options.Quick) and runs in slots of its own.
	Quick bool
	// Retry is the platform's own retry number (Slack's X-Slack-Retry-Num), for the logs.
	Retry int

	// ID is the inbox entry's id, set by the inbox.
	ID string
	// Attempt is how often the delivery has been handed to a replica: 1 for the one that
	// received it, n after n-1 take-overs.
	Attempt int
}

// LogValue names a delivery in logs by its key and entry only: its payload holds people's
// words and its Reply is a credential.
func (d Delivery) LogValue() slog.Value {
	return slog.GroupValue(slog.String("key", d.Key), slog.String("kind", d.Kind), slog.String("entry", d.ID), slog.Int("attempt", d.Attempt))
}

// WithoutFields is a JSON object (a platform's payload) without the named fields (its
// credentials), the rest as it was.
func WithoutFields(raw []byte, names ...string) ([]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, fmt.Errorf("read a payload: %w", err)
	}
	if fields == nil {
		return nil, errors.New("read a payload: not a JSON object")
	}
	for _, n := range names {
		delete(fields, n)
	}
	return json.Marshal(fields)
}

// Secret is a credential a platform gave with a delivery (a response_url, an interaction
// token): whoever holds it can post as the app for a while. It never prints: String,
// Format, LogValue and MarshalJSON name it only. Reveal gives it to what posts with it.
type Secret string

// Reveal returns the credential itself.
func (s Secret) Reveal() string { return string(s) }

func (s Secret) String() string               { return "[credential]" }
func (s Secret) Format(f fmt.State, _ rune)   { io.WriteString(f, "[credential]") }
func (s Secret) LogValue() slog.Value         { return slog.StringValue("[credential]") }
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"[credential]"`), nil }

// Inbox keeps each platform's verified deliveries from before their acknowledgement until
// they have been worked on (store.Store's inbox, through cmd; MemoryInbox). An error
// means it can't tell: the caller must not act on the delivery (fail closed).
type Inbox interface {
	// Record records d and hands it to holder, unless a delivery with d's key was recorded
	// within dedupe: first is then false, and nothing is recorded.
	Record(ctx context.Context, d Delivery, holder string, dedupe time.Duration) (id string, first bool, err error)
	// Reclaim takes over a delivery of the platform whose holder has not extended it for
	// minIdle, and hands it to holder; false when there is none.
	Reclaim(ctx context.Context, platform, holder string, minIdle time.Duration) (Delivery, bool, error)
	// Extend is holder's heartbeat for the deliveries it holds; it returns the ids it no
	// longer holds (taken over, done).
	Extend(ctx context.Context, platform, holder string, ids []string) (lost []string, err error)
	// Done deletes a delivery that has been worked on, and what answers it with it.
	Done(ctx context.Context, platform, id string) error
}

// MemoryInbox is an Inbox in this process only: deliveries are de-duplicated here, and a
// delivery's entry dies with the process. Enough for one replica without Redis and for
// tests; several replicas need the store's (a platform may deliver the same thing to
// another replica: Slack's retries, every Discord gateway session of one token).
type MemoryInbox struct {
	claims *MemoryClaims
	mu     sync.Mutex
	next   int
}

// NewMemoryInbox uses now as its clock.
func NewMemoryInbox(now func() time.Time) *MemoryInbox {
	return &MemoryInbox{claims: NewMemoryClaims(now)}
}

// Record claims d's key in this process.
func (m *MemoryInbox) Record(ctx context.Context, d Delivery, _ string, dedupe time.Duration) (string, bool, error) {
	first, err := m.claims.Claim(ctx, d.Key, dedupe)
	if err != nil || !first {
		return "", false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.next++
	return "m-" + strconv.Itoa(m.next), true, nil
}

// Reclaim finds nothing: no other process shares this inbox.
func (m *MemoryInbox) Reclaim(context.Context, string, string, time.Duration) (Delivery, bool, error) {
	return Delivery{}, false, nil
}

// Extend loses nothing: nobody else can take a delivery over.
func (m *MemoryInbox) Extend(context.Context, string, string, []string) ([]string, error) {
	return nil, nil
}

// Done has nothing to delete.
func (m *MemoryInbox) Done(context.Context, string, string) error { return nil }
