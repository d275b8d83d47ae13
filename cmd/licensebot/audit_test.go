package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/licensebot/licensebot/store"
	"github.com/licensebot/licensebot/store/storetest"
	"github.com/redis/go-redis/v9"
)

const auditPrefix = "lbaudit"

// auditWorld is a real redis-server holding an audit chain of the given events, and the
// environment that points licensebot at it.
func auditWorld(t *testing.T, events []store.AuditEvent) (env map[string]string, rdb *redis.Client) {
	t.Helper()
	srv := storetest.Start(t)
	rdb = srv.Client(t)
	st := store.NewWithOptions(rdb, auditPrefix, store.Options{})
	for _, e := range events {
		if err := st.Audit(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	return map[string]string{"REDIS_URL": srv.URL, "LICENSEBOT_REDIS_PREFIX": auditPrefix}, rdb
}

func runAuditCmd(t *testing.T, env map[string]string, now func() time.Time, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	err = run(ctx, append([]string{"licensebot", "audit"}, args...), func(k string) string { return env[k] }, now, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

// sampleAudit is one request's story, with values a CSV must quote and one a spreadsheet
// would take for a formula.
func sampleAudit() []store.AuditEvent {
	at := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	return []store.AuditEvent{
		{RequestID: "req1", Action: "requested", Actor: "alice@contoso.com", At: at,
			Fields: map[string]string{"command": "/unassign bob@contoso.com --product \"Office 365 E3\" --reason \"left, for good\nbye\""}},
		{RequestID: "req1", Action: "confirmed", Actor: "alice@contoso.com", At: at.Add(time.Minute)},
		{RequestID: "req1", Action: "approved", Actor: "=HYPERLINK(\"http://evil\")", At: at.Add(2 * time.Minute)},
		{RequestID: "req1", Action: "removed", Actor: "", At: at.Add(3 * time.Minute),
			Fields: map[string]string{"user": "bob@contoso.com", "sku": "ENTERPRISEPACK", "graph_request_id": "5f2a"}},
		{Action: "refused", Actor: "slack:T1:U9", At: at.Add(4 * time.Minute)},
	}
}

func TestAuditExport(t *testing.T) {
	t.Parallel()
	events := sampleAudit()
	env, _ := auditWorld(t, events)

	t.Run("jsonl", func(t *testing.T) {
		out, _, err := runAuditCmd(t, env, time.Now, "export", "--since", "1h", "--format", "jsonl")
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != len(events) {
			t.Fatalf("%d lines, want %d:\n%s", len(lines), len(events), out)
		}
		prev := store.AuditGenesis
		for i, line := range lines {
			var e exportedEntry
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatalf("line %d: %v: %s", i+1, err, line)
			}
			want := events[i]
			if e.Seq != uint64(i+1) || e.Request != want.RequestID || e.Action != want.Action || e.Actor != want.Actor ||
				e.At != want.At.Format(time.RFC3339Nano) || e.Prev != prev || len(e.Hash) != 64 || e.StreamID == "" || e.Fields == nil {
				t.Fatalf("line %d = %+v, want %+v after %s", i+1, e, want, prev)
			}
			for k, v := range want.Fields {
				if e.Fields[k] != v {
					t.Fatalf("line %d: field %s = %q, want %q", i+1, k, e.Fields[k], v)
				}
			}
			prev = e.Hash
		}
	})

	t.Run("csv", func(t *testing.T) {
		out, _, err := runAuditCmd(t, env, time.Now, "export", "--format", "csv")
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatalf("%v:\n%s", err, out)
		}
		if got := strings.Join(rows[0], ","); got != "seq,at,request,action,actor,fields,stream_id,prev_id,prev,hash" {
			t.Fatalf("header = %s", got)
		}
		if len(rows) != 1+len(events) {
			t.Fatalf("%d rows, want a header and %d", len(rows), len(events))
		}
		var fields map[string]string
		if err := json.Unmarshal([]byte(rows[1][5]), &fields); err != nil || fields["command"] != events[0].Fields["command"] {
			t.Fatalf("first row's fields = %q (%v), want the command with its comma, quotes and newline", rows[1][5], err)
		}
		if rows[3][4] != "'"+events[2].Actor {
			t.Fatalf("a formula-like actor = %q, want it prefixed with ' so a spreadsheet shows it as text", rows[3][4])
		}
		if rows[4][0] != "4" || rows[4][3] != "removed" || rows[4][5] != `{"graph_request_id":"5f2a","sku":"ENTERPRISEPACK","user":"bob@contoso.com"}` {
			t.Fatalf("row 4 = %q", rows[4])
		}
	})

	t.Run("--since is measured back from run's clock", func(t *testing.T) {
		later := func() time.Time { return time.Now().Add(2 * time.Hour) }
		out, _, err := runAuditCmd(t, env, later, "export", "--since", "1h")
		if err != nil || out != "" {
			t.Fatalf("an hour back from two hours ahead: %q, %v; want nothing", out, err)
		}
		out, _, err = runAuditCmd(t, env, later, "export", "--since", "1d", "--format", "csv")
		if err != nil || strings.Count(out, "\n") != 1+len(events) {
			t.Fatalf("a day back: %q, %v; want every entry", out, err)
		}
		future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		out, _, err = runAuditCmd(t, env, time.Now, "export", "--since", future, "--format", "csv")
		if err != nil || out != "seq,at,request,action,actor,fields,stream_id,prev_id,prev,hash\n" {
			t.Fatalf("since an hour ahead: %q, %v; want the header only", out, err)
		}
	})

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "--format", "xml"}, `--format "xml"`},
		{[]string{"export", "--since", "yesterday"}, `--since: "yesterday"`},
		{[]string{"export", "--since", "-3h"}, `--since: "-3h"`},
		{[]string{"export", "extra"}, `unexpected "extra"`},
		{[]string{}, "say export or verify"},
		{[]string{"purge"}, `unknown command "purge"`},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, _, err := runAuditCmd(t, env, time.Now, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to say %s", err, tt.want)
			}
		})
	}

	t.Run("without REDIS_URL", func(t *testing.T) {
		_, _, err := runAuditCmd(t, map[string]string{}, time.Now, "verify")
		if err == nil || !strings.Contains(err.Error(), "REDIS_URL: not set") {
			t.Fatalf("err = %v, want REDIS_URL: not set", err)
		}
	})
	t.Run("with an audit retention serve would refuse", func(t *testing.T) {
		short := map[string]string{"LICENSEBOT_AUDIT_RETENTION": "10m"}
		for k, v := range env {
			short[k] = v
		}
		_, _, err := runAuditCmd(t, short, time.Now, "verify")
		if err == nil || !strings.Contains(err.Error(), "LICENSEBOT_AUDIT_RETENTION") {
			t.Fatalf("err = %v, want LICENSEBOT_AUDIT_RETENTION named", err)
		}
	})
}

