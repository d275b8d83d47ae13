package graph

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
)

// Cloud is the Microsoft cloud a tenant lives in. Each has its own Graph host and sign-in
// authority (https://learn.microsoft.com/graph/deployments).
type Cloud string

const (
	CloudGlobal   Cloud = "global"   // worldwide service
	CloudUSGov    Cloud = "usgov"    // US Government L4 (GCC High)
	CloudUSGovDoD Cloud = "usgovdod" // US Government L5 (DoD)
	CloudChina    Cloud = "china"    // operated by 21Vianet
)

// Config is how to reach Graph and sign in. Exactly one way to authenticate is set:
// AccessToken, UseManagedIdentity, UseWorkloadIdentity, CertificatePath or ClientSecret.
type Config struct {
	Cloud Cloud // empty means CloudGlobal
	// BaseURL overrides the service root, version included (e.g. http://127.0.0.1:1234/v1.0
	// for graphtest, or a proxy). Plain http is accepted for loopback hosts only.
	BaseURL string

	TenantID     string
	ClientID     string
	ClientSecret string
	// CertificatePath is a PEM or PKCS#12 (PFX) file with the certificate and its private key.
	CertificatePath     string
	CertificatePassword string
	// UseWorkloadIdentity signs in with a federated token (Kubernetes workload identity); the
	// tenant, client and token file default to AZURE_TENANT_ID, AZURE_CLIENT_ID and
	// AZURE_FEDERATED_TOKEN_FILE, as azidentity reads them.
	UseWorkloadIdentity bool
	// UseManagedIdentity signs in as the host's managed identity; ClientID selects a
	// user-assigned one.
	UseManagedIdentity bool
	// AccessToken is a static bearer token, for local use and tests: no azidentity involved.
	AccessToken string

	// Timeout bounds each Client call (FindUser with its group reads, a listing with all its
	// pages, one $batch of RemoveLicensesBatch): the call's deadline is the earlier of the
	// caller's and Timeout, so a caller's long deadline (a chat command's minutes) never lets
	// a hung Graph call run longer. Zero means 30 seconds.
	Timeout time.Duration
	// MaxPages bounds the pages one listing call reads by following @odata.nextLink (the
	// first page included); past it the call fails with ErrTooManyPages. Zero means
	// DefaultMaxPages. Every listing licensebot makes fits in a page or two: a user's
	// directory roles (Entra has about a hundred built-in roles; Graph's memberOf pages hold
	// 100), the tenant's subscriptions and products (a few hundred at most). A looping or
	// endless @odata.nextLink is what this stops (issue 12: 24,000 pages in 12 s).
	MaxPages int
	// MaxResponseBytes bounds the body of each HTTP answer from Graph, after decompression;
	// reading past it fails with ErrResponseTooLarge, so a huge answer costs at most about
	// this much memory (issue 12: a 25 MB answer took the process from 23 MB to 655 MB). Zero
	// means DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// Observe, when set, is told of every HTTP exchange with Graph (for metrics): the
	// operation without ids ("POST /users/{id}/assignLicense"), the status (0: no answer),
	// and the time it took.
	Observe func(operation string, status int, took time.Duration)
	// Now is the clock a Retry-After given as an HTTP date is measured against; nil means
	// time.Now.
	Now func() time.Time
}

const defaultTimeout = 30 * time.Second

// DefaultMaxPages is Config.MaxPages' default: 50 pages are 5,000 directory roles or
// subscriptions at Graph's usual 100 a page, far more than a tenant has, and 50 requests
// against a looping nextLink take a second or two, not minutes.
const DefaultMaxPages = 50

// DefaultMaxResponseBytes is Config.MaxResponseBytes' default, 8 MiB. The largest answer
// licensebot reads is GET /subscribedSkus: every product of the tenant with all its service
// plans, in one answer (List subscribedSkus documents no paging, only $select). Measured on
// Microsoft's own example (testdata/subscribedskus-list.json), a product takes about 500
// bytes plus 150 per service plan: Microsoft 365 E5, with some 90 plans, about 14 KB; a
// large tenant with 200 products of 30 plans on average, about 1 MB. The others are far
// smaller: a $batch of 20 assignLicense answers (each the user, about 1 KB), about 20-40 KB;
// a user with all their license assignment states, a few KB; a page of 100 directory roles
// or subscriptions, under 100 KB. 8 MiB leaves several times the largest real answer while
// keeping a misbehaving one from costing more than a few tens of MB.
const DefaultMaxResponseBytes = 8 << 20

