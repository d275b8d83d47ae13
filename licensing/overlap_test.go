package licensing

import (
	"slices"
	"testing"
)

func TestOverlaps(t *testing.T) {
	t.Parallel()
	plans := func(names ...string) []ServicePlanState {
		var out []ServicePlanState
		for _, n := range names {
			out = append(out, ServicePlanState{ID: n, Name: n, ProvisioningStatus: "Success"})
		}
		return out
	}
	e3 := Assignment{SKUID: "6fd2c87f-b296-42f0-b197-1e91e994b900", PartNumber: "ENTERPRISEPACK",
		ServicePlans: plans("EXCHANGE_S_ENTERPRISE", "SHAREPOINTENTERPRISE", "OFFICESUBSCRIPTION", "EXCHANGE_S_FOUNDATION", "FORMS_PLAN_E3")}
	exo := Assignment{SKUID: "4b9405b0-7788-4568-add1-99614e613b69", PartNumber: "EXCHANGESTANDARD",
		ServicePlans: plans("EXCHANGE_S_STANDARD", "EXCHANGE_S_FOUNDATION", "FORMS_PLAN_E1")}
	apps := Assignment{SKUID: "c2273bd0-dff7-4215-9ef5-2c7bcfb06425", PartNumber: "OFFICESUBSCRIPTION",
		ServicePlans: plans("OFFICESUBSCRIPTION", "ONEDRIVESTANDARD")}
	off := exo
	off.ServicePlans = []ServicePlanState{{Name: "EXCHANGE_S_STANDARD", ProvisioningStatus: "Disabled"}}
	cat := DefaultCatalogue()
	for _, tt := range []struct {
		name     string
		licenses []Assignment
		want     []Capability
	}{
		{"one product", []Assignment{e3}, nil},
		{"a standalone mailbox beside E3", []Assignment{e3, exo}, []Capability{Mailbox}},
		{"the apps and OneDrive twice", []Assignment{e3, apps}, []Capability{OneDrive, OfficeApps}},
		{"a plan turned off gives nothing", []Assignment{e3, off}, nil},
		{"shared small plans are not overlaps", []Assignment{exo, apps}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []Capability
			for _, o := range Overlaps(User{Licenses: tt.licenses}, cat) {
				got = append(got, o.Capability)
				if len(o.Products) != len(o.SKUIDs) || len(o.Products) < 2 {
					t.Errorf("overlap %+v", o)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("overlaps %v, want %v", got, tt.want)
			}
		})
	}
}