func TestAuditVerify(t *testing.T) {
	t.Parallel()
	key := auditPrefix + ":{audit}"
	tests := []struct {
		name string
		// tamper changes the chain as someone with Redis access would; ids are the
		// entries' stream ids, by seq-1. It returns the seq the check must name.
		tamper func(t *testing.T, rdb *redis.Client, ids []string) (seq int)
		want   string
	}{
		{name: "intact", want: "✓ audit chain verified from seq 1 to seq 5: 5 entries"},
		{
			name: "an approver's name changed",
			tamper: func(t *testing.T, rdb *redis.Client, ids []string) int {
				ctx := context.Background()
				msgs, err := rdb.XRange(ctx, key, "-", "+").Result()
				if err != nil {
					t.Fatal(err)
				}
				// A stream entry can't be edited and XADD can't go back: write it all again.
				if err := rdb.Del(ctx, key).Err(); err != nil {
					t.Fatal(err)
				}
				for i, m := range msgs {
					if i == 2 {
						m.Values["actor"] = "megan@contoso.com"
					}
					if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: key, ID: m.ID, Values: m.Values}).Err(); err != nil {
						t.Fatal(err)
					}
				}
				return 3
			},
			want: "hash mismatch",
		},
		{
			name: "the removal deleted",
			tamper: func(t *testing.T, rdb *redis.Client, ids []string) int {
				if err := rdb.XDel(context.Background(), key, ids[3]).Err(); err != nil {
					t.Fatal(err)
				}
				return 5
			},
			want: "seq gap: it follows seq 3",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, rdb := auditWorld(t, sampleAudit())
			msgs, err := rdb.XRange(context.Background(), key, "-", "+").Result()
			if err != nil || len(msgs) != 5 {
				t.Fatalf("the chain: %d entries, %v", len(msgs), err)
			}
			var ids []string
			for _, m := range msgs {
				ids = append(ids, m.ID)
			}
			seq := 0
			if tt.tamper != nil {
				seq = tt.tamper(t, rdb, ids)
			}
			out, _, err := runAuditCmd(t, env, time.Now, "verify")
			if seq == 0 {
				if err != nil || !strings.Contains(out, tt.want) {
					t.Fatalf("verify = %q, %v; want %q", out, err, tt.want)
				}
				return
			}
			named := fmt.Sprintf("broken at seq %d (stream id %s)", seq, ids[seq-1])
			if err == nil || !strings.Contains(out, named) || !strings.Contains(out, tt.want) || !strings.Contains(err.Error(), named) {
				t.Fatalf("verify = %q, %v; want an error naming %q, %q", out, err, named, tt.want)
			}
		})
	}
}
