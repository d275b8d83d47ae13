package licensing

import (
	"encoding/csv"
	"os"
	"slices"
	"strings"
	"testing"
)

// msTable reads Microsoft's CSV directly (not through the generator): SKU id → its rows,
// with cells cleaned as the generator documents (trimmed, white space folded).
func msTable(t testing.TB) map[string][][]string {
	t.Helper()
	f, err := os.Open("testdata/product-names-and-service-plan-identifiers.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	bySKU := map[string][][]string{}
	for _, row := range rows[1:] {
		for i := range row {
			row[i] = strings.Join(strings.Fields(row[i]), " ")
		}
		id := strings.ToLower(row[2])
		bySKU[id] = append(bySKU[id], row)
	}
	return bySKU
}

func TestCatalogueHoldsEveryProductOfMicrosoftsTable(t *testing.T) {
	table := msTable(t)
	cat := DefaultCatalogue()
	// GRAPH.md speaks of 565 SKUs; the copy of the table in testdata has 569 distinct ids.
	if cat.Len() != len(table) || cat.Len() != 569 {
		t.Fatalf("Len() = %d, table has %d products (569 expected)", cat.Len(), len(table))
	}
	for id, rows := range table {
		p, ok := cat.Lookup(id)
		if !ok {
			t.Errorf("%s (%s) missing", id, rows[0][0])
			continue
		}
		if p.Name != rows[0][0] || p.PartNumber != rows[0][1] {
			t.Errorf("%s = %q (%s), table says %q (%s)", id, p.Name, p.PartNumber, rows[0][0], rows[0][1])
		}
		for _, row := range rows {
			if !slices.Contains(p.Plans, row[3]) {
				t.Errorf("%s (%s) lacks plan %s", p.Name, id, row[3])
			}
		}
	}
}

func TestCatalogueLookups(t *testing.T) {
	cat := DefaultCatalogue()
	tests := []struct {
		name               string
		lookup             func() (Product, bool)
		wantSKU, wantPart  string
		wantName           string
		wantCaps, wantNone Capability
	}{
		{"Office 365 E3 by id carries mailbox, OneDrive and Office apps", func() (Product, bool) { return cat.Lookup(skuO365E3) },
			skuO365E3, "ENTERPRISEPACK", "Office 365 E3", Mailbox | OneDrive | OfficeApps, 0},
		{"id in upper case with spaces", func() (Product, bool) { return cat.Lookup("  " + strings.ToUpper(skuO365E3) + " ") },
			skuO365E3, "ENTERPRISEPACK", "Office 365 E3", Mailbox | OneDrive | OfficeApps, 0},
		{"Microsoft 365 E3 by part number", func() (Product, bool) { return cat.ByPartNumber("SPE_E3") },
			skuM365E3, "SPE_E3", "Microsoft 365 E3", Mailbox | OneDrive | OfficeApps, 0},
		{"EMS carries none of them", func() (Product, bool) { return cat.ByPartNumber("ems") },
			skuEMS, "EMS", "Enterprise Mobility + Security E3", 0, Mailbox | OneDrive | OfficeApps},
		{"Power BI Pro has only Exchange Foundation, which is no mailbox", func() (Product, bool) { return cat.Lookup(skuPowerBIPro) },
			skuPowerBIPro, "POWER_BI_PRO", "Power BI Pro", 0, Mailbox | OneDrive | OfficeApps},
		{"Exchange Online (Plan 1) is a mailbox only", func() (Product, bool) { return cat.ByPartNumber("exchangestandard") },
			skuExchangeP1, "EXCHANGESTANDARD", "Exchange Online (Plan 1)", Mailbox, OneDrive | OfficeApps},
		{"Visio Plan 2 brings a basic OneDrive", func() (Product, bool) { return cat.Lookup(skuVisio2) },
			skuVisio2, "VISIOCLIENT", "Visio Plan 2", OneDrive, Mailbox | OfficeApps},
		{"a trailing no-break space in the table is gone", func() (Product, bool) { return cat.ByPartNumber("MCOCAP_FACULTY") },
			"420c7602-7f70-4895-9394-d3d679ea36fb", "MCOCAP_FACULTY", "Microsoft Teams Shared Devices for Faculty", Mailbox, 0},
		{"a part number two SKUs share answers with the first by name", func() (Product, bool) { return cat.ByPartNumber("MCOPSTN5") },
			"d43177b5-475b-4880-92d4-d54c27b5efbd", "MCOPSTN5", "Skype for Business PSTN Calling Domestic Small", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := tt.lookup()
			if !ok {
				t.Fatal("not found")
			}
			if p.SKUID != tt.wantSKU || p.PartNumber != tt.wantPart || p.Name != tt.wantName {
				t.Errorf("got %s %s %q, want %s %s %q", p.SKUID, p.PartNumber, p.Name, tt.wantSKU, tt.wantPart, tt.wantName)
			}
			if !p.Capabilities.Has(tt.wantCaps) || p.Capabilities&tt.wantNone != 0 {
				t.Errorf("capabilities %v, want %v and none of %v", p.Capabilities, tt.wantCaps, tt.wantNone)
			}
			if p.Capabilities != plansCapability(p.Plans) {
				t.Errorf("capabilities %v disagree with plans %v", p.Capabilities, p.Plans)
			}
		})
	}
}

