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

	"github.com/redis/go-redis/v9"

	"github.com/licensebot/licensebot/store"
	"github.com/licensebot/licensebot/store/storetest"
)

const (
	testInbox  = "slack"
	testDedupe = time.Hour
)

// inboxStore is a store of its own for one test (its own prefix on the shared server), so
// that no test's entries are pending in another's inbox.
func inboxStore(t *testing.T, b backend) (s *store.Store, stream string) {
	prefix := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	return store.NewWithOptions(b.rdb, prefix, store.Options{Now: func() time.Time { return testNow }}), prefix + ":{inbox}:" + testInbox
}

// A delivery as an adapter records it: its payload and what answers it (a credential).
func testFields(n int) map[string]string {
	return map[string]string{"kind": "click", "payload": fmt.Sprintf(`{"n":%d}`, n), "reply": "https://hooks.slack.test/secret"}
}

func TestInbox(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()

		t.Run("a recorded delivery is held by its recorder and gone after ack", func(t *testing.T) {
			s, stream := inboxStore(t, b)
			id, first, err := s.RecordDelivery(ctx, testInbox, "replica-a", "slack:click:T1:1", testFields(1), testDedupe)
			if err != nil || !first || id == "" {
				t.Fatalf("RecordDelivery = %q, %v, %v; want a new entry", id, first, err)
			}
			pending := b.rdb.XPendingExt(ctx, pendingArgs(stream)).Val()
			if len(pending) != 1 || pending[0].ID != id || pending[0].Consumer != "replica-a" || pending[0].RetryCount != 1 {
				t.Fatalf("pending = %+v, want %s held by replica-a, delivered once", pending, id)
			}
			if err := s.AckDelivery(ctx, testInbox, id); err != nil {
				t.Fatal(err)
			}
			if n := b.rdb.XLen(ctx, stream).Val(); n != 0 {
				t.Errorf("the inbox holds %d entries after ack, want 0: the credential must go with it", n)
			}
			if err := s.AckDelivery(ctx, testInbox, id); err != nil {
				t.Errorf("second ack: %v, want nil", err)
			}
		})

		t.Run("a repeated key is not recorded again, even after ack", func(t *testing.T) {
			s, stream := inboxStore(t, b)
			id, _, err := s.RecordDelivery(ctx, testInbox, "replica-a", "slack:command:T1:retry", testFields(1), testDedupe)
			if err != nil {
				t.Fatal(err)
			}
			for _, holder := range []string{"replica-a", "replica-b"} {
				if id, first, err := s.RecordDelivery(ctx, testInbox, holder, "slack:command:T1:retry", testFields(2), testDedupe); err != nil || first || id != "" {
					t.Fatalf("repeat by %s = %q, %v, %v; want nothing recorded", holder, id, first, err)
				}
			}
			if n := b.rdb.XLen(ctx, stream).Val(); n != 1 {
				t.Fatalf("the inbox holds %d entries, want 1", n)
			}
			if err := s.AckDelivery(ctx, testInbox, id); err != nil {
				t.Fatal(err)
			}
			if _, first, err := s.RecordDelivery(ctx, testInbox, "replica-b", "slack:command:T1:retry", testFields(3), testDedupe); err != nil || first {
				t.Fatalf("a retry after the work was done = %v, %v; want a repeat", first, err)
			}
		})

		t.Run("of the same delivery to many replicas at once exactly one records it", func(t *testing.T) {
			s, _ := inboxStore(t, b)
			var wg sync.WaitGroup
			var mu sync.Mutex
			firsts := 0
			for i := range 20 {
				wg.Go(func() {
					_, first, err := s.RecordDelivery(ctx, testInbox, fmt.Sprintf("replica-%d", i), "discord:interaction:42", testFields(i), testDedupe)
					if err != nil {
						t.Error(err)
					}
					if first {
						mu.Lock()
						firsts++
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if firsts != 1 {
				t.Fatalf("%d replicas recorded the delivery, want 1", firsts)
			}
		})

		t.Run("deliveries recorded together are each held by their own recorder", func(t *testing.T) {
			s, stream := inboxStore(t, b)
			ids := map[string]string{}
			var wg sync.WaitGroup
			var mu sync.Mutex
			for i := range 30 {
				wg.Go(func() {
					holder := fmt.Sprintf("replica-%d", i)
					id, first, err := s.RecordDelivery(ctx, testInbox, holder, fmt.Sprintf("slack:click:T1:%d", i), testFields(i), testDedupe)
					if err != nil || !first {
						t.Errorf("record %d: %v, %v", i, first, err)
						return
					}
					mu.Lock()
					ids[id] = holder
					mu.Unlock()
				})
			}
			wg.Wait()
			pending := b.rdb.XPendingExt(ctx, pendingArgs(stream)).Val()
			if len(pending) != 30 {
				t.Fatalf("%d pending entries, want 30", len(pending))
			}
			for _, p := range pending {
				if ids[p.ID] != p.Consumer {
					t.Errorf("entry %s is held by %s, recorded by %s", p.ID, p.Consumer, ids[p.ID])
				}
			}
		})

		t.Run("an entry is taken over only once its holder stops extending it", func(t *testing.T) {
			s, _ := inboxStore(t, b)
			fields := testFields(7)
			id, _, err := s.RecordDelivery(ctx, testInbox, "replica-a", "slack:click:T1:takeover", fields, testDedupe)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok, err := s.ReclaimDelivery(ctx, testInbox, "replica-b", testMinIdle); err != nil || ok {
				t.Fatalf("reclaim of a fresh entry = %v, %v; want nothing", ok, err)
			}
			// replica-a is alive: its heartbeats keep the entry.
			for range 3 {
				time.Sleep(testMinIdle / 2)
				if lost, err := s.ExtendDeliveries(ctx, testInbox, "replica-a", []string{id}); err != nil || len(lost) != 0 {
					t.Fatalf("extend = %v, %v; want the entry kept", lost, err)
				}
			}
			if _, ok, err := s.ReclaimDelivery(ctx, testInbox, "replica-b", testMinIdle); err != nil || ok {
				t.Fatalf("reclaim of an extended entry = %v, %v; want nothing", ok, err)
			}
			// replica-a dies: after minIdle replica-b takes the entry, all of it.
			time.Sleep(testMinIdle + 50*time.Millisecond)
			got, ok, err := s.ReclaimDelivery(ctx, testInbox, "replica-b", testMinIdle)
			if err != nil || !ok {
				t.Fatalf("reclaim after the holder stopped = %v, %v; want the entry", ok, err)
			}
			want := store.InboxEntry{ID: id, Key: "slack:click:T1:takeover", Fields: fields, Attempt: 2}
			if got.ID != want.ID || got.Key != want.Key || got.Attempt != want.Attempt || !maps.Equal(got.Fields, want.Fields) {
				t.Fatalf("reclaimed %+v, want %+v", got, want)
			}
			if _, ok, _ := s.ReclaimDelivery(ctx, testInbox, "replica-c", testMinIdle); ok {
				t.Fatal("a taken-over entry was taken over again at once")
			}
			// replica-a, back from a stall, learns that the entry is no longer its own.
			if lost, err := s.ExtendDeliveries(ctx, testInbox, "replica-a", []string{id}); err != nil || !slices.Equal(lost, []string{id}) {
				t.Fatalf("extend by the old holder = %v, %v; want %s lost", lost, err, id)
			}
			if lost, err := s.ExtendDeliveries(ctx, testInbox, "replica-b", []string{id}); err != nil || len(lost) != 0 {
				t.Fatalf("extend by the new holder = %v, %v; want it kept", lost, err)
			}
			if err := s.AckDelivery(ctx, testInbox, got.ID); err != nil {
				t.Fatal(err)
			}
			if lost, err := s.ExtendDeliveries(ctx, testInbox, "replica-b", []string{id}); err != nil || len(lost) != 1 {
				t.Fatalf("extend after ack = %v, %v; want it lost", lost, err)
			}
		})

		t.Run("an empty inbox has nothing to reclaim", func(t *testing.T) {
			s := store.New(b.rdb, "empty")
			if _, ok, err := s.ReclaimDelivery(ctx, testInbox, "replica-a", testMinIdle); err != nil || ok {
				t.Fatalf("reclaim from an inbox never written = %v, %v", ok, err)
			}
			if lost, err := s.ExtendDeliveries(ctx, testInbox, "replica-a", []string{"1-0"}); err != nil || len(lost) != 1 {
				t.Fatalf("extend in an inbox never written = %v, %v; want the id lost", lost, err)
			}
			if err := s.AckDelivery(ctx, testInbox, "1-0"); err != nil {
				t.Fatalf("ack in an inbox never written: %v", err)
			}
		})

		t.Run("inboxes of two platforms are apart", func(t *testing.T) {
			s, _ := inboxStore(t, b)
			if _, _, err := s.RecordDelivery(ctx, "discord", "replica-a", "discord:interaction:1", testFields(1), testDedupe); err != nil {
				t.Fatal(err)
			}
			time.Sleep(testMinIdle + 50*time.Millisecond)
			if _, ok, err := s.ReclaimDelivery(ctx, "teams", "replica-b", testMinIdle); err != nil || ok {
				t.Fatalf("reclaim from another platform's inbox = %v, %v; want nothing", ok, err)
			}
			if e, ok, err := s.ReclaimDelivery(ctx, "discord", "replica-b", testMinIdle); err != nil || !ok || e.Key != "discord:interaction:1" {
				t.Fatalf("reclaim from its own inbox = %+v, %v, %v", e, ok, err)
			}
		})

		t.Run("the inbox is bounded", func(t *testing.T) {
			s := store.NewWithOptions(b.rdb, "bounded", store.Options{InboxMaxLen: 10})
			for i := range 500 {
				if _, _, err := s.RecordDelivery(ctx, testInbox, "replica-a", fmt.Sprintf("k%d", i), testFields(i), testDedupe); err != nil {
					t.Fatal(err)
				}
			}
			// MAXLEN ~ trims whole macro-nodes (100 entries by default), so the stream holds
			// a little more than the cap, never all.
			if n := b.rdb.XLen(ctx, "bounded:{inbox}:slack").Val(); n >= 500 || n < 10 {
				t.Fatalf("the capped inbox holds %d of 500 entries", n)
			}
		})

		t.Run("a key's mark expires with its dedupe time", func(t *testing.T) {
			s, _ := inboxStore(t, b)
			if _, first, err := s.RecordDelivery(ctx, testInbox, "replica-a", "short", testFields(1), 100*time.Millisecond); err != nil || !first {
				t.Fatal(first, err)
			}
			b.advance(150 * time.Millisecond)
			if _, first, err := s.RecordDelivery(ctx, testInbox, "replica-a", "short", testFields(1), 100*time.Millisecond); err != nil || !first {
				t.Fatalf("record after the mark expired = %v, %v; want a new entry", first, err)
			}
		})

		t.Run("bad names, keys and times are refused", func(t *testing.T) {
			s, _ := inboxStore(t, b)
			for _, tc := range []struct{ inbox, holder, key string }{
				{"", "a", "k"}, {"Slack", "a", "k"}, {"slack}:x", "a", "k"}, {"slack", "", "k"}, {"slack", "a", ""},
			} {
				if _, _, err := s.RecordDelivery(ctx, tc.inbox, tc.holder, tc.key, nil, time.Minute); err == nil {
					t.Errorf("RecordDelivery(%q, %q, %q) accepted", tc.inbox, tc.holder, tc.key)
				}
			}
			if _, _, err := s.RecordDelivery(ctx, testInbox, "a", "k", nil, 0); err == nil {
				t.Error("a mark without a TTL accepted")
			}
			if _, _, err := s.ReclaimDelivery(ctx, testInbox, "a", 0); err == nil {
				t.Error("a reclaim without a min idle accepted")
			}
			if err := s.AckDelivery(ctx, testInbox, ""); err == nil {
				t.Error("an ack without an id accepted")
			}
		})
	})
}

// With Redis down every call fails within the 1 s timeouts store.Open sets, so that the
// adapter still refuses within the platform's 3 seconds, and no error carries a field's
// value (a response_url is a credential).
func TestInboxFailsClosedWhenRedisIsDown(t *testing.T) {
	srv := storetest.Start(t)
	rdb, err := store.Open(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	s := store.New(rdb, "down")
	ctx := context.Background()
	if _, _, err := s.RecordDelivery(ctx, testInbox, "replica-a", "before", testFields(1), testDedupe); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	calls := map[string]func() error{
		"record": func() error {
			_, _, err := s.RecordDelivery(ctx, testInbox, "replica-a", "during", testFields(2), testDedupe)
			return err
		},
		"reclaim": func() error {
			_, _, err := s.ReclaimDelivery(ctx, testInbox, "replica-a", time.Second)
			return err
		},
		"extend": func() error {
			_, err := s.ExtendDeliveries(ctx, testInbox, "replica-a", []string{"1-0"})
			return err
		},
		"ack": func() error { return s.AckDelivery(ctx, testInbox, "1-0") },
	}
	for name, call := range calls {
		start := time.Now()
		err := call()
		if err == nil {
			t.Errorf("%s with Redis down succeeded", name)
			continue
		}
		if took := time.Since(start); took > 2500*time.Millisecond {
			t.Errorf("%s took %s to fail, more than the 1 s timeouts allow", name, took)
		}
		if strings.Contains(err.Error(), "hooks.slack.test") {
			t.Errorf("%s: the error shows a recorded credential: %v", name, err)
		}
	}
	// Back up: the delivery refused meanwhile was never marked, so its retry is recorded.
	srv.Restart(t)
	if _, first, err := s.RecordDelivery(ctx, testInbox, "replica-a", "during", testFields(2), testDedupe); err != nil || !first {
		t.Fatalf("record after Redis came back = %v, %v; want a new entry", first, err)
	}
}

func pendingArgs(stream string) *redis.XPendingExtArgs {
	return &redis.XPendingExtArgs{Stream: stream, Group: "receivers", Start: "-", End: "+", Count: 100}
}

// Deliveries recorded at once go together (one pipeline while another is on its way): each
// still gets its own entry, held by its recorder, and a repeat of a key is still a repeat.
func TestInboxRecordsABurstTogether(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s, stream := inboxStore(t, b)
		ctx := context.Background()
		const n = 300
		ids := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				id, first, err := s.RecordDelivery(ctx, testInbox, "replica-a", fmt.Sprint("key-", i%(n/2)), testFields(i), testDedupe)
				if err != nil {
					t.Error(err)
				}
				if first {
					ids[i] = id
				}
			})
		}
		wg.Wait()
		seen := map[string]bool{}
		for _, id := range ids {
			if id != "" {
				if seen[id] {
					t.Fatalf("entry %s handed out twice", id)
				}
				seen[id] = true
			}
		}
		if len(seen) != n/2 {
			t.Fatalf("%d deliveries recorded for %d keys, each twice", len(seen), n/2)
		}
		pending, err := b.rdb.XPending(ctx, stream, "receivers").Result()
		if err != nil || pending.Count != int64(n/2) || pending.Consumers["replica-a"] != int64(n/2) {
			t.Fatalf("pending %+v, %v; want %d held by replica-a", pending, err, n/2)
		}
	})
}

