// Package store keeps licensebot's state in Redis, through a redis.UniversalClient so
// one code path serves a single server, Sentinel and Cluster.
//
// It owns:
//
//   - requests: one hash per request (state, version, opaque data, updated-at) with a
//     TTL, created atomically and changed only by a Lua compare-and-set on (state,
//     version), so a double click, two approvers or two replicas can never move a request
//     twice (DESIGN.md: "a request moves between states only through an atomic
//     compare-and-set");
//   - the audit log: an append-only stream of events, capped with an approximate MAXLEN,
//     plus a small per-request stream so one request's history is read without scanning;
//   - caches: callers' directory roles, and single-use claims that de-duplicate
//     deliveries and clicks;
//   - later: the job stream (consumer group, reclaim of stalled jobs) and undo snapshots.
//
// The store does not know what a request means: states are strings and data is bytes
// that the handlers encode and decode. It imports go-redis only.
//
// # Keys
//
// With prefix "licensebot" (see New), for a request id ID:
//
//	licensebot:req:{ID}         hash: state, version, data, updated   (TTL per call)
//	licensebot:req:{ID}:audit   stream: that request's audit events   (Options.AuditRetention)
//	licensebot:audit            stream: every audit event             (MAXLEN ~ Options.AuditMaxLen)
//	licensebot:roles:USER       string: JSON array of role names      (TTL per call)
//	licensebot:claim:KEY        string: claim marker                  (TTL per call)
//
// Every key of one request carries the hash tag {ID}, so in Redis Cluster they live in
// one slot and a script may touch any of them. Request ids are restricted to letters,
// digits, '-' and '_' (NewID makes them) so a caller-supplied id can never break out of
// its tag.
package store
