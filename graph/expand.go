package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/licensebot/licensebot/licensing"
)

// Targets that name many users: a group's members, or everyone who holds a product. Each
// listing follows @odata.nextLink in pages of 999 (the most Graph serves for directory
// objects), within Config.MaxPages and the call's Timeout.

// pageTop is the page size asked for: "$top … 1 and 999 inclusive" for directory objects.
const pageTop = int32(999)

// Expansion is what a group or a product's holders expanded into: object ids of users, and
// how many were left out (members that aren't users; holders through a group only).
type Expansion struct {
	ID, Name string
	UserIDs  []string
	LeftOut  int
	// Via says where inactivity was read: "" (sign-in activity) or "report" (the Microsoft
	// 365 activity report, for a tenant without Entra ID P1).
	Via string
}

// GroupUsers finds a group by object id or by display name (exactly one group must have
// it) and lists the users among its transitive members (List group transitive members:
// GET /groups/{id}/transitiveMembers, members of nested groups included, each once; the
// least privileged application permission is GroupMember.Read.All). Members that are not
// users (devices, contacts, service principals, the nested groups themselves) are counted
// in LeftOut.
func (c *Client) GroupUsers(ctx context.Context, group string) (Expansion, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	g, err := c.findGroup(ctx, group)
	if err != nil {
		return Expansion{}, err
	}
	out := Expansion{ID: g.id, Name: g.name}
	builder := groups.NewGroupItemRequestBuilderInternal(map[string]string{"baseurl": c.baseURL, "group%2Did": g.id}, c.adapter).TransitiveMembers()
	top := pageTop
	pages := c.pager()
	seen := map[string]bool{}
	for next := ""; ; {
		rctx, x := request(ctx)
		var (
			page models.DirectoryObjectCollectionResponseable
			err  error
		)
		if next == "" {
			page, err = builder.Get(rctx, &groups.ItemTransitiveMembersRequestBuilderGetRequestConfiguration{
				QueryParameters: &groups.ItemTransitiveMembersRequestBuilderGetQueryParameters{Top: &top},
			})
		} else {
			page, err = builder.WithUrl(next).Get(rctx, nil)
		}
		if err == nil {
			err = checkPage(x, page, "member", func(x *exchange, o models.DirectoryObjectable) error {
				if deref(o.GetId()) == "" {
					return x.unusable(nil, "a member without id")
				}
				return nil
			})
		}
		if err != nil {
			return Expansion{}, fmt.Errorf("members of group %s: %w", g.name, c.mapError(x, err, opOther))
		}
		for _, o := range page.GetValue() {
			id := strings.ToLower(deref(o.GetId()))
			if seen[id] {
				continue
			}
			seen[id] = true
			if strings.EqualFold(deref(o.GetOdataType()), "#microsoft.graph.user") {
				out.UserIDs = append(out.UserIDs, id)
			} else {
				out.LeftOut++
			}
		}
		if next = deref(page.GetOdataNextLink()); next == "" {
			return out, nil
		}
		if err := pages.follow(x, next); err != nil {
			return Expansion{}, fmt.Errorf("members of group %s: %w", g.name, err)
		}
	}
}

type foundGroup struct{ id, name string }

// findGroup reads a group by object id, or finds the one group with that display name
// (GET /groups?$filter=displayName eq '…'; the least privileged application permission is
// GroupMember.Read.All).
func (c *Client) findGroup(ctx context.Context, group string) (foundGroup, error) {
	q := strings.TrimSpace(group)
	if isObjectID(q) {
		g, err := c.group(ctx, strings.ToLower(q), map[string]licensing.Group{})
		if err != nil {
			return foundGroup{}, err
		}
		if g.DisplayName == "" {
			// group reports a 403 or 404 by id only: a target must be readable.
			return foundGroup{}, fmt.Errorf("group %s: %w", q, licensing.ErrGroupNotFound)
		}
		return foundGroup{id: g.ID, name: g.DisplayName}, nil
	}
	if q == "" || len(q) > 256 {
		return foundGroup{}, fmt.Errorf("group %q: %w", group, licensing.ErrGroupNotFound)
	}
	rctx, x := request(ctx)
	filter := "displayName eq " + odataString(q)
	top := int32(2)
	page, err := c.groupsBuilder().Get(rctx, &groups.GroupsRequestBuilderGetRequestConfiguration{
		QueryParameters: &groups.GroupsRequestBuilderGetQueryParameters{Filter: &filter, Select: []string{"id", "displayName"}, Top: &top},
	})
	if err == nil {
		err = checkPage(x, page, "group", func(x *exchange, g models.Groupable) error {
			if deref(g.GetId()) == "" {
				return x.unusable(nil, "a group without id")
			}
			return nil
		})
	}
	if err != nil {
		return foundGroup{}, fmt.Errorf("find group %s: %w", q, c.mapError(x, err, opOther))
	}
	switch found := page.GetValue(); {
	case len(found) == 0:
		return foundGroup{}, fmt.Errorf("group %s: %w", q, licensing.ErrGroupNotFound)
	case len(found) > 1 || deref(page.GetOdataNextLink()) != "":
		return foundGroup{}, fmt.Errorf("group %s: %w", q, licensing.ErrAmbiguousGroup)
	default:
		return foundGroup{id: strings.ToLower(deref(found[0].GetId())), name: deref(found[0].GetDisplayName())}, nil
	}
}

