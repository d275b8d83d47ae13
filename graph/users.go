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
	u, err := c.findUser(ctx, query, userFields)
	if err != nil {
		return licensing.User{}, err
	}
	user := userFromModel(u)
	if user.Licenses, err = c.licenses(ctx, u); err != nil {
		return licensing.User{}, fmt.Errorf("find user %s: licenses: %w", user.UserPrincipalName, err)
	}
	return user, nil
}

// FindPerson finds a user as FindUser does but reads only who they are, not their licenses:
// for callers and approvers, whose licenses the bot never needs.
func (c *Client) FindPerson(ctx context.Context, query string) (licensing.User, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	u, err := c.findUser(ctx, query, personFields)
	if err != nil {
		return licensing.User{}, err
	}
	return userFromModel(u), nil
}

// findUser reads the user the query names, with the fields asked for.
func (c *Client) findUser(ctx context.Context, query string, fields []string) (models.Userable, error) {
	q, err := parseUserQuery(query)
	if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	var u models.Userable
	if q.id != "" {
		u, err = c.users().ByUserId(q.id).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: fields},
		})
		if err != nil {
			return nil, fmt.Errorf("find user %s: %w", q.id, c.mapError(err, opUserLookup))
		}
	} else {
		// One request covers both names: a user's mail often differs from their UPN.
		filter := "mail eq " + odataString(q.name) + " or userPrincipalName eq " + odataString(q.name)
		page, err := c.users().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Filter: &filter, Select: fields},
		})
		if err != nil {
			return nil, fmt.Errorf("find user %s: %w", q.name, c.mapError(err, opUserLookup))
		}
		if u = pickUser(page.GetValue(), q.name); u == nil {
			return nil, fmt.Errorf("find user %s: %w", q.name, licensing.ErrUserNotFound)
		}
	}
	return u, nil
}

// pickUser prefers the user whose UPN is the query, then one whose mail is: Entra keeps both
// unique, but one user's mail may be another's UPN.
func pickUser(found []models.Userable, name string) models.Userable {
	for _, u := range found {
		if strings.EqualFold(deref(u.GetUserPrincipalName()), name) {
			return u
		}
	}
	for _, u := range found {
		if strings.EqualFold(deref(u.GetMail()), name) {
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
// Assignment per product, each path with the plans it turns off.
func (c *Client) licenses(ctx context.Context, u models.Userable) ([]licensing.Assignment, error) {
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

	groupCache := map[string]licensing.Group{}
	states := u.GetLicenseAssignmentStates()
	for _, st := range states {
		skuID := uuidString(st.GetSkuId())
		if skuID == "" {
			continue
		}
		state := deref(st.GetState())
		groupID := strings.ToLower(deref(st.GetAssignedByGroup()))
		if groupID == "" {
			a := assignment(skuID)
			a.Direct = true
			a.DisabledPlans = uuidStrings(st.GetDisabledPlans())
			a.State = state // the direct path's state is the one a removal acts on
			continue
		}
		g, err := c.group(ctx, groupID, groupCache)
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
		for _, l := range u.GetAssignedLicenses() {
			if skuID := uuidString(l.GetSkuId()); skuID != "" {
				a := assignment(skuID)
				a.Direct = true
				a.DisabledPlans = uuidStrings(l.GetDisabledPlans())
			}
		}
	}
	return out, nil
}

var groupFields = []string{"id", "displayName", "groupTypes", "membershipRule", "onPremisesSyncEnabled"}

// group reads a group's name and kind once per FindUser call. A group the app may not read
// (403) or that was just deleted (404) is still reported, by id.
func (c *Client) group(ctx context.Context, id string, cache map[string]licensing.Group) (licensing.Group, error) {
	if g, ok := cache[id]; ok {
		return g, nil
	}
	m, err := groups.NewGroupItemRequestBuilderInternal(map[string]string{"baseurl": c.baseURL, "group%2Did": id}, c.adapter).
		Get(ctx, &groups.GroupItemRequestBuilderGetRequestConfiguration{
			QueryParameters: &groups.GroupItemRequestBuilderGetQueryParameters{Select: groupFields},
		})
	g := licensing.Group{ID: id}
	if err != nil {
		mapped := c.mapError(err, opOther)
		if ge := graphErrorOf(mapped); ge != nil && (ge.Status == http.StatusForbidden || ge.Status == http.StatusNotFound) {
			cache[id] = g
			return g, nil
		}
		return licensing.Group{}, fmt.Errorf("group %s: %w", id, mapped)
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
