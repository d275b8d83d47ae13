package licensing

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// Users of the fixture organisation.
var (
	alice = User{ID: "u-alice", DisplayName: "Alice", UserPrincipalName: "alice@contoso.com", AccountEnabled: true, Licenses: []Assignment{
		withDisabled(direct(skuO365E3, "ENTERPRISEPACK"), "a82fbf69-b4d7-49f4-83a6-915b2cf354f4"),
		inherited(skuEMS, "EMS", groupAllStaff),
	}}
	bob = User{ID: "u-bob", DisplayName: "Bob", UserPrincipalName: "bob@contoso.com", AccountEnabled: true, Licenses: []Assignment{
		direct(skuM365E3, "SPE_E3", groupSales),
		direct(skuPowerBIPro, "POWER_BI_PRO"),
	}}
	carol = User{ID: "u-carol", DisplayName: "Carol", UserPrincipalName: "carol@contoso.com"}
)

func withDisabled(a Assignment, planIDs ...string) Assignment {
	a.DisabledPlans = planIDs
	return a
}

func found(q string, u User) Target { return Target{Query: q, User: u, Found: true} }

// describe writes a user plan as one line: "alice@contoso.com: remove[ENTERPRISEPACK]
// skip[EMS inherited (All staff)]", groups in brackets after removals that keep them.
func describe(up UserPlan) string {
	item := func(it Item) string {
		s := it.PartNumber
		if it.Skip != SkipNone {
			s = strings.TrimSpace(s + " " + it.Skip.String())
		}
		if len(it.Groups) > 0 {
			var names []string
			for _, g := range it.Groups {
				names = append(names, g.DisplayName)
			}
			s += " (" + strings.Join(names, ", ") + ")"
		}
		if it.UserOwned {
			s += " user-owned"
		}
		return s
	}
	var rm, sk []string
	for _, it := range up.Remove {
		rm = append(rm, item(it))
	}
	for _, it := range up.Skip {
		sk = append(sk, item(it))
	}
	return fmt.Sprintf("%s: remove[%s] skip[%s]", up.Query, strings.Join(rm, "; "), strings.Join(sk, "; "))
}

