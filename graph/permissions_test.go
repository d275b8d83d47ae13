package graph

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"testing"

	"github.com/licensebot/licensebot/graph/graphtest"
)

func jwtWithPayload(payload string, pad bool) string {
	enc := base64.RawURLEncoding.EncodeToString
	p := enc([]byte(payload))
	if pad {
		p = base64.URLEncoding.EncodeToString([]byte(payload))
	}
	return enc([]byte(`{"alg":"RS256"}`)) + "." + p + "." + enc([]byte("sig"))
}

func TestRolesFromToken(t *testing.T) {
	tests := []struct {
		name    string
		token   string
		want    []string
		wantErr error
	}{
		{"an app-only token gives its roles", graphtest.Token("User.Read.All", "LicenseAssignment.ReadWrite.All"),
			[]string{"User.Read.All", "LicenseAssignment.ReadWrite.All"}, nil},
		{"a token without roles gives none", graphtest.Token(), []string{}, nil},
		{"padded base64 is read too", jwtWithPayload(`{"roles":["Directory.Read.All"]}`, true), []string{"Directory.Read.All"}, nil},
		{"a made-up static token is unreadable", "graph-t0ken", nil, ErrTokenUnreadable},
		{"two parts are not a JWT", "abc.def", nil, ErrTokenUnreadable},
		{"an empty payload is unreadable", "abc..def", nil, ErrTokenUnreadable},
		{"a payload that isn't base64url is unreadable", "abc.!!!.def", nil, ErrTokenUnreadable},
		{"a payload that isn't JSON is unreadable", jwtWithPayload("not json", false), nil, ErrTokenUnreadable},
		{"a delegated token is refused", jwtWithPayload(`{"scp":"User.Read Directory.Read.All"}`, false), nil, ErrDelegatedToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rolesFromToken(tt.token)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && !slices.Equal(got, tt.want) {
				t.Fatalf("roles %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPermissionGrantedBy(t *testing.T) {
	byName := map[string]Permission{}
	for _, p := range RequiredPermissions() {
		byName[p.Name] = p
	}
	tests := []struct {
		name       string
		permission string
		roles      []string
		want       bool
	}{
		{"the permission itself", "LicenseAssignment.ReadWrite.All", []string{"LicenseAssignment.ReadWrite.All"}, true},
		{"names compare case-insensitively", "User.Read.All", []string{"user.read.all"}, true},
		{"User.ReadWrite.All covers assignLicense", "LicenseAssignment.ReadWrite.All", []string{"User.ReadWrite.All"}, true},
		{"Directory.ReadWrite.All covers assignLicense", "LicenseAssignment.ReadWrite.All", []string{"Directory.ReadWrite.All"}, true},
		{"Directory.Read.All does not cover assignLicense", "LicenseAssignment.ReadWrite.All", []string{"Directory.Read.All"}, false},
		{"Directory.Read.All covers roles", "RoleManagement.Read.Directory", []string{"Directory.Read.All"}, true},
		{"Group.Read.All covers group names", "GroupMember.Read.All", []string{"Group.Read.All"}, true},
		{"Directory.Read.All covers the subscriptions", "Organization.Read.All", []string{"Directory.Read.All"}, true},
		{"LicenseAssignment.ReadWrite.All covers subscribedSkus", "LicenseAssignment.Read.All", []string{"LicenseAssignment.ReadWrite.All"}, true},
		{"Organization.Read.All covers subscribedSkus", "LicenseAssignment.Read.All", []string{"Organization.Read.All"}, true},
		{"User.ReadWrite.All doesn't cover subscribedSkus", "LicenseAssignment.Read.All", []string{"User.ReadWrite.All"}, false},
		{"Group.Read.All is not needed where GroupMember.Read.All will do, but covers it", "GroupMember.Read.All", []string{"Group.Read.All"}, true},
		{"no roles cover nothing", "User.Read.All", nil, false},
		{"an unrelated role covers nothing", "User.Read.All", []string{"Mail.Send"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := byName[tt.permission]
			if !ok {
				t.Fatalf("%s is not a required permission", tt.permission)
			}
			if got := p.GrantedBy(tt.roles); got != tt.want {
				t.Fatalf("GrantedBy(%q) = %v, want %v", tt.roles, got, tt.want)
			}
		})
	}
	for _, p := range RequiredPermissions() {
		if !p.GrantedBy(graphtest.BotRoles()) {
			t.Errorf("graphtest.BotRoles lacks %s", p.Name)
		}
	}
}

func TestAppPermissionsReadsTheStaticToken(t *testing.T) {
	roles, err := AppPermissions(context.Background(), Config{AccessToken: graphtest.Token("User.Read.All")})
	if err != nil || !slices.Equal(roles, []string{"User.Read.All"}) {
		t.Fatalf("AppPermissions = %q, %v", roles, err)
	}
	if _, err := AppPermissions(context.Background(), Config{AccessToken: "opaque"}); !errors.Is(err, ErrTokenUnreadable) {
		t.Fatalf("opaque token: err %v, want ErrTokenUnreadable", err)
	}
	if _, err := AppPermissions(context.Background(), Config{}); err == nil {
		t.Fatal("no credentials: no error")
	}
}

func FuzzRolesFromToken(f *testing.F) {
	f.Add(graphtest.Token("User.Read.All"))
	f.Add("graph-t0ken")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, token string) {
		roles, err := rolesFromToken(token)
		if err != nil && roles != nil {
			t.Fatalf("roles %q with error %v", roles, err)
		}
	})
}
