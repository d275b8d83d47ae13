package graph

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/licensebot/licensebot/graph/graphtest"
	"github.com/licensebot/licensebot/licensing"
)

func TestActiveRoles(t *testing.T) {
	c, srv := newSample(t)
	tests := []struct {
		name, upn string
		want      []string
	}{
		{"License Administrator held directly", "adele@contoso.example", []string{roleLicenseAdmin}},
		{"User Administrator through a role-assignable group", "hal@contoso.example", []string{roleUserAdmin}},
		{"Global Administrator", "admin@contoso.example", []string{roleGlobalAdmin}},
		{"a manager without admin roles", "megan@contoso.example", nil},
		{"a user without admin roles", "carol@contoso.example", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.ActiveRoles(context.Background(), userID(t, srv, tt.upn))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("roles %v, want %v", got, tt.want)
			}
		})
	}
	// The SDK asks with the short cast segment.
	if n := srv.Calls("GET", "/users/"+userID(t, srv, "hal@contoso.example")+"/transitiveMemberOf/graph.directoryRole"); n != 1 {
		t.Errorf("%d calls on the graph.directoryRole path", n)
	}
}

func TestActiveRolesFollowsNextLinks(t *testing.T) {
	tenant := graphtest.SampleTenant()
	for i, u := range tenant.Users {
		if u.UserPrincipalName == "hal@contoso.example" {
			tenant.Users[i].Roles = []string{roleGlobalAdmin, roleLicenseAdmin}
		}
	}
	c, srv := newTenant(t, tenant, graphtest.WithPageSize(1))
	got, err := c.ActiveRoles(context.Background(), userID(t, srv, "hal@contoso.example"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{roleGlobalAdmin, roleLicenseAdmin, roleUserAdmin}; !slices.Equal(got, want) {
		t.Fatalf("roles over three pages %v, want %v", got, want)
	}
}

func TestActiveRolesOfAnUnknownUser(t *testing.T) {
	c, _ := newSample(t)
	_, err := c.ActiveRoles(context.Background(), "00000000-0000-4000-8000-000000000000")
	if !errors.Is(err, licensing.ErrUserNotFound) {
		t.Fatalf("%v", err)
	}
}

func TestManager(t *testing.T) {
	c, srv := newSample(t)
	m, err := c.Manager(context.Background(), userID(t, srv, "alice@contoso.example"))
	if err != nil {
		t.Fatal(err)
	}
	if m.UserPrincipalName != "megan@contoso.example" || m.DisplayName != "Megan Bowen" || m.ID != userID(t, srv, "megan@contoso.example") || len(m.Licenses) != 0 {
		t.Fatalf("manager %+v", m)
	}
	_, err = c.Manager(context.Background(), userID(t, srv, "lidia@contoso.example"))
	if !errors.Is(err, licensing.ErrNoManager) {
		t.Fatalf("no manager: %v", err)
	}
	if ge := asGraphError(t, err); ge.Status != 404 || ge.RequestID == "" {
		t.Errorf("%+v", ge)
	}
}

func TestProducts(t *testing.T) {
	c, _ := newSample(t)
	products, err := c.Products(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]licensing.TenantProduct{}
	for _, p := range products {
		by[p.SKUID] = p
	}
	if len(products) != 7 {
		t.Errorf("%d products, want 7", len(products))
	}
	e3 := by[skuO365E3]
	if e3.PartNumber != "ENTERPRISEPACK" || e3.Purchased != 20 || e3.Assigned != 17 || e3.CapabilityStatus != "Enabled" || len(e3.ServicePlans) == 0 || len(e3.Subscriptions) != 0 {
		t.Errorf("Office 365 E3: %+v", e3)
	}
}

func TestSubscriptions(t *testing.T) {
	c, _ := newSample(t)
	subs, err := c.Subscriptions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	by := map[string][]licensing.Subscription{}
	for _, s := range subs {
		by[s.SKUID] = append(by[s.SKUID], s)
	}
	if e3 := by[skuO365E3]; len(e3) != 1 || e3[0].OwnerType != "" || e3[0].NextLifecycle.IsZero() {
		t.Errorf("Office 365 E3: %+v", e3)
	}
	if flow := by[skuFlow]; len(flow) != 1 || flow[0].OwnerType != "User" || flow[0].OwnerID == "" {
		t.Errorf("Power Automate bought by Lee: %+v", flow)
	}
	visio := by["c5928f49-12ba-48f7-ada3-0d743a3601d5"]
	if len(visio) != 1 || !visio[0].IsTrial || visio[0].NextLifecycle.IsZero() || visio[0].TotalLicenses != 3 {
		t.Errorf("Visio trial: %+v", visio)
	}
}
