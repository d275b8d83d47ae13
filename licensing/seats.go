package licensing

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// SeatReport is a product's seats after a removal: the freed seats are still paid for until
// the subscription's license count is reduced (Microsoft's article, "next steps").
type SeatReport struct {
	SKUID, PartNumber, Name string
	Purchased               int // prepaidUnits.enabled
	Assigned                int // consumedUnits
	Unused                  int // Purchased - Assigned, never negative
	Freed                   int // seats this request freed
	// NextLifecycle is the earliest next renewal or expiry among the product's
	// subscriptions (zero when unknown): some subscriptions can only be reduced or
	// cancelled within a window after purchase or renewal; otherwise recurring billing is
	// turned off so the subscription ends with its term.
	NextLifecycle time.Time
}

// Seats reports, for each product in freed (SKU id → seats the request freed), the tenant's
// seat figures as read after the removal, sorted by name. A product the tenant no longer
// lists is reported with zero figures.
func Seats(tenant []TenantProduct, freed map[string]int, cat *Catalogue) []SeatReport {
	merged := map[string]int{} // SKU ids in any case and spacing count as one
	for id, n := range freed {
		if id = normalizeID(id); id != "" {
			merged[id] += n
		}
	}
	reports := make([]SeatReport, 0, len(merged))
	for id, n := range merged {
		tp, _ := findTenantProduct(tenant, id)
		part := tp.PartNumber
		if part == "" {
			if p, ok := cat.Lookup(id); ok {
				part = p.PartNumber
			}
		}
		r := SeatReport{
			SKUID:      id,
			PartNumber: part,
			Name:       cat.DisplayName(id, part),
			Purchased:  tp.Purchased,
			Assigned:   tp.Assigned,
			Unused:     max(tp.Purchased-tp.Assigned, 0),
			Freed:      n,
		}
		for _, s := range tp.Subscriptions {
			if !s.NextLifecycle.IsZero() && (r.NextLifecycle.IsZero() || s.NextLifecycle.Before(r.NextLifecycle)) {
				r.NextLifecycle = s.NextLifecycle
			}
		}
		reports = append(reports, r)
	}
	slices.SortFunc(reports, func(a, b SeatReport) int {
		return cmp.Or(strings.Compare(fold(a.Name), fold(b.Name)), strings.Compare(a.PartNumber, b.PartNumber), strings.Compare(a.SKUID, b.SKUID))
	})
	return reports
}
