package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/licensebot/licensebot/configs"
	"github.com/licensebot/licensebot/store"
)

// auditOpenTimeout bounds reaching Redis before an export or a check; each page read
// after that has the store's own bound.
const auditOpenTimeout = 10 * time.Second

const auditUsage = `Usage:
  licensebot audit export [--since 72h|7d|2025-03-01T00:00:00Z] [--format jsonl|csv]
  licensebot audit verify
`

// runAudit is `licensebot audit export|verify`: the audit chain (store's "Audit chain")
// written out for a SIEM or a spreadsheet, or checked link by link. It reads Redis as
// serve does (REDIS_URL, LICENSEBOT_REDIS_PREFIX, or LICENSEBOT_CONFIG's file) and
// writes nothing to it.
func runAudit(ctx context.Context, args []string, getenv func(string) string, now func() time.Time, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, auditUsage)
		return errors.New("audit: say export or verify")
	}
	switch args[0] {
	case "export":
		return runAuditExport(ctx, args[1:], getenv, now, stdout, stderr)
	case "verify":
		return runAuditVerify(ctx, args[1:], getenv, now, stdout, stderr)
	}
	fmt.Fprint(stderr, auditUsage)
	return fmt.Errorf("audit: unknown command %q (want export or verify)", args[0])
}

// auditStore opens the store serve would use. close releases the connection.
func auditStore(ctx context.Context, getenv func(string) string, now func() time.Time) (st *store.Store, closeFn func(), err error) {
	// Load reads the whole environment (and LICENSEBOT_CONFIG's file) before it checks the
	// settings, so with an error about them (approvers, chat tokens: serve's business, not
	// the audit's) the Redis settings are still the ones serve would use. An error that
	// left them unread (the file could not be read) stops here.
	cfg, err := configs.Load(getenv)
	if cfg.Redis.URL == "" {
		if err != nil {
			return nil, nil, fmt.Errorf("REDIS_URL: not set, or the configuration could not be read: %w", err)
		}
		return nil, nil, errors.New("REDIS_URL: not set (e.g. redis://localhost:6379/0)")
	}
	if err := cfg.Redis.Validate(); err != nil {
		return nil, nil, err // serve would refuse it; judging what expired by it would be wrong
	}
	rdb, err := store.Open(cfg.Redis.URL)
	if err != nil {
		return nil, nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	// serve's store: the retention VerifyAudit checks the front against must be the one the
	// chain is trimmed by.
	st = newStore(rdb, cfg.Redis, now)
	pctx, cancel := context.WithTimeout(ctx, auditOpenTimeout)
	defer cancel()
	if err := st.Ping(pctx); err != nil {
		_ = rdb.Close()
		return nil, nil, err
	}
	return st, func() { _ = rdb.Close() }, nil
}

func runAuditExport(ctx context.Context, args []string, getenv func(string) string, now func() time.Time, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sinceArg := fs.String("since", "", "entries appended since this time: RFC 3339 (2025-03-01T00:00:00Z) or a duration back from now (72h, 7d); empty: all that are kept")
	format := fs.String("format", "jsonl", "jsonl (one JSON object a line) or csv")
	pageSize := fs.Int("page", store.DefaultAuditPageSize, "entries read from Redis per call")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("audit export: %w", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("audit export: unexpected %q", fs.Arg(0))
	}
	since, err := parseSince(*sinceArg, now())
	if err != nil {
		return fmt.Errorf("audit export: --since: %w", err)
	}
	var w auditWriter
	switch *format {
	case "jsonl":
		w = newJSONLWriter(stdout)
	case "csv":
		w = newCSVWriter(stdout)
	default:
		return fmt.Errorf("audit export: --format %q: want jsonl or csv", *format)
	}
	st, closeStore, err := auditStore(ctx, getenv, now)
	if err != nil {
		return fmt.Errorf("audit export: %w", err)
	}
	defer closeStore()
	n, err := exportAudit(ctx, st, since, *pageSize, w)
	if err != nil {
		return fmt.Errorf("audit export: after %d entries: %w", n, err)
	}
	return nil
}

// exportAudit writes the chain from since to w and returns how many entries it wrote.
func exportAudit(ctx context.Context, st *store.Store, since time.Time, pageSize int, w auditWriter) (int, error) {
	n := 0
	for e, err := range st.AuditChain(ctx, since, pageSize) {
		if err != nil {
			return n, err
		}
		if err := w.write(e); err != nil {
			return n, fmt.Errorf("write entry seq %d: %w", e.Seq, err)
		}
		n++
	}
	if err := w.flush(); err != nil {
		return n, fmt.Errorf("write: %w", err)
	}
	return n, nil
}

// parseSince reads --since: empty (everything kept), an RFC 3339 time, or a duration back
// from now, Go's (90m, 72h) or whole days (7d).
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return time.Time{}, fmt.Errorf("%q: want an RFC 3339 time or a duration such as 72h or 7d", s)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil || d < 0 {
			return time.Time{}, fmt.Errorf("%q: want an RFC 3339 time or a duration such as 72h or 7d", s)
		}
	}
	return now.Add(-d), nil
}

// auditWriter writes entries in one export format.
type auditWriter interface {
	write(store.AuditEntry) error
	flush() error
}

