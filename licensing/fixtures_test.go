package licensing

// SKU ids as Microsoft's table gives them (testdata/product-names-and-service-plan-identifiers.csv).
const (
	skuO365E3           = "6fd2c87f-b296-42f0-b197-1e91e994b900" // ENTERPRISEPACK, Office 365 E3
	skuO365E5           = "c7df2760-2c81-4ef7-b578-5b5392b571df" // ENTERPRISEPREMIUM, Office 365 E5
	skuM365E3           = "05e9a617-0261-4cee-bb44-138d3ef5d965" // SPE_E3, Microsoft 365 E3
	skuM365E3Unattended = "c2ac2ee4-9bb1-47e4-8541-d689c7e83371" // SPE_E3_RPA1
	skuEMS              = "efccb6f7-5641-4e0e-bd10-b4976e1bf68e" // EMS, Enterprise Mobility + Security E3
	skuPowerBIPro       = "f8a1db68-be16-40ed-86d5-cb42ce701560" // POWER_BI_PRO
	skuExchangeP1       = "4b9405b0-7788-4568-add1-99614e613b69" // EXCHANGESTANDARD, Exchange Online (Plan 1)
	skuVisio2           = "c5928f49-12ba-48f7-ada3-0d743a3601d5" // VISIOCLIENT, Visio Plan 2
	skuVisio2Dept       = "38b434d2-a15e-4cde-9a98-e737c75623e1" // VISIO_PLAN2_DEPT, Visio Plan 2
	skuCustom           = "11111111-2222-3333-4444-555555555555" // not in Microsoft's table
)

// tenantFixture is a small organisation: the E3s, EMS, a Power BI Pro whose subscription
// names a user as owner (perhaps a self-service purchase), two
// products Microsoft calls "Visio Plan 2", and a product newer than the catalogue.
func tenantFixture() []TenantProduct {
	return []TenantProduct{
		{SKUID: skuO365E3, PartNumber: "ENTERPRISEPACK", CapabilityStatus: "Enabled", Purchased: 25, Assigned: 20},
		{SKUID: skuM365E3, PartNumber: "SPE_E3", CapabilityStatus: "Enabled", Purchased: 100, Assigned: 100},
		{SKUID: skuM365E3Unattended, PartNumber: "SPE_E3_RPA1", CapabilityStatus: "Enabled", Purchased: 2, Assigned: 1},
		{SKUID: skuEMS, PartNumber: "EMS", CapabilityStatus: "Enabled", Purchased: 50, Assigned: 10},
		{SKUID: skuPowerBIPro, PartNumber: "POWER_BI_PRO", CapabilityStatus: "Enabled", Purchased: 1, Assigned: 1,
			Subscriptions: []Subscription{{ID: "s-pbi", Status: "Enabled", TotalLicenses: 1, OwnerType: "User", OwnerID: "u-bob"}}},
		{SKUID: skuExchangeP1, PartNumber: "EXCHANGESTANDARD", CapabilityStatus: "Enabled", Purchased: 5, Assigned: 3},
		{SKUID: skuVisio2, PartNumber: "VISIOCLIENT", CapabilityStatus: "Enabled", Purchased: 3, Assigned: 1},
		{SKUID: skuVisio2Dept, PartNumber: "VISIO_PLAN2_DEPT", CapabilityStatus: "Enabled", Purchased: 1, Assigned: 0},
		{SKUID: skuCustom, PartNumber: "CONTOSO_CUSTOM", CapabilityStatus: "Enabled", Purchased: 1, Assigned: 0,
			ServicePlans: []ServicePlanState{{ID: "p1", Name: "EXCHANGE_S_STANDARD", ProvisioningStatus: "Success"}}},
	}
}

// plansOf gives an assignment every service plan the catalogue lists for the product,
// enabled, except the named ones, which are Disabled.
func plansOf(skuID string, disabled ...string) []ServicePlanState {
	p, _ := DefaultCatalogue().Lookup(skuID)
	states := make([]ServicePlanState, 0, len(p.Plans))
	for _, name := range p.Plans {
		status := "Success"
		for _, d := range disabled {
			if d == name {
				status = "Disabled"
			}
		}
		states = append(states, ServicePlanState{Name: name, ProvisioningStatus: status})
	}
	return states
}

func direct(skuID, part string, groups ...Group) Assignment {
	return Assignment{SKUID: skuID, PartNumber: part, Direct: true, Groups: groups, ServicePlans: plansOf(skuID), State: "Active"}
}

func inherited(skuID, part string, groups ...Group) Assignment {
	return Assignment{SKUID: skuID, PartNumber: part, Groups: groups, ServicePlans: plansOf(skuID), State: "Active"}
}

var (
	groupAllStaff = Group{ID: "g-all", DisplayName: "All staff"}
	groupSales    = Group{ID: "g-sales", DisplayName: "Sales", Dynamic: true}
)
