package graph

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/licensebot/licensebot/graph/graphtest"
	"github.com/licensebot/licensebot/licensing"
)

func TestRemoveDirectLicense(t *testing.T) {
	c, srv := newSample(t)
	ctx := context.Background()
	bob := userID(t, srv, "bob@contoso.example")
	before, _ := srv.SKU(skuPBI)

	requestID, err := c.RemoveLicenses(ctx, bob, []string{skuPBI})
	if err != nil {
		t.Fatal(err)
	}
	if requestID == "" {
		t.Error("no request-id returned")
	}
	if n := srv.Removals(bob, skuPBI); n != 1 {
		t.Errorf("Removals = %d, want 1", n)
	}
	after, _ := srv.SKU(skuPBI)
	if after.ConsumedUnits != before.ConsumedUnits-1 {
		t.Errorf("seats used %d → %d", before.ConsumedUnits, after.ConsumedUnits)
	}
	u, err := c.FindUser(ctx, "bob@contoso.example")
	if err != nil {
		t.Fatal(err)
	}
	if _, still := u.License(skuPBI); still {
		t.Error("bob still has Power BI Pro")
	}
	if _, kept := u.License(skuO365E3); !kept {
		t.Error("bob lost Office 365 E3 too")
	}
}

func TestRemoveSendsAnExplicitEmptyAddLicenses(t *testing.T) {
	c, srv := newSample(t)
	bob := userID(t, srv, "bob@contoso.example")
	if _, err := c.RemoveLicenses(context.Background(), bob, []string{skuPBI}); err != nil {
		t.Fatal(err)
	}
	body := string(srv.LastBody("POST", "/users/"+bob+"/assignLicense"))
	if !strings.Contains(body, `"addLicenses":[]`) || !strings.Contains(body, `"removeLicenses":["`+skuPBI+`"]`) {
		t.Fatalf("body sent: %s", body)
	}
	// The same two members as the request example of user: assignLicense, nothing else.
	raw, err := os.ReadFile(filepath.Join("testdata", "assignlicense-request.json"))
	if err != nil {
		t.Fatal(err)
	}
	var documented, sent map[string]any
	if err := json.Unmarshal(raw, &documented); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(body), &sent); err != nil {
		t.Fatal(err)
	}
	for k := range documented {
		if _, ok := sent[k]; !ok {
			t.Errorf("sent body lacks %q", k)
		}
	}
	if len(sent) != len(documented) {
		t.Errorf("sent %v, documented members %v", sent, documented)
	}
}

func TestRemoveRefusals(t *testing.T) {
	tests := []struct {
		name   string
		upn    string
		sku    string
		reason error
	}{
		{"inherited from a group", "alex@contoso.example", skuO365E3, licensing.ErrInherited},
		{"not assigned to the user", "carol@contoso.example", skuPBI, licensing.ErrNotAssigned},
		{"not a product of the organisation", "bob@contoso.example", "c7df2760-2c81-4ef7-b578-5b5392b571df", licensing.ErrUnknownSKU},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv := newSample(t)
			_, err := c.RemoveLicenses(context.Background(), userID(t, srv, tt.upn), []string{tt.sku})
			if !errors.Is(err, tt.reason) {
				t.Fatalf("%v, want %v", err, tt.reason)
			}
			ge := asGraphError(t, err)
			if ge.Status != 400 || ge.Code != "Request_BadRequest" || ge.RequestID == "" || ge.Message == "" {
				t.Errorf("%+v", ge)
			}
			if !strings.Contains(err.Error(), ge.RequestID) {
				t.Errorf("the error text should carry the request-id: %v", err)
			}
		})
	}
}

func TestRemoveFromAnUnknownUser(t *testing.T) {
	c, _ := newSample(t)
	_, err := c.RemoveLicenses(context.Background(), "00000000-0000-4000-8000-000000000000", []string{skuPBI})
	if !errors.Is(err, licensing.ErrUserNotFound) {
		t.Fatalf("%v", err)
	}
}

