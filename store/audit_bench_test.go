package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/licensebot/licensebot/store"
	"github.com/licensebot/licensebot/store/storetest"
)

// removedEvent is an executor's audit event for one user, as handlers writes it.
func removedEvent(i int) store.AuditEvent {
	return store.AuditEvent{RequestID: "bench-request", Action: "removed", Actor: "",
		Fields: map[string]string{"user": fmt.Sprintf("user%d@contoso.com", i), "sku": "6fd2c87f-b296-42f0-b197-1e91e994b900",
			"graph_request_id": "5f2a9c1e-0b7d-4d3e-9a55-2c0f8e1a7b64", "reason": ""}}
}

// BenchmarkAuditAppend is what each audit event costs now that it is chained: one
// compare-and-set script (plus the request's own stream), alone, and from two replicas
// (Stores) with 16 goroutines each appending at once, where the replicas' appends race.
func BenchmarkAuditAppend(b *testing.B) {
	srv := storetest.Start(b)
	rdb := srv.Client(b)
	ctx := context.Background()
	b.Run("one", func(b *testing.B) {
		s := store.New(rdb, "bench1")
		i := 0
		for b.Loop() {
			i++
			if err := s.Audit(ctx, removedEvent(i)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("2-replicas-x16", func(b *testing.B) {
		replicas := []*store.Store{store.New(rdb, "bench2"), store.New(rdb, "bench2")}
		var (
			mu sync.Mutex
			i  int
		)
		b.SetParallelism(16) // × GOMAXPROCS goroutines in all
		b.RunParallel(func(pb *testing.PB) {
			mu.Lock()
			s := replicas[i%2]
			i++
			mu.Unlock()
			n := 0
			for pb.Next() {
				n++
				if err := s.Audit(ctx, removedEvent(n)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkVerifyAudit10k checks a chain of 10,000 entries.
func BenchmarkVerifyAudit10k(b *testing.B) {
	srv := storetest.Start(b)
	s := store.New(srv.Client(b), "bench")
	ctx := context.Background()
	for i := range 10_000 {
		if err := s.Audit(ctx, removedEvent(i)); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		v, brk, err := s.VerifyAudit(ctx, 0)
		if err != nil || brk != nil || v.Entries != 10_000 {
			b.Fatalf("VerifyAudit = %+v, %v, %v", v, brk, err)
		}
	}
}
