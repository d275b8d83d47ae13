package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/licensebot/licensebot/store"
	"github.com/licensebot/licensebot/store/storetest"
)

// problems lists the findings that failed and those that could not be checked, as
// "check: problem — fix" and "? check: problem".
func problems(fs []store.Finding) (failed, unchecked []string) {
	for _, f := range fs {
		switch {
		case f.Problem == "":
		case f.Unchecked:
			unchecked = append(unchecked, f.Check+": "+f.Problem)
		default:
			failed = append(failed, f.Check+": "+f.Problem+" — "+f.Fix)
		}
	}
	return failed, unchecked
}

func TestHealthFindings(t *testing.T) {
	good := store.Health{Version: "7.2.4", AppendOnly: true, MaxMemoryPolicy: "noeviction"}
	tests := []struct {
		name          string
		change        func(h *store.Health)
		wantFailed    string // substring of the one failed finding; "" for none
		wantUnchecked string // substring of the one unchecked finding; "" for none
	}{
		{"a persistent, non-evicting Redis 7 passes", func(*store.Health) {}, "", ""},
		{"RDB snapshots count as persistence", func(h *store.Health) { h.AppendOnly, h.SaveRules = false, "3600 1 300 100" }, "", ""},
		{"Redis 6.2 is new enough", func(h *store.Health) { h.Version = "6.2.0" }, "", ""},
		{"Redis 6.0 lacks XAUTOCLAIM", func(h *store.Health) { h.Version = "6.0.16" }, "upgrade Redis to 6.2", ""},
		{"Redis 5 lacks XAUTOCLAIM", func(h *store.Health) { h.Version = "5.0.7" }, "XAUTOCLAIM", ""},
		{"no persistence fails with its fix", func(h *store.Health) { h.AppendOnly = false }, "set appendonly yes", ""},
		{"an eviction policy fails with its fix", func(h *store.Health) { h.MaxMemoryPolicy = "allkeys-lru" },
			"set maxmemory-policy noeviction: pending requests must never be evicted", ""},
		{"a refused INFO leaves the version to check by hand", func(h *store.Health) { h.Version, h.InfoErr = "", errors.New("NOPERM") }, "", "can't read the version"},
		{"an odd version string is checked by hand", func(h *store.Health) { h.Version = "unstable" }, "", "can't tell the version"},
		{"CONFIG disabled leaves persistence and eviction to check by hand", func(h *store.Health) {
			h.AppendOnly, h.MaxMemoryPolicy, h.ConfigErr = false, "", errors.New("ERR unknown command 'CONFIG'")
		}, "", "can't read the configuration (CONFIG disabled)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := good
			tt.change(&h)
			failed, unchecked := problems(h.Findings())
			checkOne(t, "failed", failed, tt.wantFailed)
			checkOne(t, "unchecked", unchecked, tt.wantUnchecked)
		})
	}
}

func checkOne(t *testing.T, kind string, got []string, want string) {
	t.Helper()
	switch {
	case want == "" && len(got) > 0:
		t.Errorf("%s: %q, want none", kind, got)
	case want != "" && (len(got) != 1 || !strings.Contains(got[0], want)):
		t.Errorf("%s: %q, want one containing %q", kind, got, want)
	}
}

func TestHealthOfARealRedis(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		opts       storetest.Options
		policy     string
		wantFailed []string
	}{
		{"append-only and noeviction pass", storetest.Options{AppendOnly: true}, "noeviction", nil},
		{"storetest's default has no persistence", storetest.Options{}, "noeviction", []string{"set appendonly yes"}},
		{"an eviction policy is found", storetest.Options{AppendOnly: true}, "volatile-lru", []string{"maxmemory-policy volatile-lru"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := storetest.StartWith(t, tt.opts)
			rdb := srv.Client(t)
			if err := rdb.ConfigSet(ctx, "maxmemory-policy", tt.policy).Err(); err != nil {
				t.Fatal(err)
			}
			h, err := store.New(rdb, "test").Health(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if h.Version == "" || h.MaxMemoryPolicy != tt.policy || h.ConfigErr != nil {
				t.Fatalf("health %+v", h)
			}
			failed, unchecked := problems(h.Findings())
			if len(unchecked) > 0 || len(failed) != len(tt.wantFailed) {
				t.Fatalf("failed %q unchecked %q, want failed %q", failed, unchecked, tt.wantFailed)
			}
			for i, want := range tt.wantFailed {
				if !strings.Contains(failed[i], want) {
					t.Errorf("failed %q, want %q", failed[i], want)
				}
			}
		})
	}
}

func TestHealthWithoutConfigCommand(t *testing.T) {
	// miniredis has no CONFIG command, as managed Redis services that disable it.
	m := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	h, err := store.New(rdb, "test").Health(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if h.ConfigErr == nil {
		t.Fatalf("CONFIG worked on miniredis: %+v", h)
	}
	_, unchecked := problems(h.Findings())
	if !strings.Contains(strings.Join(unchecked, "\n"), "CONFIG disabled") {
		t.Fatalf("unchecked %q", unchecked)
	}
}

func TestHealthOfAnUnreachableRedis(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = rdb.Close() })
	if _, err := store.New(rdb, "test").Health(context.Background()); err == nil {
		t.Fatal("no error from a Redis that isn't there")
	}
}
