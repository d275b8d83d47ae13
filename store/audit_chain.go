package store

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultAuditPageSize is how many entries AuditChain and VerifyAudit read per call when
// asked for 0; MaxAuditPageSize bounds what they may be asked for, so one reply never
// holds an unbounded part of the chain.
const (
	DefaultAuditPageSize = 1000
	MaxAuditPageSize     = 10_000
)

// AuditEntry is one link of the audit chain as stored: the event and how it is chained.
type AuditEntry struct {
	AuditEvent
	Seq    uint64 // 1 for the chain's first entry, then one more each
	ID     string // the entry's stream id; its milliseconds are when Redis appended it
	Prev   string // Hash of the previous entry (AuditGenesis for seq 1)
	PrevID string // stream id of the previous entry ("" for seq 1)
	Hash   string // hex SHA-256 of this entry's canonical encoding (auditCanonical)
}

// AuditChain reads the audit chain from since (by the time Redis appended each entry,
// within clock skew of the event's At; zero: from the oldest entry kept), oldest first,
// pageSize entries per call (0: DefaultAuditPageSize; at most MaxAuditPageSize). Each
// call to Redis is bounded by its own timeout. It stops at the first error, which it
// yields; it does not check the chain (VerifyAudit does).
func (s *Store) AuditChain(ctx context.Context, since time.Time, pageSize int) iter.Seq2[AuditEntry, error] {
	return func(yield func(AuditEntry, error) bool) {
		start := "-"
		if !since.IsZero() && since.UnixMilli() > 0 {
			start = strconv.FormatInt(since.UnixMilli(), 10) + "-0"
		}
		for m, err := range s.auditPages(ctx, start, pageSize) {
			if err != nil {
				yield(AuditEntry{}, err)
				return
			}
			e, _, err := decodeAuditEntry(m)
			if err != nil {
				yield(AuditEntry{}, fmt.Errorf("audit chain: entry %s: %w", m.ID, err))
				return
			}
			if !yield(e, nil) {
				return
			}
		}
	}
}

// auditPages yields the chain's stream entries from start on, reading a page at a time.
func (s *Store) auditPages(ctx context.Context, start string, pageSize int) iter.Seq2[redis.XMessage, error] {
	if pageSize <= 0 {
		pageSize = DefaultAuditPageSize
	}
	pageSize = min(pageSize, MaxAuditPageSize)
	return func(yield func(redis.XMessage, error) bool) {
		for {
			pctx, cancel := withAuditTimeout(ctx)
			page, err := s.rdb.XRangeN(pctx, s.auditKey(), start, "+", int64(pageSize)).Result()
			cancel()
			if err != nil {
				yield(redis.XMessage{}, fmt.Errorf("audit chain: read from %s: %w", start, err))
				return
			}
			for _, m := range page {
				if !yield(m, nil) {
					return
				}
			}
			if len(page) < pageSize {
				return
			}
			// The next page starts just after this one's last id (an exclusive range
			// written as an id, which miniredis reads too).
			next, err := nextStreamID(page[len(page)-1].ID)
			if err != nil {
				yield(redis.XMessage{}, fmt.Errorf("audit chain: %w", err))
				return
			}
			start = next
		}
	}
}

// nextStreamID is the smallest stream id after id ("ms-seq" → "ms-(seq+1)").
func nextStreamID(id string) (string, error) {
	ms, seq, ok := strings.Cut(id, "-")
	n, err := strconv.ParseUint(seq, 10, 64)
	if !ok || err != nil {
		return "", fmt.Errorf("stream id %q: not ms-seq", id)
	}
	if n == ^uint64(0) {
		m, err := strconv.ParseUint(ms, 10, 64)
		if err != nil {
			return "", fmt.Errorf("stream id %q: not ms-seq", id)
		}
		return strconv.FormatUint(m+1, 10) + "-0", nil
	}
	return ms + "-" + strconv.FormatUint(n+1, 10), nil
}

