package graphtest

import (
	"bytes"
	_ "embed"
)

// sampleJSON is the demo organisation: contoso.example, 28 users, 7 products with real SKU
// and service plan ids from Microsoft's "Product names and service plan identifiers for
// licensing" table. Who is who (tests and the demo rely on these):
//
//   - admin@        Global Administrator (direct role)
//   - adele@        Adele Vance, License Administrator (direct role)
//   - hal@          User Administrator only through the role-assignable group "Helpdesk Admins"
//   - megan@        Megan Bowen, manager of most staff, no admin role (the demo's approver)
//   - carol@        no admin role
//   - alice@        Alice Wood: Office 365 E3 direct, EMS E3 inherited from "Licensing - EMS"; manager Megan
//   - bob@          Office 365 E3 + Power BI Pro, direct; manager Megan; last signed in 120 days
//     ago (an inactive holder)
//   - patti@        Microsoft 365 E3 + Exchange Online (Plan 1): removing one keeps a mailbox
//   - lee@          Power Automate per user bought by Lee himself: a self-service purchase
//     (selfServicePurchase), so assignLicense refuses to remove it; its subscription shows
//     ownerType "User" with Lee as ownerId, as Graph shows one (but see WithDocumentedWorstCase)
//   - nestor@       Office 365 E3 both direct (Sway and Yammer disabled) and via the dynamic group "Sales (dynamic)"
//   - alex@         Office 365 E3 only through "Sales (dynamic)"
//   - diego@        sign-in blocked (accountEnabled false) but still licensed; last signed in 200
//     days ago
//   - sean@         Sean O'Neil, mail sean.o'neil@ (an apostrophe to escape in $filter)
//   - grady@        mail grady.archie@ differs from the UPN
//   - henrietta@, johanna@, emre@: Exchange Online (Plan 1) from the synced group "HR Staff (synced)"
//   - ilkay@        İlkay Şahin; isil@ Işıl Yıldırım (manager); ayse@ Ayşe Kılıç (Visio, a
//     trial that ends in 7 days)
//   - christie@     no usage location (a restore would fail)
//   - pradeep@      no license, lidia@ top of the hierarchy (no manager)
//
// Subscription dates are relative to the Server's clock (createdDaysAgo, nextLifecycleInDays),
// so they stay plausible on any day: every subscription was created in the past and renews
// ahead, Microsoft 365 E3 in 30 days, Office 365 E3 in 150, EMS in 200, Power BI Pro in 120,
// Exchange Online (Plan 1) in 240, Lee's Power Automate in 170, the Visio trial in 7.
//
//go:embed sample/contoso.json
var sampleJSON []byte

// SampleTenant returns the embedded sample organisation (see sample/contoso.json), a fresh
// deep copy on every call so callers may change it freely.
func SampleTenant() Tenant {
	t, err := LoadTenant(bytes.NewReader(sampleJSON))
	if err != nil {
		// The file is embedded and checked by TestSampleTenant: this is a build defect.
		panic("graphtest: embedded sample tenant is invalid: " + err.Error())
	}
	return t
}
