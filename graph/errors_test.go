package graph

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/licensebot/licensebot/licensing"
)

// odataErrorFrom parses a documented error body (testdata/) the way the SDK does.
func odataErrorFrom(t *testing.T, file string, status int, headers map[string]string) error {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	node, err := jsonserialization.NewJsonParseNode(raw)
	if err != nil {
		t.Fatal(err)
	}
	v, err := node.GetObjectValue(odataerrors.CreateODataErrorFromDiscriminatorValue)
	if err != nil {
		t.Fatal(err)
	}
	e := v.(*odataerrors.ODataError)
	e.SetStatusCode(status)
	h := abs.NewResponseHeaders()
	for k, v := range headers {
		h.Add(k, v)
	}
	e.SetResponseHeaders(h)
	return fmt.Errorf("sdk: %w", e)
}

func TestMapDocumentedErrors(t *testing.T) {
	c := &Client{now: time.Now}
	err := c.mapError(nil, odataErrorFrom(t, "error-missing-addlicenses.json", 400, nil), opLicenseChange)
	ge := asGraphError(t, err)
	if ge.Reason != nil || ge.Code != "Request_BadRequest" || ge.RequestID != "c71145f2-8474-487e-b6bf-dc5ce63467e1" || ge.Status != 400 {
		t.Errorf("missing addLicenses: %+v", ge)
	}

	err = c.mapError(nil, odataErrorFrom(t, "error-throttled.json", 429, map[string]string{"Retry-After": "2.128"}), opLicenseChange)
	var throttled *licensing.ThrottledError
	if !errors.As(err, &throttled) || throttled.RetryAfter != 2128*time.Millisecond {
		t.Errorf("throttled: %v", err)
	}
	if ge := asGraphError(t, err); ge.RequestID != "94fb3b52-452a-4535-a601-69e0a90e3aa2" || ge.Code != "TooManyRequests" {
		t.Errorf("%+v", ge)
	}
}

func TestReasonDecidesOnStatusAndCodeFirst(t *testing.T) {
	c := &Client{now: time.Now}
	tests := []struct {
		name    string
		status  int
		code    string
		message string
		op      operation
		want    error
	}{
		{"unknown user", 404, "Request_ResourceNotFound", "Resource 'x' does not exist", opUserLookup, licensing.ErrUserNotFound},
		{"no manager", 404, "Request_ResourceNotFound", "Resource 'manager' does not exist", opManagerLookup, licensing.ErrNoManager},
		{"inherited", 400, "Request_BadRequest", "User license is inherited from a group membership and it cannot be removed directly from the user.", opLicenseChange, licensing.ErrInherited},
		{"inherited, other wording", 400, "Request_BadRequest", "USER LICENSE IS INHERITED FROM A GROUP and can't go", opLicenseChange, licensing.ErrInherited},
		{"not assigned", 400, "Request_BadRequest", "User does not have a corresponding license.", opLicenseChange, licensing.ErrNotAssigned},
		{"unknown sku", 400, "Request_BadRequest", "License abc does not correspond to a valid company License.", opLicenseChange, licensing.ErrUnknownSKU},
		{"a 400 text matters only for license changes", 400, "Request_BadRequest", "User does not have a corresponding license.", opUserLookup, nil},
		{"service unavailable", 503, "serviceNotAvailable", "", opOther, licensing.ErrUnavailable},
		{"gateway timeout", 504, "", "", opOther, licensing.ErrUnavailable},
		{"forbidden is a missing permission", 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.", opLicenseChange, licensing.ErrForbidden},
		{"forbidden whatever the operation", 403, "Authorization_RequestDenied", "", opUserLookup, licensing.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.reason(tt.status, tt.code, tt.message, nil, tt.op)
			if got != tt.want {
				t.Fatalf("reason %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c := &Client{now: func() time.Time { return now }}
	tests := map[string]time.Duration{
		"7":                             7 * time.Second,
		"2.128":                         2128 * time.Millisecond,
		" 0 ":                           0,
		"Mon, 02 Mar 2026 09:00:30 GMT": 30 * time.Second,
		"Mon, 02 Mar 2026 08:59:00 GMT": 0,
		"soon":                          defaultRetryAfter,
		"-3":                            defaultRetryAfter,
		"":                              defaultRetryAfter,
	}
	for v, want := range tests {
		h := abs.NewResponseHeaders()
		h.Add("Retry-After", v)
		if got := c.retryAfter(h); got != want {
			t.Errorf("Retry-After %q: %s, want %s", v, got, want)
		}
	}
	if got := c.retryAfter(nil); got != defaultRetryAfter {
		t.Errorf("no headers: %s", got)
	}
}

func TestTransportFailuresAreUnavailable(t *testing.T) {
	c := &Client{now: time.Now}
	err := c.mapError(nil, errors.New("dial tcp 127.0.0.1:1: connect: connection refused"), opOther)
	if !errors.Is(err, licensing.ErrUnavailable) {
		t.Fatalf("%v", err)
	}
}

func TestMapAssignmentRefusalsToGraphReasons(t *testing.T) {
	c := &Client{now: time.Now}
	err := c.mapError(nil, odataErrorFrom(t, "error-usage-location.json", 400, nil), opLicenseChange)
	if !errors.Is(err, ErrUsageLocation) {
		t.Errorf("usage location: %v", err)
	}
	if ge := asGraphError(t, err); ge.RequestID != "613a2372-1a63-4b13-8c94-56793bbb140c" || ge.Code != "Request_BadRequest" {
		t.Errorf("%+v", ge)
	}
	ge := c.graphError(opLicenseChange, 400, "Request_BadRequest",
		"Subscription with SKU 6fd2c87f-b296-42f0-b197-1e91e994b900 does not have any available licenses.", "", nil)
	if !errors.Is(ge, ErrNoSeats) {
		t.Errorf("no seats: %v", ge)
	}
	if ge := c.graphError(opUserLookup, 400, "Request_BadRequest", "… invalid usage location.", "", nil); ge.Reason != nil {
		t.Errorf("only assignLicense's 400s name a reason: %v", ge.Reason)
	}
}
