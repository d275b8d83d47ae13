package identity

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Cloud names a Microsoft cloud instance; the values are the ones
// GRAPH_CLOUD takes.
type Cloud string

// The cloud instances Microsoft Entra ID is deployed in.
const (
	CloudGlobal   Cloud = "global"   // worldwide service
	CloudUSGov    Cloud = "usgov"    // US Government L4 (GCC High)
	CloudUSGovDoD Cloud = "usgovdod" // US Government L5 (DoD): same sign-in host as usgov
	CloudChina    Cloud = "china"    // operated by 21Vianet
)

// AuthorityHost is the Entra authentication endpoint of a cloud, from
// Microsoft's "National clouds" page, table "Microsoft Entra authentication
// endpoints":
// https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud
//
// China is https://login.partner.microsoftonline.cn, as that page says, not
// the older https://login.chinacloudapi.cn (still what azidentity's
// cloud.AzureChina uses): the discovery document served at the older host
// names the partner host as its issuer, and discovery (go-oidc's NewProvider)
// requires the issuer to be the URL it was asked at, exactly.
func AuthorityHost(c Cloud) (string, error) {
	switch c {
	case "", CloudGlobal:
		return "https://login.microsoftonline.com", nil
	case CloudUSGov, CloudUSGovDoD:
		return "https://login.microsoftonline.us", nil
	case CloudChina:
		return "https://login.partner.microsoftonline.cn", nil
	}
	return "", fmt.Errorf("identity: unknown cloud %q (want global, usgov, usgovdod or china)", c)
}

// Config says which tenant and which app registration a sign-in is for.
type Config struct {
	// TenantID is the directory (tenant) id, a GUID. Not a domain name, nor
	// common or organizations: the issuer of a tenant's v2.0 tokens is
	// {authority}/{tenant GUID}/v2.0, and only a GUID makes the discovery
	// document's issuer equal to the URL it was read from.
	TenantID string
	// ClientID is the application (client) id of the app registration: the
	// audience of the ID tokens.
	ClientID string
	// ClientSecret, optional, is sent on the authorization code exchange (a
	// "Web" redirect URI makes the app a confidential client). The device
	// flow never sends it: it needs the registration's "Allow public client
	// flows", and Entra refuses a secret from a public client.
	ClientSecret string
	// Cloud picks the authority host (AuthorityHost); empty means global.
	Cloud Cloud
	// AuthorityURL, when set, replaces the cloud's host (tests: the fake's
	// loopback URL). No trailing slash needed.
	AuthorityURL string
	// RedirectURL is where Entra sends the browser back with the
	// authorization code; empty when serve has no public URL, and then only
	// the device flow is offered.
	RedirectURL string
	// AuthContext, optional, is a Conditional Access authentication
	// context id (e.g. "c1") every sign-in asks Entra to satisfy, with the
	// claims request parameter {"id_token":{"acrs":{"essential":true,
	// "value":"c1"}}}; a policy on it (say, "require MFA") then applies to
	// the sign-in and the token says so in acrs. Microsoft documents the
	// parameter for the authorization request; the device code request is
	// sent it too (MSAL does the same), which a real tenant should confirm.
	AuthContext string
	// Now is the clock tokens are checked against; nil means time.Now.
	Now func() time.Time
	// HTTPClient, optional, carries every request; its responses are read
	// up to 1 MiB each. Nil means a client with a 30 s timeout.
	HTTPClient *http.Client
	// Timeout bounds each call (discovery, device code request, code
	// exchange); 0 means 30 s. Waiting for a device sign-in is bounded by
	// the code's own expiry instead.
	Timeout time.Duration
}

var guid = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// authContextID is an authentication context id: c1 through c99, as Graph's authContext
// resource documents them (https://learn.microsoft.com/graph/api/resources/authcontext).
var authContextID = regexp.MustCompile(`^[cC]([1-9]|[1-9][0-9])$`)

// check says what is wrong with the configuration, all of it at once.
func (c Config) check() error {
	var errs []error
	if !guid.MatchString(c.TenantID) {
		errs = append(errs, fmt.Errorf("identity: tenant id %q is not a GUID (a domain name, common or organizations can't be verified against one issuer)", c.TenantID))
	}
	if strings.TrimSpace(c.ClientID) == "" {
		errs = append(errs, errors.New("identity: client id is empty"))
	}
	if c.AuthContext != "" && !authContextID.MatchString(c.AuthContext) {
		errs = append(errs, fmt.Errorf("identity: authentication context %q is not c1 to c99", c.AuthContext))
	}
	if c.AuthorityURL == "" {
		if _, err := AuthorityHost(c.Cloud); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// authority is the authority host this configuration signs in at.
func (c Config) authority() string {
	if c.AuthorityURL != "" {
		return strings.TrimSuffix(c.AuthorityURL, "/")
	}
	h, _ := AuthorityHost(c.Cloud)
	return h
}

// Issuer is the issuer of this tenant's v2.0 ID tokens and the URL its
// discovery document is read under ({Issuer}/.well-known/openid-configuration):
// {authority}/{tenant}/v2.0, per "OpenID Connect on the Microsoft identity
// platform" (authority URL and "Find your app's OpenID configuration document
// URI"): https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc
func (c Config) Issuer() string {
	return c.authority() + "/" + strings.ToLower(c.TenantID) + "/v2.0"
}

func (c Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c Config) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return 30 * time.Second
}
