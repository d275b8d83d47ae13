package store_test

import (
	"testing"
	"time"

	"github.com/licensebot/licensebot/store"
	"github.com/licensebot/licensebot/store/storetest"
)

func TestAllowCountsInAFixedWindowAcrossStores(t *testing.T) {
	srv := storetest.Start(t)
	a := store.New(srv.Client(t), "lim")
	b := store.New(srv.Client(t), "lim") // another replica
	ctx := t.Context()
	for i := range 3 {
		s := a
		if i%2 == 1 {
			s = b
		}
		ok, _, err := s.Allow(ctx, "user:adele", 3, time.Minute)
		if err != nil || !ok {
			t.Fatalf("event %d refused: %v", i+1, err)
		}
	}
	ok, left, err := b.Allow(ctx, "user:adele", 3, time.Minute)
	if err != nil || ok {
		t.Fatalf("the 4th event allowed: %v", err)
	}
	if left <= 0 || left > time.Minute {
		t.Errorf("window left %s", left)
	}
	if ok, _, _ := a.Allow(ctx, "user:megan", 3, time.Minute); !ok {
		t.Error("another key shares the count")
	}
	ok, _, err = a.Allow(ctx, "user:hal", 1, 50*time.Millisecond)
	if !ok || err != nil {
		t.Fatal(err)
	}
	time.Sleep(80 * time.Millisecond)
	if ok, _, _ := a.Allow(ctx, "user:hal", 1, 50*time.Millisecond); !ok {
		t.Error("a new window still refused")
	}
}
