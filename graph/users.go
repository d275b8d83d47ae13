package graph

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/licensebot/licensebot/licensing"
)

// userFields are the user properties the bot reads; licenseAssignmentStates, assignedLicenses,
// accountEnabled and usageLocation are "returned only on $select".
var userFields = []string{
	"id", "displayName", "userPrincipalName", "mail", "accountEnabled", "usageLocation",
	"assignedLicenses", "licenseAssignmentStates",
}

// personFields are what FindPerson reads: who the user is, not what they hold.
var personFields = []string{"id", "displayName", "userPrincipalName", "mail", "accountEnabled", "usageLocation"}

// FindUser finds a user by userPrincipalName, mail address or object id and reads every
// license they hold and how each got there (licenseAssignmentStates: directly and/or through
// groups, with the groups' names and the plans each path turns off). It reads no
// licenseDetails: Microsoft's reference for GET /users/{id}/licenseDetails lists application
// permissions as "Not supported", so an app-only token can't rely on it; what a license
// carries comes from the tenant's subscribedSkus instead (licensing.NewPlan). Anything that
// cannot be a UPN, a mail address or an object id is refused with ErrBadUserQuery before any
// request.
func (c *Client) FindUser(ctx context.Context, query string) (licensing.User, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	u, x, err := c.findUser(ctx, query, userFields)
	if err != nil {
		return licensing.User{}, err
	}
	user := userFromModel(u)
	if user.Licenses, err = c.licenses(ctx, u, x); err != nil {
		return licensing.User{}, fmt.Errorf("find user %s: licenses: %w", user.UserPrincipalName, err)
	}
	return user, nil
}

// FindPerson finds a user as FindUser does but reads only who they are, not their licenses:
// for callers and approvers, whose licenses the bot never needs.
func (c *Client) FindPerson(ctx context.Context, query string) (licensing.User, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	u, _, err := c.findUser(ctx, query, personFields)
	if err != nil {
		return licensing.User{}, err
	}
	return userFromModel(u), nil
}

// findUser reads the user the query names, with the fields asked for, and returns the
// exchange it came in (for errors about what it holds). The user has an id and a
// userPrincipalName, or the answer is refused.
func (c *Client) findUser(ctx context.Context, query string, fields []string) (models.Userable, *exchange, error) {
	q, err := parseUserQuery(query)
	if err != nil {
		return nil, nil, fmt.Errorf("find user: %w", err)
	}
	rctx, x := request(ctx)
	if q.id != "" {
		u, err := c.users().ByUserId(q.id).Get(rctx, &users.UserItemRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: fields},
		})
		if err == nil {
			err = checkUser(x, u)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("find user %s: %w", q.id, c.mapError(x, err, opUserLookup))
		}
		return u, x, nil
	}
	// One request covers both names: a user's mail often differs from their UPN.
	filter := "mail eq " + odataString(q.name) + " or userPrincipalName eq " + odataString(q.name)
	page, err := c.users().Get(rctx, &users.UsersRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Filter: &filter, Select: fields},
	})
	if err == nil {
		err = checkPage(x, page, "user", checkUser)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("find user %s: %w", q.name, c.mapError(x, err, opUserLookup))
	}
	// The filter matches at most two users (Entra keeps UPNs and mails unique), so the first
	// page holds them all and any @odata.nextLink is not followed.
	u := pickUser(page.GetValue(), q.name)
	if u == nil {
		return nil, nil, fmt.Errorf("find user %s: %w", q.name, licensing.ErrUserNotFound)
	}
	return u, x, nil
}

// page is a collection answer of the SDK: UserCollectionResponse and the like.
type page[T any] interface {
	comparable
	GetValue() []T
}

// checkPage refuses a page that is missing or has no value (an empty value is fine), and
// every element that is null or that check refuses. what names an element in errors.
func checkPage[T comparable, P page[T]](x *exchange, p P, what string, check func(*exchange, T) error) error {
	var none P
	if p == none {
		return x.unusable(nil, "no page in the answer")
	}
	values := p.GetValue()
	if values == nil {
		return x.unusable(nil, "the page has no value")
	}
	var null T
	for i, v := range values {
		if v == null {
			return x.unusable(nil, "%s %d of the page is null", what, i+1)
		}
		if check == nil {
			continue
		}
		if err := check(x, v); err != nil {
			return err
		}
	}
	return nil
}

// checkUser refuses a user without what every caller relies on: the object id (every later
// call names the user by it) and the userPrincipalName (how people are named to admins).
func checkUser(x *exchange, u models.Userable) error {
	switch {
	case u == nil:
		return x.unusable(nil, "no user in the answer")
	case deref(u.GetId()) == "":
		return x.unusable(nil, "a user without id")
	case deref(u.GetUserPrincipalName()) == "":
		return x.unusable(nil, "user %s has no userPrincipalName", deref(u.GetId()))
	}
	return nil
}

// pickUser prefers the user whose UPN is the query, then one whose mail is: Entra keeps both
// unique, but one user's mail may be another's UPN.
func pickUser(found []models.Userable, name string) models.Userable {
	for _, u := range found {
		if u != nil && strings.EqualFold(deref(u.GetUserPrincipalName()), name) {
			return u
		}
	}
	for _, u := range found {
		if u != nil && strings.EqualFold(deref(u.GetMail()), name) {
			return u
		}
	}
	return nil
}

