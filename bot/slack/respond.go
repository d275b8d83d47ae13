package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/licensebot/licensebot/bot"
)

// responseMessage is a post to a response_url
// (https://docs.slack.dev/interactivity/handling-user-interaction#message_responses).
// replace_original is always sent: false makes a new message, true replaces the one the
// click came from (the only way to change an ephemeral message).
type responseMessage struct {
	ResponseType    string           `json:"response_type,omitempty"`
	ReplaceOriginal bool             `json:"replace_original"`
	Text            string           `json:"text"`
	Blocks          []slackapi.Block `json:"blocks,omitempty"`
}

// ephemeral and replacement render m with the platform's own words (summaries) in lang.
func ephemeral(m bot.Message, lang string) responseMessage {
	r := render(m, "", lang)
	return responseMessage{ResponseType: "ephemeral", Text: r.Text, Blocks: r.Blocks}
}

func replacement(m bot.Message, lang string) responseMessage {
	r := render(m, "", lang)
	return responseMessage{ReplaceOriginal: true, Text: r.Text, Blocks: r.Blocks}
}

// respond posts to a response_url. Slack allows five posts in 30 minutes per URL, so the
// platform makes at most two (the answer, and a replacement).
func (p *Platform) respond(ctx context.Context, responseURL string, msg responseMessage) error {
	if responseURL == "" {
		return fmt.Errorf("respond: the request has no response_url")
	}
	body, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("respond: encode the message: %w", err)
	}
	_, err = call(ctx, p, "response_url", func(ctx context.Context) (struct{}, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURL, bytes.NewReader(body))
		if err != nil {
			return struct{}{}, err
		}
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		resp, err := p.http.Do(req)
		if err != nil {
			return struct{}{}, err
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		if resp.StatusCode == http.StatusTooManyRequests {
			secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			return struct{}{}, &slackapi.RateLimitedError{RetryAfter: time.Duration(secs) * time.Second}
		}
		if resp.StatusCode/100 != 2 {
			// Slack answers e.g. 404 "expired_url", 400 "invalid_blocks".
			return struct{}{}, responseStatusError{code: resp.StatusCode, body: bytes.TrimSpace(answer)}
		}
		var ok struct {
			OK    *bool  `json:"ok"`
			Error string `json:"error"`
		}
		if json.Unmarshal(answer, &ok) == nil && ok.OK != nil && !*ok.OK {
			return struct{}{}, responseRefusal(ok.Error)
		}
		return struct{}{}, nil
	})
	return err
}

// postEphemeral shows a message to one user in a channel: the way to answer when a
// response_url has failed (expired, used five times).
func (p *Platform) postEphemeral(ctx context.Context, channel, user string, m bot.Message, lang string) error {
	r := render(m, "", lang)
	_, err := call(ctx, p, "chat.postEphemeral", func(ctx context.Context) (string, error) {
		return p.api.PostEphemeralContext(ctx, channel, user,
			slackapi.MsgOptionText(r.Text, false), slackapi.MsgOptionBlocks(r.Blocks...))
	})
	return err
}
