package discord

import (
	"encoding/json"
	"net/http"

	"github.com/bwmarrin/discordgo"

	"github.com/licensebot/licensebot/bot"
)

// InteractionsHandler serves POST /discord/interactions: Discord's HTTP interactions (the
// application's "Interactions Endpoint URL"). The raw body is read once and its signature
// checked before anything in it is read (bot.ReadVerified). PING gets PONG; commands and
// clicks are recorded and deferred in the response, and answered through the token after
// it; a duplicate delivery gets 409 and nothing else.
func (p *Platform) InteractionsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := bot.ReadVerified(w, r, p.log, func(h http.Header, body []byte) error {
			return Verify(h, body, p.publicKey, p.cfg.Now())
		})
		if !ok {
			return
		}
		var i discordgo.Interaction
		if err := json.Unmarshal(body, &i); err != nil {
			p.log.WarnContext(r.Context(), "interaction not readable", "err", err)
			http.Error(w, "body is not an interaction", http.StatusBadRequest)
			return
		}
		err := p.receive(r.Context(), body, &i, func(ack *discordgo.InteractionResponse) error {
			if ack == nil {
				http.Error(w, "interaction already handled", http.StatusConflict)
				return nil
			}
			// Flushed, so that the work's edits of @original find the deferred reply in place.
			bot.WriteJSON(w, ack)
			return nil
		})
		if err != nil {
			p.log.WarnContext(r.Context(), "interaction not readable", "err", err)
			http.Error(w, "body is not an interaction", http.StatusBadRequest)
		}
	})
}
