package graph

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/licensebot/licensebot/graph/graphtest"
)

// BenchmarkFindUser measures a full lookup through the real SDK against the simulator on
// loopback: the $filter query, licenseDetails and one group name (alice has a license
// inherited from a group). It is the client's own cost per target user, Graph's latency aside.
func BenchmarkFindUser(b *testing.B) {
	srv, err := graphtest.NewServer(graphtest.SampleTenant())
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, AccessToken: testToken})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		if _, err := c.FindUser(ctx, "alice@contoso.example"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRemoveLicensesBatch removes Power BI Pro from 1,000 users through $batch against
// the simulator answering every HTTP call after 200 ms (a far-away Graph round trip). One
// call sends 50 batches of 20 one after the other; "calls=4" splits the users over four
// concurrent calls of 250 (13 batches each), as the job engine may. Tenant setup is not timed. Run it with
// go test ./graph/ -run '^$' -bench RemoveLicensesBatch -benchtime 3x.
func BenchmarkRemoveLicensesBatch(b *testing.B) {
	const users, latency = 1000, 200 * time.Millisecond
	for _, calls := range []int{1, 4} {
		b.Run(fmt.Sprintf("calls=%d", calls), func(b *testing.B) {
			b.StopTimer()
			for range b.N {
				tenant, ids := withBulkUsers(users)
				srv, err := graphtest.NewServer(tenant, graphtest.WithLatency(latency))
				if err != nil {
					b.Fatal(err)
				}
				c, err := New(Config{BaseURL: srv.URL, AccessToken: testToken})
				if err != nil {
					b.Fatal(err)
				}
				removals := pbiRemovals(ids)
				results := make([][]BatchResult, calls)
				per := (users + calls - 1) / calls
				var wg sync.WaitGroup
				b.StartTimer()
				for w := range calls {
					part := removals[w*per : min((w+1)*per, users)]
					wg.Go(func() { results[w] = c.RemoveLicensesBatch(context.Background(), part) })
				}
				wg.Wait()
				b.StopTimer()
				for _, rs := range results {
					for _, r := range rs {
						if r.Err != nil {
							b.Fatal(r.Err)
						}
					}
				}
				if got, want := srv.Calls("POST", "/$batch"), calls*((per+19)/20); got != want {
					b.Fatalf("%d $batch calls", got)
				}
				srv.Close()
			}
			b.ReportMetric(float64(users*b.N)/b.Elapsed().Seconds(), "removals/s")
		})
	}
}
