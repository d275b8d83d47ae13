package graphtest

import (
	"net/url"
	"strings"
	"testing"
)

func TestGetUserLicenseStatesMergeDirectAndGroup(t *testing.T) {
	s := startSample(t)
	r := call(t, s, "GET", "/users/alice@contoso.example?$select=id,licenseAssignmentStates,assignedLicenses", nil)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	states := r.body["licenseAssignmentStates"].([]any)
	byGroup := map[string]any{}
	for _, st := range states {
		m := st.(map[string]any)
		byGroup[m["skuId"].(string)] = m["assignedByGroup"]
		if m["state"] != "Active" {
			t.Errorf("state = %v, want Active", m["state"])
		}
	}
	if g, ok := byGroup[skuO365E3]; !ok || g != nil {
		t.Errorf("O365 E3 should be direct (assignedByGroup null), got %v (present %v)", g, ok)
	}
	if g, _ := byGroup[skuEMS].(string); g == "" {
		t.Errorf("EMS should be inherited from a group, got %v", byGroup[skuEMS])
	}
	if n := len(r.body["assignedLicenses"].([]any)); n != 2 {
		t.Errorf("assignedLicenses has %d entries, want 2", n)
	}
	if _, ok := r.body["displayName"]; ok {
		t.Error("$select should return only the selected properties")
	}
}

func TestGetUserDefaultPropertiesLeaveOutSelectOnlyOnes(t *testing.T) {
	s := startSample(t)
	r := call(t, s, "GET", "/users/ALICE@contoso.example", nil)
	if r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	if r.body["displayName"] != "Alice Wood" || r.body["id"] == nil {
		t.Errorf("default set missing: %v", r.body)
	}
	for _, p := range []string{"licenseAssignmentStates", "assignedLicenses", "accountEnabled", "usageLocation"} {
		if _, ok := r.body[p]; ok {
			t.Errorf("%s is returned only on $select", p)
		}
	}
}

func TestUnknownUserIsResourceNotFound(t *testing.T) {
	s := startSample(t)
	r := call(t, s, "GET", "/users/nobody@contoso.example", nil, "client-request-id", "my-client-id")
	code, msg := r.errorCode()
	if r.status != 404 || code != "Request_ResourceNotFound" || !strings.Contains(msg, "nobody@contoso.example") {
		t.Fatalf("got %d %s %q", r.status, code, msg)
	}
	inner := r.body["error"].(map[string]any)["innerError"].(map[string]any)
	if inner["request-id"] != r.header.Get("request-id") || inner["client-request-id"] != "my-client-id" || inner["date"] == "" {
		t.Errorf("innerError %v does not match headers %v", inner, r.header)
	}
	if r.header.Get("client-request-id") != "my-client-id" || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("headers: %v", r.header)
	}
}

func TestFilterUsersByMailOrUPN(t *testing.T) {
	s := startSample(t)
	tests := []struct {
		name, filter, want string
	}{
		{"mail", "mail eq 'grady.archie@contoso.example'", "grady@contoso.example"},
		{"upn, case-insensitive", "userPrincipalName eq 'BOB@Contoso.Example'", "bob@contoso.example"},
		{"quote escaped by doubling", "mail eq 'sean.o''neil@contoso.example' or userPrincipalName eq 'sean.o''neil@contoso.example'", "sean@contoso.example"},
		{"or of two", "mail eq 'x@y' or userPrincipalName eq 'ilkay@contoso.example'", "ilkay@contoso.example"},
		{"parentheses and and", "(mail eq 'carol@contoso.example') and accountEnabled eq true", "carol@contoso.example"},
		{"no match", "mail eq 'nobody@contoso.example'", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, s, "GET", "/users?$filter="+url.QueryEscape(tt.filter), nil)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
			vs := r.values()
			if tt.want == "" {
				if len(vs) != 0 {
					t.Fatalf("got %d users, want none", len(vs))
				}
				return
			}
			if len(vs) != 1 || vs[0]["userPrincipalName"] != tt.want {
				t.Fatalf("got %v, want %s", vs, tt.want)
			}
		})
	}
}

