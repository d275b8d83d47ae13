package graph

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/licensebot/licensebot/graph/graphtest"
	"github.com/licensebot/licensebot/licensing"
)

func TestFindUser(t *testing.T) {
	c, srv := newSample(t)
	aliceID := userID(t, srv, "alice@contoso.example")
	tests := []struct {
		name, query, wantUPN string
	}{
		{"by user principal name", "alice@contoso.example", "alice@contoso.example"},
		{"by UPN in another case", "Alice@Contoso.Example", "alice@contoso.example"},
		{"by mail that differs from the UPN", "grady.archie@contoso.example", "grady@contoso.example"},
		{"by object id", aliceID, "alice@contoso.example"},
		{"by object id in upper case", strings.ToUpper(aliceID), "alice@contoso.example"},
		{"a quote in the mail is escaped for $filter", "sean.o'neil@contoso.example", "sean@contoso.example"},
		{"surrounding spaces are trimmed", "  ilkay@contoso.example ", "ilkay@contoso.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := c.FindUser(context.Background(), tt.query)
			if err != nil {
				t.Fatal(err)
			}
			if u.UserPrincipalName != tt.wantUPN {
				t.Fatalf("found %s, want %s", u.UserPrincipalName, tt.wantUPN)
			}
		})
	}
}

func TestFindUserReadsProfile(t *testing.T) {
	c, _ := newSample(t)
	u, err := c.FindUser(context.Background(), "ilkay@contoso.example")
	if err != nil {
		t.Fatal(err)
	}
	if u.DisplayName != "İlkay Şahin" || !u.AccountEnabled || u.UsageLocation != "TR" || u.Mail != "ilkay@contoso.example" || u.ID == "" {
		t.Fatalf("%+v", u)
	}
	d, err := c.FindUser(context.Background(), "diego@contoso.example")
	if err != nil {
		t.Fatal(err)
	}
	if d.AccountEnabled {
		t.Error("diego's sign-in is blocked: AccountEnabled should be false")
	}
}

func TestFindUserNotFound(t *testing.T) {
	c, _ := newSample(t)
	for _, q := range []string{"nobody@contoso.example", "00000000-0000-4000-8000-000000000000"} {
		_, err := c.FindUser(context.Background(), q)
		if !errors.Is(err, licensing.ErrUserNotFound) {
			t.Errorf("%s: %v, want ErrUserNotFound", q, err)
		}
	}
	_, err := c.FindUser(context.Background(), "00000000-0000-4000-8000-000000000000")
	if ge := asGraphError(t, err); ge.Status != 404 || ge.Code != "Request_ResourceNotFound" || ge.RequestID == "" {
		t.Errorf("%+v", ge)
	}
}

func TestFindUserRefusesBadQueriesWithoutARequest(t *testing.T) {
	c, srv := newSample(t)
	for _, q := range []string{
		"", "   ", "alice", "alice@", "@contoso.example", "alice@contoso", "a b@contoso.example",
		"alice@@contoso.example", "alice@contoso..example", ".alice@contoso.example", "alice.@contoso.example",
		"<alice@contoso.example>", "alice@contoso.example/../../users", "alice@-contoso.example",
		"x' or userPrincipalName eq 'y@z.example", "alice@contoso.example\nbob@contoso.example", "\"alice\"@contoso.example",
		"alice\x00@contoso.example", "mailto:alice@contoso.example", strings.Repeat("a", 250) + "@contoso.example",
		"1234-5678", "alice@contoso.example?$select=id",
	} {
		_, err := c.FindUser(context.Background(), q)
		if !errors.Is(err, ErrBadUserQuery) {
			t.Errorf("%q: %v, want ErrBadUserQuery", q, err)
		}
	}
	if n := srv.Calls("GET", "/"); n != 0 {
		t.Fatalf("%d requests sent for refused queries", n)
	}
}

