package store

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Open connects to Redis from a URL. Three forms:
//
//	redis://[user:pass@]host[:6379][/db][?opt=...]        one server (also rediss:// for TLS,
//	unix://[user:pass@]/path/redis.sock[?db=0&...]         and unix sockets), as redis.ParseURL
//
//	redis-sentinel://[user:pass@]host1[:26379],host2[:26379],.../master[/db][?opt=...]
//	                                                       Sentinel (rediss-sentinel:// for TLS)
//
//	redis-cluster://[user:pass@]host1[:6379],host2[:6379],...[?opt=...]
//	                                                       Cluster (rediss-cluster:// for TLS)
//
// Hosts are comma-separated; a missing port is 6379 (26379 for Sentinels); IPv6 hosts
// go in brackets. Options are go-redis' snake_case query parameters (dial_timeout=3s,
// pool_size=20, ...), as redis.ParseFailoverURL and redis.ParseClusterURL define them;
// unknown ones are an error. For Sentinel, as in go-redis, the userinfo authenticates to
// the Sentinels and the query parameters username= and password= to the master.
//
// Open does not dial; call Store.Ping (or the client's Ping) to check the connection.
func Open(rawURL string) (redis.UniversalClient, error) {
	cfg, err := parseOpenURL(rawURL)
	if err != nil {
		// net/url's errors quote the whole URL, password included; keep only the reason.
		if uerr, ok := errors.AsType[*url.Error](err); ok {
			err = uerr.Err
		}
		return nil, fmt.Errorf("open redis %s: %w", redactURL(rawURL), err)
	}
	switch {
	case cfg.failover != nil:
		o := cfg.failover
		failFast(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.MaxRetries, &o.ContextTimeoutEnabled)
		return redis.NewFailoverClient(o), nil
	case cfg.cluster != nil:
		o := cfg.cluster
		failFast(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.MaxRetries, &o.ContextTimeoutEnabled)
		return redis.NewClusterClient(o), nil
	default:
		o := cfg.single
		failFast(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.MaxRetries, &o.ContextTimeoutEnabled)
		return redis.NewClient(o), nil
	}
}

// failFast sets, where the URL left them unset, timeouts that let a chat platform be told
// "unavailable" within its 3 seconds when Redis hangs: go-redis' defaults (5 s dial, 3 s
// read, 3 retries) and its ignoring of the caller's deadline on the socket would hold an
// answer for 10 s or more. Blocking reads (XREADGROUP BLOCK) get their block time on top
// of the read timeout from go-redis itself.
func failFast(dial, read, write *time.Duration, retries *int, contextTimeout *bool) {
	if *dial == 0 {
		*dial = time.Second
	}
	if *read == 0 {
		*read = time.Second
	}
	if *write == 0 {
		*write = time.Second
	}
	if *retries == 0 {
		*retries = 1
	}
	*contextTimeout = true
}

// openConfig is what a URL asks for: exactly one of its fields is set.
type openConfig struct {
	single   *redis.Options
	failover *redis.FailoverOptions
	cluster  *redis.ClusterOptions
}

func parseOpenURL(rawURL string) (openConfig, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return openConfig{}, fmt.Errorf("missing scheme (redis://, rediss://, unix://, redis-sentinel://, redis-cluster://)")
	}
	switch scheme {
	case "redis", "rediss", "unix":
		o, err := redis.ParseURL(rawURL)
		if err != nil {
			return openConfig{}, err
		}
		return openConfig{single: o}, nil
	case "redis-sentinel", "rediss-sentinel":
		o, err := parseSentinel(strings.TrimSuffix(scheme, "-sentinel"), rest)
		if err != nil {
			return openConfig{}, err
		}
		return openConfig{failover: o}, nil
	case "redis-cluster", "rediss-cluster":
		o, err := parseCluster(strings.TrimSuffix(scheme, "-cluster"), rest)
		if err != nil {
			return openConfig{}, err
		}
		return openConfig{cluster: o}, nil
	default:
		return openConfig{}, fmt.Errorf("unknown scheme %q (want redis, rediss, unix, redis-sentinel, rediss-sentinel, redis-cluster or rediss-cluster)", scheme)
	}
}

// parseSentinel turns host1,host2/master/db?q into go-redis' failover URL
// scheme://host1/db?master_name=master&addr=host2&q and parses that.
func parseSentinel(scheme, rest string) (*redis.FailoverOptions, error) {
	u, hosts, err := splitHosts(scheme, rest, "26379")
	if err != nil {
		return nil, err
	}
	segs := strings.FieldsFunc(u.Path, func(r rune) bool { return r == '/' })
	if len(segs) == 0 || len(segs) > 2 {
		return nil, fmt.Errorf("sentinel URL path %q: want /master-name or /master-name/db", u.Path)
	}
	q := u.Query()
	if q.Has("master_name") {
		return nil, fmt.Errorf("sentinel URL: give the master name in the path, not master_name=")
	}
	q.Set("master_name", segs[0])
	u.Path = ""
	if len(segs) == 2 {
		u.Path = "/" + segs[1]
	}
	addHosts(q, hosts[1:])
	u.RawQuery = q.Encode()
	return redis.ParseFailoverURL(u.String())
}

// parseCluster turns host1,host2?q into go-redis' cluster URL scheme://host1?addr=host2&q
// and parses that.
func parseCluster(scheme, rest string) (*redis.ClusterOptions, error) {
	u, hosts, err := splitHosts(scheme, rest, "6379")
	if err != nil {
		return nil, err
	}
	if strings.Trim(u.Path, "/") != "" {
		return nil, fmt.Errorf("cluster URL path %q: Cluster has no databases, drop the path", u.Path)
	}
	u.Path = ""
	q := u.Query()
	addHosts(q, hosts[1:])
	u.RawQuery = q.Encode()
	return redis.ParseClusterURL(u.String())
}

// splitHosts takes the part of the URL after "://", splits its comma-separated hosts
// (adding defaultPort where a host has none) and returns the URL rebuilt with the first
// host only, which net/url and go-redis can parse.
func splitHosts(scheme, rest, defaultPort string) (*url.URL, []string, error) {
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	var userinfo string
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		userinfo, authority = authority[:at+1], authority[at+1:]
	}
	var hosts []string
	for h := range strings.SplitSeq(authority, ",") {
		if h == "" {
			return nil, nil, fmt.Errorf("empty host in %q", authority)
		}
		hosts = append(hosts, withPort(h, defaultPort))
	}
	u, err := url.Parse(scheme + "://" + userinfo + hosts[0] + tail)
	if err != nil {
		return nil, nil, err
	}
	return u, hosts, nil
}

// withPort returns host:port, adding defaultPort if host has no port.
func withPort(host, defaultPort string) string {
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host
	}
	return net.JoinHostPort(strings.Trim(host, "[]"), defaultPort)
}

func addHosts(q url.Values, hosts []string) {
	for _, h := range hosts {
		q.Add("addr", h)
	}
}

// redactURL hides a password in rawURL so it can go into an error message.
func redactURL(rawURL string) string {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return "(unparsable URL)"
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		if user, _, hasPassword := strings.Cut(authority[:at], ":"); hasPassword {
			authority = user + ":xxxxx" + authority[at:]
		}
	}
	if u, err := url.Parse("x://h" + tail); err == nil && u.Query().Has("password") {
		q := u.Query()
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
		tail = strings.TrimPrefix(u.String(), "x://h")
	}
	return scheme + "://" + authority + tail
}
