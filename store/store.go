package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults for Options' zero values.
const (
	DefaultPrefix          = "licensebot"
	DefaultAuditMaxLen     = 100_000
	DefaultAuditRetention  = 30 * 24 * time.Hour
	DefaultJobMaxLen       = 100_000
	DefaultInboxMaxLen     = 100_000
	DefaultResultRetention = 30 * 24 * time.Hour
)

// Options tunes a Store; the zero value gives the defaults.
type Options struct {
	// AuditMaxLen is no longer used: the audit chain (the global stream) is trimmed by
	// age only (AuditRetention), since a length cap would remove entries before their
	// retention ran out and Verify could not tell that from someone deleting them. Kept
	// so that existing callers compile.
	AuditMaxLen int64
	// AuditRetention is how long the audit chain keeps an entry (entries older than this
	// are trimmed from its front when the next one is appended), and how long a request's
	// own audit stream is kept after its last event. Default 30 days.
	AuditRetention time.Duration
	// JobMaxLen caps the job stream (XADD MAXLEN ~ n). Acknowledged jobs are deleted
	// from the stream, so it holds only jobs not yet done; the cap is a guard against a
	// runaway producer, and a trim past it would drop real jobs, so keep it far above
	// the backlog you expect. Default 100000.
	JobMaxLen int64
	// InboxMaxLen caps each chat platform's inbox stream (XADD MAXLEN ~ n). Done deliveries
	// are deleted from it, so it holds only those being worked on or waiting for a
	// replica; as for JobMaxLen, the cap guards against a runaway producer and a trim
	// past it would drop real deliveries. Default 100000.
	InboxMaxLen int64
	// ResultRetention is how long a request's checkpoints and in-flight marks are kept
	// after their last write: the undo window. Default 30 days.
	ResultRetention time.Duration
	// Now is the clock for UpdatedAt and for audit events without a time. Default time.Now.
	Now func() time.Time
}

// Store keeps licensebot's state in Redis through a redis.UniversalClient (a URL,
// Sentinel or Cluster). It is safe for concurrent use.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	opts   Options

	create      *redis.Script
	transition  *redis.Script
	claimUser   *redis.Script
	releaseUser *redis.Script
	extendJob   *redis.Script

	recordDelivery *redis.Script
	// records batches the RecordDelivery calls made while one is on its way (inbox_batch.go).
	records          recordBatcher
	extendDeliveries *redis.Script

	appendAudit *redis.Script
	// chainSem lets one of this Store's audit appends run at a time (audit.go);
	// chainHead, guarded by it, is the chain's head as this Store last wrote or saw it.
	chainSem  chan struct{}
	chainHead auditHead

	// groupMu guards groupReady: whether this Store has made sure the job stream's
	// consumer group exists (see ensureJobGroup).
	groupMu    sync.Mutex
	groupReady bool
}

// New returns a Store that keeps its keys under prefix (e.g. "licensebot"; empty means
// DefaultPrefix), with default Options.
func New(rdb redis.UniversalClient, prefix string) *Store {
	return NewWithOptions(rdb, prefix, Options{})
}

// NewWithOptions is New with Options; zero fields take their defaults.
func NewWithOptions(rdb redis.UniversalClient, prefix string, opts Options) *Store {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if opts.AuditMaxLen <= 0 {
		opts.AuditMaxLen = DefaultAuditMaxLen
	}
	if opts.AuditRetention <= 0 {
		opts.AuditRetention = DefaultAuditRetention
	}
	if opts.JobMaxLen <= 0 {
		opts.JobMaxLen = DefaultJobMaxLen
	}
	if opts.InboxMaxLen <= 0 {
		opts.InboxMaxLen = DefaultInboxMaxLen
	}
	if opts.ResultRetention <= 0 {
		opts.ResultRetention = DefaultResultRetention
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store{
		rdb:         rdb,
		prefix:      prefix,
		opts:        opts,
		create:      redis.NewScript(createLua),
		transition:  redis.NewScript(transitionLua),
		claimUser:   redis.NewScript(claimUserLua),
		releaseUser: redis.NewScript(releaseUserLua),
		extendJob:   redis.NewScript(extendJobLua),

		recordDelivery:   redis.NewScript(recordDeliveriesLua),
		extendDeliveries: redis.NewScript(extendDeliveriesLua),

		appendAudit: redis.NewScript(appendAuditLua),
		chainSem:    make(chan struct{}, 1),
		chainHead:   genesisHead,
	}
}

// Ping checks that Redis answers (readiness).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", err)
	}
	return nil
}

func (s *Store) requestKey(id string) string      { return s.prefix + ":req:{" + id + "}" }
func (s *Store) requestAuditKey(id string) string { return s.requestKey(id) + ":audit" }
func (s *Store) rolesKey(userID string) string    { return s.prefix + ":roles:" + userID }
func (s *Store) claimKey(key string) string       { return s.prefix + ":claim:" + key }
func (s *Store) resultsKey(id string) string      { return s.requestKey(id) + ":results" }
func (s *Store) sendingKey(id string) string      { return s.requestKey(id) + ":sending" }
func (s *Store) snapshotsKey(id string) string    { return s.requestKey(id) + ":snapshots" }
func (s *Store) jobsKey() string                  { return s.prefix + ":jobs" }
func (s *Store) deadlinesKey() string             { return s.prefix + ":deadlines" }

// The audit chain and its head share the hash tag {audit}, so that in Redis Cluster one
// script can compare the head and append to the chain.
func (s *Store) auditKey() string     { return s.prefix + ":{audit}" }
func (s *Store) auditHeadKey() string { return s.prefix + ":{audit}:head" }

// The inboxes and their keys' marks share the hash tag {inbox}, so that in Redis Cluster
// one script can mark a key and record its delivery.
func (s *Store) inboxKey(name string) string    { return s.prefix + ":{inbox}:" + name }
func (s *Store) inboxMarkKey(key string) string { return s.prefix + ":{inbox}:seen:" + key }

// checkTTL rejects TTLs that would make a key live forever or vanish at once: every key
// the store writes is meant to expire.
func checkTTL(ttl time.Duration) error {
	if ttl < time.Millisecond {
		return fmt.Errorf("ttl %s: must be at least 1ms", ttl)
	}
	return nil
}

// isNil reports whether err is Redis' nil reply (no such key).
func isNil(err error) bool { return errors.Is(err, redis.Nil) }