type cloudEndpoints struct {
	graph string // service URL without version
	azure cloud.Configuration
}

func endpointsOf(c Cloud) (cloudEndpoints, error) {
	switch c {
	case "", CloudGlobal:
		return cloudEndpoints{"https://graph.microsoft.com", cloud.AzurePublic}, nil
	case CloudUSGov:
		return cloudEndpoints{"https://graph.microsoft.us", cloud.AzureGovernment}, nil
	case CloudUSGovDoD:
		return cloudEndpoints{"https://dod-graph.microsoft.us", cloud.AzureGovernment}, nil
	case CloudChina:
		return cloudEndpoints{"https://microsoftgraph.chinacloudapi.cn", cloud.AzureChina}, nil
	}
	return cloudEndpoints{}, fmt.Errorf("unknown cloud %q (want global, usgov, usgovdod or china)", c)
}

// Endpoints returns the Graph service URL (without version) and the sign-in authority of a
// cloud, e.g. "https://graph.microsoft.us" and "https://login.microsoftonline.us/".
func Endpoints(c Cloud) (graphURL, authority string, err error) {
	e, err := endpointsOf(c)
	if err != nil {
		return "", "", err
	}
	return e.graph, e.azure.ActiveDirectoryAuthorityHost, nil
}

// settings is a validated Config with everything derived from it.
type settings struct {
	Config
	endpoints cloudEndpoints
	baseURL   string   // service root with version, no trailing slash
	scope     string   // Graph host + "/.default"
	hosts     []string // hosts a token may be sent to
}

func (c Config) validate() (settings, error) {
	var errs []error
	s := settings{Config: c}
	e, err := endpointsOf(c.Cloud)
	if err != nil {
		errs = append(errs, err)
	}
	s.endpoints = e
	s.scope = e.graph + "/.default"
	s.baseURL = e.graph + "/v1.0"
	if e.graph != "" {
		s.hosts = append(s.hosts, strings.TrimPrefix(e.graph, "https://"))
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
			errs = append(errs, fmt.Errorf("base URL %q is not an absolute http(s) URL", c.BaseURL))
		case u.Scheme == "http" && !isLoopback(u.Hostname()):
			// A bearer token must not cross the network in clear text.
			errs = append(errs, fmt.Errorf("base URL %q: plain http is allowed for loopback hosts only", c.BaseURL))
		case u.RawQuery != "" || u.Fragment != "":
			errs = append(errs, fmt.Errorf("base URL %q must not have a query or fragment", c.BaseURL))
		default:
			s.baseURL = strings.TrimSuffix(c.BaseURL, "/")
			s.hosts = append(s.hosts, strings.ToLower(u.Hostname()))
		}
	}

	ways := 0
	for _, set := range []bool{c.AccessToken != "", c.UseManagedIdentity, c.UseWorkloadIdentity, c.CertificatePath != "", c.ClientSecret != ""} {
		if set {
			ways++
		}
	}
	switch {
	case ways == 0:
		errs = append(errs, errors.New("no credentials: set an access token, a managed or workload identity, a certificate or a client secret"))
	case ways > 1:
		errs = append(errs, errors.New("more than one way to sign in is set: choose one of access token, managed identity, workload identity, certificate, client secret"))
	case c.ClientSecret != "" || c.CertificatePath != "":
		if c.TenantID == "" || c.ClientID == "" {
			errs = append(errs, errors.New("a client secret or certificate needs the tenant id and the client id"))
		}
	}
	if c.CertificatePassword != "" && c.CertificatePath == "" {
		errs = append(errs, errors.New("a certificate password is set without a certificate path"))
	}
	switch {
	case c.Timeout < 0:
		errs = append(errs, fmt.Errorf("timeout %s is negative", c.Timeout))
	case c.Timeout == 0:
		s.Timeout = defaultTimeout
	}
	switch {
	case c.MaxPages < 0:
		errs = append(errs, fmt.Errorf("max pages %d is negative", c.MaxPages))
	case c.MaxPages == 0:
		s.MaxPages = DefaultMaxPages
	}
	switch {
	case c.MaxResponseBytes < 0:
		errs = append(errs, fmt.Errorf("max response bytes %d is negative", c.MaxResponseBytes))
	case c.MaxResponseBytes == 0:
		s.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if len(errs) > 0 {
		return settings{}, fmt.Errorf("graph config: %w", errors.Join(errs...))
	}
	return s, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