func TestCatalogueMisses(t *testing.T) {
	cat := DefaultCatalogue()
	for _, id := range []string{"", skuCustom, "ENTERPRISEPACK", "not a guid"} {
		if p, ok := cat.Lookup(id); ok {
			t.Errorf("Lookup(%q) = %v", id, p)
		}
	}
	for _, part := range []string{"", "CONTOSO_CUSTOM", skuO365E3} {
		if p, ok := cat.ByPartNumber(part); ok {
			t.Errorf("ByPartNumber(%q) = %v", part, p)
		}
	}
}

func TestDisplayName(t *testing.T) {
	cat := DefaultCatalogue()
	tests := []struct {
		name, skuID, part, want string
	}{
		{"known SKU gets its friendly name", skuO365E3, "ENTERPRISEPACK", "Office 365 E3"},
		{"known SKU in upper case, no part number", strings.ToUpper(skuEMS), "", "Enterprise Mobility + Security E3"},
		{"unknown SKU shows its part number", skuCustom, "CONTOSO_CUSTOM", "CONTOSO_CUSTOM"},
		{"unknown SKU even with a known part number shows the part number", skuCustom, "ENTERPRISEPACK", "ENTERPRISEPACK"},
		{"no SKU id but a known part number gets the name", "", "enterprisepack", "Office 365 E3"},
		{"unknown SKU without part number shows the id", skuCustom, "", skuCustom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cat.DisplayName(tt.skuID, tt.part); got != tt.want {
				t.Errorf("DisplayName(%q, %q) = %q, want %q", tt.skuID, tt.part, got, tt.want)
			}
		})
	}
}

func TestDisplayNamesSharedBySeveralSKUsAreAllKept(t *testing.T) {
	cat := DefaultCatalogue()
	for _, id := range []string{skuVisio2, skuVisio2Dept} {
		if got := cat.DisplayName(id, ""); got != "Visio Plan 2" {
			t.Errorf("DisplayName(%s) = %q", id, got)
		}
	}
}

func TestDefaultCatalogueIsParsedOnceAndCannotBeChangedThroughLookups(t *testing.T) {
	a, b := DefaultCatalogue(), DefaultCatalogue()
	if a != b {
		t.Fatal("DefaultCatalogue returned two catalogues")
	}
	p, _ := a.Lookup(skuO365E3)
	p.Plans[0] = "CHANGED"
	p.Name = "changed"
	again, _ := b.Lookup(skuO365E3)
	if again.Plans[0] == "CHANGED" || again.Name != "Office 365 E3" {
		t.Fatal("a caller changed the shared catalogue")
	}
}

