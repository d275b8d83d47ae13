package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

const (
	tableFile     = "../../testdata/product-names-and-service-plan-identifiers.csv"
	catalogueFile = "../../catalogue.tsv"
)

func TestRegeneratingGivesTheEmbeddedCatalogue(t *testing.T) {
	f, err := os.Open(tableFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got bytes.Buffer
	if err := generate(f, "product-names-and-service-plan-identifiers.csv", &got); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(catalogueFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("licensing/catalogue.tsv is stale: run `go generate ./licensing` (regenerated %d bytes, file has %d)", got.Len(), len(want))
	}
}

const head = "\uFEFFProduct_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names\r\n"

func TestGenerate(t *testing.T) {
	tests := []struct {
		name    string
		csv     string
		want    []string // lines after the comments
		wantErr string
	}{
		{
			name: "rows of one product become one line with numbered plans",
			csv: head +
				"Office 365 E3,ENTERPRISEPACK,6fd2c87f-b296-42f0-b197-1e91e994b900,SHAREPOINTENTERPRISE,5dbe027f-2339-4123-9542-606e4d348a72,SharePoint (Plan 2)\r\n" +
				"Office 365 E3,ENTERPRISEPACK,6fd2c87f-b296-42f0-b197-1e91e994b900,EXCHANGE_S_ENTERPRISE,efb87545-963c-4e0d-99df-69c6916d9eb0,Exchange Online (Plan 2)\r\n" +
				"Exchange Online (Plan 1),EXCHANGESTANDARD,4b9405b0-7788-4568-add1-99614e613b69,EXCHANGE_S_STANDARD,9aaf7827-d63c-4b61-89c3-182f06f82e5c,Exchange Online (Plan 1)\r\n",
			want: []string{
				"p\tEXCHANGE_S_ENTERPRISE",
				"p\tEXCHANGE_S_STANDARD",
				"p\tSHAREPOINTENTERPRISE",
				"s\t4b9405b0-7788-4568-add1-99614e613b69\tEXCHANGESTANDARD\tExchange Online (Plan 1)\t1",
				"s\t6fd2c87f-b296-42f0-b197-1e91e994b900\tENTERPRISEPACK\tOffice 365 E3\t0,2",
			},
		},
		{
			name: "no-break spaces, tabs and upper-case GUIDs are cleaned",
			csv: head +
				"Microsoft Teams Shared Devices for Faculty,MCOCAP_FACULTY\u00a0,420C7602-7F70-4895-9394-D3D679EA36FB\u00a0,\"TEAMS1 \t\",57ff2da0-773e-42df-b2af-ffb7a2317929,Microsoft Teams\r\n",
			want: []string{
				"p\tTEAMS1",
				"s\t420c7602-7f70-4895-9394-d3d679ea36fb\tMCOCAP_FACULTY\tMicrosoft Teams Shared Devices for Faculty\t0",
			},
		},
		{
			name: "a plan listed twice is kept once",
			csv: head +
				"Project Plan 5 for faculty,PROJECTPREMIUM_FACULTY,930cc132-4d6b-4d8c-8818-587d17c50d56,EXCHANGE_S_FOUNDATION,113feb6c-3fe4-4440-bddc-54d774bf0318,Exchange Foundation\r\n" +
				"Project Plan 5 for faculty,PROJECTPREMIUM_FACULTY,930cc132-4d6b-4d8c-8818-587d17c50d56,EXCHANGE_S_FOUNDATION,113feb6c-3fe4-4440-bddc-54d774bf0318,Exchange Foundation\r\n",
			want: []string{
				"p\tEXCHANGE_S_FOUNDATION",
				"s\t930cc132-4d6b-4d8c-8818-587d17c50d56\tPROJECTPREMIUM_FACULTY\tProject Plan 5 for faculty\t0",
			},
		},
		{
			name: "a SKU with two names is refused",
			csv: head +
				"A,PART,6fd2c87f-b296-42f0-b197-1e91e994b900,X,5dbe027f-2339-4123-9542-606e4d348a72,X\r\n" +
				"B,PART,6fd2c87f-b296-42f0-b197-1e91e994b900,Y,5dbe027f-2339-4123-9542-606e4d348a72,Y\r\n",
			wantErr: "line 3",
		},
		{
			name:    "a bad GUID is refused",
			csv:     head + "A,PART,not-a-guid,X,5dbe027f-2339-4123-9542-606e4d348a72,X\r\n",
			wantErr: "not a GUID",
		},
		{
			name:    "another table is refused",
			csv:     "a,b,c,d,e,f\r\n",
			wantErr: "unexpected header",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := generate(strings.NewReader(tt.csv), "x.csv", &out)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
				if !strings.HasPrefix(line, "#") {
					got = append(got, line)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
