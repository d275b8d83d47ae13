package graphtest

import "fmt"

// Office 365 E3 (ENTERPRISEPACK) in the sample tenant, and two of its service plans that
// nestor@ has turned off (Sway, Yammer Enterprise): what StaffedTenant's users carry.
const (
	sampleE3SKU  = "6fd2c87f-b296-42f0-b197-1e91e994b900"
	sampleSway   = "a23b959c-7ce8-4e57-9140-b90eb88a9e97"
	sampleYammer = "7547a3fe-08ee-4ccb-b430-5077c5041653"
)

// StaffedTenant is the sample organisation with n more users for bulk tests:
// staff0001@contoso.example … each with Office 365 E3 assigned directly (every third with
// Sway and Yammer turned off, so an undo has disabled plans to put back), a usage location
// and Megan Bowen as manager; the product has a seat for each of them.
func StaffedTenant(n int) Tenant {
	t := SampleTenant()
	for i := 1; i <= n; i++ {
		upn := StaffUPN(i)
		lic := License{SKUID: sampleE3SKU, DisabledPlans: []string{}}
		if i%3 == 0 {
			lic.DisabledPlans = []string{sampleSway, sampleYammer}
		}
		t.Users = append(t.Users, User{
			ID: derivedGUID("user", upn), DisplayName: fmt.Sprintf("Staff %04d", i), UserPrincipalName: upn, Mail: upn,
			AccountEnabled: true, UsageLocation: "US", Manager: "megan@contoso.example", Licenses: []License{lic},
		})
	}
	for i := range t.SKUs {
		if t.SKUs[i].SKUID == sampleE3SKU {
			t.SKUs[i].PrepaidUnits += n
			if len(t.SKUs[i].Subscriptions) > 0 {
				t.SKUs[i].Subscriptions[0].TotalLicenses += n
			}
		}
	}
	return t
}

// StaffUPN is the UPN of StaffedTenant's i-th extra user (from 1).
func StaffUPN(i int) string { return fmt.Sprintf("staff%04d@contoso.example", i) }
