package store_test

import (
	"context"
	"testing"

	"github.com/licensebot/licensebot/store"
	"github.com/licensebot/licensebot/store/storetest"
)

func TestOpenReachesTheServerOfTheURL(t *testing.T) {
	srv := storetest.Start(t)
	rdb, err := store.Open(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	if err := store.New(rdb, "").Ping(context.Background()); err != nil {
		t.Fatalf("Ping through Open(%s): %v", srv.URL, err)
	}
}

func TestPingFailsWhenRedisIsDown(t *testing.T) {
	srv := storetest.Start(t)
	s := store.New(srv.Client(t), "")
	srv.Stop()
	if err := s.Ping(context.Background()); err == nil {
		t.Fatal("Ping succeeded with Redis stopped")
	}
}
