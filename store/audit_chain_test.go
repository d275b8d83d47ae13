package store_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licensebot/licensebot/store"
	"github.com/redis/go-redis/v9"
)

const chainKey, headKey = "test:{audit}", "test:{audit}:head"

// appendEvents audits n events of one request, each with a field, and returns them.
func appendEvents(t *testing.T, s *store.Store, n int) []store.AuditEvent {
	t.Helper()
	ctx := context.Background()
	id := mustID(t)
	at := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	var events []store.AuditEvent
	for i := range n {
		e := store.AuditEvent{RequestID: id, Action: fmt.Sprint("step", i), Actor: "alice@contoso.com",
			At: at.Add(time.Duration(i) * time.Second), Fields: map[string]string{"graph_request_id": fmt.Sprint("g-", i), "user": "bob@contoso.com"}}
		if err := s.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	return events
}

func readChain(t *testing.T, s *store.Store, since time.Time, pageSize int) []store.AuditEntry {
	t.Helper()
	var got []store.AuditEntry
	for e, err := range s.AuditChain(context.Background(), since, pageSize) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
	}
	return got
}

func verify(t *testing.T, s *store.Store) (store.AuditVerification, *store.AuditBreak) {
	t.Helper()
	v, b, err := s.VerifyAudit(context.Background(), 7) // a small page, so that links across pages are checked
	if err != nil {
		t.Fatal(err)
	}
	return v, b
}

func TestAuditChainReadsBackLinked(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := newStore(b)
		want := appendEvents(t, s, 25)
		for _, pageSize := range []int{0, 1, 7, 25, 100} {
			got := readChain(t, s, time.Time{}, pageSize)
			if len(got) != len(want) {
				t.Fatalf("page %d: %d entries, want %d", pageSize, len(got), len(want))
			}
			prev, prevID := store.AuditGenesis, ""
			for i, e := range got {
				if e.Seq != uint64(i+1) || e.Prev != prev || e.PrevID != prevID || len(e.Hash) != 64 {
					t.Fatalf("page %d: entry %d = seq %d prev %s prev_id %q hash %q; want seq %d prev %s prev_id %q",
						pageSize, i, e.Seq, e.Prev, e.PrevID, e.Hash, i+1, prev, prevID)
				}
				if e.RequestID != want[i].RequestID || e.Action != want[i].Action || e.Actor != want[i].Actor ||
					!e.At.Equal(want[i].At) || !maps.Equal(e.Fields, want[i].Fields) {
					t.Fatalf("entry %d = %+v, want %+v", i, e.AuditEvent, want[i])
				}
				prev, prevID = e.Hash, e.ID
			}
		}
		v, brk := verify(t, s)
		if brk != nil || v.Entries != 25 || v.FirstSeq != 1 || v.LastSeq != 25 || v.HeadSeq != 25 || v.Expired {
			t.Fatalf("VerifyAudit = %+v, %v; want 25 entries from seq 1, intact", v, brk)
		}
	})
}

func TestAuditChainSince(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := newStore(b)
		appendEvents(t, s, 3)
		all := readChain(t, s, time.Time{}, 0)
		// since is by the time Redis appended the entry (its stream id).
		cut := streamTime(t, all[2].ID)
		if got := readChain(t, s, cut, 2); len(got) == 0 || got[len(got)-1].Seq != 3 {
			t.Fatalf("since the last entry's time: %d entries, want it among them", len(got))
		}
		if got := readChain(t, s, cut.Add(time.Millisecond), 2); len(got) != 0 {
			t.Fatalf("since after the last entry: %d entries, want none", len(got))
		}
		if got := readChain(t, s, time.Unix(0, 0).Add(-time.Hour), 2); len(got) != 3 {
			t.Fatalf("since before 1970: %d entries, want all 3", len(got))
		}
	})
}

func streamTime(t *testing.T, id string) time.Time {
	t.Helper()
	var ms int64
	if _, err := fmt.Sscanf(id, "%d-", &ms); err != nil {
		t.Fatalf("stream id %q: %v", id, err)
	}
	return time.UnixMilli(ms)
}

// rewrite is an attacker with access to Redis: streams can't be edited in place, and XADD
// can't go back before the stream's last id, so it reads the chain, deletes the key and
// writes it again, entry by entry with the same ids, changing what edit says (nil drops
// the entry).
func rewrite(t *testing.T, rdb redis.UniversalClient, edit func(seq int, values map[string]any) map[string]any) {
	t.Helper()
	ctx := context.Background()
	msgs, err := rdb.XRange(ctx, chainKey, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	if err := rdb.Del(ctx, chainKey).Err(); err != nil {
		t.Fatal(err)
	}
	for i, m := range msgs {
		values := edit(i+1, m.Values)
		if values == nil {
			continue
		}
		if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: chainKey, ID: m.ID, Values: values}).Err(); err != nil {
			t.Fatal(err)
		}
	}
}