// exportedEntry is one entry as the export writes it. Every field of the stored entry is
// there, prev_id included, so that whoever keeps the export can recompute the hashes.
type exportedEntry struct {
	Seq      uint64            `json:"seq"`
	At       string            `json:"at"`
	Request  string            `json:"request"`
	Action   string            `json:"action"`
	Actor    string            `json:"actor"`
	Fields   map[string]string `json:"fields"`
	StreamID string            `json:"stream_id"`
	PrevID   string            `json:"prev_id"`
	Prev     string            `json:"prev"`
	Hash     string            `json:"hash"`
}

func exported(e store.AuditEntry) exportedEntry {
	fields := e.Fields
	if fields == nil {
		fields = map[string]string{} // always an object: a SIEM's schema sees one type
	}
	return exportedEntry{
		Seq: e.Seq, At: e.At.UTC().Format(time.RFC3339Nano), Request: e.RequestID, Action: e.Action,
		Actor: e.Actor, Fields: fields, StreamID: e.ID, PrevID: e.PrevID, Prev: e.Prev, Hash: e.Hash,
	}
}

type jsonlWriter struct {
	buf *bufio.Writer
	enc *json.Encoder
}

func newJSONLWriter(w io.Writer) *jsonlWriter {
	buf := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false) // a SIEM reads it, not a browser: keep <, > and & as they are
	return &jsonlWriter{buf: buf, enc: enc}
}

// write encodes one entry on one line (Encoder ends each value with a newline; map keys
// come out sorted).
func (w *jsonlWriter) write(e store.AuditEntry) error { return w.enc.Encode(exported(e)) }
func (w *jsonlWriter) flush() error                   { return w.buf.Flush() }

// auditCSVHeader is the CSV export's first line; the columns never change order.
var auditCSVHeader = []string{"seq", "at", "request", "action", "actor", "fields", "stream_id", "prev_id", "prev", "hash"}

type csvWriter struct {
	w      *csv.Writer
	header bool
	row    []string
}

func newCSVWriter(w io.Writer) *csvWriter {
	return &csvWriter{w: csv.NewWriter(w), row: make([]string, len(auditCSVHeader))} // csv.Writer buffers
}

// write writes one entry as a row, fields as one JSON object (keys sorted). encoding/csv
// quotes what needs quoting (commas, quotes, newlines in a command's text).
func (w *csvWriter) write(e store.AuditEntry) error {
	if !w.header {
		w.header = true
		if err := w.w.Write(auditCSVHeader); err != nil {
			return err
		}
	}
	x := exported(e)
	fields, err := json.Marshal(x.Fields)
	if err != nil {
		return err
	}
	w.row[0] = strconv.FormatUint(x.Seq, 10)
	w.row[1] = x.At
	w.row[2] = spreadsheetSafe(x.Request)
	w.row[3] = spreadsheetSafe(x.Action)
	w.row[4] = spreadsheetSafe(x.Actor)
	w.row[5] = string(fields)
	w.row[6] = x.StreamID
	w.row[7] = x.PrevID
	w.row[8] = x.Prev
	w.row[9] = x.Hash
	return w.w.Write(w.row)
}

func (w *csvWriter) flush() error {
	if !w.header { // an empty export still says its columns
		w.header = true
		if err := w.w.Write(auditCSVHeader); err != nil {
			return err
		}
	}
	w.w.Flush()
	return w.w.Error()
}

// spreadsheetSafe keeps a spreadsheet from reading a value as a formula (CSV injection:
// an actor or an id someone typed that starts with =, +, -, @): such a value gets a
// leading apostrophe, which spreadsheets show as text. The fields column is JSON and
// starts with '{'; the JSONL export is never changed.
func spreadsheetSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func runAuditVerify(ctx context.Context, args []string, getenv func(string) string, now func() time.Time, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pageSize := fs.Int("page", store.DefaultAuditPageSize, "entries read from Redis per call")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("audit verify: %w", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("audit verify: unexpected %q", fs.Arg(0))
	}
	st, closeStore, err := auditStore(ctx, getenv, now)
	if err != nil {
		return fmt.Errorf("audit verify: %w", err)
	}
	defer closeStore()
	v, brk, err := st.VerifyAudit(ctx, *pageSize)
	if err != nil {
		return fmt.Errorf("audit verify: %w", err)
	}
	if brk != nil {
		fmt.Fprintf(stdout, "✗ audit chain broken at seq %d (stream id %s): %s: %s\n  (%d entries before it are intact)\n",
			brk.Seq, brk.ID, brk.Kind, brk.Detail, v.Entries)
		return brk
	}
	if v.HeadMissing {
		// Not a broken link, but what would show entries deleted from the end is gone.
		fmt.Fprintln(stdout, "! the chain's head is missing: entries deleted from its end could not be noticed (the next audit event writes it again)")
	}
	switch {
	case v.Entries == 0 && v.Expired:
		fmt.Fprintf(stdout, "✓ audit chain: no entries kept (all %d older entries expired)\n", v.HeadSeq)
	case v.Entries == 0:
		fmt.Fprintln(stdout, "✓ audit chain: empty")
	case v.Expired:
		fmt.Fprintf(stdout, "✓ audit chain verified from seq %d (older entries expired) to seq %d: %d entries\n", v.FirstSeq, v.LastSeq, v.Entries)
	default:
		fmt.Fprintf(stdout, "✓ audit chain verified from seq %d to seq %d: %d entries\n", v.FirstSeq, v.LastSeq, v.Entries)
	}
	return nil
}