// streamIDTime is when Redis made a stream id (its milliseconds part).
func streamIDTime(id string) (time.Time, error) {
	ms, _, _ := strings.Cut(id, "-")
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("stream id %q: not ms-seq", id)
	}
	return time.UnixMilli(n).UTC(), nil
}

// decodeAuditEntry reads a chain entry and returns it with the hash its stored text
// has (which a sound entry also stores in its hash field).
func decodeAuditEntry(m redis.XMessage) (AuditEntry, string, error) {
	str := func(k string) (string, error) {
		v, ok := m.Values[k]
		if !ok {
			return "", fmt.Errorf("%w: no field %s", errMalformed, k)
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("%w: field %s is %T", errMalformed, k, v)
		}
		return s, nil
	}
	var (
		e   = AuditEntry{ID: m.ID}
		err error
		seq string
	)
	if seq, err = str(auditFieldSeq); err != nil {
		return AuditEntry{}, "", err
	}
	if e.Seq, err = strconv.ParseUint(seq, 10, 64); err != nil || e.Seq == 0 {
		return AuditEntry{}, "", fmt.Errorf("%w: seq %q", errMalformed, seq)
	}
	if e.Prev, err = str(auditFieldPrev); err != nil {
		return e, "", err
	}
	if e.PrevID, err = str(auditFieldPrevID); err != nil {
		return e, "", err
	}
	if e.Hash, err = str(auditFieldHash); err != nil {
		return e, "", err
	}
	if e.AuditEvent, err = parseAuditEvent(m.Values); err != nil {
		return e, "", fmt.Errorf("%w: %w", errMalformed, err)
	}
	// The event's pairs in the order auditEventValues writes them, from the stored text.
	values := make([]string, 0, len(m.Values)*2)
	for _, k := range []string{auditFieldRequest, auditFieldAction, auditFieldActor, auditFieldAt} {
		v, err := str(k)
		if err != nil {
			return e, "", err
		}
		values = append(values, k, v)
	}
	var names []string
	for k := range m.Values {
		if strings.HasPrefix(k, auditFieldPrefix) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, k := range names {
		v, err := str(k)
		if err != nil {
			return e, "", err
		}
		values = append(values, k, v)
	}
	return e, auditHash(e.Seq, e.Prev, e.PrevID, values), nil
}

// AuditBreakKind says what is wrong with a link of the chain.
type AuditBreakKind string

const (
	// BreakMalformed: the entry lacks a chain field or has one that doesn't parse.
	BreakMalformed AuditBreakKind = "malformed entry"
	// BreakHash: the entry's content doesn't hash to the hash it stores: it was changed.
	BreakHash AuditBreakKind = "hash mismatch"
	// BreakPrev: the entry's prev (or prev_id) is not the previous entry's hash (or id):
	// an entry before it was changed and re-hashed, or replaced.
	BreakPrev AuditBreakKind = "prev mismatch"
	// BreakSeqGap: the entry's seq is not one more than the previous entry's: entries
	// between them were deleted (or the chain was rewritten).
	BreakSeqGap AuditBreakKind = "seq gap"
	// BreakEarlyTrim: the oldest entry kept follows one that was not yet older than the
	// retention: entries were deleted from the front, not expired.
	BreakEarlyTrim AuditBreakKind = "removed before retention"
	// BreakHead: the chain's head (the last entry appended) is not the last entry found,
	// or differs from it: entries were deleted from the end, or the last one replaced.
	BreakHead AuditBreakKind = "head mismatch"
)

// AuditBreak is the first broken link of the chain VerifyAudit found.
type AuditBreak struct {
	Seq    uint64 // the entry's seq (as stored; for BreakHead the head's), 0 if unreadable
	ID     string // its stream id
	Kind   AuditBreakKind
	Detail string
}

func (b *AuditBreak) Error() string {
	return fmt.Sprintf("audit chain broken at seq %d (stream id %s): %s: %s", b.Seq, b.ID, b.Kind, b.Detail)
}

// AuditVerification is what VerifyAudit checked.
type AuditVerification struct {
	Entries  int    // entries checked
	FirstSeq uint64 // seq of the oldest entry kept (0: none)
	LastSeq  uint64 // seq of the newest entry checked
	HeadSeq  uint64 // the chain head's seq when the check began (0: no head)
	// Expired: entries before FirstSeq are gone, trimmed by the retention (FirstSeq > 1,
	// or no entries left of a chain that had some). The oldest entry's prev is then
	// trusted, not checked: its predecessor is gone.
	Expired bool
	// HeadMissing: entries are there but the head is not (deleted, or lost with a Redis
	// that kept the stream and not the head): entries deleted from the end of the chain
	// could not be noticed. The next append writes the head again.
	HeadMissing bool
}

// VerifyAudit checks the whole audit chain, oldest first, reading pageSize entries per
// call (0: DefaultAuditPageSize), and returns the first broken link, or nil when every
// entry kept is intact and linked. An error is returned only when the check could not be
// made (Redis unreachable).
//
// It checks that each entry hashes to its stored hash; that its seq is one more than the
// previous entry's and its prev and prev_id are the previous entry's hash and id; that
// the oldest entry is seq 1 on the genesis prev, or else follows an entry older than
// Options.AuditRetention (by Redis' clock), which retention trimmed; and that the chain
// ends at the head read when the check began, with its hash. Entries appended while it
// runs are checked too.
func (s *Store) VerifyAudit(ctx context.Context, pageSize int) (AuditVerification, *AuditBreak, error) {
	var v AuditVerification
	head, now, err := s.auditHeadAndTime(ctx)
	if err != nil {
		return v, nil, err
	}
	v.HeadSeq = head.seq
	// Entries whose predecessor is older than this may follow a trimmed one.
	cutoff := now.Add(-s.opts.AuditRetention)

	var last AuditEntry
	for m, err := range s.auditPages(ctx, "-", pageSize) {
		if err != nil {
			return v, nil, err
		}
		e, sum, err := decodeAuditEntry(m)
		if err != nil {
			return v, &AuditBreak{Seq: e.Seq, ID: m.ID, Kind: BreakMalformed, Detail: err.Error()}, nil
		}
		if sum != e.Hash {
			return v, &AuditBreak{Seq: e.Seq, ID: e.ID, Kind: BreakHash,
				Detail: fmt.Sprintf("its content hashes to %s, it stores %s", short(sum), short(e.Hash))}, nil
		}
		if b := checkLink(v.Entries == 0, last, e, cutoff); b != nil {
			return v, b, nil
		}
		if v.Entries == 0 {
			v.FirstSeq = e.Seq
			v.Expired = e.Seq > 1
		}
		if e.Seq == head.seq && e.Hash != head.hash {
			return v, &AuditBreak{Seq: e.Seq, ID: e.ID, Kind: BreakHead,
				Detail: fmt.Sprintf("the head says seq %d has hash %s (stream id %s), this entry has %s", head.seq, short(head.hash), head.id, short(e.Hash))}, nil
		}
		v.Entries++
		v.LastSeq = e.Seq
		last = e
	}
	v.HeadMissing = head.seq == 0 && v.Entries > 0
	if head.seq > v.LastSeq {
		if v.Entries > 0 {
			return v, &AuditBreak{Seq: head.seq, ID: head.id, Kind: BreakHead,
				Detail: fmt.Sprintf("the chain ends at seq %d (stream id %s) but its head is seq %d: the entries after it were deleted", v.LastSeq, last.ID, head.seq)}, nil
		}
		at, err := streamIDTime(head.id)
		if err != nil {
			return v, &AuditBreak{Seq: head.seq, ID: head.id, Kind: BreakMalformed, Detail: "the head's id: " + err.Error()}, nil
		}
		if !at.Before(cutoff) {
			return v, &AuditBreak{Seq: head.seq, ID: head.id, Kind: BreakHead,
				Detail: fmt.Sprintf("no entry is left but the last one was appended at %s, within the retention", at.Format(time.RFC3339))}, nil
		}
		v.Expired = true
	}
	return v, nil, nil
}

// checkLink checks e against the entry before it (last), or, for the oldest entry kept,
// against the genesis or the retention.
func checkLink(first bool, last, e AuditEntry, cutoff time.Time) *AuditBreak {
	if first {
		if e.Seq == 1 {
			if e.Prev != AuditGenesis || e.PrevID != "" {
				return &AuditBreak{Seq: e.Seq, ID: e.ID, Kind: BreakPrev,
					Detail: fmt.Sprintf("the first entry's prev is %s (id %q), want the genesis %s", short(e.Prev), e.PrevID, short(AuditGenesis))}
			}
			return nil
		}
		at, err := streamIDTime(e.PrevID)
		if err != nil {
			return &AuditBreak{Seq: e.Seq, ID: e.ID, Kind: BreakMalformed, Detail: "prev_id: " + err.Error()}
		}
		if !at.Before(cutoff) {
			return &AuditBreak{Seq: e.Seq, ID: e.ID, Kind: BreakEarlyTrim,
				Detail: fmt.Sprintf("it is the oldest entry kept, but its predecessor (seq %d, stream id %s) was appended at %s, within the retention: entries were deleted from the front", e.Seq-1, e.PrevID, at.Format(time.RFC3339))}
		}
		return nil
	}
	switch {
	case e.Seq != last.Seq+1:
		return &AuditBreak{Seq: e.Seq, ID: e.ID, Kind: BreakSeqGap,
			Detail: fmt.Sprintf("it follows seq %d (stream id %s); want seq %d", last.Seq, last.ID, last.Seq+1)}
	case e.Prev != last.Hash:
		return &AuditBreak{Seq: e.Seq, ID: e.ID, Kind: BreakPrev,
			Detail: fmt.Sprintf("its prev is %s, seq %d's hash is %s", short(e.Prev), last.Seq, short(last.Hash))}
	case e.PrevID != last.ID:
		return &AuditBreak{Seq: e.Seq, ID: e.ID, Kind: BreakPrev,
			Detail: fmt.Sprintf("its prev_id is %s, seq %d's stream id is %s", e.PrevID, last.Seq, last.ID)}
	}
	return nil
}

// auditHeadAndTime reads the chain's head and Redis' clock (the clock of stream ids and
// of retention trimming) in one round trip.
func (s *Store) auditHeadAndTime(ctx context.Context) (auditHead, time.Time, error) {
	ctx, cancel := withAuditTimeout(ctx)
	defer cancel()
	var (
		hm  *redis.SliceCmd
		now *redis.TimeCmd
	)
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		hm = p.HMGet(ctx, s.auditHeadKey(), "seq", "hash", "id")
		now = p.Time(ctx)
		return nil
	})
	if err != nil {
		return auditHead{}, time.Time{}, fmt.Errorf("audit chain: read its head: %w", err)
	}
	vals := hm.Val()
	if vals[0] == nil {
		return auditHead{}, now.Val(), nil // no head: an empty chain (or a lost head)
	}
	seqStr, _ := vals[0].(string)
	seq, err := strconv.ParseUint(seqStr, 10, 64)
	if err != nil {
		return auditHead{}, time.Time{}, fmt.Errorf("audit chain: its head has seq %q: %w", seqStr, err)
	}
	h := auditHead{seq: seq}
	h.hash, _ = vals[1].(string)
	h.id, _ = vals[2].(string)
	return h, now.Val(), nil
}

// short shortens a hash for a message.
func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}
