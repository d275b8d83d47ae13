package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
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

// What Slack allows a response_url: five posts, within 30 minutes of the command or click it
// came with (https://docs.slack.dev/interactivity/handling-user-interaction#message_responses).
const (
	responseURLLifetime = 30 * time.Minute
	responseURLMaxPosts = 5
)

// errResponseURLUnusable says that a response_url was not posted to: there was none, its 30
// minutes are over or its five posts are used. Nothing was sent, so it is no failure of
// Slack's (observeError ignores it); the callers answer the way they do when a post fails
// (chat.postEphemeral).
var errResponseURLUnusable = errors.New("response_url not used")

// responseURL is a response_url as Slack sent it, with when it came. It is a credential:
// whoever holds it can post into the conversation, as the app, for 30 minutes. So it never
// prints (String, Format, LogValue and MarshalJSON name it only), errors from posting to it
// are scrubbed (scrubResponseURL), and it is forgotten once its 30 minutes are over.
type responseURL struct {
	mu       sync.Mutex
	raw      string
	received time.Time
	posts    int
	expired  bool
}

// use returns the URL for one more post at now, or why it can't be posted to.
func (u *responseURL) use(now time.Time) (string, error) {
	if u == nil {
		return "", fmt.Errorf("%w: the request has none", errResponseURLUnusable)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	switch {
	case u.expired || now.Sub(u.received) >= responseURLLifetime:
		u.raw, u.expired = "", true // kept only as long as it is valid
		return "", fmt.Errorf("%w: received %s ago, and Slack allows %s", errResponseURLUnusable,
			now.Sub(u.received).Round(time.Second), responseURLLifetime)
	case u.raw == "":
		return "", fmt.Errorf("%w: the request has none", errResponseURLUnusable)
	case u.posts >= responseURLMaxPosts:
		return "", fmt.Errorf("%w: its %d posts are used", errResponseURLUnusable, responseURLMaxPosts)
	}
	u.posts++
	return u.raw, nil
}

func (u *responseURL) String() string               { return "response_url" }
func (u *responseURL) Format(f fmt.State, _ rune)   { io.WriteString(f, "response_url") }
func (u *responseURL) LogValue() slog.Value         { return slog.StringValue("response_url") }
func (u *responseURL) MarshalJSON() ([]byte, error) { return []byte(`"response_url"`), nil }

// responseURLError is a failed post to a response_url with the URL scrubbed out: Go's
// *url.Error prints it (Post "https://hooks.slack.com/…": dial tcp …: connection refused).
// Its text names "response_url" and what went wrong only: a status, Slack's error code, a
// connection refused, a timeout. Unwrap keeps errors.Is and errors.As working (context
// deadlines, net.Error, responseStatusError, *slackapi.RateLimitedError), through a
// *url.Error whose URL is replaced too.
type responseURLError struct {
	text string
	err  error
}

func (e *responseURLError) Error() string { return e.text }
func (e *responseURLError) Unwrap() error { return e.err }

// scrubResponseURL makes err, from a post to raw, safe to log, return and observe.
func scrubResponseURL(raw string, err error) error {
	if err == nil {
		return nil
	}
	if ue, ok := err.(*url.Error); ok {
		// What http.Client.Do and http.NewRequest return, with the URL in it.
		err = &url.Error{Op: ue.Op, URL: "response_url", Err: ue.Err}
	}
	// And should the URL or its path (the secret part: the host is Slack's) be anywhere else
	// in the text, as sent or escaped, out it goes.
	text := err.Error()
	secrets := []string{raw}
	if u, perr := url.Parse(raw); perr == nil {
		secrets = append(secrets, u.EscapedPath(), u.Path, u.RawQuery)
	}
	for _, secret := range secrets {
		if len(secret) > 2 { // "/" is no secret, and replacing it would garble the text
			text = strings.ReplaceAll(text, secret, "response_url")
		}
	}
	return &responseURLError{text: text, err: err}
}

// respond posts to a response_url. Slack allows five posts in 30 minutes per URL; the
// platform makes at most two (the answer, and a replacement), and none once the 30 minutes
// are over (errResponseURLUnusable, also for a retry after a 429). Every error it returns
// is scrubbed of the URL.
func (p *Platform) respond(ctx context.Context, u *responseURL, msg responseMessage) error {
	body, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("respond: encode the message: %w", err)
	}
	_, err = bot.Call(ctx, p.calls, "response_url", func(ctx context.Context) (struct{}, error) {
		raw, err := u.use(p.cfg.Now())
		if err != nil {
			return struct{}{}, err
		}
		return struct{}{}, scrubResponseURL(raw, p.postResponse(ctx, raw, body))
	})
	return err
}

// postResponse makes one post to a response_url. Its errors carry the URL: respond scrubs
// them.
func (p *Platform) postResponse(ctx context.Context, raw string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, raw, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := p.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode == http.StatusTooManyRequests {
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return &slackapi.RateLimitedError{RetryAfter: time.Duration(secs) * time.Second}
	}
	if resp.StatusCode/100 != 2 {
		// Slack answers e.g. 404 "expired_url", 400 "invalid_blocks".
		return responseStatusError{code: resp.StatusCode, body: slackCode(answer)}
	}
	var ok struct {
		OK    *bool  `json:"ok"`
		Error string `json:"error"`
	}
	if json.Unmarshal(answer, &ok) == nil && ok.OK != nil && !*ok.OK {
		code := string(slackCode([]byte(ok.Error)))
		if code == "" {
			code = "refused"
		}
		return responseRefusal(code)
	}
	return nil
}

// slackCode keeps an answer's body when it is one of Slack's error codes ("expired_url",
// "used_url", "invalid_blocks"), and drops anything else: an HTML error page from a proxy,
// or a body that echoes the request, is no help in a log line and could carry the URL.
func slackCode(body []byte) []byte {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || len(body) > 64 {
		return nil
	}
	for _, c := range body {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return nil
		}
	}
	return body
}

// postEphemeral shows a message to one user in a channel: the way to answer when a
// response_url has failed (expired, used five times).
func (p *Platform) postEphemeral(ctx context.Context, channel, user string, m bot.Message, lang string) error {
	r := render(m, "", lang)
	_, err := bot.Call(ctx, p.calls, "chat.postEphemeral", func(ctx context.Context) (string, error) {
		return p.api.PostEphemeralContext(ctx, channel, user,
			slackapi.MsgOptionText(r.Text, false), slackapi.MsgOptionBlocks(r.Blocks...))
	})
	return err
}

// responseStatusError is a response_url's answer other than 2xx and 429: Slack answers e.g.
// 404 "expired_url", 400 "invalid_blocks". body is Slack's error code, or empty when the
// answer was anything else (slackCode).
type responseStatusError struct {
	code int
	body []byte
}

func (e responseStatusError) Error() string {
	if len(e.body) == 0 {
		return fmt.Sprintf("status %d", e.code)
	}
	return fmt.Sprintf("status %d: %s", e.code, e.body)
}

// responseRefusal is a response_url's {"ok":false,"error":code}.
type responseRefusal string

func (e responseRefusal) Error() string { return string(e) }
