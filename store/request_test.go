package store_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/licensebot/licensebot/store"
	"github.com/licensebot/licensebot/store/storetest"
	"github.com/redis/go-redis/v9"
)

const hour = time.Hour

func TestCreate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(b)

		t.Run("a new request reads back at version 1", func(t *testing.T) {
			id := mustID(t)
			data := []byte(`{"targets":["alice@contoso.com"],"sku":"ENTERPRISEPACK"}`)
			created, err := s.Create(ctx, id, "awaiting-confirmation", data, hour)
			if err != nil {
				t.Fatal(err)
			}
			want := store.Record{ID: id, State: "awaiting-confirmation", Version: 1, Data: data, UpdatedAt: testNow}
			assertRecord(t, "Create", created, want)
			got, err := s.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			assertRecord(t, "Get", got, want)
		})

		t.Run("binary and empty data survive", func(t *testing.T) {
			for _, data := range [][]byte{nil, {}, {0, 0xff, '\n', 0, 'x'}} {
				id := mustID(t)
				if _, err := s.Create(ctx, id, "s", data, hour); err != nil {
					t.Fatal(err)
				}
				got, err := s.Get(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Data, data) {
					t.Errorf("data = %q, want %q", got.Data, data)
				}
			}
		})

		t.Run("a taken id fails with ErrExists and keeps the first request", func(t *testing.T) {
			id := mustID(t)
			if _, err := s.Create(ctx, id, "first", []byte("1"), hour); err != nil {
				t.Fatal(err)
			}
			_, err := s.Create(ctx, id, "second", []byte("2"), hour)
			if !errors.Is(err, store.ErrExists) {
				t.Fatalf("second Create: err = %v, want ErrExists", err)
			}
			got, err := s.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != "first" || string(got.Data) != "1" {
				t.Errorf("after failed Create: %+v, want the first request", got)
			}
		})

		t.Run("an unknown id is not found", func(t *testing.T) {
			_, err := s.Get(ctx, mustID(t))
			if !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("err = %v, want ErrNotFound", err)
			}
		})

		t.Run("a malformed id is refused before Redis", func(t *testing.T) {
			for _, id := range []string{"", "a}b", "{x}", "a:b", "with space", string(make([]byte, 65))} {
				if _, err := s.Create(ctx, id, "s", nil, hour); !errors.Is(err, store.ErrInvalidID) {
					t.Errorf("Create(%q): err = %v, want ErrInvalidID", id, err)
				}
				_, err := s.Get(ctx, id)
				if !errors.Is(err, store.ErrInvalidID) || !errors.Is(err, store.ErrNotFound) {
					t.Errorf("Get(%q): err = %v, want ErrInvalidID and ErrNotFound", id, err)
				}
			}
		})

		t.Run("a TTL under 1ms is refused", func(t *testing.T) {
			if _, err := s.Create(ctx, mustID(t), "s", nil, 0); err == nil {
				t.Fatal("Create with ttl 0 succeeded")
			}
		})
	})
}

func TestRequestTTL(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(b)

		t.Run("Create sets the TTL on the request key", func(t *testing.T) {
			id := mustID(t)
			if _, err := s.Create(ctx, id, "s", nil, hour); err != nil {
				t.Fatal(err)
			}
			assertTTL(t, b, "test:req:{"+id+"}", hour)
		})

		t.Run("a request is gone after its TTL", func(t *testing.T) {
			id := mustID(t)
			if _, err := s.Create(ctx, id, "s", nil, 100*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			b.advance(150 * time.Millisecond)
			if _, err := s.Get(ctx, id); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("Get after TTL: err = %v, want ErrNotFound", err)
			}
			if _, err := s.Transition(ctx, id, "s", 1, "t", nil, hour); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("Transition after TTL: err = %v, want ErrNotFound", err)
			}
		})

		t.Run("Transition replaces the TTL", func(t *testing.T) {
			id := mustID(t)
			if _, err := s.Create(ctx, id, "s", nil, hour); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Transition(ctx, id, "s", 1, "done", nil, 30*24*hour); err != nil {
				t.Fatal(err)
			}
			assertTTL(t, b, "test:req:{"+id+"}", 30*24*hour)
		})

		t.Run("a conflicting Transition leaves the TTL alone", func(t *testing.T) {
			id := mustID(t)
			if _, err := s.Create(ctx, id, "s", nil, hour); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Transition(ctx, id, "other", 1, "done", nil, 30*24*hour); !errors.Is(err, store.ErrConflict) {
				t.Fatalf("err = %v, want ErrConflict", err)
			}
			assertTTL(t, b, "test:req:{"+id+"}", hour)
		})
	})
}

