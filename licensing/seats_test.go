package licensing

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestSeats(t *testing.T) {
	renewal := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	earlier := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	tenant := tenantFixture()
	tenant[0].Subscriptions = []Subscription{ // Office 365 E3
		{ID: "s1", Status: "Enabled", TotalLicenses: 20, NextLifecycle: renewal},
		{ID: "s2", Status: "Enabled", TotalLicenses: 5}, // unknown renewal
		{ID: "s3", Status: "Enabled", TotalLicenses: 0, NextLifecycle: earlier},
	}

	line := func(r SeatReport) string {
		next := "-"
		if !r.NextLifecycle.IsZero() {
			next = r.NextLifecycle.Format("2006-01-02")
		}
		return fmt.Sprintf("%s %s %s purchased=%d assigned=%d unused=%d freed=%d next=%s",
			r.Name, r.PartNumber, r.SKUID, r.Purchased, r.Assigned, r.Unused, r.Freed, next)
	}
	tests := []struct {
		name  string
		freed map[string]int
		want  []string
	}{
		{
			name:  "unused seats after the removal, with the earliest renewal",
			freed: map[string]int{skuO365E3: 2},
			want:  []string{"Office 365 E3 ENTERPRISEPACK " + skuO365E3 + " purchased=25 assigned=20 unused=5 freed=2 next=2025-12-01"},
		},
		{
			name:  "more assigned than purchased is never negative",
			freed: map[string]int{skuM365E3: 1},
			want:  []string{"Microsoft 365 E3 SPE_E3 " + skuM365E3 + " purchased=100 assigned=100 unused=0 freed=1 next=-"},
		},
		{
			name:  "products ordered by name",
			freed: map[string]int{skuVisio2: 1, skuEMS: 3, skuO365E3: 1},
			want: []string{
				"Enterprise Mobility + Security E3 EMS " + skuEMS + " purchased=50 assigned=10 unused=40 freed=3 next=-",
				"Office 365 E3 ENTERPRISEPACK " + skuO365E3 + " purchased=25 assigned=20 unused=5 freed=1 next=2025-12-01",
				"Visio Plan 2 VISIOCLIENT " + skuVisio2 + " purchased=3 assigned=1 unused=2 freed=1 next=-",
			},
		},
		{
			name:  "one SKU written in two cases counts once",
			freed: map[string]int{skuEMS: 1, strings.ToUpper(skuEMS): 2},
			want:  []string{"Enterprise Mobility + Security E3 EMS " + skuEMS + " purchased=50 assigned=10 unused=40 freed=3 next=-"},
		},
		{
			name:  "a product the organisation no longer lists has zero figures and the catalogue's name",
			freed: map[string]int{skuO365E5: 1},
			want:  []string{"Office 365 E5 ENTERPRISEPREMIUM " + skuO365E5 + " purchased=0 assigned=0 unused=0 freed=1 next=-"},
		},
		{
			name:  "a product newer than the catalogue shows its part number",
			freed: map[string]int{skuCustom: 1},
			want:  []string{"CONTOSO_CUSTOM CONTOSO_CUSTOM " + skuCustom + " purchased=1 assigned=0 unused=1 freed=1 next=-"},
		},
		{
			name:  "nothing freed, no report",
			freed: nil,
			want:  nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, r := range Seats(tenant, tt.freed, DefaultCatalogue()) {
				got = append(got, line(r))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
