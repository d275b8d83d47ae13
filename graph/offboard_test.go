package graph

import (
	"context"
	"errors"
	"testing"

	"github.com/licensebot/licensebot/graph/graphtest"
	"github.com/licensebot/licensebot/licensing"
)

func TestBlockSignInAndRevokeSessions(t *testing.T) {
	c, srv := newTenant(t, graphtest.SampleTenant())
	ctx := context.Background()
	id := userID(t, srv, "bob@contoso.example")
	if _, err := c.BlockSignIn(ctx, id); err != nil {
		t.Fatal(err)
	}
	if u, _ := srv.User(id); u.AccountEnabled {
		t.Fatal("still enabled")
	}
	if _, err := c.RevokeSessions(ctx, id); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Revocations(id)); n != 1 {
		t.Fatalf("%d revocations", n)
	}
	if _, err := c.EnableSignIn(ctx, id); err != nil {
		t.Fatal(err)
	}
	if u, _ := srv.User(id); !u.AccountEnabled {
		t.Fatal("not enabled again")
	}
	if _, err := c.BlockSignIn(ctx, "9e1f0000-0000-4000-8000-000000000000"); !errors.Is(err, licensing.ErrUserNotFound) {
		t.Fatalf("an unknown user: %v", err)
	}
}

func TestMailboxPurpose(t *testing.T) {
	tenant := graphtest.SampleTenant()
	for i := range tenant.Users {
		switch tenant.Users[i].UserPrincipalName {
		case "patti@contoso.example":
			tenant.Users[i].MailboxPurpose = "shared"
		case "pradeep@contoso.example":
			tenant.Users[i].MailboxPurpose = "none"
		}
	}
	c, srv := newTenant(t, tenant)
	for upn, want := range map[string]string{"bob@contoso.example": "user", "patti@contoso.example": "shared", "pradeep@contoso.example": "none"} {
		got, err := c.MailboxPurpose(context.Background(), userID(t, srv, upn))
		if err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", upn, got, err, want)
		}
	}
}
