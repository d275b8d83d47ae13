package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/directory"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/subscribedskus"

	"github.com/licensebot/licensebot/licensing"
)

// Products lists the organisation's products (GET /subscribedSkus): seats paid for and
// assigned, and the service plans each carries. Their subscriptions come from Subscriptions:
// a separate read that needs another permission and may fail on its own.
func (c *Client) Products(ctx context.Context) ([]licensing.TenantProduct, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	skus, err := c.subscribedSKUs().Get(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("list products: %w", c.mapError(err, opOther))
	}
	var out []licensing.TenantProduct
	for _, s := range skus.GetValue() {
		p := licensing.TenantProduct{
			SKUID:            uuidString(s.GetSkuId()),
			PartNumber:       deref(s.GetSkuPartNumber()),
			CapabilityStatus: deref(s.GetCapabilityStatus()),
			Assigned:         int(deref(s.GetConsumedUnits())),
		}
		if units := s.GetPrepaidUnits(); units != nil {
			p.Purchased = int(deref(units.GetEnabled()))
		}
		for _, plan := range s.GetServicePlans() {
			p.ServicePlans = append(p.ServicePlans, licensing.ServicePlanState{
				ID:                 uuidString(plan.GetServicePlanId()),
				Name:               deref(plan.GetServicePlanName()),
				ProvisioningStatus: deref(plan.GetProvisioningStatus()),
			})
		}
		out = append(out, p)
	}
	return out, nil
}

// Subscriptions lists the organisation's commercial subscriptions (GET
// /directory/subscriptions, following @odata.nextLink), for their lifecycle dates and owners.
// It needs Organization.Read.All (or Directory.Read.All), which subscribedSkus does not.
func (c *Client) Subscriptions(ctx context.Context) ([]licensing.Subscription, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	builder := directory.NewSubscriptionsRequestBuilderInternal(map[string]string{"baseurl": c.baseURL}, c.adapter)
	page, err := builder.Get(ctx, nil)
	var out []licensing.Subscription
	for err == nil {
		for _, s := range page.GetValue() {
			out = append(out, subscriptionFromModel(s))
		}
		next := deref(page.GetOdataNextLink())
		if next == "" {
			return out, nil
		}
		page, err = builder.WithUrl(next).Get(ctx, nil)
	}
	return nil, fmt.Errorf("list subscriptions: %w", c.mapError(err, opOther))
}

func subscriptionFromModel(s models.CompanySubscriptionable) licensing.Subscription {
	sub := licensing.Subscription{
		ID:            strings.ToLower(deref(s.GetId())),
		SKUID:         strings.ToLower(deref(s.GetSkuId())),
		Status:        deref(s.GetStatus()),
		TotalLicenses: int(deref(s.GetTotalLicenses())),
		IsTrial:       deref(s.GetIsTrial()),
		OwnerType:     deref(s.GetOwnerType()),
		OwnerID:       strings.ToLower(deref(s.GetOwnerId())),
	}
	if t := s.GetNextLifecycleDateTime(); t != nil {
		sub.NextLifecycle = *t
	}
	return sub
}

func (c *Client) subscribedSKUs() *subscribedskus.SubscribedSkusRequestBuilder {
	return subscribedskus.NewSubscribedSkusRequestBuilderInternal(map[string]string{"baseurl": c.baseURL}, c.adapter)
}

// Ping checks that Graph answers and accepts the credentials with a cheap read
// (GET /subscribedSkus?$select=skuId; subscribedSkus supports only $select).
func (c *Client) Ping(ctx context.Context) error {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	_, err := c.subscribedSKUs().Get(ctx, &subscribedskus.SubscribedSkusRequestBuilderGetRequestConfiguration{
		QueryParameters: &subscribedskus.SubscribedSkusRequestBuilderGetQueryParameters{Select: []string{"skuId"}},
	})
	if err != nil {
		return fmt.Errorf("ping graph: %w", c.mapError(err, opOther))
	}
	return nil
}
