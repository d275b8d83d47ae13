package licensing_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/licensebot/licensebot/licensing"
)

// The whole of a request: find the product the admin named, plan the removal, tell what
// happens to the data, and report the seats.
func Example() {
	cat := licensing.DefaultCatalogue()
	tenant := []licensing.TenantProduct{
		{SKUID: "6fd2c87f-b296-42f0-b197-1e91e994b900", PartNumber: "ENTERPRISEPACK", Purchased: 25, Assigned: 20},
		{SKUID: "05e9a617-0261-4cee-bb44-138d3ef5d965", PartNumber: "SPE_E3", Purchased: 10, Assigned: 10},
	}

	_, err := cat.Match("e3", tenant)
	var amb *licensing.AmbiguousProductError
	if errors.As(err, &amb) {
		fmt.Println(err)
	}
	product, _ := cat.Match("office 365 e3", tenant)

	alice := licensing.User{ID: "u-alice", UserPrincipalName: "alice@contoso.com", Licenses: []licensing.Assignment{
		{SKUID: product.SKUID, PartNumber: product.PartNumber, Direct: true},
	}}
	plan := licensing.NewPlan(
		[]licensing.Target{{Query: "alice@contoso.com", User: alice, Found: true}, {Query: "bob@contoso.com"}},
		licensing.Selection{SKUIDs: []string{product.SKUID}}, tenant, cat)
	for _, up := range plan.Users {
		for _, it := range up.Remove {
			fmt.Printf("%s: remove %s\n", up.Query, it.Name)
		}
		for _, it := range up.Skip {
			fmt.Printf("%s: skip (%s)\n", up.Query, it.Skip)
		}
	}

	istanbul := time.FixedZone("+03", 3*60*60)
	at := time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)
	for _, n := range licensing.Notices(alice, plan.Users[0].RemovedSKUIDs(), at, licensing.NoticeOptions{Location: istanbul}) {
		if n.Date.IsZero() {
			fmt.Println(n.Kind)
		} else {
			fmt.Println(n.Kind, n.Date.Format("2006-01-02"))
		}
	}

	tenant[0].Assigned-- // as Graph reports it after the removal
	for _, r := range licensing.Seats(tenant, map[string]int{product.SKUID: plan.Removals()}, cat) {
		fmt.Printf("%s: %d of %d seats unused\n", r.Name, r.Unused, r.Purchased)
	}
	// Output:
	// no product is called "e3"; did you mean Microsoft 365 E3 (SPE_E3), Office 365 E3 (ENTERPRISEPACK)
	// alice@contoso.com: remove Office 365 E3
	// bob@contoso.com: skip (user-not-found)
	// mailbox-hold 2025-03-10
	// ediscovery 2025-03-10
	// mailbox-deletion 2025-04-09
	// delayed-delicensing
	// onedrive-read-only 2025-05-09
	// onedrive-archive 2025-06-11
	// sign-in-not-blocked
	// office-apps
	// Office 365 E3: 6 of 25 seats unused
}
