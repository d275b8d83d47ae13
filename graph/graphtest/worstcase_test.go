package graphtest

import (
	"testing"
)

func TestDocumentedWorstCaseRefusesLicenseDetails(t *testing.T) {
	s := startSample(t, WithDocumentedWorstCase())
	tests := []struct{ name, user string }{
		{"a user of the tenant", "alice@contoso.example"},
		// Permissions are checked before the user is looked up.
		{"an unknown user", "ghost@contoso.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, s, "GET", "/users/"+tt.user+"/licenseDetails", nil, "client-request-id", "my-client-id")
			code, msg := r.errorCode()
			if r.status != 403 || code != "Authorization_RequestDenied" || msg != "Insufficient privileges to complete the operation." {
				t.Fatalf("got %d %s %q", r.status, code, msg)
			}
			inner := r.body["error"].(map[string]any)["innerError"].(map[string]any)
			if inner["date"] == "" || inner["request-id"] != r.header.Get("request-id") || inner["client-request-id"] != "my-client-id" {
				t.Errorf("innerError %v, headers %v", inner, r.header)
			}
		})
	}
	// Inside a $batch too.
	r := call(t, s, "POST", "/$batch", map[string]any{"requests": []any{
		map[string]any{"id": "1", "method": "GET", "url": "/users/alice@contoso.example/licenseDetails"},
		map[string]any{"id": "2", "method": "GET", "url": "/users/alice@contoso.example?$select=assignedLicenses"},
	}})
	byID := responsesByID(t, r)
	if byID["1"]["status"] != 403.0 || byID["2"]["status"] != 200.0 {
		t.Errorf("batch: %s", r.raw)
	}
	if got := s.LicenseDetailsCalls(); got != 3 {
		t.Errorf("LicenseDetailsCalls = %d, want 3 (two top-level, one in the batch)", got)
	}
	// What a plan needs is still there.
	r = call(t, s, "GET", "/users/alice@contoso.example?$select=assignedLicenses,licenseAssignmentStates", nil)
	if r.status != 200 || len(r.body["assignedLicenses"].([]any)) != 2 {
		t.Errorf("user: %d %s", r.status, r.raw)
	}
}

func TestLicenseDetailsCallsCountsEveryAttempt(t *testing.T) {
	s := startSample(t)
	if got := s.LicenseDetailsCalls(); got != 0 {
		t.Fatalf("a new server counts %d", got)
	}
	call(t, s, "GET", "/users/alice@contoso.example/licenseDetails", nil)
	call(t, s, "GET", "/users/ALICE@contoso.example/LICENSEDETAILS", nil)
	call(t, s, "POST", "/users/alice@contoso.example/licenseDetails", map[string]any{}) // 405, still an attempt
	call(t, s, "GET", "/users/alice@contoso.example", nil)
	call(t, s, "GET", "/subscribedSkus", nil)
	if got := s.LicenseDetailsCalls(); got != 3 {
		t.Errorf("LicenseDetailsCalls = %d, want 3", got)
	}
}

func TestSubscriptionOwners(t *testing.T) {
	sample := SampleTenant()
	id := func(upn string) string {
		for _, u := range sample.Users {
			if u.UserPrincipalName == upn {
				return u.ID
			}
		}
		t.Fatalf("no %s", upn)
		return ""
	}
	lee, admin := id("lee@contoso.example"), id("admin@contoso.example")
	noAdmin := SampleTenant()
	for i := range noAdmin.Users {
		noAdmin.Users[i].Roles = nil
	}
	tests := []struct {
		name      string
		tenant    Tenant
		opts      []Option
		wantOther any // ownerId of every subscription but Lee's
	}{
		{"by default only the fixture's owners", SampleTenant(), nil, nil},
		{"worst case: the first Global Administrator", SampleTenant(), []Option{WithDocumentedWorstCase()}, admin},
		{"worst case without one: the first user", noAdmin, []Option{WithDocumentedWorstCase()}, noAdmin.Users[0].ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, tt.tenant, tt.opts...)
			r := call(t, s, "GET", "/directory/subscriptions", nil)
			if len(r.values()) != len(sample.SKUs) {
				t.Fatalf("%d subscriptions", len(r.values()))
			}
			for _, v := range r.values() {
				if _, served := v["selfServicePurchase"]; served {
					t.Errorf("%s: the fixture-only selfServicePurchase is served", v["skuPartNumber"])
				}
				wantType, wantID, wantTenant := any("User"), tt.wantOther, any(tenantID)
				if v["skuId"] == skuFlow {
					wantID = lee // Lee's purchase keeps its owner
				} else if tt.wantOther == nil {
					wantType, wantTenant = nil, nil
				}
				if v["ownerType"] != wantType || v["ownerId"] != wantID || v["ownerTenantId"] != wantTenant {
					t.Errorf("%s: owner %v %v %v, want %v %v %v", v["skuPartNumber"], v["ownerType"], v["ownerId"], v["ownerTenantId"], wantType, wantID, wantTenant)
				}
			}
		})
	}
}
