package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults for Options' zero values.
const (
	DefaultPrefix         = "licensebot"
	DefaultAuditMaxLen    = 100_000
	DefaultAuditRetention = 30 * 24 * time.Hour
)

// Options tunes a Store; the zero value gives the defaults.
type Options struct {
	// AuditMaxLen caps the global audit stream (XADD MAXLEN ~ n: Redis trims whole
	// macro-nodes, so the stream may hold a little more). Default 100000.
	AuditMaxLen int64
	// AuditRetention is how long a request's own audit stream is kept after its last
	// event. Default 30 days. The global stream is not expired, only capped.
	AuditRetention time.Duration
	// Now is the clock for UpdatedAt and for audit events without a time. Default time.Now.
	Now func() time.Time
}

// Store keeps licensebot's state in Redis through a redis.UniversalClient (a URL,
// Sentinel or Cluster). It is safe for concurrent use.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	opts   Options

	create     *redis.Script
	transition *redis.Script
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
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store{
		rdb:        rdb,
		prefix:     prefix,
		opts:       opts,
		create:     redis.NewScript(createLua),
		transition: redis.NewScript(transitionLua),
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
func (s *Store) auditKey() string                 { return s.prefix + ":audit" }
func (s *Store) rolesKey(userID string) string    { return s.prefix + ":roles:" + userID }
func (s *Store) claimKey(key string) string       { return s.prefix + ":claim:" + key }

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