func TestFindUserMergesDirectAndGroupLicenses(t *testing.T) {
	c, _ := newSample(t)
	ctx := context.Background()

	alice, err := c.FindUser(ctx, "alice@contoso.example")
	if err != nil {
		t.Fatal(err)
	}
	if len(alice.Licenses) != 2 {
		t.Fatalf("alice has %d assignments, want 2: %+v", len(alice.Licenses), alice.Licenses)
	}
	e3, _ := alice.License(skuO365E3)
	if !e3.Direct || e3.Inherited() || e3.State != "Active" {
		t.Errorf("O365 E3: %+v", e3)
	}
	ems, _ := alice.License(skuEMS)
	if ems.Direct || len(ems.Groups) != 1 || ems.Groups[0].DisplayName != "Licensing - EMS" || ems.Groups[0].Dynamic || ems.Groups[0].Synced {
		t.Errorf("EMS: %+v", ems)
	}

	nestor, err := c.FindUser(ctx, "nestor@contoso.example")
	if err != nil {
		t.Fatal(err)
	}
	if len(nestor.Licenses) != 1 {
		t.Fatalf("a product held both ways is one assignment, got %+v", nestor.Licenses)
	}
	n := nestor.Licenses[0]
	if !n.Direct || len(n.Groups) != 1 || !n.Groups[0].Dynamic || n.Groups[0].DisplayName != "Sales (dynamic)" {
		t.Errorf("nestor's E3: %+v", n)
	}
	wantDisabled := []string{"a23b959c-7ce8-4e57-9140-b90eb88a9e97", "7547a3fe-08ee-4ccb-b430-5077c5041653"}
	if !slices.Equal(n.DisabledPlans, wantDisabled) {
		t.Errorf("disabled plans of the direct path %v, want %v", n.DisabledPlans, wantDisabled)
	}
	if len(n.Groups[0].DisabledPlans) != 0 {
		t.Errorf("the group path turns off %v, want nothing", n.Groups[0].DisabledPlans)
	}

	henrietta, err := c.FindUser(ctx, "henrietta@contoso.example")
	if err != nil {
		t.Fatal(err)
	}
	exo, ok := henrietta.License(skuEXO1)
	if !ok || !exo.Inherited() || !exo.Groups[0].Synced || exo.Direct {
		t.Errorf("henrietta's Exchange Online: %+v", exo)
	}

	pradeep, err := c.FindUser(ctx, "pradeep@contoso.example")
	if err != nil || len(pradeep.Licenses) != 0 {
		t.Errorf("unlicensed user: %+v, %v", pradeep, err)
	}
}

func TestFindUserReadsEachGroupOnce(t *testing.T) {
	c, srv := newSample(t)
	if _, err := c.FindUser(context.Background(), "alice@contoso.example"); err != nil {
		t.Fatal(err)
	}
	if n := srv.Calls("GET", "/groups/"); n != 1 {
		t.Errorf("%d group reads for one inherited license", n)
	}
}

func TestFindUserHonoursCancellation(t *testing.T) {
	c, _ := newSample(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.FindUser(ctx, "alice@contoso.example"); !errors.Is(err, context.Canceled) {
		t.Fatalf("%v, want context.Canceled", err)
	}
}

// In the worst case Microsoft documents for an app-only token (licenseDetails: application
// permissions "Not supported"; every subscription owned by a "User"), every read the bot plans
// from still works, and licenseDetails is never asked for.
func TestReadsWorkInTheDocumentedWorstCase(t *testing.T) {
	c, srv := newSample(t, graphtest.WithDocumentedWorstCase())
	ctx := context.Background()
	for _, q := range []string{"alice@contoso.example", "nestor@contoso.example", "lee@contoso.example"} {
		u, err := c.FindUser(ctx, q)
		if err != nil || len(u.Licenses) == 0 {
			t.Fatalf("FindUser(%s) = %+v, %v", q, u, err)
		}
	}
	if p, err := c.FindPerson(ctx, "adele@contoso.example"); err != nil || p.ID == "" || p.Licenses != nil {
		t.Fatalf("FindPerson = %+v, %v", p, err)
	}
	if _, err := c.Products(ctx); err != nil {
		t.Fatal(err)
	}
	subs, err := c.Subscriptions(ctx)
	if err != nil || len(subs) == 0 {
		t.Fatalf("Subscriptions = %v, %v", subs, err)
	}
	for _, s := range subs {
		if s.OwnerType != "User" {
			t.Errorf("subscription %s: ownerType %q, want the documented worst case \"User\"", s.ID, s.OwnerType)
		}
	}
	if n := srv.LicenseDetailsCalls(); n != 0 {
		t.Errorf("%d licenseDetails requests, want none", n)
	}
}