func TestNilCatalogueIsEmpty(t *testing.T) {
	var cat *Catalogue
	if cat.Len() != 0 {
		t.Error("Len")
	}
	if _, ok := cat.Lookup(skuO365E3); ok {
		t.Error("Lookup")
	}
	if _, ok := cat.ByPartNumber("ENTERPRISEPACK"); ok {
		t.Error("ByPartNumber")
	}
	if got := cat.DisplayName(skuO365E3, "ENTERPRISEPACK"); got != "ENTERPRISEPACK" {
		t.Errorf("DisplayName = %q", got)
	}
}

func TestNewCatalogueCompletesCapabilitiesFromPlans(t *testing.T) {
	cat := NewCatalogue([]Product{
		{SKUID: strings.ToUpper(skuCustom), PartNumber: "CONTOSO_CUSTOM", Name: "Contoso Mail", Plans: []string{"exchange_s_standard"}},
		{SKUID: skuCustom, PartNumber: "DUPLICATE", Name: "Duplicate"},
	})
	p, ok := cat.Lookup(skuCustom)
	if !ok || p.Name != "Contoso Mail" || p.Capabilities != Mailbox || cat.Len() != 1 {
		t.Fatalf("got %+v, %v, Len %d", p, ok, cat.Len())
	}
}

