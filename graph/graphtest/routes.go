package graphtest

import (
	"fmt"
	"net/http"
	"strings"
)

// endpoint is one route: segments after the service root, where "*" captures a segment and
// "a|b" accepts either name (case-insensitively, as Graph treats its names).
type endpoint struct {
	method  string
	pattern string
	handle  func(req *request, params []string) response
}

// endpoints lists every route the simulator answers: the one place to see its surface.
func (s *Server) endpoints() []endpoint {
	return []endpoint{
		{http.MethodGet, "users", s.listUsers},
		{http.MethodGet, "users/*", s.getUser},
		{http.MethodPatch, "users/*", s.updateUser},
		{http.MethodGet, "users/*/mailboxSettings", s.mailboxSettings},
		{http.MethodPost, "users/*/revokeSignInSessions|microsoft.graph.revokeSignInSessions", s.revokeSignInSessions},
		{http.MethodGet, "users/*/licenseDetails", s.listLicenseDetails},
		// The SDK sends the short cast segment graph.directoryRole; Graph accepts both.
		{http.MethodGet, "users/*/transitiveMemberOf/microsoft.graph.directoryRole|graph.directoryRole", s.listDirectoryRoles},
		{http.MethodGet, "users/*/manager", s.getManager},
		{http.MethodPost, "users/*/assignLicense|microsoft.graph.assignLicense", s.assignLicense},
		{http.MethodGet, "groups", s.listGroups},
		{http.MethodGet, "groups/*", s.getGroup},
		{http.MethodGet, "groups/*/transitiveMembers", s.listTransitiveMembers},
		{http.MethodGet, "subscribedSkus", s.listSubscribedSKUs},
		{http.MethodGet, "reports/download/*", s.reportDownload},
		{http.MethodGet, "reports/*", s.reports},
		{http.MethodGet, "directory/subscriptions", s.listSubscriptions},
	}
}

// route dispatches a request (top-level or from a $batch). Called with s.mu held.
func (s *Server) route(req *request) response {
	pathMatched := false
	for _, e := range s.endpoints() {
		params, ok := match(e.pattern, req.segments)
		if !ok {
			continue
		}
		if req.method != e.method {
			pathMatched = true
			continue
		}
		return e.handle(req, params)
	}
	if pathMatched {
		return s.methodNotAllowed(req)
	}
	return s.errorResponse(req, http.StatusNotFound, "itemNotFound",
		fmt.Sprintf("Resource not found for the segment '%s'.", strings.TrimPrefix(req.path, "/")))
}

func match(pattern string, segments []string) (params []string, ok bool) {
	parts := strings.Split(pattern, "/")
	if len(parts) != len(segments) {
		return nil, false
	}
	for i, p := range parts {
		if p == "*" {
			params = append(params, segments[i])
			continue
		}
		found := false
		for _, alt := range strings.Split(p, "|") {
			found = found || strings.EqualFold(alt, segments[i])
		}
		if !found {
			return nil, false
		}
	}
	return params, true
}
