package graphtest

import (
	"slices"
	"time"
)

// tenantID is the sample organisation's directory id, used where Graph embeds it
// (subscribedSku ids are "{tenantId}_{skuId}").
const tenantID = "a8f3c5e1-2b7d-4c9a-9e61-0c4d2f7b8a35"

// listSubscribedSKUs answers GET /subscribedSkus with consumedUnits counted from the
// current assignments (one per user holding the product by any path).
func (s *Server) listSubscribedSKUs(req *request, _ []string) response {
	values := []map[string]any{}
	for i := range s.dir.tenant.SKUs {
		k := &s.dir.tenant.SKUs[i]
		plans := []map[string]any{}
		for _, p := range k.ServicePlans {
			plans = append(plans, map[string]any{
				"servicePlanId": p.ID, "servicePlanName": p.Name, "provisioningStatus": "Success", "appliesTo": k.AppliesTo,
			})
		}
		subscriptionIDs := []string{}
		suspended, warning, lockedOut := 0, 0, 0
		for _, sub := range k.Subscriptions {
			subscriptionIDs = append(subscriptionIDs, sub.ID)
			switch sub.Status {
			case "Suspended":
				suspended += sub.TotalLicenses
			case "Warning":
				warning += sub.TotalLicenses
			case "LockedOut":
				lockedOut += sub.TotalLicenses
			}
		}
		values = append(values, map[string]any{
			"accountName":      "Contoso",
			"accountId":        tenantID,
			"id":               tenantID + "_" + k.SKUID,
			"skuId":            k.SKUID,
			"skuPartNumber":    k.SKUPartNumber,
			"appliesTo":        k.AppliesTo,
			"capabilityStatus": k.CapabilityStatus,
			"consumedUnits":    s.dir.consumed(k.SKUID),
			"prepaidUnits": map[string]any{
				"enabled": k.PrepaidUnits, "suspended": suspended, "warning": warning, "lockedOut": lockedOut,
			},
			"servicePlans":    plans,
			"subscriptionIds": subscriptionIDs,
		})
	}
	return ok(map[string]any{"@odata.context": req.base + "/$metadata#subscribedSkus", "value": values})
}

// globalAdministrator is the Global Administrator role's template id (the same in every
// tenant).
const globalAdministrator = "62e90394-69f5-4237-9190-012177145e10"

// listSubscriptions answers GET /directory/subscriptions (companySubscription). ownerType and
// ownerId are the fixture's (null when it gives none); under WithDocumentedWorstCase a
// subscription without them shows ownerType "User" and the first Global Administrator as
// owner, as Microsoft's List example does for an ordinary subscription. The fixture-only
// selfServicePurchase is never served.
func (s *Server) listSubscriptions(req *request, _ []string) response {
	defaultOwner := ""
	if s.cfg.worstCase {
		defaultOwner = s.firstGlobalAdministrator()
	}
	values := []map[string]any{}
	for i := range s.dir.tenant.SKUs {
		k := &s.dir.tenant.SKUs[i]
		for _, sub := range k.Subscriptions {
			status := []map[string]any{}
			for _, p := range k.ServicePlans {
				status = append(status, map[string]any{
					"servicePlanId": p.ID, "servicePlanName": p.Name, "provisioningStatus": "Success", "appliesTo": k.AppliesTo,
				})
			}
			ownerType, ownerID := sub.OwnerType, sub.OwnerID
			if ownerType == "" && defaultOwner != "" {
				ownerType, ownerID = "User", defaultOwner
			}
			var ownerTenant any
			if ownerType != "" {
				ownerTenant = tenantID
			}
			values = append(values, map[string]any{
				"id":                     sub.ID,
				"commerceSubscriptionId": derivedGUID("commerce", sub.ID),
				"createdDateTime":        timeOrNull(sub.CreatedDateTime),
				"nextLifecycleDateTime":  timeOrNull(sub.NextLifecycleDateTime),
				"isTrial":                sub.IsTrial,
				"skuId":                  k.SKUID,
				"skuPartNumber":          k.SKUPartNumber,
				"status":                 sub.Status,
				"totalLicenses":          sub.TotalLicenses,
				"ownerId":                nullable(ownerID),
				"ownerTenantId":          ownerTenant,
				"ownerType":              nullable(ownerType),
				"serviceStatus":          status,
			})
		}
	}
	return ok(map[string]any{"@odata.context": req.base + "/$metadata#directory/subscriptions", "value": values})
}

// firstGlobalAdministrator is the id of the first user in fixture order who holds the Global
// Administrator role (directly or through a role-assignable group), or of the first user if
// none does; "" for a tenant without users.
func (s *Server) firstGlobalAdministrator() string {
	users := s.dir.tenant.Users
	for i := range users {
		if slices.Contains(s.dir.roles(&users[i]), globalAdministrator) {
			return users[i].ID
		}
	}
	if len(users) > 0 {
		return users[0].ID
	}
	return ""
}

func timeOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}
