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

// Products lists the organisation's products (GET /subscribedSkus: seats paid for and
// assigned) with their subscriptions (GET /directory/subscriptions).
//
// A product is SelfService when it has subscriptions and every one of them is owned by a user:
// Graph's companySubscription documents ownerType as "Indicates the entity that ownerId belongs
// to, for example, \"User\"", and its List example shows ownerType "User" with the buyer's id in
// ownerId. The organisation's own subscriptions carry no user owner. An admin can't unassign a
// self-service purchase until they take the subscription over.
func (c *Client) Products(ctx context.Context) ([]licensing.TenantProduct, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	skus, err := c.subscribedSKUs().Get(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("list products: %w", c.mapError(err, opOther))
	}
	subsBuilder := directory.NewSubscriptionsRequestBuilderInternal(map[string]string{"baseurl": c.baseURL}, c.adapter)
	subsPage, err := subsBuilder.Get(ctx, nil)
	bySKU := map[string][]licensing.Subscription{}
	for err == nil {
		for _, s := range subsPage.GetValue() {
			skuID := strings.ToLower(deref(s.GetSkuId()))
			bySKU[skuID] = append(bySKU[skuID], subscriptionFromModel(s))
		}
		next := deref(subsPage.GetOdataNextLink())
		if next == "" {
			break
		}
		subsPage, err = subsBuilder.WithUrl(next).Get(ctx, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", c.mapError(err, opOther))
	}

	var out []licensing.TenantProduct
	for _, s := range skus.GetValue() {
		skuID := uuidString(s.GetSkuId())
		p := licensing.TenantProduct{
			SKUID:            skuID,
			PartNumber:       deref(s.GetSkuPartNumber()),
			CapabilityStatus: deref(s.GetCapabilityStatus()),
			Assigned:         int(deref(s.GetConsumedUnits())),
			Subscriptions:    bySKU[skuID],
		}
		if units := s.GetPrepaidUnits(); units != nil {
			p.Purchased = int(deref(units.GetEnabled()))
		}
		p.SelfService = len(p.Subscriptions) > 0
		for _, sub := range p.Subscriptions {
			p.SelfService = p.SelfService && strings.EqualFold(sub.OwnerType, "User")
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

func subscriptionFromModel(s models.CompanySubscriptionable) licensing.Subscription {
	sub := licensing.Subscription{
		ID:            strings.ToLower(deref(s.GetId())),
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
