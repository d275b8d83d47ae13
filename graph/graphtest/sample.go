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
//   - bob@          Office 365 E3 + Power BI Pro, direct; manager Megan
//   - patti@        Microsoft 365 E3 + Exchange Online (Plan 1): removing one keeps a mailbox
//   - lee@          Power Automate per user bought by Lee himself (self-service subscription)
//   - nestor@       Office 365 E3 both direct (Sway and Yammer disabled) and via the dynamic group "Sales (dynamic)"
//   - alex@         Office 365 E3 only through "Sales (dynamic)"
//   - diego@        sign-in blocked (accountEnabled false) but still licensed
//   - sean@         Sean O'Neil, mail sean.o'neil@ (an apostrophe to escape in $filter)
//   - grady@        mail grady.archie@ differs from the UPN
//   - henrietta@, johanna@, emre@: Exchange Online (Plan 1) from the synced group "HR Staff (synced)"
//   - ilkay@        İlkay Şahin; isil@ Işıl Yıldırım (manager); ayse@ Ayşe Kılıç (Visio trial)
//   - christie@     no usage location (a restore would fail)
//   - pradeep@      no license, lidia@ top of the hierarchy (no manager)
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