func (c *Client) groupsBuilder() *groups.GroupsRequestBuilder {
	return groups.NewGroupsRequestBuilderInternal(map[string]string{"baseurl": c.baseURL}, c.adapter)
}

// ProductHolders lists the users who hold the product directly (GET /users?$filter=
// assignedLicenses/any(x:x/skuId eq {id}), with licenseAssignmentStates to tell a direct
// assignment from one inherited from a group; User.Read.All). Holders through groups only
// are counted in LeftOut: their license can't be removed from them one by one.
func (c *Client) ProductHolders(ctx context.Context, skuID string) (Expansion, error) {
	sku := strings.ToLower(strings.TrimSpace(skuID))
	if !isObjectID(sku) {
		return Expansion{}, fmt.Errorf("holders of %q: %w", skuID, licensing.ErrUnknownSKU)
	}
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	builder := c.users()
	filter := "assignedLicenses/any(x:x/skuId eq " + sku + ")"
	top := pageTop
	out := Expansion{ID: sku}
	pages := c.pager()
	seen := map[string]bool{}
	for next := ""; ; {
		rctx, x := request(ctx)
		var (
			page models.UserCollectionResponseable
			err  error
		)
		if next == "" {
			page, err = builder.Get(rctx, &users.UsersRequestBuilderGetRequestConfiguration{
				QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Filter: &filter, Top: &top,
					Select: []string{"id", "userPrincipalName", "licenseAssignmentStates"}},
			})
		} else {
			page, err = builder.WithUrl(next).Get(rctx, nil)
		}
		if err == nil {
			err = checkPage(x, page, "user", checkUser)
		}
		if err != nil {
			return Expansion{}, fmt.Errorf("holders of %s: %w", sku, c.mapError(x, err, opOther))
		}
		for _, u := range page.GetValue() {
			id := strings.ToLower(deref(u.GetId()))
			if seen[id] {
				continue
			}
			seen[id] = true
			direct := false
			for _, st := range u.GetLicenseAssignmentStates() {
				if st != nil && uuidString(st.GetSkuId()) == sku && deref(st.GetAssignedByGroup()) == "" {
					direct = true
				}
			}
			if direct {
				out.UserIDs = append(out.UserIDs, id)
			} else {
				out.LeftOut++
			}
		}
		if next = deref(page.GetOdataNextLink()); next == "" {
			return out, nil
		}
		if err := pages.follow(x, next); err != nil {
			return Expansion{}, fmt.Errorf("holders of %s: %w", sku, err)
		}
	}
}

// InactiveUsers lists the users who hold one of the products directly and whose last
// successful sign-in (signInActivity.lastSuccessfulSignInDateTime; never, when null) is
// before cutoff: GET /users?$filter=assignedLicenses/any(x:x/skuId eq …)&$select=…,
// signInActivity, per product. Reading signInActivity needs Microsoft Entra ID P1 or P2 and
// AuditLog.Read.All (user resource, signInActivity property); a tenant without P1 answers 403
// Authentication_RequestFromNonPremiumTenantOrB2CTenant, and then Microsoft 365's activity
// report is read instead (activityReport; Via "report"); when it can't be either, the error
// wraps licensing.ErrNoPremium (and licensing.ErrConcealedReport when names are concealed).
// Accounts created after cutoff, or given one of the products after it (the direct
// assignment's lastUpdatedDateTime), are counted in LeftOut, not listed: they haven't had
// the whole window to sign in.
func (c *Client) InactiveUsers(ctx context.Context, skuIDs []string, cutoff time.Time) (Expansion, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	e, err := c.inactive(ctx, skuIDs, cutoff, nil)
	if !errors.Is(err, licensing.ErrNoPremium) {
		return e, err
	}
	// Without Entra ID P1: Microsoft 365's activity report (Reports.Read.All), whose dates
	// are days, not sign-ins, and cover the last 180 days.
	last, rerr := c.activityReport(ctx)
	if rerr != nil {
		return Expansion{}, fmt.Errorf("%w; and %w", err, rerr)
	}
	e, err = c.inactive(ctx, skuIDs, cutoff, last)
	e.Via = "report"
	return e, err
}