func TestNewPlan(t *testing.T) {
	tests := []struct {
		name    string
		targets []Target
		sel     Selection
		want    []string
	}{
		{
			name:    "direct license is removed",
			targets: []Target{found("alice@contoso.com", alice)},
			sel:     Selection{SKUIDs: []string{skuO365E3}},
			want:    []string{"alice@contoso.com: remove[ENTERPRISEPACK] skip[]"},
		},
		{
			name:    "inherited license is skipped with its group",
			targets: []Target{found("alice@contoso.com", alice)},
			sel:     Selection{SKUIDs: []string{skuEMS}},
			want:    []string{"alice@contoso.com: remove[] skip[EMS inherited (All staff)]"},
		},
		{
			name:    "direct license also inherited is removed and names the groups that keep it",
			targets: []Target{found("bob@contoso.com", bob)},
			sel:     Selection{SKUIDs: []string{skuM365E3}},
			want:    []string{"bob@contoso.com: remove[SPE_E3 (Sales)] skip[]"},
		},
		{
			name:    "a product whose subscriptions name a user as owner is removed, with a note, never skipped",
			targets: []Target{found("bob@contoso.com", bob)},
			sel:     Selection{SKUIDs: []string{skuPowerBIPro}},
			want:    []string{"bob@contoso.com: remove[POWER_BI_PRO user-owned] skip[]"},
		},
		{
			name:    "a license the user lacks is not assigned",
			targets: []Target{found("carol@contoso.com", carol)},
			sel:     Selection{SKUIDs: []string{skuO365E3}},
			want:    []string{"carol@contoso.com: remove[] skip[ENTERPRISEPACK not-assigned]"},
		},
		{
			name:    "a user the directory lacks is one skipped item",
			targets: []Target{{Query: "nobody@contoso.com"}},
			sel:     Selection{SKUIDs: []string{skuO365E3, skuEMS}},
			want:    []string{"nobody@contoso.com: remove[] skip[user-not-found]"},
		},
		{
			name: "the same user twice is planned once",
			targets: []Target{
				found("alice@contoso.com", alice),
				found("Alice@Contoso.com", User{ID: "U-ALICE", Licenses: alice.Licenses}),
				{Query: "ghost@contoso.com"},
				{Query: " GHOST@contoso.com"},
			},
			sel: Selection{SKUIDs: []string{skuO365E3}},
			want: []string{
				"alice@contoso.com: remove[ENTERPRISEPACK] skip[]",
				"ghost@contoso.com: remove[] skip[user-not-found]",
			},
		},
		{
			name:    "all licenses of each user, in the user's order",
			targets: []Target{found("alice@contoso.com", alice), found("bob@contoso.com", bob), found("carol@contoso.com", carol)},
			sel:     Selection{All: true, SKUIDs: []string{skuVisio2}},
			want: []string{
				"alice@contoso.com: remove[ENTERPRISEPACK] skip[EMS inherited (All staff)]",
				"bob@contoso.com: remove[SPE_E3 (Sales); POWER_BI_PRO user-owned] skip[]",
				"carol@contoso.com: remove[] skip[]",
			},
		},
		{
			name:    "targets in order, then products in selection order, a product named twice once",
			targets: []Target{found("bob@contoso.com", bob), found("alice@contoso.com", alice)},
			sel:     Selection{SKUIDs: []string{skuEMS, strings.ToUpper(skuM365E3), skuO365E3, skuEMS, ""}},
			want: []string{
				"bob@contoso.com: remove[SPE_E3 (Sales)] skip[EMS not-assigned; ENTERPRISEPACK not-assigned]",
				"alice@contoso.com: remove[ENTERPRISEPACK] skip[EMS inherited (All staff); SPE_E3 not-assigned]",
			},
		},
		{
			name:    "a product neither subscribed nor known keeps its id",
			targets: []Target{found("carol@contoso.com", carol)},
			sel:     Selection{SKUIDs: []string{"99999999-9999-9999-9999-999999999999"}},
			want:    []string{"carol@contoso.com: remove[] skip[not-assigned]"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := NewPlan(tt.targets, tt.sel, tenantFixture(), DefaultCatalogue())
			var got []string
			for _, up := range plan.Users {
				got = append(got, describe(up))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestPlanItemsCarryWhatTheReportAndUndoNeed(t *testing.T) {
	plan := NewPlan([]Target{found("alice@contoso.com", alice), {Query: "nobody"}}, Selection{All: true}, tenantFixture(), DefaultCatalogue())
	a := plan.Users[0]
	if !a.Found || a.User.ID != "u-alice" {
		t.Fatalf("user plan %+v", a)
	}
	rm := a.Remove[0]
	if rm.SKUID != skuO365E3 || rm.Name != "Office 365 E3" || rm.Skip != SkipNone ||
		!slices.Equal(rm.DisabledPlans, []string{"a82fbf69-b4d7-49f4-83a6-915b2cf354f4"}) {
		t.Errorf("removal %+v", rm)
	}
	sk := a.Skip[0]
	if sk.Name != "Enterprise Mobility + Security E3" || len(sk.Groups) != 1 || sk.Groups[0].ID != groupAllStaff.ID || sk.DisabledPlans != nil {
		t.Errorf("skip %+v", sk)
	}
	nobody := plan.Users[1]
	if nobody.Found || len(nobody.Remove) != 0 || len(nobody.Skip) != 1 || nobody.Skip[0].Skip != SkipUserNotFound || nobody.Skip[0].SKUID != "" {
		t.Errorf("not found %+v", nobody)
	}
	// The plan owns its slices: changing it leaves the user's licenses alone.
	rm.DisabledPlans[0] = "changed"
	if alice.Licenses[0].DisabledPlans[0] == "changed" {
		t.Error("plan shares DisabledPlans with the user")
	}
}

func TestPlanCounts(t *testing.T) {
	plan := NewPlan(
		[]Target{found("alice@contoso.com", alice), found("bob@contoso.com", bob), found("carol@contoso.com", carol), {Query: "x"}},
		Selection{SKUIDs: []string{skuM365E3, skuO365E3, skuPowerBIPro}},
		tenantFixture(), DefaultCatalogue())
	if got := plan.Removals(); got != 3 {
		t.Errorf("Removals() = %d, want 3", got)
	}
	if got := plan.SKUIDs(); !slices.Equal(got, []string{skuO365E3, skuM365E3, skuPowerBIPro}) {
		t.Errorf("SKUIDs() = %v", got)
	}
	if got := plan.Users[1].RemovedSKUIDs(); !slices.Equal(got, []string{skuM365E3, skuPowerBIPro}) {
		t.Errorf("bob's RemovedSKUIDs() = %v", got)
	}
	if got := plan.Users[2].RemovedSKUIDs(); len(got) != 0 {
		t.Errorf("carol's RemovedSKUIDs() = %v", got)
	}
	if got := (Plan{}).SKUIDs(); got != nil {
		t.Errorf("empty plan SKUIDs() = %v", got)
	}
}

func TestSkipReasonString(t *testing.T) {
	for r, want := range map[SkipReason]string{
		SkipNone: "none", SkipInherited: "inherited", SkipSelfService: "self-service",
		SkipNotAssigned: "not-assigned", SkipUserNotFound: "user-not-found", SkipReason(42): "SkipReason(42)",
	} {
		if got := r.String(); got != want {
			t.Errorf("%d: %q, want %q", int(r), got, want)
		}
	}
}

// Without licenseDetails (not supported for an app-only token), what an assignment carries is
// the tenant's plans of the product minus those turned off on every path the user has it by.
func TestNewPlanServicePlansFromTheTenant(t *testing.T) {
	const (
		exchange = "exchange-plan"
		drive    = "drive-plan"
		apps     = "apps-plan"
	)
	tenant := []TenantProduct{{SKUID: skuO365E3, PartNumber: "ENTERPRISEPACK", ServicePlans: []ServicePlanState{
		{ID: exchange, Name: "EXCHANGE_S_ENTERPRISE", ProvisioningStatus: "Success"},
		{ID: drive, Name: "SHAREPOINTENTERPRISE", ProvisioningStatus: "Success"},
		{ID: apps, Name: "OFFICESUBSCRIPTION", ProvisioningStatus: "Success"},
	}}}
	group := func(disabled ...string) Group { return Group{ID: "g", DisplayName: "G", DisabledPlans: disabled} }
	tests := []struct {
		name string
		a    Assignment
		want string // the plans left on
	}{
		{"direct, nothing off", Assignment{SKUID: skuO365E3, Direct: true}, "EXCHANGE_S_ENTERPRISE SHAREPOINTENTERPRISE OFFICESUBSCRIPTION"},
		{"direct, Exchange off", Assignment{SKUID: skuO365E3, Direct: true, DisabledPlans: []string{exchange}}, "SHAREPOINTENTERPRISE OFFICESUBSCRIPTION"},
		{"off directly but on through a group: on", Assignment{SKUID: skuO365E3, Direct: true, DisabledPlans: []string{exchange}, Groups: []Group{group()}}, "EXCHANGE_S_ENTERPRISE SHAREPOINTENTERPRISE OFFICESUBSCRIPTION"},
		{"off on every path: off", Assignment{SKUID: skuO365E3, Direct: true, DisabledPlans: []string{exchange, apps}, Groups: []Group{group(exchange), group(exchange, drive)}}, "SHAREPOINTENTERPRISE OFFICESUBSCRIPTION"},
		{"ids in any case", Assignment{SKUID: strings.ToUpper(skuO365E3), Direct: true, DisabledPlans: []string{strings.ToUpper(drive)}}, "EXCHANGE_S_ENTERPRISE OFFICESUBSCRIPTION"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := User{ID: "u", Licenses: []Assignment{tt.a}}
			plan := NewPlan([]Target{found("u", u)}, Selection{All: true}, tenant, DefaultCatalogue())
			var on []string
			for _, p := range plan.Users[0].User.Licenses[0].ServicePlans {
				if p.Enabled() {
					on = append(on, p.Name)
				}
			}
			if got := strings.Join(on, " "); got != tt.want {
				t.Errorf("plans on: %q, want %q", got, tt.want)
			}
			if len(u.Licenses[0].ServicePlans) != 0 {
				t.Error("the caller's user was changed")
			}
		})
	}
}

func TestUserOwnedAndWithSubscriptions(t *testing.T) {
	products := []TenantProduct{{SKUID: skuO365E3}, {SKUID: skuPowerBIPro}, {SKUID: skuEMS}}
	subs := []Subscription{
		{ID: "s1", SKUID: strings.ToUpper(skuO365E3), OwnerType: "User"},
		{ID: "s2", SKUID: skuO365E3, OwnerType: ""},
		{ID: "s3", SKUID: skuPowerBIPro, OwnerType: "user"},
	}
	got := WithSubscriptions(products, subs)
	if len(products[0].Subscriptions) != 0 {
		t.Error("WithSubscriptions changed its argument")
	}
	for i, want := range []struct {
		subs      int
		userOwned bool
	}{{2, false}, {1, true}, {0, false}} {
		if len(got[i].Subscriptions) != want.subs || got[i].UserOwned() != want.userOwned {
			t.Errorf("%s: %d subscriptions, user-owned %v; want %d, %v", got[i].SKUID, len(got[i].Subscriptions), got[i].UserOwned(), want.subs, want.userOwned)
		}
	}
}