// A burst to two inboxes from two holders goes in one batch: each entry is pending in its
// own holder's name in its own inbox.
func TestInboxBurstToTwoInboxesFromTwoHolders(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s, _ := inboxStore(t, b)
		ctx := context.Background()
		inboxes := []string{"slack", "discord"}
		holders := []string{"replica-a", "replica-b"}
		const n = 200
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				inbox, holder := inboxes[i%2], holders[(i/2)%2]
				_, first, err := s.RecordDelivery(ctx, inbox, holder, fmt.Sprint(inbox, "-", i), testFields(i), testDedupe)
				if err != nil || !first {
					t.Errorf("record %d: first %v, %v", i, first, err)
				}
			})
		}
		wg.Wait()
		prefix := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
		for _, inbox := range inboxes {
			pending, err := b.rdb.XPending(ctx, prefix+":{inbox}:"+inbox, "receivers").Result()
			if err != nil || pending.Count != n/2 || pending.Consumers["replica-a"] != n/4 || pending.Consumers["replica-b"] != n/4 {
				t.Errorf("inbox %s: pending %+v, %v; want %d each held by replica-a and replica-b", inbox, pending, err, n/4)
			}
		}
	})
}

// Callers that give up while their deliveries wait for a batch leave no batch slot taken:
// the next delivery is recorded at once, and one that gave up is recorded or not, never
// reported recorded when it was not.
func TestInboxCallersGivingUpLeaveNoSlotTaken(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s, _ := inboxStore(t, b)
		for round := range 20 {
			var wg sync.WaitGroup
			for i := range 100 {
				wg.Go(func() {
					ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%7)*200*time.Microsecond)
					defer cancel()
					id, first, err := s.RecordDelivery(ctx, testInbox, "replica-a", fmt.Sprint("gave-up-", round, "-", i), testFields(i), testDedupe)
					if err == nil && first && id == "" {
						t.Errorf("recorded without an entry id")
					}
				})
			}
			wg.Wait()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_, first, err := s.RecordDelivery(ctx, testInbox, "replica-a", fmt.Sprint("after-", round), testFields(0), testDedupe)
			cancel()
			if err != nil || !first {
				t.Fatalf("round %d: a delivery after callers gave up: first %v, %v", round, first, err)
			}
		}
	})
}