// inactive lists the direct holders of the products and keeps those inactive since cutoff:
// by signInActivity, or, with report (last activity by lower-case UPN), by the report; a
// holder the report doesn't list is left out (nothing is known of them).
func (c *Client) inactive(ctx context.Context, skuIDs []string, cutoff time.Time, report map[string]time.Time) (Expansion, error) {
	var out Expansion
	seen := map[string]bool{}
	fields := []string{"id", "userPrincipalName", "createdDateTime", "licenseAssignmentStates"}
	if report == nil {
		fields = append(fields, "signInActivity")
	}
	for _, skuID := range skuIDs {
		sku := strings.ToLower(strings.TrimSpace(skuID))
		if !isObjectID(sku) {
			return Expansion{}, fmt.Errorf("inactive holders of %q: %w", skuID, licensing.ErrUnknownSKU)
		}
		filter := "assignedLicenses/any(x:x/skuId eq " + sku + ")"
		top := pageTop
		pages := c.pager()
		for next := ""; ; {
			rctx, x := request(ctx)
			var (
				page models.UserCollectionResponseable
				err  error
			)
			if next == "" {
				page, err = c.users().Get(rctx, &users.UsersRequestBuilderGetRequestConfiguration{
					QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Filter: &filter, Top: &top, Select: fields},
				})
			} else {
				page, err = c.users().WithUrl(next).Get(rctx, nil)
			}
			if err == nil {
				err = checkPage(x, page, "user", checkUser)
			}
			if err != nil {
				mapped := c.mapError(x, err, opOther)
				if ge := graphErrorOf(mapped); ge != nil && strings.EqualFold(ge.Code, "Authentication_RequestFromNonPremiumTenantOrB2CTenant") {
					return Expansion{}, fmt.Errorf("sign-in activity: %w: %w", licensing.ErrNoPremium, mapped)
				}
				return Expansion{}, fmt.Errorf("inactive holders of %s: %w", sku, mapped)
			}
			for _, u := range page.GetValue() {
				id := strings.ToLower(deref(u.GetId()))
				if seen[id] {
					continue
				}
				direct, recent := false, false
				for _, st := range u.GetLicenseAssignmentStates() {
					if st == nil || uuidString(st.GetSkuId()) != sku || deref(st.GetAssignedByGroup()) != "" {
						continue
					}
					direct = true
					if at := st.GetLastUpdatedDateTime(); at != nil && at.After(cutoff) {
						recent = true
					}
				}
				if !direct {
					continue // through a group only: not this product's to take back
				}
				seen[id] = true
				if created := u.GetCreatedDateTime(); recent || (created != nil && created.After(cutoff)) {
					out.LeftOut++
					continue
				}
				var last *time.Time
				if report != nil {
					t, listed := report[strings.ToLower(deref(u.GetUserPrincipalName()))]
					if !listed {
						out.LeftOut++
						continue
					}
					if !t.IsZero() {
						last = &t
					}
				} else if a := u.GetSignInActivity(); a != nil {
					last = a.GetLastSuccessfulSignInDateTime()
				}
				if last == nil || last.Before(cutoff) {
					out.UserIDs = append(out.UserIDs, id)
				}
			}
			if next = deref(page.GetOdataNextLink()); next == "" {
				break
			}
			if err := pages.follow(x, next); err != nil {
				return Expansion{}, fmt.Errorf("inactive holders of %s: %w", sku, err)
			}
		}
	}
	return out, nil
}

// SignInActivityReadable asks for one user's signInActivity (GET /users?$top=1&$select=id,
// signInActivity), for doctor: nil when it can be read; an error wrapping
// licensing.ErrNoPremium when the tenant has no Microsoft Entra ID P1 or P2, or
// licensing.ErrForbidden when the app lacks AuditLog.Read.All.
func (c *Client) SignInActivityReadable(ctx context.Context) error {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	rctx, x := request(ctx)
	top := int32(1)
	page, err := c.users().Get(rctx, &users.UsersRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Top: &top, Select: []string{"id", "signInActivity"}},
	})
	if err == nil {
		err = checkPage(x, page, "user", nil)
	}
	if err != nil {
		mapped := c.mapError(x, err, opOther)
		if ge := graphErrorOf(mapped); ge != nil && strings.EqualFold(ge.Code, "Authentication_RequestFromNonPremiumTenantOrB2CTenant") {
			return fmt.Errorf("sign-in activity: %w: %w", licensing.ErrNoPremium, mapped)
		}
		return fmt.Errorf("sign-in activity: %w", mapped)
	}
	return nil
}
