package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/licensebot/licensebot/graph/graphtest"
	"github.com/licensebot/licensebot/licensing"
)

// A group's users, through a nested group, each once; a device left out; by name or by id;
// a name two groups share, or none has, refused. Pages of 2 make every listing page.
func TestGroupUsers(t *testing.T) {
	tenant := graphtest.SampleTenant()
	ids := map[string]string{}
	for _, u := range tenant.Users {
		ids[u.UserPrincipalName] = u.ID
	}
	tenant.Groups = append(tenant.Groups,
		graphtest.Group{ID: "a0000000-0000-4000-8000-000000000001", DisplayName: "Sales", Members: []string{
			ids["alice@contoso.example"], ids["bob@contoso.example"]}, NestedGroups: []string{"a0000000-0000-4000-8000-000000000002"},
			Devices: []string{"d0000000-0000-4000-8000-00000000000d"}},
		graphtest.Group{ID: "a0000000-0000-4000-8000-000000000002", DisplayName: "Sales Istanbul", Members: []string{ids["bob@contoso.example"], ids["nestor@contoso.example"]}},
		graphtest.Group{ID: "a0000000-0000-4000-8000-000000000003", DisplayName: "Twins"},
		graphtest.Group{ID: "a0000000-0000-4000-8000-000000000004", DisplayName: "Twins"},
	)
	c, _ := newTenant(t, tenant, graphtest.WithPageSize(2))
	ctx := context.Background()
	for _, q := range []string{"Sales", "sales", "A0000000-0000-4000-8000-000000000001"} {
		e, err := c.GroupUsers(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		want := []string{ids["alice@contoso.example"], ids["bob@contoso.example"], ids["nestor@contoso.example"]}
		slices.Sort(want)
		got := slices.Sorted(slices.Values(e.UserIDs))
		if e.Name != "Sales" || e.ID != "a0000000-0000-4000-8000-000000000001" || !slices.Equal(got, want) || e.LeftOut != 2 {
			t.Fatalf("%s: %+v, want users %v and 2 left out (the nested group, the device)", q, e, want)
		}
	}
	if _, err := c.GroupUsers(ctx, "Twins"); !errors.Is(err, licensing.ErrAmbiguousGroup) {
		t.Errorf("a shared name: %v", err)
	}
	for _, q := range []string{"Nobody's group", "b0000000-0000-4000-8000-000000000009"} {
		if _, err := c.GroupUsers(ctx, q); !errors.Is(err, licensing.ErrGroupNotFound) {
			t.Errorf("%s: %v", q, err)
		}
	}
}

// Holders are the users with a direct assignment; those holding it through a group only are
// counted, not listed.
func TestProductHolders(t *testing.T) {
	c, srv := newTenant(t, graphtest.SampleTenant(), graphtest.WithPageSize(3))
	e, err := c.ProductHolders(context.Background(), skuO365E3)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(e.UserIDs, userID(t, srv, "alice@contoso.example")) || !slices.Contains(e.UserIDs, userID(t, srv, "nestor@contoso.example")) {
		t.Errorf("holders %v lack alice or nestor", e.UserIDs)
	}
	if slices.Contains(e.UserIDs, userID(t, srv, "alex@contoso.example")) || e.LeftOut < 1 {
		t.Errorf("alex holds it through a group only: %+v", e)
	}
	if _, err := c.ProductHolders(context.Background(), "E3"); !errors.Is(err, licensing.ErrUnknownSKU) {
		t.Errorf("a product that isn't an id: %v", err)
	}
}

// Inactive holders: signed in last before the cutoff, or never; accounts created or
// licensed within the window counted apart; a tenant without P1 refused as such.
func TestInactiveUsers(t *testing.T) {
	start := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	tenant := graphtest.SampleTenant()
	add := func(upn string, created, lastSignIn, assigned int, never bool) {
		tenant.Users = append(tenant.Users, graphtest.User{ID: "c0000000-0000-4000-8000-" + fmt.Sprintf("%012d", len(tenant.Users)),
			DisplayName: upn, UserPrincipalName: upn + "@contoso.example", AccountEnabled: true, UsageLocation: "US",
			CreatedDaysAgo: created, LastSignInDaysAgo: lastSignIn, NeverSignedIn: never,
			Licenses: []graphtest.License{{SKUID: skuPBI, DisabledPlans: []string{}, AssignedDaysAgo: assigned}}})
	}
	add("gone", 500, 200, 300, false)      // inactive
	add("busy", 500, 10, 300, false)       // active
	add("ghost", 500, 0, 300, true)        // never signed in: inactive
	add("newhire", 30, 0, 30, true)        // created within the window
	add("relicensed", 500, 200, 20, false) // licensed within the window
	for i := range tenant.SKUs {
		if tenant.SKUs[i].SKUID == skuPBI {
			tenant.SKUs[i].PrepaidUnits += 5
		}
	}
	c, srv := newTenant(t, tenant, graphtest.WithPageSize(2), graphtest.WithClock(func() time.Time { return start }))
	e, err := c.InactiveUsers(context.Background(), []string{skuPBI}, start.AddDate(0, 0, -90))
	if err != nil {
		t.Fatal(err)
	}
	// Bob, of the sample, last signed in 120 days ago.
	want := []string{userID(t, srv, "gone@contoso.example"), userID(t, srv, "ghost@contoso.example"), userID(t, srv, "bob@contoso.example")}
	slices.Sort(want)
	// Left out: the new hire and the relicensed. The sample's own holders signed in at the start.
	if got := slices.Sorted(slices.Values(e.UserIDs)); !slices.Equal(got, want) || e.LeftOut != 2 {
		t.Fatalf("inactive %v (left out %d), want %v and 2 left out", got, e.LeftOut, want)
	}

	// Without Entra ID P1: the Microsoft 365 activity report says the same of them.
	noP1, _ := newTenant(t, tenant, graphtest.WithoutPremium(), graphtest.WithClock(func() time.Time { return start }))
	r, err := noP1.InactiveUsers(context.Background(), []string{skuPBI}, start.AddDate(0, 0, -90))
	if err != nil {
		t.Fatalf("a tenant without P1: %v", err)
	}
	if got := slices.Sorted(slices.Values(r.UserIDs)); !slices.Equal(got, want) || r.Via != "report" || r.LeftOut != 2 {
		t.Fatalf("by the report: %v via %q (left out %d), want %v", got, r.Via, r.LeftOut, want)
	}
	concealed, _ := newTenant(t, tenant, graphtest.WithoutPremium(), graphtest.WithConcealedReports())
	if _, err := concealed.InactiveUsers(context.Background(), []string{skuPBI}, start.AddDate(0, 0, -90)); !errors.Is(err, licensing.ErrConcealedReport) {
		t.Fatalf("concealed names: %v", err)
	}
}

func TestSignInActivityReadable(t *testing.T) {
	c, _ := newTenant(t, graphtest.SampleTenant())
	if err := c.SignInActivityReadable(context.Background()); err != nil {
		t.Fatalf("a tenant with P1: %v", err)
	}
	noP1, _ := newTenant(t, graphtest.SampleTenant(), graphtest.WithoutPremium())
	if err := noP1.SignInActivityReadable(context.Background()); !errors.Is(err, licensing.ErrNoPremium) {
		t.Fatalf("a tenant without P1: %v", err)
	}
}