func TestRemoveRefusesNonGUIDSKUsWithoutARequest(t *testing.T) {
	c, srv := newSample(t)
	for _, sku := range []string{"ENTERPRISEPACK", "", "{" + skuPBI + "}", "urn:uuid:" + skuPBI} {
		_, err := c.RemoveLicenses(context.Background(), userID(t, srv, "bob@contoso.example"), []string{sku})
		if !errors.Is(err, licensing.ErrUnknownSKU) {
			t.Errorf("%q: %v", sku, err)
		}
	}
	if _, err := c.RemoveLicenses(context.Background(), userID(t, srv, "bob@contoso.example"), nil); err == nil {
		t.Error("no SKUs: accepted")
	}
	if n := srv.Calls("POST", "/"); n != 0 {
		t.Fatalf("%d requests sent", n)
	}
}

func TestThrottlingBecomesThrottledErrorWithoutSDKRetries(t *testing.T) {
	c, srv := newSample(t, graphtest.WithThrottle(1, 7*time.Second))
	ctx := context.Background()
	if _, err := c.RemoveLicenses(ctx, userID(t, srv, "bob@contoso.example"), []string{skuPBI}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := c.RemoveLicenses(ctx, userID(t, srv, "sean@contoso.example"), []string{skuPBI})
	var throttled *licensing.ThrottledError
	if !errors.As(err, &throttled) || throttled.RetryAfter != 7*time.Second {
		t.Fatalf("%v, want a ThrottledError of 7s", err)
	}
	if ge := asGraphError(t, err); ge.Status != 429 || ge.RequestID == "" {
		t.Errorf("%+v", ge)
	}
	if n := srv.Calls("POST", "/users/"); n != 2 {
		t.Errorf("%d POSTs: the SDK retried on its own", n)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the throttled call took %s: something waited", d)
	}
}

func TestServiceFailureIsUnavailableWithoutSDKRetries(t *testing.T) {
	c, srv := newSample(t, graphtest.WithFailureRate(1, 1))
	_, err := c.FindUser(context.Background(), "alice@contoso.example")
	if !errors.Is(err, licensing.ErrUnavailable) {
		t.Fatalf("%v, want ErrUnavailable", err)
	}
	if ge := asGraphError(t, err); ge.Status < 500 || ge.RequestID == "" {
		t.Errorf("%+v", ge)
	}
	if n := srv.Calls("GET", "/users"); n != 1 {
		t.Errorf("%d requests: the SDK retried on its own", n)
	}
	_, err = c.RemoveLicenses(context.Background(), userID(t, srv, "bob@contoso.example"), []string{skuPBI})
	if !errors.Is(err, licensing.ErrUnavailable) {
		t.Fatalf("remove: %v", err)
	}
}

func TestUnreachableGraphIsUnavailable(t *testing.T) {
	c, srv := newSample(t)
	srv.Close()
	_, err := c.FindUser(context.Background(), "alice@contoso.example")
	if !errors.Is(err, licensing.ErrUnavailable) {
		t.Fatalf("%v, want ErrUnavailable", err)
	}
}

func TestCallsGetTheConfiguredTimeout(t *testing.T) {
	srv, err := graphtest.NewServer(graphtest.SampleTenant(), graphtest.WithLatency(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, AccessToken: testToken, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = c.Ping(context.Background())
	if !errors.Is(err, licensing.ErrUnavailable) || time.Since(start) > time.Second {
		t.Fatalf("after %s: %v", time.Since(start), err)
	}
}

func TestRestoreGivesBackTheProductWithItsDisabledPlans(t *testing.T) {
	const (
		sway   = "a23b959c-7ce8-4e57-9140-b90eb88a9e97"
		yammer = "7547a3fe-08ee-4ccb-b430-5077c5041653"
	)
	c, srv := newSample(t)
	ctx := context.Background()
	bob := userID(t, srv, "bob@contoso.example")
	if _, err := c.RemoveLicenses(ctx, bob, []string{skuO365E3}); err != nil {
		t.Fatal(err)
	}
	requestID, err := c.RestoreLicenses(ctx, bob, []Restore{{SKUID: skuO365E3, DisabledPlans: []string{sway, strings.ToUpper(yammer)}}})
	if err != nil {
		t.Fatal(err)
	}
	if requestID == "" {
		t.Error("no request-id returned")
	}
	if n := srv.Restores(bob, skuO365E3); n != 1 {
		t.Errorf("Restores = %d", n)
	}
	u, _ := srv.User(bob)
	var got *graphtest.License
	for i := range u.Licenses {
		if u.Licenses[i].SKUID == skuO365E3 {
			got = &u.Licenses[i]
		}
	}
	if got == nil || strings.Join(got.DisabledPlans, ",") != sway+","+yammer {
		t.Fatalf("bob's licenses after the restore: %+v", u.Licenses)
	}
	body := string(srv.LastBody("POST", "/users/"+bob+"/assignLicense"))
	if !strings.Contains(body, `"removeLicenses":[]`) || !strings.Contains(body, `"skuId":"`+skuO365E3+`"`) {
		t.Errorf("body sent: %s", body)
	}
}

func TestRestoreWithoutDisabledPlansSendsAnEmptyList(t *testing.T) {
	c, srv := newSample(t)
	pradeep := userID(t, srv, "pradeep@contoso.example")
	if _, err := c.RestoreLicenses(context.Background(), pradeep, []Restore{{SKUID: skuPBI}}); err != nil {
		t.Fatal(err)
	}
	body := string(srv.LastBody("POST", "/users/"+pradeep+"/assignLicense"))
	if !strings.Contains(body, `"disabledPlans":[]`) {
		t.Errorf("body sent: %s", body)
	}
}

func TestRestoreRefusals(t *testing.T) {
	full := graphtest.SampleTenant()
	for i := range full.SKUs {
		if full.SKUs[i].SKUID == skuFlow {
			full.SKUs[i].PrepaidUnits = 1 // lee holds the only seat
		}
	}
	tests := []struct {
		name   string
		tenant graphtest.Tenant
		upn    string
		sku    string
		reason error
	}{
		{"no free seat", full, "pradeep@contoso.example", skuFlow, ErrNoSeats},
		{"the user has no usage location", graphtest.SampleTenant(), "christie@contoso.example", skuPBI, ErrUsageLocation},
		{"not a product of the organisation", graphtest.SampleTenant(), "pradeep@contoso.example", "c7df2760-2c81-4ef7-b578-5b5392b571df", licensing.ErrUnknownSKU},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv := newTenant(t, tt.tenant)
			id := userID(t, srv, tt.upn)
			requestID, err := c.RestoreLicenses(context.Background(), id, []Restore{{SKUID: tt.sku}})
			if !errors.Is(err, tt.reason) {
				t.Fatalf("%v, want %v", err, tt.reason)
			}
			ge := asGraphError(t, err)
			if ge.Status != 400 || ge.Code != "Request_BadRequest" || ge.RequestID == "" || ge.RequestID != requestID {
				t.Errorf("%+v (returned request-id %q)", ge, requestID)
			}
			if srv.Restores(id, tt.sku) != 0 {
				t.Error("a refused restore assigned the product")
			}
		})
	}
	c, _ := newSample(t)
	if _, err := c.RestoreLicenses(context.Background(), "00000000-0000-4000-8000-000000000000", []Restore{{SKUID: skuPBI}}); !errors.Is(err, licensing.ErrUserNotFound) {
		t.Errorf("unknown user: %v", err)
	}
}

func TestRestoreRefusesBadInputWithoutARequest(t *testing.T) {
	c, srv := newSample(t)
	pradeep := userID(t, srv, "pradeep@contoso.example")
	tests := []struct {
		name     string
		user     string
		licenses []Restore
	}{
		{"no user", " ", []Restore{{SKUID: skuPBI}}},
		{"no product", pradeep, nil},
		{"a SKU that is not a GUID", pradeep, []Restore{{SKUID: "POWER_BI_PRO"}}},
		{"a plan that is not a GUID", pradeep, []Restore{{SKUID: skuPBI, DisabledPlans: []string{"BI_AZURE_P2"}}}},
		{"a product listed twice", pradeep, []Restore{{SKUID: skuPBI}, {SKUID: strings.ToUpper(skuPBI)}}},
	}
	for _, tt := range tests {
		if _, err := c.RestoreLicenses(context.Background(), tt.user, tt.licenses); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
	if n := srv.Calls("POST", "/"); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
