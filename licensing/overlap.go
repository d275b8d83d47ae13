package licensing

import "slices"

// Overlap is one capability (a mailbox, OneDrive, the Office apps) that a user gets from
// more than one product they hold: one of them may be redundant, and removing it costs the
// user nothing of that capability. Products are their names, in the user's order.
type Overlap struct {
	Capability Capability
	SKUIDs     []string
	Products   []string
}

// Overlaps are the capabilities a user gets from two or more of their products, by the
// service plans each product gives them (enabled plans only: a plan turned off on the
// assignment gives nothing). Only the capabilities the notices know (Mailbox, OneDrive,
// OfficeApps) are compared: nearly every product carries small shared plans (Exchange
// Foundation, Forms…), which would make every user look redundant.
func Overlaps(u User, cat *Catalogue) []Overlap {
	var out []Overlap
	for _, c := range []Capability{Mailbox, OneDrive, OfficeApps} {
		var o Overlap
		for _, a := range u.Licenses {
			gives := false
			for _, p := range a.ServicePlans {
				if p.Enabled() && PlanCapability(p.Name).Has(c) {
					gives = true
					break
				}
			}
			if gives && !slices.Contains(o.SKUIDs, a.SKUID) {
				o.SKUIDs = append(o.SKUIDs, a.SKUID)
				o.Products = append(o.Products, cat.DisplayName(a.SKUID, a.PartNumber))
			}
		}
		if len(o.SKUIDs) > 1 {
			o.Capability = c
			out = append(out, o)
		}
	}
	return out
}
