package licensing

import "strings"

// Capability is what a product gives a user that matters when it is taken away: each one
// has a data-retention consequence (see Notices).
type Capability uint8

const (
	// Mailbox is an Exchange Online mailbox. Exchange Foundation (EXCHANGE_S_FOUNDATION),
	// which nearly every product carries to back Teams and Power Platform, is not one, and
	// nor are add-ons that need a mailbox from elsewhere (archiving, analytics, multi-geo).
	Mailbox Capability = 1 << iota
	// OneDrive is OneDrive/SharePoint storage: the user's OneDrive counts as licensed.
	OneDrive
	// OfficeApps is the installable Office desktop suite (Microsoft 365 Apps).
	OfficeApps
)

// Has reports whether c includes every capability in o.
func (c Capability) Has(o Capability) bool { return c&o == o }

// String lists the capabilities, e.g. "Mailbox|OneDrive"; "none" when empty.
func (c Capability) String() string {
	var names []string
	for _, n := range []struct {
		c    Capability
		name string
	}{{Mailbox, "Mailbox"}, {OneDrive, "OneDrive"}, {OfficeApps, "OfficeApps"}} {
		if c.Has(n.c) {
			names = append(names, n.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "|")
}

// PlanCapability is the capability a service plan carries, by its servicePlanName
// (case-insensitive); zero for the hundreds of plans that carry none of them.
//
// The names are the ones in Microsoft's "Product names and service plan identifiers for
// licensing" table (the catalogue's source), government and education variants included.
func PlanCapability(servicePlanName string) Capability {
	switch strings.ToUpper(strings.TrimSpace(servicePlanName)) {
	case "EXCHANGE_S_ENTERPRISE", "EXCHANGE_S_ENTERPRISE_GOV", // Exchange Online (Plan 2)
		"EXCHANGE_S_STANDARD", "EXCHANGE_S_STANDARD_GOV", // Exchange Online (Plan 1)
		"EXCHANGE_S_STANDARD_MIDMARKET",                  // Office 365 Midsize Business
		"EXCHANGE_S_DESKLESS", "EXCHANGE_S_DESKLESS_GOV", // Exchange Online Kiosk (F1/F3)
		"EXCHANGE_S_ESSENTIALS", // Exchange Online Essentials
		"EXCHANGE_L_STANDARD",   // Office 365 Small Business
		"EXCHANGE_B_STANDARD":   // Exchange Online POP
		return Mailbox
	case "SHAREPOINTENTERPRISE", "SHAREPOINTENTERPRISE_EDU", "SHAREPOINTENTERPRISE_GOV", "SHAREPOINTENTERPRISE_MIDMARKET",
		"SHAREPOINTSTANDARD", "SHAREPOINTSTANDARD_EDU", "SHAREPOINT PLAN 1G",
		"SHAREPOINTDESKLESS", "SHAREPOINTDESKLESS_GOV", // SharePoint Kiosk (F1/F3)
		"SHAREPOINTLITE",         // Office 365 Small Business
		"SHAREPOINT_S_DEVELOPER", // Office 365 E3 Developer
		"ONEDRIVESTANDARD", "ONEDRIVEENTERPRISE",
		"ONEDRIVE_BASIC", "ONEDRIVE_BASIC_GOV", "ONEDRIVE_BASIC_P2", // Visio, Teams Essentials: a 2 GB OneDrive
		"ONEDRIVELITE_IW": // Basic Collaboration
		// Left out on purpose: ONEDRIVECLIPCHAMP (Clipchamp's own storage, not evidence that
		// the user's OneDrive stays licensed: better a warning too many than one missed),
		// SHAREPOINTSTORAGE (tenant storage), SHAREPOINTWAC (Office for the web).
		return OneDrive
	case "OFFICESUBSCRIPTION", "OFFICESUBSCRIPTION_GOV", // Microsoft 365 Apps for enterprise
		"OFFICESUBSCRIPTION_UNATTENDED", "OFFICESUBSCRIPTION_UNATTENDED_GOV",
		"OFFICE_BUSINESS",                    // Microsoft 365 Apps for business (SKU O365_BUSINESS)
		"OFFICE_PRO_PLUS_SUBSCRIPTION_SMBIZ": // Office 365 Small Business Premium
		// Not OFFICE_PROPLUS_DEVICE: device-based licensing follows the device, not the user.
		// Not OFFICEMOBILE_SUBSCRIPTION: mobile apps only.
		return OfficeApps
	}
	return 0
}

// plansCapability is the union of the plans' capabilities.
func plansCapability(plans []string) Capability {
	var c Capability
	for _, p := range plans {
		c |= PlanCapability(p)
	}
	return c
}
