package graphtest

import "time"

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

// listSubscriptions answers GET /directory/subscriptions (companySubscription). A
// self-service purchase carries ownerType "User" and the buyer in ownerId; the organisation's
// own subscriptions leave both null.
func (s *Server) listSubscriptions(req *request, _ []string) response {
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
			var ownerTenant any
			if sub.OwnerType != "" {
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
				"ownerId":                nullable(sub.OwnerID),
				"ownerTenantId":          ownerTenant,
				"ownerType":              nullable(sub.OwnerType),
				"serviceStatus":          status,
			})
		}
	}
	return ok(map[string]any{"@odata.context": req.base + "/$metadata#directory/subscriptions", "value": values})
}

func timeOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}
