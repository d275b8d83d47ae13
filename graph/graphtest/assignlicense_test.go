package graphtest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"strings"
	"testing"
)

func remove(skus ...string) map[string]any {
	return map[string]any{"addLicenses": []any{}, "removeLicenses": skus}
}

func TestAssignLicenseFollowsGraphRules(t *testing.T) {
	tests := []struct {
		name       string
		user       string
		body       any
		wantStatus int
		wantCode   string
		wantMsg    string
	}{
		{"missing addLicenses is a 400", "bob@contoso.example", map[string]any{"removeLicenses": []string{skuPBI}}, 400, "Request_BadRequest",
			"One or more parameters of the operation 'assignLicense' are missing from the request payload. The missing parameters are: addLicenses."},
		{"inherited-only license can't be removed", "alex@contoso.example", remove(skuO365E3), 400, "Request_BadRequest",
			"User license is inherited from a group membership and it cannot be removed directly from the user."},
		{"license the user doesn't have", "carol@contoso.example", remove(skuPBI), 400, "Request_BadRequest", "User does not have a corresponding license."},
		{"sku the tenant doesn't have", "bob@contoso.example", remove("c7df2760-2c81-4ef7-b578-5b5392b571df"), 400, "Request_BadRequest",
			"License c7df2760-2c81-4ef7-b578-5b5392b571df does not correspond to a valid company License."},
		{"not a GUID", "bob@contoso.example", remove("E3"), 400, "Request_BadRequest", "Edm.Guid"},
		{"unknown user", "ghost@contoso.example", remove(skuPBI), 404, "Request_ResourceNotFound", "ghost@contoso.example"},
		{"body is not JSON", "bob@contoso.example", "addLicenses", 400, "BadRequest", "JSON"},
		{"restore needs a usage location", "christie@contoso.example", map[string]any{"addLicenses": []any{map[string]any{"skuId": skuPBI}}, "removeLicenses": []any{}}, 400, "Request_BadRequest", "usage location"},
		{"direct license is removed", "bob@contoso.example", remove(skuPBI), 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSample(t)
			r := call(t, s, "POST", "/users/"+tt.user+"/assignLicense", tt.body)
			code, msg := r.errorCode()
			if r.status != tt.wantStatus || code != tt.wantCode || !strings.Contains(msg, tt.wantMsg) {
				t.Fatalf("got %d %s %q, want %d %s %q", r.status, code, msg, tt.wantStatus, tt.wantCode, tt.wantMsg)
			}
			wantRemovals := 0
			if tt.wantStatus == 200 {
				wantRemovals = 1
			}
			if got := s.Removals(tt.user, skuPBI); got != wantRemovals {
				t.Errorf("Removals = %d, want %d", got, wantRemovals)
			}
		})
	}
}