func TestParseCatalogueRefusesDamagedData(t *testing.T) {
	for name, data := range map[string]string{
		"unknown line":      "x\ty\n",
		"missing field":     "p\tA\ns\t" + skuO365E3 + "\tPART\tName\n",
		"plan out of range": "p\tA\ns\t" + skuO365E3 + "\tPART\tName\t1\n",
		"plan not a number": "p\tA\ns\t" + skuO365E3 + "\tPART\tName\tx\n",
		"SKU twice":         "p\tA\ns\t" + skuO365E3 + "\tPART\tName\t0\ns\t" + skuO365E3 + "\tPART\tName\t0\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := parseCatalogue(data); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestPlanCapability(t *testing.T) {
	tests := []struct {
		plan string
		want Capability
	}{
		{"EXCHANGE_S_ENTERPRISE", Mailbox},
		{"exchange_s_standard", Mailbox},
		{"EXCHANGE_S_DESKLESS", Mailbox},
		{"EXCHANGE_S_ESSENTIALS", Mailbox},
		{"EXCHANGE_S_ENTERPRISE_GOV", Mailbox},
		{"EXCHANGE_S_FOUNDATION", 0},
		{"EXCHANGE_S_ARCHIVE_ADDON", 0},
		{"SHAREPOINTENTERPRISE", OneDrive},
		{"SHAREPOINTSTANDARD", OneDrive},
		{"SHAREPOINTDESKLESS", OneDrive},
		{"ONEDRIVE_BASIC", OneDrive},
		{"SharePoint Plan 1G", OneDrive},
		{"SHAREPOINTWAC", 0},
		{"SHAREPOINTSTORAGE", 0},
		{"OFFICESUBSCRIPTION", OfficeApps},
		{"OFFICE_BUSINESS", OfficeApps},
		{"OFFICESUBSCRIPTION_unattended", OfficeApps},
		{"OFFICEMOBILE_SUBSCRIPTION", 0},
		{"TEAMS1", 0},
		{"", 0},
	}
	for _, tt := range tests {
		if got := PlanCapability(tt.plan); got != tt.want {
			t.Errorf("PlanCapability(%q) = %v, want %v", tt.plan, got, tt.want)
		}
	}
}

func TestCapabilityPlansOfMicrosoftsTable(t *testing.T) {
	// Every plan of the table that carries a capability, so that a typo in PlanCapability
	// or a new Exchange/SharePoint plan in a newer table shows up here.
	lists := map[Capability][]string{
		Mailbox: {
			"EXCHANGE_B_STANDARD", "EXCHANGE_L_STANDARD", "EXCHANGE_S_DESKLESS", "EXCHANGE_S_DESKLESS_GOV",
			"EXCHANGE_S_ENTERPRISE", "EXCHANGE_S_ENTERPRISE_GOV", "EXCHANGE_S_ESSENTIALS", "EXCHANGE_S_STANDARD",
			"EXCHANGE_S_STANDARD_GOV", "EXCHANGE_S_STANDARD_MIDMARKET",
		},
		OneDrive: {
			"ONEDRIVEENTERPRISE", "ONEDRIVELITE_IW", "ONEDRIVESTANDARD", "ONEDRIVE_BASIC", "ONEDRIVE_BASIC_GOV",
			"ONEDRIVE_BASIC_P2", "SHAREPOINTDESKLESS", "SHAREPOINTDESKLESS_GOV", "SHAREPOINTENTERPRISE",
			"SHAREPOINTENTERPRISE_EDU", "SHAREPOINTENTERPRISE_GOV", "SHAREPOINTENTERPRISE_MIDMARKET", "SHAREPOINTLITE",
			"SHAREPOINTSTANDARD", "SHAREPOINTSTANDARD_EDU", "SHAREPOINT_S_DEVELOPER", "SharePoint Plan 1G",
		},
		OfficeApps: {
			"OFFICESUBSCRIPTION", "OFFICESUBSCRIPTION_GOV", "OFFICESUBSCRIPTION_unattended",
			"OFFICESUBSCRIPTION_unattended_GOV", "OFFICE_BUSINESS", "OFFICE_PRO_PLUS_SUBSCRIPTION_SMBIZ",
		},
	}
	want := map[string]Capability{}
	for c, plans := range lists {
		for _, p := range plans {
			want[p] = c
		}
	}
	got := map[string]Capability{}
	for _, p := range DefaultCatalogue().products {
		for _, plan := range p.Plans {
			if c := PlanCapability(plan); c != 0 {
				got[plan] = c
			}
		}
	}
	for plan, c := range want {
		if got[plan] != c {
			t.Errorf("%s: %v in the table, want %v", plan, got[plan], c)
		}
	}
	for plan, c := range got {
		if _, ok := want[plan]; !ok {
			t.Errorf("%s carries %v, not expected", plan, c)
		}
	}
}

func TestCapabilityString(t *testing.T) {
	for c, want := range map[Capability]string{0: "none", Mailbox: "Mailbox", Mailbox | OfficeApps: "Mailbox|OfficeApps", Mailbox | OneDrive | OfficeApps: "Mailbox|OneDrive|OfficeApps"} {
		if got := c.String(); got != want {
			t.Errorf("%d: %q, want %q", c, got, want)
		}
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ a, b string }{
		{"Office 365 E3", "  office   365\te3 "},
		{"MİCROSOFT 365 E3", "microsoft 365 e3"},
		{"mıcrosoft", "MICROSOFT"},
		{"Privacy Management – risk", "privacy management - risk"},
		{"\u212Aaizala", "kaizala"}, // Kelvin sign, as strings.EqualFold
		{"ſway", "SWAY"},            // long s
	}
	for _, tt := range tests {
		if fold(tt.a) != fold(tt.b) {
			t.Errorf("fold(%q) = %q, fold(%q) = %q", tt.a, fold(tt.a), tt.b, fold(tt.b))
		}
	}
	if fold("E3") == fold("E5") {
		t.Error("E3 and E5 fold together")
	}
}

func BenchmarkDefaultCatalogue(b *testing.B) {
	for b.Loop() {
		_ = DefaultCatalogue().Len()
	}
}

func BenchmarkParseCatalogue(b *testing.B) {
	b.SetBytes(int64(len(catalogueTSV)))
	for b.Loop() {
		if _, err := parseCatalogue(catalogueTSV); err != nil {
			b.Fatal(err)
		}
	}
}
