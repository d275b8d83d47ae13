package graphtest

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSampleTenant(t *testing.T) {
	tenant := SampleTenant()
	if len(tenant.Users) < 25 {
		t.Errorf("sample has %d users, want at least 25", len(tenant.Users))
	}
	if len(tenant.SKUs) < 6 {
		t.Errorf("sample has %d products, want at least 6", len(tenant.SKUs))
	}
	byUPN := map[string]User{}
	for _, u := range tenant.Users {
		byUPN[u.UserPrincipalName] = u
	}
	for _, upn := range []string{"adele", "hal", "megan", "carol", "alice", "bob", "admin", "ilkay", "patti", "lee", "nestor"} {
		if _, ok := byUPN[upn+"@contoso.example"]; !ok {
			t.Errorf("sample has no %s@contoso.example", upn)
		}
	}
	if got := byUPN["ilkay@contoso.example"].DisplayName; got != "İlkay Şahin" {
		t.Errorf("ilkay's display name = %q", got)
	}
	if got := byUPN["alice@contoso.example"].Manager; got != byUPN["megan@contoso.example"].ID {
		t.Errorf("alice's manager = %q, want megan's id (references are resolved to ids)", got)
	}
	selfService := 0
	for _, s := range tenant.SKUs {
		for _, sub := range s.Subscriptions {
			if sub.SelfServicePurchase {
				selfService++
				if s.SKUID != skuFlow || sub.OwnerType != "User" || sub.OwnerID != byUPN["lee@contoso.example"].ID {
					t.Errorf("self-service purchase %s of %s owned by %s %q, want Lee's Power Automate", sub.ID, s.SKUPartNumber, sub.OwnerType, sub.OwnerID)
				}
			}
			// Fixed dates go stale: the sample's are relative to the Server's clock.
			if sub.CreatedDaysAgo == nil || sub.NextLifecycleInDays == nil || !sub.CreatedDateTime.IsZero() || !sub.NextLifecycleDateTime.IsZero() {
				t.Errorf("%s: subscription %s has absolute or missing dates", s.SKUPartNumber, sub.ID)
			}
		}
	}
	if selfService != 1 {
		t.Errorf("sample has %d self-service purchases, want 1", selfService)
	}
}

func TestSampleTenantIsAFreshCopyEachCall(t *testing.T) {
	a := SampleTenant()
	a.Users[0].Licenses[0].SKUID = "changed"
	a.Groups[0].Members[0] = "changed"
	*a.SKUs[0].Subscriptions[0].CreatedDaysAgo = -99
	b := SampleTenant()
	if b.Users[0].Licenses[0].SKUID == "changed" || b.Groups[0].Members[0] == "changed" || *b.SKUs[0].Subscriptions[0].CreatedDaysAgo == -99 {
		t.Fatal("SampleTenant shares data between calls")
	}
}

