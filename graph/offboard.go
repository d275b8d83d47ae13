package graph

import (
	"context"
	"fmt"

	abs "github.com/microsoft/kiota-abstractions-go"
	khttp "github.com/microsoft/kiota-http-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// A leaver's first two steps, in the order Microsoft gives for removing a former employee's
// access ("Remove a former employee",
// https://learn.microsoft.com/microsoft-365/admin/add-users/remove-former-employee: block
// sign-in, then sign the user out of every session, then remove the licenses): each returns
// Graph's request-id.

// BlockSignIn sets the user's accountEnabled to false (PATCH /users/{id}; the least
// privileged application permission for this property is User.EnableDisableAccount.All,
// with User.Read.All) and reads it back: a PATCH Graph accepted but that didn't take is an
// error, never a success.
func (c *Client) BlockSignIn(ctx context.Context, userID string) (string, error) {
	return c.setAccountEnabled(ctx, userID, false)
}

// EnableSignIn sets accountEnabled back to true and reads it back: the undo of a leaver.
func (c *Client) EnableSignIn(ctx context.Context, userID string) (string, error) {
	return c.setAccountEnabled(ctx, userID, true)
}

func (c *Client) setAccountEnabled(ctx context.Context, userID string, enabled bool) (string, error) {
	what := "block sign-in of"
	if enabled {
		what = "allow sign-in of"
	}
	if !isObjectID(userID) {
		return "", fmt.Errorf("%s %q: %w", what, userID, ErrBadUserQuery)
	}
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	inspect := khttp.NewHeadersInspectionOptions()
	inspect.InspectResponseHeaders = true
	body := models.NewUser()
	body.SetAccountEnabled(&enabled)
	rctx, x := request(ctx)
	if _, err := c.users().ByUserId(userID).Patch(rctx, body, &users.UserItemRequestBuilderPatchRequestConfiguration{
		Options: []abs.RequestOption{inspect},
	}); err != nil {
		mapped := c.mapError(x, err, opUserLookup)
		return requestIDOf(mapped), fmt.Errorf("%s %s: %w", what, userID, mapped)
	}
	requestID := first(inspect.GetResponseHeaders().Get("request-id"))
	rctx, x = request(ctx)
	u, err := c.users().ByUserId(userID).Get(rctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: []string{"id", "accountEnabled"}},
	})
	if err != nil {
		return requestID, fmt.Errorf("%s %s: read it back: %w", what, userID, c.mapError(x, err, opUserLookup))
	}
	if u == nil || u.GetAccountEnabled() == nil || *u.GetAccountEnabled() != enabled {
		return requestID, fmt.Errorf("%s %s: %w", what, userID, x.unusable(nil, "read back, accountEnabled is not %v", enabled))
	}
	return requestID, nil
}

// RevokeSessions invalidates the user's refresh tokens and session cookies (POST
// /users/{id}/revokeSignInSessions; least privileged application permission
// User.RevokeSessions.All). Microsoft notes a delay of a few minutes before every
// application honours it.
func (c *Client) RevokeSessions(ctx context.Context, userID string) (string, error) {
	if !isObjectID(userID) {
		return "", fmt.Errorf("revoke the sessions of %q: %w", userID, ErrBadUserQuery)
	}
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	inspect := khttp.NewHeadersInspectionOptions()
	inspect.InspectResponseHeaders = true
	rctx, x := request(ctx)
	r, err := c.users().ByUserId(userID).RevokeSignInSessions().PostAsRevokeSignInSessionsPostResponse(rctx, &users.ItemRevokeSignInSessionsRequestBuilderPostRequestConfiguration{
		Options: []abs.RequestOption{inspect},
	})
	if err != nil {
		mapped := c.mapError(x, err, opUserLookup)
		return requestIDOf(mapped), fmt.Errorf("revoke the sessions of %s: %w", userID, mapped)
	}
	requestID := first(inspect.GetResponseHeaders().Get("request-id"))
	if r == nil || r.GetValue() == nil || !*r.GetValue() {
		return requestID, fmt.Errorf("revoke the sessions of %s: %w", userID, x.unusable(nil, "Graph didn't answer true"))
	}
	return requestID, nil
}

func requestIDOf(err error) string {
	if ge := graphErrorOf(err); ge != nil {
		return ge.RequestID
	}
	return ""
}

// MailboxPurpose is the user's mailbox kind, mailboxSettings' userPurpose ("user", "shared",
// "room", …; GET /users/{id}/mailboxSettings, least privileged application permission
// MailboxSettings.Read): a leaver's mailbox that is still a user mailbox loses its data 30
// days after the license goes. A user without an Exchange Online mailbox answers "none".
func (c *Client) MailboxPurpose(ctx context.Context, userID string) (string, error) {
	if !isObjectID(userID) {
		return "", fmt.Errorf("mailbox of %q: %w", userID, ErrBadUserQuery)
	}
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	rctx, x := request(ctx)
	m, err := c.users().ByUserId(userID).MailboxSettings().Get(rctx, &users.ItemMailboxSettingsRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemMailboxSettingsRequestBuilderGetQueryParameters{Select: []string{"userPurpose"}},
	})
	if err != nil {
		mapped := c.mapError(x, err, opOther)
		if ge := graphErrorOf(mapped); ge != nil && ge.Status == 404 {
			return "none", nil
		}
		return "", fmt.Errorf("mailbox of %s: %w", userID, mapped)
	}
	if m == nil || m.GetUserPurpose() == nil {
		return "", fmt.Errorf("mailbox of %s: %w", userID, x.unusable(nil, "no userPurpose in the answer"))
	}
	return m.GetUserPurpose().String(), nil
}
