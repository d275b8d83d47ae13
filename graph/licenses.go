package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	abs "github.com/microsoft/kiota-abstractions-go"
	khttp "github.com/microsoft/kiota-http-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/licensebot/licensebot/licensing"
)

// RemoveLicenses removes products from the user's direct assignments in one assignLicense
// call and returns Graph's request-id. The body always carries an explicit empty addLicenses:
// Graph answers 400 "One or more parameters of the operation 'assignLicense' are missing…"
// without it (seen with Graph PowerShell 2.26.1). A SKU id that is not a GUID is refused
// before any request with licensing.ErrUnknownSKU.
func (c *Client) RemoveLicenses(ctx context.Context, userID string, skuIDs []string) (requestID string, err error) {
	remove, err := removalSKUs(userID, skuIDs)
	if err != nil {
		return "", err
	}
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	return c.assignLicense(ctx, userID, removeBody(remove), func(mapped error) error {
		return fmt.Errorf("remove %s from %s: %w", strings.Join(skuIDs, ", "), userID, mapped)
	})
}

// Restore is one product to give back to a user, with the service plans that were disabled
// in it (licenseAssignmentStates' disabledPlans at the time of removal), so an undo restores
// exactly what the user had.
type Restore struct {
	SKUID         string
	DisabledPlans []string
}

// RestoreLicenses assigns products back to the user directly in one assignLicense call, each
// with its disabled plans, and returns Graph's request-id: the undo of a removal. The body
// carries an explicit empty removeLicenses (both parameters are required, see RemoveLicenses).
//
// Besides the errors of RemoveLicenses, Graph refuses an assignment when the product has no
// free seat (ErrNoSeats) and when the user has no usage location (ErrUsageLocation); both are
// the Reason of the returned *licensing.GraphError, so errors.Is works. The call is all or
// nothing: when one product is refused, none is assigned. Ids that are not GUIDs are refused
// before any request (a SKU with licensing.ErrUnknownSKU).
func (c *Client) RestoreLicenses(ctx context.Context, userID string, licenses []Restore) (requestID string, err error) {
	if strings.TrimSpace(userID) == "" {
		return "", fmt.Errorf("restore licenses: %w", ErrBadUserQuery)
	}
	if len(licenses) == 0 {
		return "", fmt.Errorf("restore licenses to %s: no product given", userID)
	}
	var (
		add  []models.AssignedLicenseable
		skus []string
		seen = map[uuid.UUID]bool{}
	)
	for _, l := range licenses {
		sku, ok := parseObjectID(l.SKUID)
		if !ok {
			return "", fmt.Errorf("restore %q to %s: %w", l.SKUID, userID, licensing.ErrUnknownSKU)
		}
		if seen[sku] {
			return "", fmt.Errorf("restore licenses to %s: %s is listed twice", userID, l.SKUID)
		}
		seen[sku] = true
		disabled := []uuid.UUID{}
		for _, p := range l.DisabledPlans {
			plan, ok := parseObjectID(p)
			if !ok {
				return "", fmt.Errorf("restore %s to %s: disabled plan %q is not a service plan id", l.SKUID, userID, p)
			}
			disabled = append(disabled, plan)
		}
		a := models.NewAssignedLicense()
		a.SetSkuId(&sku)
		a.SetDisabledPlans(disabled)
		add = append(add, a)
		skus = append(skus, l.SKUID)
	}
	body := users.NewItemAssignLicensePostRequestBody()
	body.SetAddLicenses(add)
	body.SetRemoveLicenses([]uuid.UUID{})

	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	return c.assignLicense(ctx, userID, body, func(mapped error) error {
		return fmt.Errorf("restore %s to %s: %w", strings.Join(skus, ", "), userID, mapped)
	})
}

// assignLicense posts the body and returns Graph's request-id, or the mapped error passed
// through wrap (with the request-id of the failed call).
//
// Graph answers a successful assignLicense with 200 and the user. An answer without the user
// (empty, null, not JSON, an object without id) is an error wrapping ErrUnusableAnswer and
// licensing.ErrUnavailable: the change may or may not have been made, exactly as when no
// answer came, so the caller treats it the same way (read again, or retry, which answers
// licensing.ErrNotAssigned if the removal was made).
func (c *Client) assignLicense(ctx context.Context, userID string, body users.ItemAssignLicensePostRequestBodyable, wrap func(error) error) (string, error) {
	inspect := khttp.NewHeadersInspectionOptions()
	inspect.InspectResponseHeaders = true
	rctx, x := request(ctx)
	u, err := c.users().ByUserId(userID).AssignLicense().Post(rctx, body, &users.ItemAssignLicenseRequestBuilderPostRequestConfiguration{
		Options: []abs.RequestOption{inspect},
	})
	if err == nil && (u == nil || deref(u.GetId()) == "") {
		err = x.unusable(nil, "no user in the answer")
	}
	if err != nil {
		mapped := c.mapError(x, err, opLicenseChange)
		requestID := ""
		if ge := graphErrorOf(mapped); ge != nil {
			requestID = ge.RequestID
		}
		return requestID, wrap(mapped)
	}
	return first(inspect.GetResponseHeaders().Get("request-id")), nil
}

// removalSKUs checks a removal before anything is sent: a user, at least one product, every
// product a GUID (duplicates dropped).
func removalSKUs(userID string, skuIDs []string) ([]uuid.UUID, error) {
	if strings.TrimSpace(userID) == "" {
		return nil, fmt.Errorf("remove licenses: %w", ErrBadUserQuery)
	}
	if len(skuIDs) == 0 {
		return nil, fmt.Errorf("remove licenses from %s: no product given", userID)
	}
	var remove []uuid.UUID
	seen := map[uuid.UUID]bool{}
	for _, s := range skuIDs {
		id, ok := parseObjectID(s)
		if !ok {
			return nil, fmt.Errorf("remove %q from %s: %w", s, userID, licensing.ErrUnknownSKU)
		}
		if !seen[id] {
			seen[id] = true
			remove = append(remove, id)
		}
	}
	return remove, nil
}

// removeBody is assignLicense's body for a removal, with the explicit empty addLicenses Graph
// requires (see RemoveLicenses).
func removeBody(remove []uuid.UUID) *users.ItemAssignLicensePostRequestBody {
	body := users.NewItemAssignLicensePostRequestBody()
	body.SetAddLicenses([]models.AssignedLicenseable{})
	body.SetRemoveLicenses(remove)
	return body
}

// parseObjectID accepts only the plain GUID form Graph uses for ids (uuid.Parse alone also
// takes braces and urn:uuid: prefixes).
func parseObjectID(s string) (uuid.UUID, bool) {
	s = strings.TrimSpace(s)
	id, err := uuid.Parse(s)
	if err != nil || !isObjectID(s) {
		return uuid.UUID{}, false
	}
	return id, true
}
