package graphtest

import (
	"strings"
	"testing"
	"time"
)

// subscriptionDates answers GET /directory/subscriptions and returns each subscription's
// dates by skuPartNumber.
func subscriptionDates(t *testing.T, s *Server) map[string][2]time.Time {
	t.Helper()
	r := call(t, s, "GET", "/directory/subscriptions", nil)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	out := map[string][2]time.Time{}
	for _, v := range r.values() {
		var ds [2]time.Time
		for i, key := range []string{"createdDateTime", "nextLifecycleDateTime"} {
			raw, _ := v[key].(string)
			d, err := time.Parse(time.RFC3339, raw)
			if err != nil {
				t.Fatalf("%s %s = %v: %v", v["skuPartNumber"], key, v[key], err)
			}
			ds[i] = d
		}
		out[v["skuPartNumber"].(string)] = ds
	}
	return out
}

func TestSampleSubscriptionDatesFollowTheClock(t *testing.T) {
	clocks := []time.Time{
		time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC),
		time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC), // a leap day, at midnight
		time.Date(2030, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2031, 1, 1, 1, 0, 0, 0, time.FixedZone("UTC+3", 3*3600)), // still 2030-12-31 in UTC
	}
	for _, now := range clocks {
		t.Run(now.Format(time.RFC3339), func(t *testing.T) {
			s := startSample(t, WithClock(func() time.Time { return now }))
			dates := subscriptionDates(t, s)
			if len(dates) != len(SampleTenant().SKUs) {
				t.Fatalf("%d subscriptions served, want one per product", len(dates))
			}
			for sku, d := range dates {
				if !d[0].Before(now) || !d[1].After(now) {
					t.Errorf("%s: created %s, next lifecycle %s; want created before and next after %s", sku, d[0], d[1], now)
				}
			}
			// Midnight UTC of the clock's day, plus or minus the fixture's days.
			y, m, day := now.UTC().Date()
			midnight := time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
			if got := dates["SPE_E3"]; !got[0].Equal(midnight.AddDate(0, 0, -700)) || !got[1].Equal(midnight.AddDate(0, 0, 30)) {
				t.Errorf("SPE_E3: %v, want 700 days before and 30 days after %s", got, midnight)
			}
			// Ayşe's Visio trial is about to end; the rest renew months ahead.
			for sku, d := range dates {
				left := d[1].Sub(now)
				if sku == "VISIOCLIENT" {
					if left > 14*24*time.Hour {
						t.Errorf("the Visio trial ends in %s, want within two weeks", left)
					}
				} else if left < 20*24*time.Hour {
					t.Errorf("%s renews in %s, want weeks or months ahead", sku, left)
				}
			}
			// The Server's own snapshot carries the resolved dates.
			k, _ := s.SKU("c5928f49-12ba-48f7-ada3-0d743a3601d5")
			if sub := k.Subscriptions[0]; !sub.IsTrial || sub.NextLifecycleInDays != nil || !sub.NextLifecycleDateTime.Equal(dates["VISIOCLIENT"][1]) {
				t.Errorf("SKU snapshot: %+v", sub)
			}
		})
	}
}

func TestServedDatesComeFromTheClock(t *testing.T) {
	clock := newFakeClock()
	start := clock.Now()
	s := startSample(t, WithClock(clock.Now))
	lastUpdated := func() map[string]string {
		r := call(t, s, "GET", "/users/bob@contoso.example?$select=licenseAssignmentStates", nil)
		out := map[string]string{}
		for _, st := range r.body["licenseAssignmentStates"].([]any) {
			m := st.(map[string]any)
			out[m["skuId"].(string)] = m["lastUpdatedDateTime"].(string)
		}
		return out
	}
	// The fixture gives Bob his licenses when his account was made: 400 days before the start.
	if got, want := lastUpdated()[skuO365E3], start.AddDate(0, 0, -400).Format(time.RFC3339); got != want {
		t.Errorf("lastUpdatedDateTime of an assignment the fixture made = %s, want the account's creation %s", got, want)
	}
	clock.Advance(36 * time.Hour)
	call(t, s, "POST", "/users/bob@contoso.example/assignLicense", remove(skuO365E3))
	call(t, s, "POST", "/users/bob@contoso.example/assignLicense", add(skuO365E3))
	if got, want := lastUpdated()[skuO365E3], clock.Now().Format(time.RFC3339); got != want {
		t.Errorf("lastUpdatedDateTime after a change = %s, want %s", got, want)
	}
	r := call(t, s, "GET", "/users/ghost@contoso.example", nil)
	inner := r.body["error"].(map[string]any)["innerError"].(map[string]any)
	if got, want := inner["date"], clock.Now().UTC().Format("2006-01-02T15:04:05"); got != want {
		t.Errorf("innerError.date = %v, want %s", got, want)
	}
}

func TestAbsoluteSubscriptionDatesAreServedAsGiven(t *testing.T) {
	tenant, err := LoadTenant(strings.NewReader(`{
		"skus":[{"skuId":"22222222-2222-4222-8222-222222222222","skuPartNumber":"P","servicePlans":[],"subscriptions":[
			{"id":"a1111111-1111-4111-8111-111111111111","totalLicenses":3,
			 "createdDateTime":"2025-01-01T00:00:00Z","nextLifecycleDateTime":"2026-12-01T00:00:00Z"},
			{"id":"a2222222-2222-4222-8222-222222222222","totalLicenses":1,
			 "createdDateTime":"2024-05-06T07:08:09Z","nextLifecycleInDays":-3}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2029, 6, 15, 12, 0, 0, 0, time.UTC)
	s := start(t, tenant, WithClock(func() time.Time { return now }))
	r := call(t, s, "GET", "/directory/subscriptions", nil)
	got := map[string][2]any{}
	for _, v := range r.values() {
		got[v["id"].(string)] = [2]any{v["createdDateTime"], v["nextLifecycleDateTime"]}
	}
	want := map[string][2]any{
		"a1111111-1111-4111-8111-111111111111": {"2025-01-01T00:00:00Z", "2026-12-01T00:00:00Z"},
		// Mixed forms; a negative nextLifecycleInDays is a date already passed.
		"a2222222-2222-4222-8222-222222222222": {"2024-05-06T07:08:09Z", "2029-06-12T00:00:00Z"},
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: dates %v, want %v", id, got[id], w)
		}
	}
	// The caller's tenant keeps its relative date: the Server resolves its own copy.
	if d := tenant.SKUs[0].Subscriptions[1].NextLifecycleInDays; d == nil || *d != -3 {
		t.Errorf("NewServer changed the caller's tenant: nextLifecycleInDays %v", d)
	}
}
