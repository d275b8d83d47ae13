package graph

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	core "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/licensebot/licensebot/graph/graphtest"
)

// TestSDKBatchAgainstTheSimulator sends assignLicense steps through msgraph-sdk-go-core's
// BatchRequest, as a batching job engine would, and reads each answer by id: the simulator
// must accept what the SDK sends and answer what it parses, one throttled step included.
func TestSDKBatchAgainstTheSimulator(t *testing.T) {
	c, srv := newSample(t, graphtest.WithThrottle(2, 3*time.Second))
	ctx := context.Background()
	batch := core.NewBatchRequest(c.adapter)
	ids := map[string]string{}
	for _, upn := range []string{"bob@contoso.example", "sean@contoso.example", "joni@contoso.example"} {
		body := users.NewItemAssignLicensePostRequestBody()
		body.SetAddLicenses([]models.AssignedLicenseable{})
		body.SetRemoveLicenses([]uuid.UUID{uuid.MustParse(skuPBI)})
		info, err := c.users().ByUserId(userID(t, srv, upn)).AssignLicense().ToPostRequestInformation(ctx, body, nil)
		if err != nil {
			t.Fatal(err)
		}
		item, err := batch.AddBatchRequestStep(*info)
		if err != nil {
			t.Fatal(err)
		}
		ids[upn] = *item.GetId()
	}
	resp, err := batch.Send(ctx, c.adapter)
	if err != nil {
		t.Fatal(err)
	}
	statuses := resp.GetStatusCodes()
	if statuses[ids["bob@contoso.example"]] != 200 || statuses[ids["sean@contoso.example"]] != 200 || statuses[ids["joni@contoso.example"]] != 429 {
		t.Fatalf("statuses %v for %v", statuses, ids)
	}
	throttled := resp.GetResponseById(ids["joni@contoso.example"])
	if got := throttled.GetHeaders()["Retry-After"]; got != "3" {
		t.Errorf("throttled step headers %v", throttled.GetHeaders())
	}
	if srv.Removals("bob@contoso.example", skuPBI) != 1 || srv.Removals("joni@contoso.example", skuPBI) != 0 {
		t.Error("removals do not match the statuses")
	}
}
