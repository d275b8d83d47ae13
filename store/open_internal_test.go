package store

import (
	"slices"
	"strings"
	"testing"
)

func TestParseOpenURL(t *testing.T) {
	tests := []struct {
		name      string
		url       string
		kind      string // single, sentinel, cluster
		addrs     []string
		master    string
		db        int
		password  string
		tls       bool
		errSubstr string
	}{
		{name: "a plain URL is one server", url: "redis://:pw@cache:6380/2",
			kind: "single", addrs: []string{"cache:6380"}, db: 2, password: "pw"},
		{name: "rediss means TLS", url: "rediss://cache", kind: "single", addrs: []string{"cache:6379"}, tls: true},
		{name: "a unix socket is one server", url: "unix:///run/redis.sock?db=3", kind: "single", addrs: []string{"/run/redis.sock"}, db: 3},
		{name: "sentinels are comma-separated and default to port 26379",
			url:  "redis-sentinel://s1,s2:5000,[::1]/mymaster/1?password=masterpw&dial_timeout=3s",
			kind: "sentinel", addrs: []string{"s1:26379", "s2:5000", "[::1]:26379"}, master: "mymaster", db: 1, password: "masterpw"},
		{name: "rediss-sentinel means TLS", url: "rediss-sentinel://s1/m", kind: "sentinel", addrs: []string{"s1:26379"}, master: "m", tls: true},
		{name: "cluster nodes are comma-separated and default to port 6379",
			url:  "redis-cluster://:pw@n1,n2:7001,n3:7002?read_only=true",
			kind: "cluster", addrs: []string{"n1:6379", "n2:7001", "n3:7002"}, password: "pw"},
		{name: "rediss-cluster means TLS", url: "rediss-cluster://n1", kind: "cluster", addrs: []string{"n1:6379"}, tls: true},
		{name: "no scheme", url: "cache:6379", errSubstr: "missing scheme"},
		{name: "an unknown scheme", url: "memcached://cache", errSubstr: "unknown scheme"},
		{name: "sentinel without a master name", url: "redis-sentinel://s1,s2", errSubstr: "master-name"},
		{name: "sentinel with too long a path", url: "redis-sentinel://s1/m/0/x", errSubstr: "master-name"},
		{name: "cluster with a database", url: "redis-cluster://n1/1", errSubstr: "no databases"},
		{name: "an empty host", url: "redis-cluster://n1,,n2", errSubstr: "empty host"},
		{name: "an unknown option", url: "redis-cluster://n1?colour=blue", errSubstr: "unexpected option"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseOpenURL(tt.url)
			if tt.errSubstr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errSubstr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.errSubstr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var (
				kind, master, password string
				addrs                  []string
				db                     int
				tls                    bool
			)
			switch {
			case cfg.single != nil:
				kind, addrs, db, password, tls = "single", []string{cfg.single.Addr}, cfg.single.DB, cfg.single.Password, cfg.single.TLSConfig != nil
			case cfg.failover != nil:
				kind, addrs, master, db, password, tls = "sentinel", cfg.failover.SentinelAddrs, cfg.failover.MasterName, cfg.failover.DB, cfg.failover.Password, cfg.failover.TLSConfig != nil
			case cfg.cluster != nil:
				kind, addrs, password, tls = "cluster", cfg.cluster.Addrs, cfg.cluster.Password, cfg.cluster.TLSConfig != nil
			}
			if kind != tt.kind || !slices.Equal(addrs, tt.addrs) || master != tt.master || db != tt.db || password != tt.password || tls != tt.tls {
				t.Errorf("got %s %v master=%q db=%d password=%q tls=%v\nwant %s %v master=%q db=%d password=%q tls=%v",
					kind, addrs, master, db, password, tls, tt.kind, tt.addrs, tt.master, tt.db, tt.password, tt.tls)
			}
		})
	}
}

func TestOpenErrorsDoNotLeakPasswords(t *testing.T) {
	for _, url := range []string{
		"redis://user:s3cret@host:99999x/0",
		"redis://user:s3cret@ho st/0",
		"redis-sentinel://user:s3cret@s1/m?password=s3cret&bogus=1",
		"redis-cluster://:s3cret@n1/1",
	} {
		_, err := Open(url)
		if err == nil {
			t.Errorf("Open(%q) succeeded", url)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open error leaks the password: %v", err)
		}
	}
}

func FuzzParseOpenURL(f *testing.F) {
	for _, s := range []string{
		"redis://:pw@cache:6380/2", "unix:///run/redis.sock", "redis-sentinel://s1,s2:5000,[::1]/m/1?password=x",
		"redis-cluster://n1,n2:7001?read_only=true", "rediss-cluster://", "redis-sentinel://@/", "x://",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, url string) {
		cfg, err := parseOpenURL(url)
		if err != nil {
			return
		}
		n := 0
		for _, set := range []bool{cfg.single != nil, cfg.failover != nil, cfg.cluster != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("parseOpenURL(%q) set %d configurations, want 1", url, n)
		}
		_ = redactURL(url)
	})
}
