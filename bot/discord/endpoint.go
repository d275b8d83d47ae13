package discord

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// apiVersion is the version of Discord's API licensebot speaks, REST and gateway: the
// current one, the one Discord's OpenAPI description documents (its servers:
// https://discord.com/api/v10). "You should specify which version to use by including it
// in the request path like https://discord.com/api/v{version_number}"
// (https://discord.com/developers/docs/reference#api-versioning). discordgo v0.29.0
// speaks v9 unless told otherwise.
const apiVersion = "10"

// discordgo builds every REST URL from its package variable EndpointAPI
// ("https://discord.com/api/v" + APIVersion + "/"), computed once at its init, so the
// version in it is fixed by then: https://discord.com/api/v9/. restPrefix is that path; the
// Session's transport sends what starts with it to /api/v10/ instead.
var (
	restPrefix = func() string {
		u, err := url.Parse(discordgo.EndpointAPI)
		if err != nil {
			panic(fmt.Sprintf("discordgo.EndpointAPI %q: %v", discordgo.EndpointAPI, err))
		}
		return u.Path
	}()
	apiPrefix = "/api/v" + apiVersion + "/"
)

// The gateway's version is the ?v= of its URL: licensebot's own gateway loop adds it
// (gatewayQuery), so discordgo's package variable APIVersion, which only its Session.Open
// reads, is left alone.

// discordgo's endpoints are package variables computed at init from EndpointDiscord
// ("https://discord.com/"), so changing EndpointDiscord later moves nothing, and assigning
// the others would be mutable global state shared by every Session in the process. Instead
// the Session's HTTP client sends requests for discord.com to the configured base: same
// path, other scheme and host, under the base's path, with discordgo's /api/v9/ replaced by
// /api/v10/ (apiVersion).
type apiBase struct {
	scheme, host, path string // path without its trailing "/"
}

func parseAPIURL(raw string) (apiBase, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return apiBase{}, fmt.Errorf("discord: API URL %q is not an http(s) base URL", raw)
	}
	return apiBase{scheme: u.Scheme, host: u.Host, path: strings.TrimSuffix(u.Path, "/")}, nil
}

func (b apiBase) isDefault() bool {
	return b.scheme == "https" && b.host == "discord.com" && b.path == ""
}

// rewriteTransport is the Session's transport: it moves requests for discord.com to
// apiVersion and to the base, and passes everything else as is.
type rewriteTransport struct {
	base apiBase
	next http.RoundTripper
}

func (t rewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	if !strings.EqualFold(r.URL.Host, "discord.com") {
		return next.RoundTrip(r)
	}
	// A RoundTripper must not change the request it is given.
	r = r.Clone(r.Context())
	r.URL.Path = versioned(r.URL.Path)
	if r.URL.RawPath != "" {
		r.URL.RawPath = versioned(r.URL.RawPath)
	}
	if !t.base.isDefault() {
		r.URL.Scheme = t.base.scheme
		r.URL.Host = t.base.host
		r.URL.Path = t.base.path + r.URL.Path
		if r.URL.RawPath != "" {
			r.URL.RawPath = t.base.path + r.URL.RawPath
		}
		r.Host = ""
	}
	return next.RoundTrip(r)
}

// versioned puts a path of discordgo's REST API under apiVersion.
func versioned(path string) string {
	if rest, ok := strings.CutPrefix(path, restPrefix); ok {
		return apiPrefix + rest
	}
	return path
}
