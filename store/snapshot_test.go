package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/licensebot/licensebot/store"
)

func TestSnapshots(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(b)

		t.Run("the first snapshot of a user is the one kept", func(t *testing.T) {
			req := mustID(t)
			writes := []struct{ user, data string }{
				{"alice", `{"skus":["E3","VISIO"]}`},
				{"alice", `{"skus":["VISIO"]}`}, // a retry that read alice after the removal
				{"bob", `{"skus":["E3"]}`},
			}
			for _, w := range writes {
				if err := s.PutSnapshot(ctx, req, w.user, []byte(w.data), 30*24*hour); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.Snapshots(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			assertBytesMap(t, got, map[string]string{"alice": `{"skus":["E3","VISIO"]}`, "bob": `{"skus":["E3"]}`})
		})

		t.Run("of concurrent snapshots exactly one is kept", func(t *testing.T) {
			req := mustID(t)
			var wg sync.WaitGroup
			for i := range 20 {
				wg.Go(func() {
					if err := s.PutSnapshot(ctx, req, "alice", fmt.Appendf(nil, "writer-%d", i), hour); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			got, err := s.Snapshots(ctx, req)
			if err != nil || len(got) != 1 {
				t.Fatalf("Snapshots = %q, %v; want one", got, err)
			}
		})

		t.Run("snapshots expire after their ttl", func(t *testing.T) {
			req := mustID(t)
			if err := s.PutSnapshot(ctx, req, "alice", []byte("x"), 100*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			b.advance(150 * time.Millisecond)
			got, err := s.Snapshots(ctx, req)
			if err != nil || len(got) != 0 {
				t.Fatalf("Snapshots after expiry = %q, %v; want none", got, err)
			}
		})

		t.Run("bad arguments are refused", func(t *testing.T) {
			if err := s.PutSnapshot(ctx, "", "alice", nil, hour); !errors.Is(err, store.ErrInvalidID) {
				t.Errorf("err = %v, want ErrInvalidID", err)
			}
			if err := s.PutSnapshot(ctx, mustID(t), "", nil, hour); err == nil {
				t.Error("empty user accepted")
			}
			if err := s.PutSnapshot(ctx, mustID(t), "alice", nil, 0); err == nil {
				t.Error("ttl 0 accepted")
			}
		})
	})
}