func TestBadFiltersAreRefused(t *testing.T) {
	s := startSample(t)
	for filter, wantCode := range map[string]string{
		"mail eq 'unterminated":         "BadRequest",
		"mail eq":                       "BadRequest",
		"mail ne 'x'":                   "BadRequest",
		"department eq 'Sales'":         "Request_UnsupportedQuery",
		"mail eq 'a' or":                "BadRequest",
		"(mail eq 'a'":                  "BadRequest",
		"startswith(mail,'a')":          "BadRequest",
		"mail eq 'a' userPrincipalName": "BadRequest",
	} {
		r := call(t, s, "GET", "/users?$filter="+url.QueryEscape(filter), nil)
		if code, _ := r.errorCode(); r.status != 400 || code != wantCode {
			t.Errorf("%q: got %d %s, want 400 %s", filter, r.status, code, wantCode)
		}
	}
}

func TestLicenseDetailsMarkPlansDisabledInEveryPath(t *testing.T) {
	tenant := SampleTenant()
	// Carol gets Office 365 E3 with Sway disabled, directly only.
	const sway = "a23b959c-7ce8-4e57-9140-b90eb88a9e97"
	for i, u := range tenant.Users {
		if u.UserPrincipalName == "carol@contoso.example" {
			tenant.Users[i].Licenses = []License{{SKUID: skuO365E3, DisabledPlans: []string{sway}}}
		}
	}
	s := start(t, tenant)
	status := func(upn string) string {
		r := call(t, s, "GET", "/users/"+upn+"/licenseDetails", nil)
		for _, d := range r.values() {
			if d["skuId"] != skuO365E3 {
				continue
			}
			if d["skuPartNumber"] != "ENTERPRISEPACK" || d["id"] == "" {
				t.Errorf("licenseDetails entry %v", d)
			}
			for _, p := range d["servicePlans"].([]any) {
				if p.(map[string]any)["servicePlanId"] == sway {
					return p.(map[string]any)["provisioningStatus"].(string)
				}
			}
		}
		return "missing"
	}
	if got := status("carol@contoso.example"); got != "Disabled" {
		t.Errorf("carol's Sway = %s, want Disabled", got)
	}
	// Nestor has Sway disabled directly but enabled through the Sales group: it works.
	if got := status("nestor@contoso.example"); got != "Success" {
		t.Errorf("nestor's Sway = %s, want Success (enabled by the group path)", got)
	}
}

func TestDirectoryRolesIncludeRoleAssignableGroups(t *testing.T) {
	s := startSample(t)
	roles := func(path string) []string {
		r := call(t, s, "GET", path, nil)
		if r.status != 200 {
			t.Fatalf("%s: status %d", path, r.status)
		}
		var ids []string
		for _, v := range r.values() {
			if v["@odata.type"] != "#microsoft.graph.directoryRole" {
				t.Errorf("missing @odata.type: %v", v)
			}
			ids = append(ids, v["roleTemplateId"].(string))
		}
		return ids
	}
	tests := []struct {
		upn  string
		cast string
		want string
	}{
		{"hal@contoso.example", "graph.directoryRole", roleUserAdmin},
		{"hal@contoso.example", "microsoft.graph.directoryRole", roleUserAdmin},
		{"adele@contoso.example", "graph.directoryRole", roleLicenseAdmin},
		{"admin@contoso.example", "microsoft.graph.directoryRole", roleGlobalAdmin},
		{"megan@contoso.example", "graph.directoryRole", ""},
		{"carol@contoso.example", "graph.directoryRole", ""},
	}
	for _, tt := range tests {
		got := strings.Join(roles("/users/"+tt.upn+"/transitiveMemberOf/"+tt.cast), ",")
		if got != tt.want {
			t.Errorf("%s via %s: roles %q, want %q", tt.upn, tt.cast, got, tt.want)
		}
	}
}