func TestRemovingADirectLicenseFreesTheSeat(t *testing.T) {
	s := startSample(t)
	before, _ := s.SKU(skuPBI)
	r := call(t, s, "POST", "/users/bob@contoso.example/assignLicense", remove(skuPBI))
	if r.status != 200 || r.body["userPrincipalName"] != "bob@contoso.example" {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	for _, l := range r.body["assignedLicenses"].([]any) {
		if l.(map[string]any)["skuId"] == skuPBI {
			t.Error("the response still lists the removed license")
		}
	}
	u, _ := s.User("bob@contoso.example")
	for _, l := range u.Licenses {
		if l.SKUID == skuPBI {
			t.Error("bob still has Power BI Pro")
		}
	}
	after, _ := s.SKU(skuPBI)
	if after.ConsumedUnits != before.ConsumedUnits-1 {
		t.Errorf("consumed %d → %d, want one fewer", before.ConsumedUnits, after.ConsumedUnits)
	}
	// The same removal again: the license is gone.
	r = call(t, s, "POST", "/users/bob@contoso.example/assignLicense", remove(skuPBI))
	if _, msg := r.errorCode(); r.status != 400 || msg != msgNotAssigned {
		t.Errorf("second removal: %d %s", r.status, msg)
	}
	if s.Removals(u.ID, strings.ToUpper(skuPBI)) != 1 {
		t.Error("Removals should accept the user's id and any case of the sku")
	}
}

func TestRemovingADirectPathKeepsTheGroupPath(t *testing.T) {
	s := startSample(t)
	before, _ := s.SKU(skuO365E3)
	r := call(t, s, "POST", "/users/nestor@contoso.example/microsoft.graph.assignLicense", remove(skuO365E3))
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	r = call(t, s, "GET", "/users/nestor@contoso.example?$select=licenseAssignmentStates", nil)
	states := r.body["licenseAssignmentStates"].([]any)
	if len(states) != 1 || states[0].(map[string]any)["assignedByGroup"] == nil {
		t.Fatalf("after removing the direct path: %v", states)
	}
	if after, _ := s.SKU(skuO365E3); after.ConsumedUnits != before.ConsumedUnits {
		t.Errorf("a seat was freed although the group still assigns the product")
	}
	// Now only the group path is left: the next removal is refused as inherited.
	r = call(t, s, "POST", "/users/nestor@contoso.example/assignLicense", remove(skuO365E3))
	if _, msg := r.errorCode(); msg != msgInherited {
		t.Errorf("got %q", msg)
	}
}

func TestAssignLicenseIsAllOrNothing(t *testing.T) {
	s := startSample(t)
	r := call(t, s, "POST", "/users/bob@contoso.example/assignLicense", remove(skuPBI, skuEMS))
	if r.status != 400 {
		t.Fatalf("status %d", r.status)
	}
	if s.Removals("bob@contoso.example", skuPBI) != 0 {
		t.Error("a refused call removed a license")
	}
}

func TestRestoreAddsTheLicenseBackWithItsDisabledPlans(t *testing.T) {
	s := startSample(t)
	const sway = "a23b959c-7ce8-4e57-9140-b90eb88a9e97"
	call(t, s, "POST", "/users/bob@contoso.example/assignLicense", remove(skuO365E3))
	r := call(t, s, "POST", "/users/bob@contoso.example/assignLicense", map[string]any{
		"addLicenses":    []any{map[string]any{"skuId": skuO365E3, "disabledPlans": []string{sway}}},
		"removeLicenses": []any{},
	})
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	u, _ := s.User("bob@contoso.example")
	found := false
	for _, l := range u.Licenses {
		if l.SKUID == skuO365E3 && len(l.DisabledPlans) == 1 && l.DisabledPlans[0] == sway {
			found = true
		}
	}
	if !found {
		t.Errorf("licenses after restore: %+v", u.Licenses)
	}
}

func TestGzipRequestBodiesAreDecompressed(t *testing.T) {
	s := startSample(t)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte(`{"addLicenses":[],"removeLicenses":["` + skuPBI + `"]}`))
	_ = zw.Close()
	r := call(t, s, "POST", "/users/bob@contoso.example/assignLicense", buf.Bytes(), "Content-Encoding", "gzip")
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	if got := string(s.LastBody("POST", "/users/bob@contoso.example/assignLicense")); !strings.Contains(got, `"addLicenses":[]`) {
		t.Errorf("LastBody = %s", got)
	}
	r = call(t, s, "POST", "/users/bob@contoso.example/assignLicense", []byte("not gzip"), "Content-Encoding", "gzip")
	if r.status != 400 {
		t.Errorf("a corrupt gzip body: status %d", r.status)
	}
}

func add(skuID string, disabledPlans ...string) map[string]any {
	return map[string]any{
		"addLicenses":    []any{map[string]any{"skuId": skuID, "disabledPlans": append([]string{}, disabledPlans...)}},
		"removeLicenses": []any{},
	}
}

func TestAddingALicenseNeedsAFreeSeatAndAUsageLocation(t *testing.T) {
	full := SampleTenant()
	for i := range full.SKUs {
		if full.SKUs[i].SKUID == skuFlow {
			full.SKUs[i].PrepaidUnits = 1 // lee holds the only seat
		}
	}
	tests := []struct {
		name    string
		tenant  Tenant
		user    string
		sku     string
		status  int
		message string
	}{
		{"a free seat and a usage location", SampleTenant(), "pradeep@contoso.example", skuPBI, 200, ""},
		{"every seat taken", full, "pradeep@contoso.example", skuFlow, 400, fmt.Sprintf(msgNoSeats, skuFlow)},
		{"a user who already holds it takes no new seat", full, "lee@contoso.example", skuFlow, 200, ""},
		{"no usage location", SampleTenant(), "christie@contoso.example", skuPBI, 400, msgUsageLocation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, tt.tenant)
			r := call(t, s, "POST", "/users/"+tt.user+"/assignLicense", add(tt.sku))
			if r.status != tt.status {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
			want := 0
			if tt.status == 200 {
				want = 1
			} else if code, msg := r.errorCode(); code != "Request_BadRequest" || msg != tt.message {
				t.Errorf("%s %q", code, msg)
			}
			if got := s.Restores(tt.user, tt.sku); got != want {
				t.Errorf("Restores = %d, want %d", got, want)
			}
		})
	}
}

