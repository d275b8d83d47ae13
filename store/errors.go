package store

import "errors"

var (
	// ErrNotFound: no request has this id (never created, expired, or a malformed id).
	ErrNotFound = errors.New("not found")
	// ErrExists: Create was given an id that is already in use.
	ErrExists = errors.New("already exists")
	// ErrConflict: the request is no longer in the state and version the caller expected;
	// someone else moved it first. The error comes with the current record.
	ErrConflict = errors.New("conflict: request changed")
	// ErrInvalidID: the id cannot be a request id (empty, too long, or with characters
	// outside letters, digits, '-' and '_').
	ErrInvalidID = errors.New("invalid request id")
)

// ErrJobLost: ExtendJob found the job no longer held by the caller: it was acknowledged,
// or reclaimed by another worker after the caller missed its heartbeats. The caller must
// stop working on it; the holder carries on from the checkpoints.
var ErrJobLost = errors.New("job no longer held by this worker")
