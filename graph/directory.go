package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/licensebot/licensebot/licensing"
)

// ActiveRoles returns the role template ids of the directory roles the user holds now,
// directly or through role-assignable groups (GET /users/{id}/transitiveMemberOf/
// microsoft.graph.directoryRole, following @odata.nextLink). PIM-eligible roles are not
// active and are not listed by Graph here.
func (c *Client) ActiveRoles(ctx context.Context, userID string) ([]string, error) {
	if strings.TrimSpace(userID) == "" {
		return nil, fmt.Errorf("active roles: %w", ErrBadUserQuery)
	}
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	builder := c.users().ByUserId(userID).TransitiveMemberOf().GraphDirectoryRole()
	// List a user's memberships documents ConsistencyLevel: eventual with $count as required
	// for an OData cast (and any query parameter on this API); Graph also accepts them where
	// they are optional, so they are always sent.
	headers := abs.NewRequestHeaders()
	headers.Add("ConsistencyLevel", "eventual")
	count := true
	first := &users.ItemTransitiveMemberOfGraphDirectoryRoleRequestBuilderGetRequestConfiguration{
		Headers: headers,
		QueryParameters: &users.ItemTransitiveMemberOfGraphDirectoryRoleRequestBuilderGetQueryParameters{
			Count:  &count,
			Select: []string{"id", "displayName", "roleTemplateId"},
		},
	}
	fail := func(x *exchange, err error) ([]string, error) {
		return nil, fmt.Errorf("active roles of %s: %w", userID, c.mapError(x, err, opUserLookup))
	}
	var roles []string
	seen := map[string]bool{}
	pages := c.pager()
	for next := ""; ; {
		rctx, x := request(ctx)
		var (
			page models.DirectoryRoleCollectionResponseable
			err  error
		)
		if next == "" {
			page, err = builder.Get(rctx, first)
		} else {
			// The link carries the query; the headers go again.
			page, err = builder.WithUrl(next).Get(rctx, &users.ItemTransitiveMemberOfGraphDirectoryRoleRequestBuilderGetRequestConfiguration{Headers: headers})
		}
		if err == nil {
			// A role without its template id can't be matched against the admin roles:
			// refuse the answer rather than decide on part of it.
			err = checkPage(x, page, "role", func(x *exchange, r models.DirectoryRoleable) error {
				if deref(r.GetRoleTemplateId()) == "" {
					return x.unusable(nil, "a directory role without roleTemplateId")
				}
				return nil
			})
		}
		if err != nil {
			return fail(x, err)
		}
		for _, r := range page.GetValue() {
			if id := strings.ToLower(deref(r.GetRoleTemplateId())); !seen[id] {
				seen[id] = true
				roles = append(roles, id)
			}
		}
		if next = deref(page.GetOdataNextLink()); next == "" {
			return roles, nil
		}
		if err := pages.follow(x, next); err != nil {
			return fail(x, err)
		}
	}
}

// Manager returns the user's manager as the directory knows them (licenses not read), or an
// error wrapping licensing.ErrNoManager when none is set. A manager that is an organisational
// contact comes back with what a contact has: id, name and mail.
func (c *Client) Manager(ctx context.Context, userID string) (licensing.User, error) {
	if strings.TrimSpace(userID) == "" {
		return licensing.User{}, fmt.Errorf("manager: %w", ErrBadUserQuery)
	}
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	rctx, x := request(ctx)
	obj, err := c.users().ByUserId(userID).Manager().Get(rctx, &users.ItemManagerRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemManagerRequestBuilderGetQueryParameters{Select: []string{
			"id", "displayName", "userPrincipalName", "mail", "accountEnabled", "usageLocation",
		}},
	})
	if err == nil {
		// Graph answers 404 when no manager is set (handled below), never an empty 200: a
		// manager without id can't be asked to approve anything.
		switch m := obj.(type) {
		case nil:
			err = x.unusable(nil, "no manager in the answer")
		case models.Userable:
			err = checkUser(x, m)
		default:
			if deref(m.GetId()) == "" {
				err = x.unusable(nil, "a manager without id")
			}
		}
	}
	if err != nil {
		// Graph answers 404 Request_ResourceNotFound ("Resource 'manager' does not exist…")
		// when no manager is set.
		return licensing.User{}, fmt.Errorf("manager of %s: %w", userID, c.mapError(x, err, opManagerLookup))
	}
	switch m := obj.(type) {
	case models.Userable:
		return userFromModel(m), nil
	case models.OrgContactable:
		return licensing.User{ID: strings.ToLower(deref(m.GetId())), DisplayName: deref(m.GetDisplayName()), Mail: deref(m.GetMail())}, nil
	default:
		return licensing.User{ID: strings.ToLower(deref(m.GetId()))}, nil
	}
}

// graphErrorOf finds the *licensing.GraphError in err, if any.
func graphErrorOf(err error) *licensing.GraphError {
	var ge *licensing.GraphError
	if errors.As(err, &ge) {
		return ge
	}
	return nil
}