func TestSelfServicePurchaseCannotBeRemoved(t *testing.T) {
	const orgSubscription = "b1111111-1111-4111-8111-111111111111"
	withOrgSubscription := func(status string) Tenant {
		tenant := SampleTenant()
		for i := range tenant.SKUs {
			if k := &tenant.SKUs[i]; k.SKUID == skuFlow {
				k.Subscriptions = append(k.Subscriptions, Subscription{ID: orgSubscription, Status: status, TotalLicenses: 5})
				k.PrepaidUnits = 0 // recomputed from the enabled subscriptions
			}
		}
		return tenant
	}
	ownerOnly := SampleTenant() // ownerType "User" alone does not make a self-service purchase
	for i := range ownerOnly.SKUs {
		for j := range ownerOnly.SKUs[i].Subscriptions {
			ownerOnly.SKUs[i].Subscriptions[j].SelfServicePurchase = false
		}
	}
	tests := []struct {
		name    string
		tenant  Tenant
		batch   bool
		refused bool
	}{
		{"the sample's self-service purchase", SampleTenant(), false, true},
		{"inside a $batch", SampleTenant(), true, true},
		{"an enabled organisation subscription of the product too", withOrgSubscription("Enabled"), false, false},
		{"a suspended organisation subscription does not count", withOrgSubscription("Suspended"), true, true},
		{"ownerType User without selfServicePurchase", ownerOnly, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, tt.tenant)
			var status float64
			var body map[string]any
			if tt.batch {
				r := call(t, s, "POST", "/$batch", map[string]any{"requests": []any{map[string]any{
					"id": "1", "method": "POST", "url": "/users/lee@contoso.example/assignLicense",
					"headers": map[string]string{"Content-Type": "application/json"}, "body": remove(skuFlow)}}})
				sub := responsesByID(t, r)["1"]
				status, _ = sub["status"].(float64)
				body, _ = sub["body"].(map[string]any)
			} else {
				r := call(t, s, "POST", "/users/lee@contoso.example/assignLicense", remove(skuFlow))
				status, body = float64(r.status), r.body
			}
			if !tt.refused {
				if status != 200 || s.Removals("lee@contoso.example", skuFlow) != 1 {
					t.Fatalf("status %v, removals %d; want the license removed", status, s.Removals("lee@contoso.example", skuFlow))
				}
				return
			}
			code, msg := reply{body: body}.errorCode()
			if status != 400 || code != "Request_BadRequest" || msg != fmt.Sprintf(msgSelfService, skuFlow) {
				t.Fatalf("got %v %s %q", status, code, msg)
			}
			inner, _ := body["error"].(map[string]any)["innerError"].(map[string]any)
			if inner["request-id"] == nil || inner["date"] == nil {
				t.Errorf("innerError %v", inner)
			}
			if s.Removals("lee@contoso.example", skuFlow) != 0 {
				t.Error("a refused removal removed the license")
			}
		})
	}
}

func TestSelfServiceRefusalIsAllOrNothing(t *testing.T) {
	s := startSample(t)
	r := call(t, s, "POST", "/users/lee@contoso.example/assignLicense", remove(skuO365E3, skuFlow))
	if r.status != 400 || s.Removals("lee@contoso.example", skuO365E3) != 0 {
		t.Fatalf("status %d, Office 365 E3 removals %d", r.status, s.Removals("lee@contoso.example", skuO365E3))
	}
	// Lee's other products are the organisation's: they go.
	if r := call(t, s, "POST", "/users/lee@contoso.example/assignLicense", remove(skuO365E3)); r.status != 200 {
		t.Errorf("Office 365 E3: %d %s", r.status, r.raw)
	}
}
