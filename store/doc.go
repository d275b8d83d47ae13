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
//   - the audit log: an append-only, hash-chained stream of every event (see "Audit
//     chain"), trimmed by age, plus a small per-request stream so one request's history
//     is read without scanning;
//   - caches: callers' directory roles, and single-use claims that de-duplicate
//     deliveries and clicks;
//   - jobs: a durable queue of requests to execute on a stream with one consumer group
//     shared by every replica, reclaim of jobs whose worker stopped, per-user
//     checkpoints and in-flight marks that keep a job's effects single, and undo
//     snapshots;
//   - deadlines: a sorted set that replicas sweep without a leader;
//   - inboxes: each chat platform's verified deliveries, recorded before they are
//     acknowledged and held by the replica working on them, so that a replica that dies
//     after an acknowledgement loses nothing (see "Inboxes");
//   - links: which directory user each linked chat account is, and the way back from a
//     user to their account on a platform (links.go).
//
// The store does not know what a request means: states are strings and data is bytes
// that the handlers encode and decode. It imports go-redis only.
//
// # Keys
//
// With prefix "licensebot" (see New), for a request id ID:
//
//	licensebot:req:{ID}            hash: state, version, data, updated    (TTL per call)
//	licensebot:req:{ID}:audit      stream: that request's audit events    (Options.AuditRetention)
//	licensebot:req:{ID}:results    hash: user → checkpointed result       (Options.ResultRetention)
//	licensebot:req:{ID}:sending    hash: user → in-flight mark "ms:owner" (Options.ResultRetention)
//	licensebot:req:{ID}:snapshots  hash: user → state before the change   (TTL per call)
//	licensebot:{audit}             stream: the audit chain, every event   (MINID: Options.AuditRetention)
//	licensebot:{audit}:head        hash: seq, hash, id of its last entry  (no TTL)
//	licensebot:{audit}:turn        string: the append that may go next    (TTL 500 ms)
//	licensebot:audit               stream: earlier versions' unchained    (Options.AuditRetention, once)
//	licensebot:roles:USER          string: JSON array of role names       (TTL per call)
//	licensebot:claim:KEY           string: claim marker                   (TTL per call)
//	licensebot:jobs                stream + group "executors": jobs       (MAXLEN ~ Options.JobMaxLen, no TTL)
//	licensebot:deadlines           sorted set: request id by deadline     (no TTL)
//	licensebot:{inbox}:NAME        stream + group "receivers": deliveries (MAXLEN ~ Options.InboxMaxLen, no TTL)
//	licensebot:{inbox}:seen:KEY    string: a delivery's dedupe mark       (TTL per call)
//	licensebot:{links}:account:PLATFORM:WORKSPACE:CHATID  hash: a chat account's link (no TTL)
//	licensebot:{links}:user:PLATFORM:USERID               hash: the way back          (no TTL)
//
// Every key expires except three shared ones: the job stream, whose consumer group and
// pending entries live in the key itself, so an expiry would silently drop queued and
// running jobs (acknowledged entries are deleted, and the approximate MAXLEN caps it), and
// the inbox streams, for the same reason;
// and the deadlines set, an index over all requests that an expiry would empty at once
// (each deadline is removed when a sweeper claims it); and the links, which an
// administrator approved to last until they are replaced or removed (DeleteLink): one
// expiring would silently lock its person out. They are one small hash per linked person.
//
// Every key of one request carries the hash tag {ID}, so in Redis Cluster they live in
// one slot and a script may touch any of them. Request ids are restricted to letters,
// digits, '-' and '_' (NewID makes them) so a caller-supplied id can never break out of
// its tag.
//
// # Jobs: at least once delivery, single effects
//
// EnqueueJob adds a job to the stream; each replica's executor takes new jobs with
// NextJob, sends ExtendJob as a heartbeat while it works, and AckJob when the job is
// done. A worker that stops (crash, kill, lost network) leaves its job pending; after
// minIdle without a heartbeat another worker takes it with ReclaimJob (Attempt counts
// the deliveries, so a job that keeps failing can be given up). Delivery is therefore
// at least once: a job may run again after a crash, part-way, and even while its first
// worker is still alive but stalled. A heartbeat that fails with ErrJobLost tells that
// worker to stop. Every command used (XREADGROUP, XAUTOCLAIM, XPENDING, XCLAIM, TIME in
// scripts) also works on miniredis, the demo's embedded Redis; the tests run on both.
//
// Effects are made single by the executor, per (request, user), with this protocol:
//
//  1. Checkpoints(request): users with a result are done; skip them.
//  2. For each other user, ClaimUser(request, user, me, staleAfter) before any call
//     that changes the user, and act on its answer (below).
//  3. When every user has a result, move the request with Transition (the
//     compare-and-set lets one worker finish it) and AckJob.
//
// ClaimUser answers one of four ways:
//
//   - Done: a result appeared meanwhile; skip the user.
//   - Claimed, not TookOver: nobody has sent anything for this user. PutSnapshot the
//     user's state (first write wins), send the removal with the context deadline
//     SendBy, then Checkpoint the outcome. If the call certainly did not take effect
//     (429, refused before applying), ReleaseUser instead and try again later.
//   - TookOver: a worker claimed this user more than staleAfter ago and recorded no
//     result: it died (or stalled past its SendBy) between claim and checkpoint, so its
//     call's outcome is unknown. Now that the mark is ours and its call can no longer be
//     in flight, re-read the user's licenses: already gone → Checkpoint "removed"
//     without sending; still assigned → PutSnapshot (a no-op if the first worker took
//     one), send, Checkpoint.
//   - none of these: another worker holds a fresh mark and its call may be in flight.
//     Do not send; keep the job (heartbeating) and claim again later: the mark goes
//     stale after staleAfter.
//
// Why this holds: the mark is exclusive (a Lua script reads the result and the mark and
// writes the mark in one step), so two workers never hold it at once; a holder sends
// only before SendBy, which is staleAfter/2 after the moment it asked for the mark, and
// the mark can be taken over only staleAfter after Redis placed it, so a stalled
// holder's call has been sent, or abandoned, before anyone else may send; the new
// holder re-reads after taking over, so it never repeats a call that took effect; and
// a checkpoint is written once (HSETNX), so a result is never recorded twice. The one
// assumption is that a call is not delayed for more than staleAfter/2 between the
// deadline check and Graph applying it: pick staleAfter well above the HTTP timeout
// (e.g. 5 minutes for a 1 minute timeout). Staleness is measured by Redis' clock
// (TIME in the script), SendBy by the worker's own: no two replicas' clocks are compared.
//
// Snapshots are the state before the first removal call, for undo within
// ResultRetention: PutSnapshot keeps the first write, so a retry that reads the user
// after the removal cannot replace the true "before".
//
// # Inboxes: recorded before the acknowledgement, worked on once
//
// A chat platform waits 3 seconds for its acknowledgement and doesn't deliver again what
// was acknowledged. So the adapter records each verified delivery with RecordDelivery
// before it acknowledges it: one script marks the delivery's key (SET NX, the dedupe of
// the platform's retries), adds the entry and hands it to the recording replica (pending
// in its name), or does nothing for a key already marked. The replica heartbeats the
// entries it holds (ExtendDeliveries, which also says which it lost) and deletes each
// when done (AckDelivery), with what the platform needs to answer, which lives in the
// entry only. A replica killed after its acknowledgement leaves the entry pending; after
// minIdle another replica takes it over (ReclaimDelivery) and works on it. That is at
// least once: a replica that dies after acting and before AckDelivery leaves the
// delivery to be acted on again, and the requests' compare-and-set keeps the effect
// single. The mark and the stream share the hash tag {inbox}, so the script works in
// Redis Cluster too.
//
// # Audit chain
//
// Every audit event, of every request, goes in append order into one stream, the chain
// (audit.go, audit_chain.go). Each entry carries seq (1, 2, …), prev (the previous
// entry's hash; AuditGenesis, 64 zeros, for seq 1), prev_id (the previous entry's stream
// id) and hash: the hex SHA-256 of the entry's canonical encoding (auditCanonical: each
// item length-prefixed, in a fixed order, prev included), so changing, removing or
// inserting an entry breaks the link after it. Redis' Lua has no SHA-256, so Go hashes
// and a script appends with a compare-and-set on the chain's head (seq, hash and id of
// the last entry; same hash tag as the stream, so Cluster works): if another replica
// appended first the script answers with the head as it is and Go links the entry again,
// a bounded number of times. A Store's own appends queue behind one another, so only
// replicas race; one that lost twice takes the turn, and the others wait for its next
// try, so that no replica starves behind one that appends without pause. The script trims, by Redis' clock, entries older than
// Options.AuditRetention from the front (XTRIM MINID), never by length: VerifyAudit then
// starts at the oldest entry kept and trusts its prev, having checked with prev_id that
// its predecessor was old enough to be trimmed. VerifyAudit returns the first broken link
// (a changed entry, a seq gap, a prev that isn't its predecessor's hash, entries deleted
// from the front or the end); AuditChain reads the chain from a time, a page at a time,
// for `licensebot audit export`. The head has no TTL: it carries the chain across a time
// when every entry has expired. Someone who can write to Redis can still rewrite the
// whole chain and its head consistently; an export kept elsewhere (a SIEM) is what shows
// that: its hashes stop matching.
//
// # Deadlines
//
// ScheduleDeadline puts a request in a sorted set by time; every replica's sweeper asks
// DueDeadlines and then ClaimDeadline for each id, and ZREM tells exactly one of them
// that it won. The request's own TTL and its compare-and-set remain the truth.
package store
