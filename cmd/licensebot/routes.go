package main

import (
	"context"
	"encoding/json"
	"net/http"
)

// pinger is a dependency that readiness checks.
type pinger interface {
	Ping(ctx context.Context) error
}

// chatRoutes are the chat platforms' HTTP endpoints, those in use (nil: not served).
type chatRoutes struct {
	slackCommands, slackInteractions, discordInteractions http.Handler
}

// newServer lists licensebot's whole HTTP surface in one place.
func newServer(ready *readiness, chat chatRoutes, m *metrics) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", handleHealth())
	mux.Handle("GET /readyz", handleReady(ready))
	mux.Handle("GET /metrics", m.handler())
	if chat.slackCommands != nil {
		mux.Handle("POST /slack/commands", m.timedAck("slack", "commands", chat.slackCommands))
		mux.Handle("POST /slack/interactions", m.timedAck("slack", "interactions", chat.slackInteractions))
	}
	if chat.discordInteractions != nil {
		mux.Handle("POST /discord/interactions", m.timedAck("discord", "interactions", chat.discordInteractions))
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
