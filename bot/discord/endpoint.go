package discord

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// discordgo's endpoints are package variables computed at init from EndpointDiscord
// ("https://discord.com/"), so changing EndpointDiscord later moves nothing, and assigning
// the others would be mutable global state shared by every Session in the process. Instead
// the Session's HTTP client sends requests for discord.com to the configured base: same
// path, other scheme and host, under the base's path.
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

// rewriteTransport is the Session's transport: it moves requests for discord.com to the
// base, and passes everything else (and everything when the base is discord.com) as is.
type rewriteTransport struct {
	base apiBase
	next http.RoundTripper
}

func (t rewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	if t.base.isDefault() || !strings.EqualFold(r.URL.Host, "discord.com") {
		return next.RoundTrip(r)
	}
	// A RoundTripper must not change the request it is given.
	r = r.Clone(r.Context())
	r.URL.Scheme = t.base.scheme
	r.URL.Host = t.base.host
	r.URL.Path = t.base.path + r.URL.Path
	if r.URL.RawPath != "" {
		r.URL.RawPath = t.base.path + r.URL.RawPath
	}
	r.Host = ""
	return next.RoundTrip(r)
}
