package graph

import (
	"context"
	"errors"
	"testing"

	"github.com/licensebot/licensebot/graph/graphtest"
	"github.com/licensebot/licensebot/licensing"
)

const testToken = "test-token"

// Sample ids (graph/graphtest/sample/contoso.json).
const (
	skuO365E3 = "6fd2c87f-b296-42f0-b197-1e91e994b900"
	skuEMS    = "efccb6f7-5641-4e0e-bd10-b4976e1bf68e"
	skuPBI    = "f8a1db68-be16-40ed-86d5-cb42ce701560"
	skuFlow   = "4a51bf65-409c-4a91-b845-1121b571cc9d"
	skuEXO1   = "4b9405b0-7788-4568-add1-99614e613b69"

	roleGlobalAdmin  = "62e90394-69f5-4237-9190-012177145e10"
	roleLicenseAdmin = "4d6ac14f-3453-41d0-bef9-a3e0c569773a"
	roleUserAdmin    = "fe930be7-5e62-47db-91af-98c3a49a38b1"
)

// newSample starts the simulated sample tenant (requiring the test token) and a real SDK
// client pointed at it.
func newSample(t *testing.T, opts ...graphtest.Option) (*Client, *graphtest.Server) {
	t.Helper()
	return newTenant(t, graphtest.SampleTenant(), opts...)
}

func newTenant(t *testing.T, tenant graphtest.Tenant, opts ...graphtest.Option) (*Client, *graphtest.Server) {
	t.Helper()
	srv, err := graphtest.NewServer(tenant, append([]graphtest.Option{graphtest.WithToken(testToken)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL, AccessToken: testToken})
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func userID(t *testing.T, srv *graphtest.Server, upn string) string {
	t.Helper()
	u, ok := srv.User(upn)
	if !ok {
		t.Fatalf("no %s in the tenant", upn)
	}
	return u.ID
}

// asGraphError asserts err carries a *licensing.GraphError and returns it.
func asGraphError(t *testing.T, err error) *licensing.GraphError {
	t.Helper()
	var ge *licensing.GraphError
	if !errors.As(err, &ge) {
		t.Fatalf("error %v (%T) carries no *licensing.GraphError", err, err)
	}
	return ge
}

func TestPingAcceptsTheTokenAndRefusesAnother(t *testing.T) {
	c, srv := newSample(t)
	if err := c.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	wrong, err := New(Config{BaseURL: srv.URL, AccessToken: "other"})
	if err != nil {
		t.Fatal(err)
	}
	err = wrong.Ping(context.Background())
	ge := asGraphError(t, err)
	if ge.Status != 401 || ge.Code != "InvalidAuthenticationToken" || ge.Reason != nil || ge.RequestID == "" {
		t.Fatalf("wrong token: %+v", ge)
	}
}
