package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/licensebot/licensebot/store"
	"github.com/licensebot/licensebot/store/storetest"
)

// countingWriter counts what the export writes, so the figures say how big it is.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkAuditExport10k is `licensebot audit export` of a chain of 10,000 entries (one
// executor's "removed" event per user, as handlers writes them), through run(), as
// JSONL and as CSV, to a writer that discards; on a real redis-server on loopback.
func BenchmarkAuditExport10k(b *testing.B) {
	const entries = 10_000
	srv := storetest.Start(b)
	st := store.New(srv.Client(b), auditPrefix)
	ctx := context.Background()
	for i := range entries {
		e := store.AuditEvent{RequestID: "bench-request", Action: "removed",
			Fields: map[string]string{"user": fmt.Sprintf("user%d@contoso.com", i), "sku": "6fd2c87f-b296-42f0-b197-1e91e994b900",
				"graph_request_id": "5f2a9c1e-0b7d-4d3e-9a55-2c0f8e1a7b64", "reason": ""}}
		if err := st.Audit(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
	env := map[string]string{"REDIS_URL": srv.URL, "LICENSEBOT_REDIS_PREFIX": auditPrefix}
	for _, format := range []string{"jsonl", "csv"} {
		b.Run(format, func(b *testing.B) {
			var w countingWriter
			for b.Loop() {
				w.n = 0
				args := []string{"licensebot", "audit", "export", "--format", format}
				if err := run(ctx, args, func(k string) string { return env[k] }, time.Now, strings.NewReader(""), &w, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(w.n)/1e6, "MB/op")
			b.ReportMetric(float64(entries)/(b.Elapsed().Seconds()/float64(b.N)), "entries/s")
		})
	}
}