func TestTransition(t *testing.T) {
	const confirm, approve, run = "awaiting-confirmation", "awaiting-approval", "running"
	tests := []struct {
		name        string
		from        string
		version     int64
		wantErr     error
		wantState   string
		wantVersion int64
		wantData    string
	}{
		{name: "the expected state and version move the request and increment the version",
			from: confirm, version: 1, wantState: approve, wantVersion: 2, wantData: "new"},
		{name: "another state is a conflict that returns the current record",
			from: approve, version: 1, wantErr: store.ErrConflict, wantState: confirm, wantVersion: 1, wantData: "old"},
		{name: "an older version is a conflict that returns the current record",
			from: confirm, version: 0, wantErr: store.ErrConflict, wantState: confirm, wantVersion: 1, wantData: "old"},
		{name: "a newer version is a conflict that returns the current record",
			from: confirm, version: 2, wantErr: store.ErrConflict, wantState: confirm, wantVersion: 1, wantData: "old"},
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(b)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				id := mustID(t)
				if _, err := s.Create(ctx, id, confirm, []byte("old"), hour); err != nil {
					t.Fatal(err)
				}
				got, err := s.Transition(ctx, id, tt.from, tt.version, approve, []byte("new"), hour)
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				want := store.Record{ID: id, State: tt.wantState, Version: tt.wantVersion, Data: []byte(tt.wantData), UpdatedAt: testNow}
				assertRecord(t, "Transition", got, want)
				stored, err := s.Get(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				assertRecord(t, "Get after Transition", stored, want)
			})
		}

		t.Run("a missing request is not found", func(t *testing.T) {
			_, err := s.Transition(ctx, mustID(t), confirm, 1, approve, nil, hour)
			if !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("err = %v, want ErrNotFound", err)
			}
		})

		t.Run("a request walks its states with one version per step", func(t *testing.T) {
			id := mustID(t)
			rec, err := s.Create(ctx, id, confirm, nil, hour)
			if err != nil {
				t.Fatal(err)
			}
			for _, next := range []string{approve, run, "done"} {
				rec, err = s.Transition(ctx, id, rec.State, rec.Version, next, []byte(next), hour)
				if err != nil {
					t.Fatalf("to %s: %v", next, err)
				}
			}
			if rec.State != "done" || rec.Version != 4 || string(rec.Data) != "done" {
				t.Fatalf("final record %+v, want done at version 4", rec)
			}
		})

		t.Run("a replayed click after the move is a conflict", func(t *testing.T) {
			id := mustID(t)
			if _, err := s.Create(ctx, id, approve, nil, hour); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Transition(ctx, id, approve, 1, run, nil, hour); err != nil {
				t.Fatal(err)
			}
			cur, err := s.Transition(ctx, id, approve, 1, run, nil, hour)
			if !errors.Is(err, store.ErrConflict) {
				t.Fatalf("replay: err = %v, want ErrConflict", err)
			}
			if cur.State != run || cur.Version != 2 {
				t.Fatalf("replay returned %+v, want the current record (running, v2)", cur)
			}
		})
	})
}

func TestTransitionRaceHasExactlyOneWinner(t *testing.T) {
	const racers = 50
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(b)
		id := mustID(t)
		if _, err := s.Create(ctx, id, "awaiting-approval", nil, hour); err != nil {
			t.Fatal(err)
		}

		var (
			wins, conflicts atomic.Int32
			start           = make(chan struct{})
			wg              sync.WaitGroup
		)
		for i := range racers {
			wg.Go(func() {
				<-start
				_, err := s.Transition(ctx, id, "awaiting-approval", 1, "running", []byte{byte(i)}, hour)
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, store.ErrConflict):
					conflicts.Add(1)
				default:
					t.Errorf("racer %d: %v", i, err)
				}
			})
		}
		close(start)
		wg.Wait()

		if wins.Load() != 1 || conflicts.Load() != racers-1 {
			t.Fatalf("wins = %d, conflicts = %d; want 1 and %d", wins.Load(), conflicts.Load(), racers-1)
		}
		got, err := s.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != "running" || got.Version != 2 {
			t.Fatalf("after the race: %+v, want running at version 2", got)
		}
	})
}

func BenchmarkTransition(b *testing.B) {
	run := func(b *testing.B, rdb redis.UniversalClient) {
		ctx := context.Background()
		s := store.New(rdb, "bench")
		id := mustID(b)
		rec, err := s.Create(ctx, id, "a", nil, hour)
		if err != nil {
			b.Fatal(err)
		}
		data := bytes.Repeat([]byte("x"), 512) // about the size of a small plan
		next := map[string]string{"a": "b", "b": "a"}
		for b.Loop() {
			rec, err = s.Transition(ctx, id, rec.State, rec.Version, next[rec.State], data, hour)
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("redis-server", func(b *testing.B) {
		run(b, storetest.Start(b).Client(b))
	})
	b.Run("miniredis", func(b *testing.B) {
		m := miniredis.RunT(b)
		rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
		b.Cleanup(func() { _ = rdb.Close() })
		run(b, rdb)
	})
}

func assertRecord(t *testing.T, what string, got, want store.Record) {
	t.Helper()
	if got.ID != want.ID || got.State != want.State || got.Version != want.Version ||
		!bytes.Equal(got.Data, want.Data) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("%s = %+v (data %q),\nwant %+v (data %q)", what, got, got.Data, want, want.Data)
	}
}

// assertTTL checks that key expires within (0, ttl].
func assertTTL(t *testing.T, b backend, key string, ttl time.Duration) {
	t.Helper()
	got, err := b.rdb.PTTL(context.Background(), key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if got <= 0 || got > ttl || got < ttl-time.Minute {
		t.Errorf("PTTL %s = %s, want just under %s", key, got, ttl)
	}
}
