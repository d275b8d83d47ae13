package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	abs "github.com/microsoft/kiota-abstractions-go"
	absauth "github.com/microsoft/kiota-abstractions-go/authentication"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	kiotaazure "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	core "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// Client talks to Microsoft Graph for the bot. It is safe for concurrent use.
type Client struct {
	adapter  abs.RequestAdapter
	baseURL  string
	base     *url.URL // baseURL parsed, for checking @odata.nextLink (see pager)
	timeout  time.Duration
	maxPages int
	now      func() time.Time

	groupsMu sync.Mutex
	groups   map[string]cachedGroup // FindUsersBatch's group names (cachedGroup)
}

// sdkVersion is reported in Graph's SdkVersion telemetry header; keep it equal to the
// msgraph-sdk-go version in go.mod.
const sdkVersion = "1.89.0"

// New checks the configuration and builds a client. It does not call Graph (see Ping).
//
// Retries are decided once, by the bot: msgraph-sdk-go's default middleware retries 429, 503
// and 504 up to three times on its own (kiota's RetryHandler), which would hide throttling from
// the job engine and multiply the waits. The client is built without that handler, so every
// 429 comes back as a *licensing.ThrottledError with Graph's Retry-After and every 5xx as
// licensing.ErrUnavailable, and the handlers' job engine retries (or not) with its own budget.
func New(cfg Config) (*Client, error) {
	s, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	auth, err := authProvider(s)
	if err != nil {
		return nil, fmt.Errorf("graph: credentials: %w", err)
	}
	opts := core.GraphClientOptions{GraphServiceLibraryVersion: sdkVersion}
	httpClient := core.GetDefaultClient(&opts, middlewaresWithoutRetry(&opts)...)
	next := httpClient.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	// Outside the SDK's middleware, so that every answer, redirects followed, is bounded and
	// checked before kiota reads it (see answerGuard).
	httpClient.Transport = answerGuard{next: next, maxBytes: s.MaxResponseBytes}
	if cfg.Observe != nil {
		httpClient.Transport = observed{next: httpClient.Transport, observe: cfg.Observe}
	}

	// Local registries (not the SDK's global defaults, which only GraphServiceClient fills):
	// Graph speaks JSON only.
	parsers := absser.NewParseNodeFactoryRegistry()
	parsers.ContentTypeAssociatedFactories["application/json"] = jsonserialization.NewJsonParseNodeFactory()
	writers := absser.NewSerializationWriterFactoryRegistry()
	writers.ContentTypeAssociatedFactories["application/json"] = jsonserialization.NewJsonSerializationWriterFactory()

	adapter, err := core.NewGraphRequestAdapterBaseWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		auth, opts, parsers, writers, httpClient)
	if err != nil {
		return nil, fmt.Errorf("graph: request adapter: %w", err)
	}
	adapter.SetBaseUrl(s.baseURL)
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	base, err := url.Parse(s.baseURL)
	if err != nil {
		return nil, fmt.Errorf("graph: base URL: %w", err)
	}
	return &Client{adapter: adapter, baseURL: s.baseURL, base: base, timeout: s.Timeout, maxPages: s.MaxPages, now: now}, nil
}

// middlewaresWithoutRetry is msgraph's default pipeline minus kiota's RetryHandler (see New).
func middlewaresWithoutRetry(opts *core.GraphClientOptions) []khttp.Middleware {
	var out []khttp.Middleware
	for _, m := range core.GetDefaultMiddlewaresWithOptions(opts) {
		if _, retry := m.(*khttp.RetryHandler); retry {
			continue
		}
		out = append(out, m)
	}
	return out
}

// authProvider picks how requests get their bearer token. Tokens go only to the cloud's Graph
// host and the configured base URL's host, never to another host (a nextLink pointing
// elsewhere gets no token).
func authProvider(s settings) (absauth.AuthenticationProvider, error) {
	if s.AccessToken != "" {
		hosts, err := absauth.NewAllowedHostsValidatorErrorCheck(append(s.hosts, "localhost", "127.0.0.1", "::1"))
		if err != nil {
			return nil, err
		}
		return absauth.NewBaseBearerTokenAuthenticationProvider(&staticToken{token: s.AccessToken, hosts: hosts}), nil
	}
	cred, err := credential(s)
	if err != nil {
		return nil, err
	}
	return kiotaazure.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(cred, []string{s.scope}, s.hosts)
}

func credential(s settings) (azcore.TokenCredential, error) {
	client := azcore.ClientOptions{Cloud: s.endpoints.azure}
	switch {
	case s.UseManagedIdentity:
		o := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: client}
		if s.ClientID != "" {
			o.ID = azidentity.ClientID(s.ClientID)
		}
		return azidentity.NewManagedIdentityCredential(o)
	case s.UseWorkloadIdentity:
		return azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions: client, TenantID: s.TenantID, ClientID: s.ClientID,
		})
	case s.CertificatePath != "":
		data, err := os.ReadFile(s.CertificatePath)
		if err != nil {
			return nil, fmt.Errorf("read certificate: %w", err)
		}
		certs, key, err := azidentity.ParseCertificates(data, []byte(s.CertificatePassword))
		if err != nil {
			return nil, fmt.Errorf("parse certificate %s: %w", s.CertificatePath, err)
		}
		return azidentity.NewClientCertificateCredential(s.TenantID, s.ClientID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: client})
	default:
		return azidentity.NewClientSecretCredential(s.TenantID, s.ClientID, s.ClientSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: client})
	}
}

// staticToken hands out a fixed token, only to allowed hosts and never over plain http to a
// non-loopback host.
type staticToken struct {
	token string
	hosts *absauth.AllowedHostsValidator
}

func (p *staticToken) GetAuthorizationToken(_ context.Context, u *url.URL, _ map[string]any) (string, error) {
	if !p.hosts.IsUrlHostValid(u) {
		return "", nil
	}
	if !strings.EqualFold(u.Scheme, "https") && !isLoopback(u.Hostname()) {
		return "", errors.New("refusing to send the access token over plain http")
	}
	return p.token, nil
}

func (p *staticToken) GetAllowedHostsValidator() *absauth.AllowedHostsValidator { return p.hosts }

// withTimeout bounds one Client call by the configured timeout: its deadline is the earlier of
// the caller's and now+timeout (context.WithTimeout keeps a parent's earlier deadline), so a
// caller with a long deadline of its own (a chat command's two minutes) does not let a hung
// Graph call run past GRAPH_TIMEOUT, or for the SDK's own 100 s.
func (c *Client) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.timeout)
}

func (c *Client) users() *users.UsersRequestBuilder {
	return users.NewUsersRequestBuilderInternal(map[string]string{"baseurl": c.baseURL}, c.adapter)
}
