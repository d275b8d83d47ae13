package graph

import (
	"context"
	"testing"

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