// rehash stores the hash an entry's (edited) content has, as an attacker who knows the
// encoding would.
func rehash(values map[string]any) {
	str := func(k string) string { s, _ := values[k].(string); return s }
	pairs := []string{"request", str("request"), "action", str("action"), "actor", str("actor"), "at", str("at")}
	for _, k := range slices.Sorted(maps.Keys(values)) {
		if strings.HasPrefix(k, "f.") {
			pairs = append(pairs, k, str(k))
		}
	}
	var seq uint64
	fmt.Sscan(str("seq"), &seq)
	values["hash"] = store.AuditHashForTest(seq, str("prev"), str("prev_id"), pairs)
}

func TestAuditVerifyNamesTheFirstBrokenLink(t *testing.T) {
	const n, k = 20, 9 // the chain's length and the entry tampered with
	tests := []struct {
		name    string
		tamper  func(t *testing.T, b backend)
		seq     uint64
		kind    store.AuditBreakKind
		inWords string
	}{
		{
			name: "one entry's actor changed",
			tamper: func(t *testing.T, b backend) {
				rewrite(t, b.rdb, func(seq int, v map[string]any) map[string]any {
					if seq == k {
						v["actor"] = "mallory@contoso.com"
					}
					return v
				})
			},
			seq: k, kind: store.BreakHash, inWords: "hashes to",
		},
		{
			name: "one entry's actor changed and its hash recomputed",
			tamper: func(t *testing.T, b backend) {
				rewrite(t, b.rdb, func(seq int, v map[string]any) map[string]any {
					if seq == k {
						v["actor"] = "mallory@contoso.com"
						rehash(v)
					}
					return v
				})
			},
			seq: k + 1, kind: store.BreakPrev, inWords: fmt.Sprintf("seq %d's hash", k),
		},
		{
			name: "a field added to one entry",
			tamper: func(t *testing.T, b backend) {
				rewrite(t, b.rdb, func(seq int, v map[string]any) map[string]any {
					if seq == k {
						v["f.approved_by"] = "mallory@contoso.com"
					}
					return v
				})
			},
			seq: k, kind: store.BreakHash,
		},
		{
			name: "an entry in the middle deleted",
			tamper: func(t *testing.T, b backend) {
				rewrite(t, b.rdb, func(seq int, v map[string]any) map[string]any {
					if seq == k {
						return nil
					}
					return v
				})
			},
			seq: k + 1, kind: store.BreakSeqGap, inWords: fmt.Sprintf("follows seq %d", k-1),
		},
		{
			name: "the last entries deleted",
			tamper: func(t *testing.T, b backend) {
				rewrite(t, b.rdb, func(seq int, v map[string]any) map[string]any {
					if seq > n-2 {
						return nil
					}
					return v
				})
			},
			seq: n, kind: store.BreakHead, inWords: fmt.Sprintf("ends at seq %d", n-2),
		},
		{
			name: "the first entries deleted, well within the retention",
			tamper: func(t *testing.T, b backend) {
				rewrite(t, b.rdb, func(seq int, v map[string]any) map[string]any {
					if seq < 4 {
						return nil
					}
					return v
				})
			},
			seq: 4, kind: store.BreakEarlyTrim, inWords: "deleted from the front",
		},
		{
			name: "the seq of an entry changed",
			tamper: func(t *testing.T, b backend) {
				rewrite(t, b.rdb, func(seq int, v map[string]any) map[string]any {
					if seq == k {
						v["seq"] = "not a number"
					}
					return v
				})
			},
			seq: 0, kind: store.BreakMalformed, inWords: "seq",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, b backend) {
				s := newStore(b)
				appendEvents(t, s, n)
				ids := readChain(t, s, time.Time{}, 0)
				tt.tamper(t, b)
				_, brk := verify(t, s)
				if brk == nil {
					t.Fatal("VerifyAudit found the chain intact")
				}
				wantID := ids[k-1].ID
				switch {
				case tt.seq == 0:
				case tt.seq <= n:
					wantID = ids[tt.seq-1].ID
				}
				if brk.Seq != tt.seq || brk.ID != wantID || brk.Kind != tt.kind || !strings.Contains(brk.Detail, tt.inWords) {
					t.Fatalf("VerifyAudit = %v (seq %d id %s kind %q); want seq %d id %s %q saying %q", brk, brk.Seq, brk.ID, brk.Kind, tt.seq, wantID, tt.kind, tt.inWords)
				}
			})
		})
	}
}

func TestAuditRetentionTrimsTheFrontAndVerifyTrustsIt(t *testing.T) {
	const retention = 600 * time.Millisecond
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := store.NewWithOptions(b.rdb, "test", store.Options{AuditRetention: retention})
		appendEvents(t, s, 5)
		// Retention is by Redis' clock (stream ids, TIME in the script): a real wait on both.
		time.Sleep(retention + 200*time.Millisecond)
		appendEvents(t, s, 2)
		n, err := b.rdb.XLen(ctx, chainKey).Result()
		if err != nil || n != 2 {
			t.Fatalf("XLEN = %d, %v; want the 2 entries appended within the retention", n, err)
		}
		v, brk := verify(t, s)
		if brk != nil || !v.Expired || v.FirstSeq != 6 || v.LastSeq != 7 || v.Entries != 2 {
			t.Fatalf("VerifyAudit = %+v, %v; want intact from seq 6, older entries expired", v, brk)
		}
	})
}