func TestDirectoryRolesArePaged(t *testing.T) {
	tenant := SampleTenant()
	for i, u := range tenant.Users {
		if u.UserPrincipalName == "hal@contoso.example" {
			tenant.Users[i].Roles = []string{roleGlobalAdmin, roleLicenseAdmin}
		}
	}
	s := start(t, tenant, WithPageSize(1))
	path := "/users/hal@contoso.example/transitiveMemberOf/graph.directoryRole"
	var got []string
	for pages := 0; path != ""; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		r := call(t, s, "GET", path, nil)
		for _, v := range r.values() {
			got = append(got, v["roleTemplateId"].(string))
		}
		path = ""
		if next, _ := r.body["@odata.nextLink"].(string); next != "" {
			path = strings.TrimPrefix(next, s.URL)
		}
	}
	if strings.Join(got, ",") != roleGlobalAdmin+","+roleLicenseAdmin+","+roleUserAdmin {
		t.Fatalf("roles over pages = %v", got)
	}
}

func TestManager(t *testing.T) {
	s := startSample(t)
	r := call(t, s, "GET", "/users/alice@contoso.example/manager", nil)
	if r.status != 200 || r.body["userPrincipalName"] != "megan@contoso.example" || r.body["@odata.type"] != "#microsoft.graph.user" {
		t.Fatalf("manager: %d %v", r.status, r.body)
	}
	r = call(t, s, "GET", "/users/lidia@contoso.example/manager", nil)
	if code, msg := r.errorCode(); r.status != 404 || code != "Request_ResourceNotFound" || !strings.Contains(msg, "'manager'") {
		t.Fatalf("no manager: %d %s %s", r.status, code, msg)
	}
}

func TestGroup(t *testing.T) {
	s := startSample(t)
	tenant := SampleTenant()
	for _, g := range tenant.Groups {
		r := call(t, s, "GET", "/groups/"+g.ID+"?$select=id,displayName,groupTypes,membershipRule,onPremisesSyncEnabled", nil)
		if r.status != 200 || r.body["displayName"] != g.DisplayName {
			t.Fatalf("group %s: %d %v", g.DisplayName, r.status, r.body)
		}
		if (r.body["membershipRule"] != nil) != (g.MembershipRule != "") || (r.body["onPremisesSyncEnabled"] == true) != g.OnPremisesSyncEnabled {
			t.Errorf("group %s: %v", g.DisplayName, r.body)
		}
	}
	if r := call(t, s, "GET", "/groups/00000000-0000-4000-8000-000000000000", nil); r.status != 404 {
		t.Errorf("unknown group: %d", r.status)
	}
}

func TestProductsCountSeatsAndShowTheFixtureOwners(t *testing.T) {
	s := startSample(t)
	r := call(t, s, "GET", "/subscribedSkus", nil)
	consumed := map[string]float64{}
	for _, v := range r.values() {
		consumed[v["skuPartNumber"].(string)] = v["consumedUnits"].(float64)
		if v["prepaidUnits"].(map[string]any)["enabled"].(float64) < v["consumedUnits"].(float64) {
			t.Errorf("%s: more consumed than prepaid", v["skuPartNumber"])
		}
	}
	if consumed["ENTERPRISEPACK"] != 17 || consumed["EMS"] != 7 || consumed["FLOW_PER_USER"] != 1 {
		t.Errorf("consumedUnits %v", consumed)
	}
	r = call(t, s, "GET", "/directory/subscriptions", nil)
	owners := map[string]any{}
	for _, v := range r.values() {
		owners[v["skuId"].(string)] = v["ownerType"]
	}
	if owners[skuFlow] != "User" || owners[skuO365E3] != nil {
		t.Errorf("ownerType by sku: %v", owners)
	}
}

func TestDirectoryRolesCountNeedsEventualConsistency(t *testing.T) {
	s := startSample(t)
	path := "/users/hal@contoso.example/transitiveMemberOf/graph.directoryRole?$count=true"
	if r := call(t, s, "GET", path, nil); r.status != 400 {
		t.Errorf("$count without ConsistencyLevel: %d", r.status)
	}
	r := call(t, s, "GET", path, nil, "ConsistencyLevel", "eventual")
	if r.status != 200 || r.body["@odata.count"] != 1.0 {
		t.Errorf("advanced query: %d %v", r.status, r.body)
	}
}
