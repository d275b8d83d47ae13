package main

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
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
func newServer(ready map[string]pinger, chat chatRoutes, m *metrics) http.Handler {
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

// handleReady says whether the process can do its job now: Redis and Graph answer.
func handleReady(deps map[string]pinger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		status, code := map[string]string{}, http.StatusOK
		for name, p := range deps {
			if err := p.Ping(ctx); err != nil {
				// The reason goes to the log, not to an unauthenticated endpoint.
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