func userFromModel(u models.Userable) licensing.User {
	return licensing.User{
		ID:                strings.ToLower(deref(u.GetId())),
		DisplayName:       deref(u.GetDisplayName()),
		UserPrincipalName: deref(u.GetUserPrincipalName()),
		Mail:              deref(u.GetMail()),
		AccountEnabled:    deref(u.GetAccountEnabled()),
		UsageLocation:     deref(u.GetUsageLocation()),
	}
}

// licenses merges the user's licenseAssignmentStates (one per product and path) into one
// Assignment per product, each path with the plans it turns off. x is the exchange the user
// came in. Both properties were asked for with $select, and Graph returns a selected
// collection even when it is empty: a user with neither, or with a state or license that is
// null or has no skuId, is refused, since a plan built on it would miss licenses.
func (c *Client) licenses(ctx context.Context, u models.Userable, x *exchange) ([]licensing.Assignment, error) {
	cache := map[string]licensing.Group{}
	return c.licensesWith(ctx, u, x, func(ctx context.Context, id string) (licensing.Group, error) {
		return c.group(ctx, id, cache)
	})
}

// licensesWith is licenses with the groups named by group.
func (c *Client) licensesWith(ctx context.Context, u models.Userable, x *exchange, group func(context.Context, string) (licensing.Group, error)) ([]licensing.Assignment, error) {
	var out []licensing.Assignment
	index := map[string]int{}
	assignment := func(skuID string) *licensing.Assignment {
		if i, ok := index[skuID]; ok {
			return &out[i]
		}
		index[skuID] = len(out)
		out = append(out, licensing.Assignment{SKUID: skuID})
		return &out[len(out)-1]
	}

	states, assigned := u.GetLicenseAssignmentStates(), u.GetAssignedLicenses()
	if states == nil && assigned == nil {
		return nil, x.unusable(nil, "user %s has neither licenseAssignmentStates nor assignedLicenses", deref(u.GetId()))
	}
	for i, st := range states {
		if st == nil || uuidString(st.GetSkuId()) == "" {
			return nil, x.unusable(nil, "licenseAssignmentStates entry %d of user %s has no skuId", i+1, deref(u.GetId()))
		}
	}
	for i, l := range assigned {
		if l == nil || uuidString(l.GetSkuId()) == "" {
			return nil, x.unusable(nil, "assignedLicenses entry %d of user %s has no skuId", i+1, deref(u.GetId()))
		}
	}

	for _, st := range states {
		skuID := uuidString(st.GetSkuId())
		state := deref(st.GetState())
		groupID := strings.ToLower(deref(st.GetAssignedByGroup()))
		if groupID == "" {
			a := assignment(skuID)
			a.Direct = true
			a.DisabledPlans = uuidStrings(st.GetDisabledPlans())
			a.State = state // the direct path's state is the one a removal acts on
			continue
		}
		g, err := group(ctx, groupID)
		if err != nil {
			return nil, err
		}
		g.DisabledPlans = uuidStrings(st.GetDisabledPlans())
		a := assignment(skuID)
		a.Groups = append(a.Groups, g)
		if a.State == "" {
			a.State = state
		}
	}
	if len(states) == 0 {
		// Without assignment states (older data), assignedLicenses is all there is: Graph
		// lists there every product the user holds, and a removal needs a direct path.
		for _, l := range assigned {
			a := assignment(uuidString(l.GetSkuId()))
			a.Direct = true
			a.DisabledPlans = uuidStrings(l.GetDisabledPlans())
		}
	}
	return out, nil
}

var groupFields = []string{"id", "displayName", "groupTypes", "membershipRule", "onPremisesSyncEnabled"}

// group reads a group's name and kind once per FindUser call. A group the app may not read
// (403) or that was just deleted (404) is still reported, by id. An answer that is not the
// group asked for is refused.
func (c *Client) group(ctx context.Context, id string, cache map[string]licensing.Group) (licensing.Group, error) {
	if g, ok := cache[id]; ok {
		return g, nil
	}
	rctx, x := request(ctx)
	m, err := groups.NewGroupItemRequestBuilderInternal(map[string]string{"baseurl": c.baseURL, "group%2Did": id}, c.adapter).
		Get(rctx, &groups.GroupItemRequestBuilderGetRequestConfiguration{
			QueryParameters: &groups.GroupItemRequestBuilderGetQueryParameters{Select: groupFields},
		})
	g := licensing.Group{ID: id}
	if err != nil {
		mapped := c.mapError(x, err, opOther)
		if ge := graphErrorOf(mapped); ge != nil && (ge.Status == http.StatusForbidden || ge.Status == http.StatusNotFound) {
			cache[id] = g
			return g, nil
		}
		return licensing.Group{}, fmt.Errorf("group %s: %w", id, mapped)
	}
	switch {
	case m == nil:
		return licensing.Group{}, fmt.Errorf("group %s: %w", id, x.unusable(nil, "no group in the answer"))
	case !strings.EqualFold(deref(m.GetId()), id):
		return licensing.Group{}, fmt.Errorf("group %s: %w", id, x.unusable(nil, "the answer is not group %s", id))
	}
	g.DisplayName = deref(m.GetDisplayName())
	g.Synced = deref(m.GetOnPremisesSyncEnabled())
	g.Dynamic = deref(m.GetMembershipRule()) != ""
	for _, t := range m.GetGroupTypes() {
		g.Dynamic = g.Dynamic || strings.EqualFold(t, "DynamicMembership")
	}
	cache[id] = g
	return g, nil
}

func uuidString(id *uuid.UUID) string {
	if id == nil || *id == uuid.Nil {
		return ""
	}
	return strings.ToLower(id.String())
}

func uuidStrings(ids []uuid.UUID) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, strings.ToLower(id.String()))
	}
	return out
}
