package slack

import (
	"net/http"
	"net/url"
	"strconv"

	slackapi "github.com/slack-go/slack"

	"github.com/licensebot/licensebot/bot"
)

// CommandsHandler serves POST /slack/commands: Slack's slash command requests in HTTP mode.
// Slack shows the acknowledgement's short "working on it" to the caller at once; the answer
// follows through response_url.
func (p *Platform) CommandsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		form, ok := p.signedForm(w, r)
		if !ok {
			return
		}
		p.receiveCommand(r.Context(), slashCommand(form), retryNum(r), func(ack responseMessage) error {
			bot.WriteJSON(w, ack)
			return nil
		})
	})
}

// InteractionsHandler serves POST /slack/interactions: button presses in HTTP mode. The
// press is acknowledged with an empty 200; the answer follows.
func (p *Platform) InteractionsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		form, ok := p.signedForm(w, r)
		if !ok {
			return
		}
		// Since v0.35.0 slack-go reads the payload from the body only, never the URL: so
		// do we, from the body that was verified.
		err := p.receiveClick(r.Context(), []byte(form.Get("payload")), retryNum(r), func() error {
			w.WriteHeader(http.StatusOK)
			return nil
		})
		if err != nil {
			p.log.WarnContext(r.Context(), "interaction not readable", "err", err)
			http.Error(w, "payload is not an interaction", http.StatusBadRequest)
		}
	})
}

// signedForm reads the raw body once, checks Slack's signature over it and only then
// parses it.
func (p *Platform) signedForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	body, ok := bot.ReadVerified(w, r, p.log, func(h http.Header, body []byte) error {
		return Verify(h, body, p.cfg.SigningSecret, p.cfg.Now())
	})
	if !ok {
		return nil, false
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "body is not a form", http.StatusBadRequest)
		return nil, false
	}
	return form, true
}

// slashCommand reads Slack's slash command form (the fields slack-go's SlashCommandParse
// reads, without reading the request again).
func slashCommand(f url.Values) slackapi.SlashCommand {
	return slackapi.SlashCommand{
		TeamID:              f.Get("team_id"),
		TeamDomain:          f.Get("team_domain"),
		EnterpriseID:        f.Get("enterprise_id"),
		EnterpriseName:      f.Get("enterprise_name"),
		IsEnterpriseInstall: f.Get("is_enterprise_install") == "true",
		ChannelID:           f.Get("channel_id"),
		ChannelName:         f.Get("channel_name"),
		UserID:              f.Get("user_id"),
		UserName:            f.Get("user_name"),
		Command:             f.Get("command"),
		Text:                f.Get("text"),
		ResponseURL:         f.Get("response_url"),
		TriggerID:           f.Get("trigger_id"),
		APIAppID:            f.Get("api_app_id"),
	}
}

func retryNum(r *http.Request) int {
	n, _ := strconv.Atoi(r.Header.Get("X-Slack-Retry-Num"))
	return n
}

// receivedResponseURL wraps a response_url on its arrival: its 30 minutes start now, on the
// platform's clock.
func (p *Platform) receivedResponseURL(raw string) *responseURL {
	return &responseURL{raw: raw, received: p.cfg.Now()}
}