func TestLoadTenantRefusesInconsistentFixtures(t *testing.T) {
	const user = `{"id":"11111111-1111-4111-8111-111111111111","displayName":"U","userPrincipalName":"u@x.example"`
	const sku = `{"skuId":"22222222-2222-4222-8222-222222222222","skuPartNumber":"P","prepaidUnits":1,"servicePlans":[{"servicePlanId":"33333333-3333-4333-8333-333333333333","servicePlanName":"PLAN"}]}`
	tests := []struct {
		name, json, want string
	}{
		{"unknown field is a typo", `{"users":[` + user + `,"mial":"x"}]}`, "unknown field"},
		{"manager must be a user", `{"users":[` + user + `,"manager":"nobody@x.example"}]}`, "manager"},
		{"license must be a tenant sku", `{"users":[` + user + `,"licenses":[{"skuId":"44444444-4444-4444-8444-444444444444"}]}]}`, "not one of the tenant's skus"},
		{"disabled plan must belong to the sku", `{"skus":[` + sku + `],"users":[` + user + `,"licenses":[{"skuId":"22222222-2222-4222-8222-222222222222","disabledPlans":["55555555-5555-4555-8555-555555555555"]}]}]}`, "is not a plan of"},
		{"group member must be a user", `{"users":[` + user + `}],"groups":[{"id":"66666666-6666-4666-8666-666666666666","displayName":"G","members":["ghost@x.example"]}]}`, "is not a user"},
		{"roles only on role-assignable groups", `{"users":[` + user + `}],"groups":[{"id":"66666666-6666-4666-8666-666666666666","displayName":"G","roles":["` + roleUserAdmin + `"]}]}`, "isAssignableToRole"},
		{"ids are GUIDs", `{"users":[{"id":"alice","displayName":"A","userPrincipalName":"a@x.example"}]}`, "not a GUID"},
		{"a date given both ways", `{"skus":[{"skuId":"22222222-2222-4222-8222-222222222222","skuPartNumber":"P","servicePlans":[],"subscriptions":[{"id":"a1111111-1111-4111-8111-111111111111","totalLicenses":1,"createdDateTime":"2025-01-01T00:00:00Z","createdDaysAgo":3}]}]}`, "both createdDateTime and createdDaysAgo"},
		{"a lifecycle date given both ways", `{"skus":[{"skuId":"22222222-2222-4222-8222-222222222222","skuPartNumber":"P","servicePlans":[],"subscriptions":[{"id":"a1111111-1111-4111-8111-111111111111","totalLicenses":1,"nextLifecycleDateTime":"2025-01-01T00:00:00Z","nextLifecycleInDays":3}]}]}`, "both nextLifecycleDateTime and nextLifecycleInDays"},
		{"created in the future", `{"skus":[{"skuId":"22222222-2222-4222-8222-222222222222","skuPartNumber":"P","servicePlans":[],"subscriptions":[{"id":"a1111111-1111-4111-8111-111111111111","totalLicenses":1,"createdDaysAgo":-1}]}]}`, "in the future"},
		{"subscription owner must be a user", `{"users":[` + user + `}],"skus":[{"skuId":"22222222-2222-4222-8222-222222222222","skuPartNumber":"P","servicePlans":[],"subscriptions":[{"id":"a1111111-1111-4111-8111-111111111111","totalLicenses":1,"ownerType":"User","ownerId":"ghost@x.example"}]}]}`, "is not a user"},
		{"UPNs are unique", `{"users":[` + user + `},{"id":"77777777-7777-4777-8777-777777777777","displayName":"V","userPrincipalName":"U@x.example"}]}`, "duplicate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadTenant(strings.NewReader(tt.json))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestLoadTenantAppliesDefaults(t *testing.T) {
	tenant, err := LoadTenant(strings.NewReader(`{
		"users":[{"id":"11111111-1111-4111-8111-111111111111","displayName":"U","userPrincipalName":"u@x.example"}],
		"skus":[{"skuId":"22222222-2222-4222-8222-222222222222","skuPartNumber":"P","servicePlans":[],
			"subscriptions":[{"id":"A1111111-1111-4111-8111-111111111111","totalLicenses":3},{"id":"a2222222-2222-4222-8222-222222222222","totalLicenses":2,"status":"Suspended"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if !tenant.Users[0].AccountEnabled {
		t.Error("accountEnabled should default to true")
	}
	s := tenant.SKUs[0]
	if s.PrepaidUnits != 3 || s.CapabilityStatus != "Enabled" || s.AppliesTo != "User" {
		t.Errorf("sku defaults: prepaid %d, capability %q, appliesTo %q", s.PrepaidUnits, s.CapabilityStatus, s.AppliesTo)
	}
	if s.Subscriptions[0].ID != "a1111111-1111-4111-8111-111111111111" || s.Subscriptions[0].Status != "Enabled" {
		t.Errorf("subscription defaults: %+v", s.Subscriptions[0])
	}
}

// TestSampleProductsAreMicrosofts checks the sample's SKU ids, part numbers and service plans
// against Microsoft's "Product names and service plan identifiers for licensing" table (the
// copy the licensing catalogue is generated from).
func TestSampleProductsAreMicrosofts(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "licensing", "testdata", "product-names-and-service-plan-identifiers.csv"))
	if err != nil {
		t.Skipf("Microsoft's product table is not here: %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	type plan struct{ id, name string }
	partNumber := map[string]string{} // sku id → String_Id
	plans := map[string]map[plan]bool{}
	for _, r := range rows[1:] {
		sku := strings.ToLower(r[2])
		partNumber[sku] = r[1]
		if plans[sku] == nil {
			plans[sku] = map[plan]bool{}
		}
		plans[sku][plan{strings.ToLower(r[4]), r[3]}] = true
	}
	for _, s := range SampleTenant().SKUs {
		if partNumber[s.SKUID] != s.SKUPartNumber {
			t.Errorf("%s: Microsoft's table calls %s %q", s.SKUPartNumber, s.SKUID, partNumber[s.SKUID])
			continue
		}
		got := map[plan]bool{}
		for _, p := range s.ServicePlans {
			got[plan{p.ID, p.Name}] = true
			if !plans[s.SKUID][plan{p.ID, p.Name}] {
				t.Errorf("%s: plan %s %s is not in Microsoft's table", s.SKUPartNumber, p.Name, p.ID)
			}
		}
		if len(got) != len(plans[s.SKUID]) {
			t.Errorf("%s: %d plans, Microsoft's table has %d", s.SKUPartNumber, len(got), len(plans[s.SKUID]))
		}
	}
}
