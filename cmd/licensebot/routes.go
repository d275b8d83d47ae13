package main

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/licensebot/licensebot/bot"
)

// pinger is a dependency that readiness checks.
type pinger interface {
	Ping(ctx context.Context) error
}

// newServer lists licensebot's whole HTTP surface in one place: health, readiness and
// metrics, and the endpoints of each chat platform in use (chat, by platform name:
// chatPlatform.Routes), each timed to its acknowledgement; and the pages people's browsers
// open (the sign-in link's callback: signInRoutes).
func newServer(ready *readiness, chat map[string][]bot.Route, pages map[string]http.Handler, m *metrics) http.Handler {
	mux := http.NewServeMux()
	for pattern, h := range pages {
		mux.Handle(pattern, h)
	}
	mux.Handle("GET /healthz", handleHealth())
	mux.Handle("GET /readyz", handleReady(ready))
	mux.Handle("GET /metrics", m.handler())
	for platform, routes := range chat {
		for _, r := range routes {
			mux.Handle(r.Pattern, m.timedAck(platform, r.Name, r.Handler))
		}
	}
	return mux
}

// handleHealth says the process is alive; it checks nothing else, so that a slow Redis or
// Graph never gets a healthy process restarted.
func handleHealth() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		encode(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

// handleReady says whether the process can do its job now: Redis and Graph answer and the
// replica can plan, as the last round of checks found (at most readyCheckTTL old).
func handleReady(ready *readiness) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status, code := map[string]string{}, http.StatusOK
		for name, err := range ready.state(r.Context()) {
			if err != nil {
				status[name], code = "unavailable", http.StatusServiceUnavailable
				continue
			}
			status[name] = "ok"
		}
		encode(w, code, status)
	})
}

func encode(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
