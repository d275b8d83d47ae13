package handlers

import (
	"context"
	"errors"
	"time"

	"github.com/licensebot/licensebot/licensing"
)

// Jobs is the durable queue of requests to execute, shared by every replica: a job is
// delivered to one worker at a time, and a job whose worker stopped heartbeating is taken
// over by another (at least once delivery; Ledger makes the effects single).
type Jobs interface {
	EnqueueJob(ctx context.Context, requestID string) (string, error)
	// NextJob waits up to block for a job nobody has had yet.
	NextJob(ctx context.Context, worker string, block time.Duration) (Job, bool, error)
	// ReclaimJob takes over a job idle (not extended) for at least minIdle.
	ReclaimJob(ctx context.Context, worker string, minIdle time.Duration) (Job, bool, error)
	AckJob(ctx context.Context, jobID string) error
	// ExtendJob is the heartbeat; it fails with ErrJobLost when the job is no longer the
	// worker's, which must then stop sending anything for it.
	ExtendJob(ctx context.Context, worker, jobID string) error
}

// Job is one delivery of a request to a worker.
type Job struct {
	ID        string
	RequestID string
	Attempt   int // 1 on the first delivery
}

// ErrJobLost says a worker's job was taken over or finished by another worker.
var ErrJobLost = errors.New("job taken over by another worker")

// Ledger keeps, per request and user, the in-flight mark that lets exactly one worker send
// a change, the result once known, and the state before the change (for undo). The
// protocol is the store's (store/doc.go, "Jobs"): Claim before sending, Record after,
// Release only when the call certainly did not take effect.
type Ledger interface {
	Results(ctx context.Context, requestID string) (map[string][]byte, error)
	// Record stores the result for key once; later records are ignored (first is false).
	Record(ctx context.Context, requestID, key string, result []byte) (first bool, err error)
	Claim(ctx context.Context, requestID, key, worker string, staleAfter time.Duration) (Claim, error)
	Release(ctx context.Context, requestID, key, worker string) (bool, error)
	PutSnapshot(ctx context.Context, requestID, userID string, data []byte, ttl time.Duration) error
	Snapshots(ctx context.Context, requestID string) (map[string][]byte, error)
}

// Claim is the answer to Ledger.Claim.
type Claim struct {
	// Done: a result is recorded; send nothing.
	Done   bool
	Result []byte
	// Claimed: only the caller may send, and only before SendBy. TookOver: the mark was
	// taken from a worker that stopped between sending and recording; read the user again
	// before sending.
	Claimed  bool
	TookOver bool
	SendBy   time.Time
}

// Removal is one user's products to remove in one call of a batch.
type Removal struct {
	UserID string
	SKUIDs []string
}

// RemovalResult is a Removal's outcome: Err as RemoveLicenses would give it.
type RemovalResult struct {
	UserID    string
	RequestID string
	Err       error
}

// Restore is a product to give back to a user with the service plans that were off.
type Restore struct {
	SKUID         string   `json:"skuId"`
	DisabledPlans []string `json:"disabledPlans,omitempty"`
}

// BatchRemover removes many users' licenses in few calls (Graph's $batch: at most 20 users
// per call); it retries nothing.
type BatchRemover interface {
	RemoveLicensesBatch(ctx context.Context, removals []Removal) []RemovalResult
}

// Restorer gives licenses back (undo); the call is all or nothing.
type Restorer interface {
	RestoreLicenses(ctx context.Context, userID string, licenses []Restore) (requestID string, err error)
}

// snapshotOf is what undo needs of a user: the products assigned directly, each with the
// service plans that were turned off.
func snapshotOf(u licensing.User) []Restore {
	var out []Restore
	for _, a := range u.Licenses {
		if a.Direct {
			out = append(out, Restore{SKUID: a.SKUID, DisabledPlans: a.DisabledPlans})
		}
	}
	return out
}
