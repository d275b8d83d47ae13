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
	page, err := builder.Get(ctx, &users.ItemTransitiveMemberOfGraphDirectoryRoleRequestBuilderGetRequestConfiguration{
		Headers: headers,
		QueryParameters: &users.ItemTransitiveMemberOfGraphDirectoryRoleRequestBuilderGetQueryParameters{
			Count:  &count,
			Select: []string{"id", "displayName", "roleTemplateId"},
		},
	})
	var roles []string
	seen := map[string]bool{}
	for err == nil {
		for _, r := range page.GetValue() {
			id := strings.ToLower(deref(r.GetRoleTemplateId()))
			if id != "" && !seen[id] {
				seen[id] = true
				roles = append(roles, id)
			}
		}
		next := deref(page.GetOdataNextLink())
		if next == "" {
			return roles, nil
		}
		page, err = builder.WithUrl(next).Get(ctx, &users.ItemTransitiveMemberOfGraphDirectoryRoleRequestBuilderGetRequestConfiguration{Headers: headers})
	}
	return nil, fmt.Errorf("active roles of %s: %w", userID, c.mapError(err, opUserLookup))
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
	obj, err := c.users().ByUserId(userID).Manager().Get(ctx, &users.ItemManagerRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemManagerRequestBuilderGetQueryParameters{Select: []string{
			"id", "displayName", "userPrincipalName", "mail", "accountEnabled", "usageLocation",
		}},
	})
	if err != nil {
		// Graph answers 404 Request_ResourceNotFound ("Resource 'manager' does not exist…")
		// when no manager is set.
		return licensing.User{}, fmt.Errorf("manager of %s: %w", userID, c.mapError(err, opManagerLookup))
	}
	switch m := obj.(type) {
	case models.Userable:
		return userFromModel(m), nil
	case models.OrgContactable:
		return licensing.User{ID: strings.ToLower(deref(m.GetId())), DisplayName: deref(m.GetDisplayName()), Mail: deref(m.GetMail())}, nil
	case nil:
		return licensing.User{}, fmt.Errorf("manager of %s: %w", userID, licensing.ErrNoManager)
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