func TestAuditChainGoesOnWhenItsHeadIsLost(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := newStore(b)
		appendEvents(t, s, 3)
		if err := b.rdb.Del(context.Background(), headKey).Err(); err != nil {
			t.Fatal(err)
		}
		if v, brk := verify(t, s); brk != nil || !v.HeadMissing || v.Entries != 3 {
			t.Fatalf("VerifyAudit without a head = %+v, %v; want 3 linked entries and HeadMissing", v, brk)
		}
		// A second Store has no guess of its own: the script reads the last entry.
		appendEvents(t, newStore(b), 2)
		appendEvents(t, s, 1)
		v, brk := verify(t, s)
		if brk != nil || v.Entries != 6 || v.LastSeq != 6 || v.HeadMissing {
			t.Fatalf("VerifyAudit = %+v, %v; want 6 linked entries", v, brk)
		}
	})
}

// Replicas append at once: two Stores (two replicas) on the same Redis, each with many
// goroutines. Every event must be in the chain exactly once, and the chain intact.
func TestAuditChainConcurrentReplicas(t *testing.T) {
	const replicas, goroutines, each = 2, 16, 25
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, replicas*goroutines)
		var requests []string // one per goroutine: its own stream must hold each event once
		for r := range replicas {
			s := newStore(b) // its own Store: its own guess of the head and its own queue
			for g := range goroutines {
				req := mustID(t)
				requests = append(requests, req)
				wg.Go(func() {
					for i := range each {
						e := store.AuditEvent{RequestID: req, Action: "removed", Actor: fmt.Sprintf("r%d-g%d-%d", r, g, i)}
						if err := s.Audit(ctx, e); err != nil {
							errs <- err
							return
						}
					}
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		s := newStore(b)
		const total = replicas * goroutines * each
		v, brk := verify(t, s)
		if brk != nil || v.Entries != total || v.FirstSeq != 1 || v.LastSeq != total || v.HeadSeq != total {
			t.Fatalf("VerifyAudit = %+v, %v; want %d linked entries", v, brk, total)
		}
		seen := map[string]bool{}
		for _, e := range readChain(t, s, time.Time{}, 0) {
			if seen[e.Actor] {
				t.Fatalf("%s appended twice", e.Actor)
			}
			seen[e.Actor] = true
		}
		if len(seen) != total {
			t.Fatalf("%d distinct events in the chain, want %d", len(seen), total)
		}
		for _, req := range requests {
			if log, err := s.AuditLog(ctx, req, 0); err != nil || len(log) != each {
				t.Fatalf("request %s: %d events in its own stream, %v; want %d", req, len(log), err, each)
			}
		}
	})
}

// An append that took the turn and died holds the others back only until the turn ends.
func TestAuditTurnOfADeadAppenderEnds(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := newStore(b)
		appendEvents(t, s, 1)
		const turn = 500 * time.Millisecond // store's auditTurn
		if err := b.rdb.Set(context.Background(), "test:{audit}:turn", "a-dead-replica", turn).Err(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := s.Audit(context.Background(), store.AuditEvent{Action: "removed"}); err != nil {
				t.Error(err)
			}
		}()
		time.Sleep(100 * time.Millisecond)
		if n, err := b.rdb.XLen(context.Background(), chainKey).Result(); err != nil || n != 1 {
			t.Fatalf("XLEN = %d, %v while another append has the turn; want 1", n, err)
		}
		b.advance(turn) // the turn ends (miniredis expires keys only when told)
		<-done
		if v, brk := verify(t, s); brk != nil || v.Entries != 2 {
			t.Fatalf("VerifyAudit = %+v, %v; want 2 linked entries", v, brk)
		}
	})
}

// The unchained audit stream of earlier versions is given the retention once, and ages out.
func TestLegacyAuditStreamExpiresAfterTheRetention(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
		s := store.NewWithOptions(b.rdb, "legacy", store.Options{Now: func() time.Time { return now }, AuditRetention: 48 * time.Hour})
		if _, found, err := s.ExpireLegacyAudit(ctx); err != nil || found {
			t.Fatalf("no old stream: found %v, %v", found, err)
		}
		if err := b.rdb.XAdd(ctx, &redis.XAddArgs{Stream: "legacy:audit", Values: []string{"action", "approved"}}).Err(); err != nil {
			t.Fatal(err)
		}
		expires, found, err := s.ExpireLegacyAudit(ctx)
		if err != nil || !found || expires.Sub(now) < 47*time.Hour || expires.Sub(now) > 48*time.Hour {
			t.Fatalf("expires %s (%s from now), found %v, %v", expires, expires.Sub(now), found, err)
		}
		// A restart doesn't push the date back.
		b.rdb.PExpire(ctx, "legacy:audit", time.Hour)
		if expires, _, _ := s.ExpireLegacyAudit(ctx); expires.Sub(now) > time.Hour {
			t.Fatalf("a second start set it again: %s from now", expires.Sub(now))
		}
	})
}
