package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Health is what `licensebot doctor` learns of the Redis server: its version and the settings
// the store's guarantees rest on. Fields that could not be read are explained by InfoErr and
// ConfigErr.
type Health struct {
	// Version is redis_version from INFO server ("" when INFO was refused).
	Version string
	InfoErr error
	// AppendOnly and SaveRules come from CONFIG GET appendonly and save; MaxMemoryPolicy from
	// CONFIG GET maxmemory-policy. Managed services (ElastiCache, Azure Cache for Redis, Memorystore)
	// often disable or rename CONFIG: then ConfigErr is set and these are unknown.
	AppendOnly      bool
	SaveRules       string
	MaxMemoryPolicy string
	ConfigErr       error
}

// Finding is one thing checked: Problem is empty when it passed. Unchecked means it could not
// be checked from here (not a failure; the operator has to look by hand).
type Finding struct {
	Check     string
	Problem   string
	Fix       string
	Unchecked bool
}

// minMajor.minMinor is the oldest Redis the store runs on: the job stream reclaims stalled jobs with
// XAUTOCLAIM, which Redis 6.2 introduced (https://redis.io/commands/xautoclaim/).
const minMajor, minMinor = 6, 2

// Health pings Redis and reads its version and configuration. The error is for a Redis that
// doesn't answer PING; INFO or CONFIG being refused is recorded in the Health instead.
func (s *Store) Health(ctx context.Context) (Health, error) {
	if err := s.Ping(ctx); err != nil {
		return Health{}, err
	}
	var h Health
	info, err := s.rdb.Info(ctx, "server").Result()
	if err != nil {
		h.InfoErr = fmt.Errorf("INFO server: %w", err)
	} else {
		h.Version = infoField(info, "redis_version")
	}
	cfg, err := s.rdb.ConfigGet(ctx, "*").Result()
	if err == nil && len(cfg) == 0 {
		err = fmt.Errorf("CONFIG GET answered nothing")
	}
	if err != nil {
		h.ConfigErr = fmt.Errorf("CONFIG GET: %w", err)
		return h, nil
	}
	h.AppendOnly = strings.EqualFold(cfg["appendonly"], "yes")
	h.SaveRules = strings.TrimSpace(cfg["save"])
	h.MaxMemoryPolicy = cfg["maxmemory-policy"]
	return h, nil
}

// Persistent reports whether Redis keeps data across a restart: the append-only file, or RDB
// snapshots (a non-empty save setting).
func (h Health) Persistent() bool { return h.AppendOnly || h.SaveRules != "" }

// Findings judges the Health: version, persistence and eviction, one Finding each (or one
// Unchecked finding for all the configuration when CONFIG could not be read).
func (h Health) Findings() []Finding {
	var out []Finding
	version := Finding{Check: "Redis version " + h.Version}
	switch major, minor, ok := parseVersion(h.Version); {
	case h.InfoErr != nil || h.Version == "":
		version = Finding{Check: "Redis version", Unchecked: true,
			Problem: "can't read the version (INFO refused)",
			Fix:     fmt.Sprintf("check by hand that the server is Redis %d.%d or later (XAUTOCLAIM)", minMajor, minMinor)}
	case !ok:
		version.Unchecked = true
		version.Problem = "can't tell the version from " + strconv.Quote(h.Version)
		version.Fix = fmt.Sprintf("check by hand that the server is Redis %d.%d or later (XAUTOCLAIM)", minMajor, minMinor)
	case major < minMajor || (major == minMajor && minor < minMinor):
		version.Problem = fmt.Sprintf("older than %d.%d, which the job stream needs (XAUTOCLAIM)", minMajor, minMinor)
		version.Fix = fmt.Sprintf("upgrade Redis to %d.%d or later", minMajor, minMinor)
	}
	out = append(out, version)

	if h.ConfigErr != nil {
		return append(out, Finding{Check: "Redis persistence and eviction policy", Unchecked: true,
			Problem: "can't read the configuration (CONFIG disabled)",
			Fix:     "check persistence (appendonly yes or RDB snapshots) and maxmemory-policy noeviction by hand"})
	}
	persistence := Finding{Check: "Redis persistence"}
	switch {
	case h.AppendOnly:
		persistence.Check += " (append-only file)"
	case h.SaveRules != "":
		persistence.Check += " (RDB snapshots: save " + h.SaveRules + ")"
	default:
		persistence.Problem = "off (appendonly no, save \"\"): a restart loses every pending request"
		persistence.Fix = "set appendonly yes"
	}
	out = append(out, persistence)

	eviction := Finding{Check: "Redis maxmemory-policy " + h.MaxMemoryPolicy}
	if h.MaxMemoryPolicy != "noeviction" {
		eviction.Problem = "Redis may evict keys when memory is full"
		eviction.Fix = "set maxmemory-policy noeviction: pending requests must never be evicted"
	}
	return append(out, eviction)
}

// infoField finds "name:value" in an INFO reply (CRLF-separated lines, # section headers).
func infoField(info, name string) string {
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), name+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// parseVersion reads the major and minor numbers of "7.2.4" (or "7.2").
func parseVersion(v string) (major, minor int, ok bool) {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || major < 0 || minor < 0 {
		return 0, 0, false
	}
	return major, minor, true
}
