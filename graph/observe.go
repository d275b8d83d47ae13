package graph

import (
	"net/http"
	"strings"
	"time"
)

// observed reports every HTTP exchange with Graph (an operation named without ids, the
// status or 0 for no answer, the time taken) for metrics. It only watches.
type observed struct {
	next    http.RoundTripper
	observe func(operation string, status int, took time.Duration)
}

func (o observed) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := o.next.RoundTrip(r)
	status := 0
	if err == nil {
		status = resp.StatusCode
	}
	o.observe(r.Method+" "+pathOperation(r.URL.Path), status, time.Since(start))
	return resp, err
}

// pathOperation is a request's path with the version and every id, UPN or mail replaced, so
// that a metric has a handful of values: "/users/{id}/assignLicense", "/$batch".
func pathOperation(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var out []string
	for i, s := range segs {
		switch {
		case i == 0 && (s == "v1.0" || s == "beta"):
			continue
		case guidLike(s) || strings.ContainsAny(s, "@%'") || (i > 0 && (segs[i-1] == "users" || segs[i-1] == "groups")):
			s = "{id}"
		}
		out = append(out, s)
	}
	return "/" + strings.Join(out, "/")
}

func guidLike(s string) bool {
	return len(s) == 36 && strings.Count(s, "-") == 4
}
