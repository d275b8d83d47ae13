package discord

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/bwmarrin/discordgo"
)

// maxBody bounds a request from Discord: a component interaction carries the whole message
// it came from, so it can be tens of kilobytes, but never megabytes.
const maxBody = 1 << 20

// InteractionsHandler serves POST /discord/interactions: Discord's HTTP interactions (the
// application's "Interactions Endpoint URL"). The raw body is read once and its signature
// checked before anything in it is read; a request that isn't Discord's gets 401 (Discord
// itself sends bad signatures to check that it does). PING gets PONG; commands and clicks
// are deferred in the response and answered through the token after it; a duplicate
// delivery gets 409 and nothing else.
func (p *Platform) InteractionsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "can't read the request", http.StatusBadRequest)
			return
		}
		if err := Verify(r.Header, body, p.publicKey, p.cfg.Now()); err != nil {
			p.log.WarnContext(r.Context(), "refused a request not signed by Discord", "remote", r.RemoteAddr, "err", err)
			http.Error(w, "invalid request signature", http.StatusUnauthorized)
			return
		}
		var i discordgo.Interaction
		if err := json.Unmarshal(body, &i); err != nil {
			p.log.WarnContext(r.Context(), "interaction not readable", "err", err)
			http.Error(w, "body is not an interaction", http.StatusBadRequest)
			return
		}
		d := p.route(r.Context(), &i)
		if d.ack == nil {
			http.Error(w, "interaction already handled", http.StatusConflict)
			return
		}
		raw, err := json.Marshal(d.ack)
		if err != nil {
			http.Error(w, "encode the answer", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write(raw)
		// The ack goes out before the work starts, so that the work's edits of @original
		// find the deferred reply in place.
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		if d.work != nil {
			p.goWork(r.Context(), interactionKind(i.Type), d)
		}
	})
}

func interactionKind(t discordgo.InteractionType) string {
	if t == discordgo.InteractionMessageComponent {
		return "click"
	}
	return "command"
}
