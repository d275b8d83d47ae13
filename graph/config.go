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

	// Timeout bounds each call whose context has no deadline; zero means 30 seconds.
	Timeout time.Duration
	// Observe, when set, is told of every HTTP exchange with Graph (for metrics): the
	// operation without ids ("POST /users/{id}/assignLicense"), the status (0: no answer),
	// and the time it took.
	Observe func(operation string, status int, took time.Duration)
	// Now is the clock a Retry-After given as an HTTP date is measured against; nil means
	// time.Now.
	Now func() time.Time
}

const defaultTimeout = 30 * time.Second

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
