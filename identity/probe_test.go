package identity_test

import (
	"context"
	"errors"
	"testing"

	"github.com/licensebot/licensebot/identity"
)

// What doctor checks: the tenant's keys, and whether the app may use the device code flow.
func TestProbeDeviceAndKeys(t *testing.T) {
	p, e, _ := setup(t)
	ctx := context.Background()
	if n, err := e.CheckKeys(ctx); err != nil || n != 1 {
		t.Fatalf("keys: %d, %v", n, err)
	}
	p.RotateKey()
	if n, err := e.CheckKeys(ctx); err != nil || n != 2 {
		t.Fatalf("keys after a rotation: %d, %v", n, err)
	}
	if err := e.ProbeDevice(ctx); err != nil {
		t.Fatalf("device flow of a public client: %v", err)
	}
	p.NoPublicClientFlows = true
	err := e.ProbeDevice(ctx)
	var ee *identity.EntraError
	if !errors.As(err, &ee) || ee.Code != "invalid_client" || len(ee.Codes) != 1 || ee.Codes[0] != 7000218 {
		t.Fatalf("device flow without public client flows: %v", err)
	}
}
