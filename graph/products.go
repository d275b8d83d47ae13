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
//
// List subscribedSkus documents no paging, but an @odata.nextLink would be followed (within
// Config.MaxPages) rather than products silently left out. A product without its id, name,
// seat counts or service plans is refused: plans and data warnings are built on them.
func (c *Client) Products(ctx context.Context) ([]licensing.TenantProduct, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	builder := c.subscribedSKUs()
	var out []licensing.TenantProduct
	pages := c.pager()
	for next := ""; ; {
		rctx, x := request(ctx)
		var (
			page models.SubscribedSkuCollectionResponseable
			err  error
		)
		if next == "" {
			page, err = builder.Get(rctx, nil)
		} else {
			page, err = builder.WithUrl(next).Get(rctx, nil)
		}
		if err == nil {
			err = checkPage(x, page, "product", checkProduct)
		}
		if err != nil {
			return nil, fmt.Errorf("list products: %w", c.mapError(x, err, opOther))
		}
		for _, s := range page.GetValue() {
			out = append(out, productFromModel(s))
		}
		if next = deref(page.GetOdataNextLink()); next == "" {
			return out, nil
		}
		if err := pages.follow(x, next); err != nil {
			return nil, fmt.Errorf("list products: %w", err)
		}
	}
}

// checkProduct refuses a subscribedSku without what licensebot builds on.
func checkProduct(x *exchange, s models.SubscribedSkuable) error {
	id := uuidString(s.GetSkuId())
	switch {
	case id == "":
		return x.unusable(nil, "a product without skuId")
	case deref(s.GetSkuPartNumber()) == "":
		return x.unusable(nil, "product %s has no skuPartNumber", id)
	case s.GetConsumedUnits() == nil:
		return x.unusable(nil, "product %s has no consumedUnits", id)
	case s.GetPrepaidUnits() == nil || s.GetPrepaidUnits().GetEnabled() == nil:
		return x.unusable(nil, "product %s has no prepaidUnits", id)
	case s.GetServicePlans() == nil:
		return x.unusable(nil, "product %s has no servicePlans", id)
	}
	for i, p := range s.GetServicePlans() {
		if p == nil || uuidString(p.GetServicePlanId()) == "" {
			return x.unusable(nil, "service plan %d of product %s has no servicePlanId", i+1, id)
		}
	}
	return nil
}

func productFromModel(s models.SubscribedSkuable) licensing.TenantProduct {
	p := licensing.TenantProduct{
		SKUID:            uuidString(s.GetSkuId()),
		PartNumber:       deref(s.GetSkuPartNumber()),
		CapabilityStatus: deref(s.GetCapabilityStatus()),
		Assigned:         int(deref(s.GetConsumedUnits())),
		Purchased:        int(deref(s.GetPrepaidUnits().GetEnabled())),
	}
	for _, plan := range s.GetServicePlans() {
		p.ServicePlans = append(p.ServicePlans, licensing.ServicePlanState{
			ID:                 uuidString(plan.GetServicePlanId()),
			Name:               deref(plan.GetServicePlanName()),
			ProvisioningStatus: deref(plan.GetProvisioningStatus()),
		})
	}
	return p
}

// Subscriptions lists the organisation's commercial subscriptions (GET
// /directory/subscriptions, following @odata.nextLink within Config.MaxPages), for their
// lifecycle dates and owners. It needs Organization.Read.All (or Directory.Read.All), which
// subscribedSkus does not. A subscription without its id or skuId is refused.
func (c *Client) Subscriptions(ctx context.Context) ([]licensing.Subscription, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	builder := directory.NewSubscriptionsRequestBuilderInternal(map[string]string{"baseurl": c.baseURL}, c.adapter)
	var out []licensing.Subscription
	pages := c.pager()
	for next := ""; ; {
		rctx, x := request(ctx)
		var (
			page models.CompanySubscriptionCollectionResponseable
			err  error
		)
		if next == "" {
			page, err = builder.Get(rctx, nil)
		} else {
			page, err = builder.WithUrl(next).Get(rctx, nil)
		}
		if err == nil {
			err = checkPage(x, page, "subscription", func(x *exchange, s models.CompanySubscriptionable) error {
				switch {
				case deref(s.GetId()) == "":
					return x.unusable(nil, "a subscription without id")
				case deref(s.GetSkuId()) == "":
					return x.unusable(nil, "subscription %s has no skuId", deref(s.GetId()))
				}
				return nil
			})
		}
		if err != nil {
			return nil, fmt.Errorf("list subscriptions: %w", c.mapError(x, err, opOther))
		}
		for _, s := range page.GetValue() {
			out = append(out, subscriptionFromModel(s))
		}
		if next = deref(page.GetOdataNextLink()); next == "" {
			return out, nil
		}
		if err := pages.follow(x, next); err != nil {
			return nil, fmt.Errorf("list subscriptions: %w", err)
		}
	}
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
	rctx, x := request(ctx)
	page, err := c.subscribedSKUs().Get(rctx, &subscribedskus.SubscribedSkusRequestBuilderGetRequestConfiguration{
		QueryParameters: &subscribedskus.SubscribedSkusRequestBuilderGetQueryParameters{Select: []string{"skuId"}},
	})
	if err == nil {
		// Graph answered; is it Graph? Its products themselves are Products' business.
		err = checkPage(x, page, "product", nil)
	}
	if err != nil {
		return fmt.Errorf("ping graph: %w", c.mapError(x, err, opOther))
	}
	return nil
}
