package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licensebot/licensebot/store"
	"github.com/licensebot/licensebot/store/storetest"
)

// BenchmarkRecordDelivery is what the inbox adds to every acknowledgement: recording one
// delivery (a Slack command's fields, about 600 bytes), alone and with 200 at once as in the
// ack burst benchmark.
func BenchmarkRecordDelivery(b *testing.B) {
	srv := storetest.Start(b)
	s := store.New(srv.Client(b), "bench")
	ctx := context.Background()
	fields := map[string]string{"body": strings.Repeat("x", 600), "kind": "command"}
	n := 0
	b.Run("one", func(b *testing.B) {
		for b.Loop() {
			n++
			if _, _, err := s.RecordDelivery(ctx, "slack", "replica-1", fmt.Sprint("k", n), fields, time.Hour); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("200-at-once", func(b *testing.B) {
		for b.Loop() {
			var wg sync.WaitGroup
			for range 200 {
				n++
				key := fmt.Sprint("k", n)
				wg.Go(func() {
					if _, _, err := s.RecordDelivery(ctx, "slack", "replica-1", key, fields, time.Hour); err != nil {
						b.Error(err)
					}
				})
			}
			wg.Wait()
		}
	})
}

// BenchmarkClaim200AtOnce is what the acknowledgement cost before the inbox: one SET NX.
func BenchmarkClaim200AtOnce(b *testing.B) {
	srv := storetest.Start(b)
	s := store.New(srv.Client(b), "bench")
	ctx := context.Background()
	n := 0
	for b.Loop() {
		var wg sync.WaitGroup
		for range 200 {
			n++
			key := fmt.Sprint("k", n)
			wg.Go(func() {
				if _, err := s.Claim(ctx, key, time.Hour); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
	}
}
