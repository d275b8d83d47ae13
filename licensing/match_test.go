package licensing

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode"
)

func TestMatch(t *testing.T) {
	type want struct {
		sku        string   // a match
		candidates []string // *AmbiguousProductError: "Name (PART)" in order
		exact      bool     // *AmbiguousProductError.Exact
		omitted    int
		unknown    bool   // *UnknownProductError
		known      string // its Known.PartNumber
	}
	tests := []struct {
		name   string
		query  string
		tenant []TenantProduct // tenantFixture when nil
		want   want
	}{
		{name: "exact friendly name", query: "Office 365 E3", want: want{sku: skuO365E3}},
		{name: "case and white space are folded", query: "  office\t365   e3 ", want: want{sku: skuO365E3}},
		{name: "part number in any case", query: "enterprisepack", want: want{sku: skuO365E3}},
		{name: "SKU id in upper case", query: strings.ToUpper(skuM365E3), want: want{sku: skuM365E3}},
		{name: "SKU id in braces", query: "{" + skuEMS + "}", want: want{sku: skuEMS}},
		{name: "Turkish dotted capital İ", query: "MİCROSOFT 365 E3", want: want{sku: skuM365E3}},
		{name: "Turkish dotless ı", query: "mıcrosoft 365 e3 - unattended lıcense", want: want{sku: skuM365E3Unattended}},
		{name: "en dash typed as a hyphen", query: "Microsoft 365 E3 – Unattended License", want: want{sku: skuM365E3Unattended}},
		{name: "product newer than the catalogue by part number", query: "contoso_custom", want: want{sku: skuCustom}},
		{name: "ambiguous E3 lists candidates", query: "E3", want: want{candidates: []string{
			"Enterprise Mobility + Security E3 (EMS)",
			"Microsoft 365 E3 (SPE_E3)",
			"Microsoft 365 E3 - Unattended License (SPE_E3_RPA1)",
			"Office 365 E3 (ENTERPRISEPACK)",
		}}},
		{name: "words match across part numbers too", query: "spe e3", want: want{candidates: []string{
			"Microsoft 365 E3 (SPE_E3)",
			"Microsoft 365 E3 - Unattended License (SPE_E3_RPA1)",
		}}},
		{name: "one near match is asked about, never guessed", query: "power bi", want: want{candidates: []string{"Power BI Pro (POWER_BI_PRO)"}}},
		{name: "words without their spaces", query: "PowerBI", want: want{candidates: []string{"Power BI Pro (POWER_BI_PRO)"}}},
		{name: "two products with the same name are ambiguous", query: "visio plan 2", want: want{exact: true, candidates: []string{
			"Visio Plan 2 (VISIOCLIENT)",
			"Visio Plan 2 (VISIO_PLAN2_DEPT)",
		}}},
		{name: "a product the organisation lacks is unknown but known", query: "Office 365 E5", want: want{unknown: true, known: "ENTERPRISEPREMIUM"}},
		{name: "a part number the organisation lacks", query: "enterprisepremium", want: want{unknown: true, known: "ENTERPRISEPREMIUM"}},
		{name: "a SKU id the organisation lacks", query: skuO365E5, want: want{unknown: true, known: "ENTERPRISEPREMIUM"}},
		{name: "nonsense is unknown", query: "Frobnicator 9000", want: want{unknown: true}},
		{name: "an empty query is unknown", query: " \t ", want: want{unknown: true}},
		{name: "punctuation only is unknown", query: "--", want: want{unknown: true}},
		{name: "nothing subscribed", query: "Office 365 E3", tenant: []TenantProduct{}, want: want{unknown: true, known: "ENTERPRISEPACK"}},
		{name: "a long list is cut at ten with a count", query: "365", tenant: everyProduct(), want: want{omitted: -1}},
	}
	cat := DefaultCatalogue()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tenant := tt.tenant
			if tenant == nil {
				tenant = tenantFixture()
			}
			got, err := cat.Match(tt.query, tenant)
			var amb *AmbiguousProductError
			var unk *UnknownProductError
			switch {
			case tt.want.sku != "":
				if err != nil || got.SKUID != tt.want.sku {
					t.Fatalf("Match = %s, %v; want %s", got.SKUID, err, tt.want.sku)
				}
			case tt.want.unknown:
				if !errors.As(err, &unk) {
					t.Fatalf("Match = %s, %v; want an *UnknownProductError", got.SKUID, err)
				}
				if !errors.Is(err, ErrUnknownSKU) {
					t.Error("does not wrap ErrUnknownSKU")
				}
				switch {
				case tt.want.known == "" && unk.Known != nil:
					t.Errorf("Known = %s", unk.Known.PartNumber)
				case tt.want.known != "" && (unk.Known == nil || unk.Known.PartNumber != tt.want.known):
					t.Errorf("Known = %v, want %s", unk.Known, tt.want.known)
				}
			case tt.want.omitted != 0:
				if !errors.As(err, &amb) {
					t.Fatalf("Match = %s, %v; want an *AmbiguousProductError", got.SKUID, err)
				}
				if len(amb.Candidates) != MaxCandidates || amb.Omitted <= 0 {
					t.Errorf("%d candidates, %d omitted", len(amb.Candidates), amb.Omitted)
				}
				if !strings.Contains(err.Error(), fmt.Sprintf("and %d more", amb.Omitted)) {
					t.Errorf("Error() = %q", err)
				}
			default:
				if !errors.As(err, &amb) {
					t.Fatalf("Match = %s, %v; want an *AmbiguousProductError", got.SKUID, err)
				}
				var names []string
				for _, p := range amb.Candidates {
					names = append(names, fmt.Sprintf("%s (%s)", p.Name, p.PartNumber))
				}
				if strings.Join(names, "\n") != strings.Join(tt.want.candidates, "\n") {
					t.Errorf("candidates\n%s\nwant\n%s", strings.Join(names, "\n"), strings.Join(tt.want.candidates, "\n"))
				}
				if amb.Exact != tt.want.exact {
					t.Errorf("Exact = %v", amb.Exact)
				}
				for _, n := range tt.want.candidates {
					if !strings.Contains(err.Error(), n) {
						t.Errorf("Error() %q does not list %s", err, n)
					}
				}
			}
		})
	}
}

