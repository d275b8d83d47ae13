package slack

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"

	slackapi "github.com/slack-go/slack"
)

// maxBody bounds a request from Slack: an interaction carries the whole message it came
// from, so it can be tens of kilobytes, but never megabytes.
const maxBody = 1 << 20

// CommandsHandler serves POST /slack/commands: Slack's slash command requests in HTTP mode.
func (p *Platform) CommandsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		form, ok := p.signedForm(w, r)
		if !ok {
			return
		}
		cmd := slashCommand(form)
		lang := p.userLanguage(cmd.UserID)
		p.startCommand(r.Context(), cmd, retryNum(r))
		// Slack shows this to the caller at once; the answer follows through response_url.
		writeJSON(w, ephemeral(msgWorking(lang), lang))
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
		var cb slackapi.InteractionCallback
		if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
			p.log.WarnContext(r.Context(), "interaction payload not readable", "err", err)
			http.Error(w, "payload is not an interaction", http.StatusBadRequest)
			return
		}
		p.startClick(r.Context(), cb, retryNum(r))
		w.WriteHeader(http.StatusOK)
	})
}

// signedForm reads the raw body once, checks Slack's signature over it and only then
// parses it. A request that isn't Slack's gets 401 and changes nothing.
func (p *Platform) signedForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return nil, false
		}
		http.Error(w, "can't read the request", http.StatusBadRequest)
		return nil, false
	}
	if err := Verify(r.Header, body, p.cfg.SigningSecret, p.cfg.Now()); err != nil {
		p.log.WarnContext(r.Context(), "refused a request not signed by Slack", "path", r.URL.Path, "remote", r.RemoteAddr, "err", err)
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
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

func writeJSON(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode the answer", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}
