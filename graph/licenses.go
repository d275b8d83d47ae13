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
	if strings.TrimSpace(userID) == "" {
		return "", fmt.Errorf("remove licenses: %w", ErrBadUserQuery)
	}
	if len(skuIDs) == 0 {
		return "", fmt.Errorf("remove licenses from %s: no product given", userID)
	}
	var remove []uuid.UUID
	seen := map[uuid.UUID]bool{}
	for _, s := range skuIDs {
		id, err := uuid.Parse(strings.TrimSpace(s))
		if err != nil || !isObjectID(strings.TrimSpace(s)) {
			return "", fmt.Errorf("remove %q from %s: %w", s, userID, licensing.ErrUnknownSKU)
		}
		if !seen[id] {
			seen[id] = true
			remove = append(remove, id)
		}
	}
	body := users.NewItemAssignLicensePostRequestBody()
	body.SetAddLicenses([]models.AssignedLicenseable{})
	body.SetRemoveLicenses(remove)

	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	inspect := khttp.NewHeadersInspectionOptions()
	inspect.InspectResponseHeaders = true
	_, err = c.users().ByUserId(userID).AssignLicense().Post(ctx, body, &users.ItemAssignLicenseRequestBuilderPostRequestConfiguration{
		Options: []abs.RequestOption{inspect},
	})
	if err != nil {
		mapped := c.mapError(err, opLicenseChange)
		if ge := graphErrorOf(mapped); ge != nil {
			requestID = ge.RequestID
		}
		return requestID, fmt.Errorf("remove %s from %s: %w", strings.Join(skuIDs, ", "), userID, mapped)
	}
	return first(inspect.GetResponseHeaders().Get("request-id")), nil
}
