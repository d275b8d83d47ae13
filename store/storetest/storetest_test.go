package storetest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/licensebot/licensebot/store/storetest"
	"github.com/redis/go-redis/v9"
)

func TestStartAnswersPingOnLoopback(t *testing.T) {
	srv := storetest.Start(t)
	if srv.URL != "redis://"+srv.Addr+"/0" {
		t.Errorf("URL = %q, want redis://%s/0", srv.URL, srv.Addr)
	}
	opts, err := redis.ParseURL(srv.URL)
	if err != nil {
		t.Fatalf("URL does not parse: %v", err)
	}
	if opts.Addr != srv.Addr {
		t.Errorf("URL addr = %q, want %q", opts.Addr, srv.Addr)
	}
	if err := srv.Client(t).Ping(context.Background()).Err(); err != nil {
		t.Fatalf("PING: %v", err)
	}
}

func TestRestartWithoutPersistenceLosesData(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	rdb := srv.Client(t)
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	srv.Restart(t)
	if err := rdb.Get(ctx, "k").Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("after restart without persistence GET k: err = %v, want redis.Nil", err)
	}
}

func TestRestartWithAppendOnlyKeepsData(t *testing.T) {
	ctx := context.Background()
	srv := storetest.StartWith(t, storetest.Options{AppendOnly: true})
	rdb := srv.Client(t)
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	srv.Restart(t)
	got, err := rdb.Get(ctx, "k").Result()
	if err != nil || got != "v" {
		t.Fatalf("after restart with append-only GET k = %q, %v; want \"v\"", got, err)
	}
}

func TestStoppedServerRefusesConnections(t *testing.T) {
	srv := storetest.Start(t)
	rdb := srv.Client(t)
	srv.Stop()
	srv.Stop() // idempotent

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err == nil {
		t.Fatal("PING succeeded against a stopped server")
	}
	srv.Restart(t)
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("PING after restart: %v", err)
	}
}

func TestTwoServersGetDifferentPorts(t *testing.T) {
	a, b := storetest.Start(t), storetest.Start(t)
	if a.Addr == b.Addr {
		t.Fatalf("both servers on %s", a.Addr)
	}
}