// everyProduct subscribes to every product of the catalogue.
func everyProduct() []TenantProduct {
	cat := DefaultCatalogue()
	tenant := make([]TenantProduct, 0, cat.Len())
	for _, p := range cat.products {
		tenant = append(tenant, TenantProduct{SKUID: p.SKUID, PartNumber: p.PartNumber, Purchased: 1})
	}
	return tenant
}

func TestMatchEveryCatalogueNameInAFullTenant(t *testing.T) {
	// In an organisation with every product, each product's id, part number and name
	// either finds it or is reported ambiguous with it among the candidates.
	cat := DefaultCatalogue()
	tenant := everyProduct()
	for _, p := range cat.products {
		for _, q := range []string{p.SKUID, p.PartNumber, p.Name} {
			got, err := cat.Match(q, tenant)
			var amb *AmbiguousProductError
			switch {
			case err == nil:
				if got.SKUID != p.SKUID && q == p.SKUID {
					t.Errorf("%q found %s", q, got.SKUID)
				}
			case errors.As(err, &amb) && amb.Exact:
				found := false
				for _, c := range amb.Candidates {
					found = found || c.SKUID == p.SKUID
				}
				if !found && amb.Omitted == 0 {
					t.Errorf("%q: %s not among the candidates", q, p.SKUID)
				}
			default:
				t.Errorf("%q: %v", q, err)
			}
		}
	}
}

func FuzzMatch(f *testing.F) {
	f.Add("E3", uint8(0), uint64(0))
	f.Add("Office 365 E3", uint8(1), uint64(0xffff))
	f.Add("MİCROSOFT 365 E3", uint8(2), uint64(0x5555))
	f.Add("{"+skuEMS+"}", uint8(3), uint64(1))
	f.Add("\x00\xff ı İ – \u212A", uint8(7), uint64(42))
	f.Add("", uint8(8), uint64(0))
	cat := DefaultCatalogue()
	tenant := tenantFixture()
	f.Fuzz(func(t *testing.T, query string, pick uint8, caseMask uint64) {
		got, err := cat.Match(query, tenant)
		var amb *AmbiguousProductError
		var unk *UnknownProductError
		switch {
		case err == nil:
			if _, ok := findTenantProduct(tenant, got.SKUID); !ok {
				t.Fatalf("Match(%q) returned %s, not the organisation's", query, got.SKUID)
			}
		case errors.As(err, &amb):
			if len(amb.Candidates) == 0 || len(amb.Candidates) > MaxCandidates {
				t.Fatalf("Match(%q): %d candidates", query, len(amb.Candidates))
			}
		case errors.As(err, &unk):
		default:
			t.Fatalf("Match(%q): unexpected error %v", query, err)
		}
		if err != nil && err.Error() == "" {
			t.Fatal("empty error message")
		}

		// An organisation's SKU id, in any case and with white space around, always matches.
		want := tenant[int(pick)%len(tenant)].SKUID
		var b strings.Builder
		for i, r := range want {
			if caseMask>>(uint(i)%64)&1 == 1 {
				r = unicode.ToUpper(r)
			}
			b.WriteRune(r)
		}
		pad := strings.Repeat(" ", int(pick%3))
		got, err = cat.Match(pad+b.String()+"\t"+pad, tenant)
		if err != nil || got.SKUID != want {
			t.Fatalf("Match(%q) = %s, %v; want %s", b.String(), got.SKUID, err, want)
		}
	})
}

func BenchmarkMatch(b *testing.B) {
	cat := DefaultCatalogue()
	tenant := everyProduct()[:60]
	tenant = append(tenant, tenantFixture()...)
	for _, q := range []struct{ name, query string }{
		{"exact name", "Office 365 E3"},
		{"SKU id", strings.ToUpper(skuO365E3)},
		{"words", "E3"},
		{"unknown", "Office 365 E5"},
	} {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				_, _ = cat.Match(q.query, tenant)
			}
		})
	}
}
