package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/licensebot/licensebot/bot"
)

// The Bot Connector REST API (https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-api-reference):
// every call goes to the serviceUrl an activity came from, with a token the bot gets from
// the Microsoft identity platform by the client credentials grant for the scope
// https://api.botframework.com/.default ("Authentication with the Bot Connector API":
// "Step 1: Request an access token"). A single-tenant bot asks its own tenant's token
// endpoint; Azure creates no other kind of bot with a secret since July 2025 ("Multi-tenant
// bot creation will be deprecated after July 31, 2025", "Use the Azure portal to create an
// Azure Bot resource", https://learn.microsoft.com/azure/bot-service/abs-quickstart). The token is cached and refreshed
// before it expires (oauth2's ReuseTokenSource).

// botFrameworkScope is what the bot's token is for.
const botFrameworkScope = "https://api.botframework.com/.default"

// maxConnectorAnswer bounds what is read of the connector's answers (an id, or an error).
const maxConnectorAnswer = 1 << 20

// statusError is how a refused connector call reads: its HTTP status, the error's code
// and message when the body says them, and a 429's Retry-After.
type statusError struct {
	Status     int
	Code       string
	Message    string
	RetryAfter time.Duration
}

func (e *statusError) Error() string {
	msg := fmt.Sprintf("HTTP %d", e.Status)
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// connector calls the Bot Connector for one bot.
type connector struct {
	tokens oauth2.TokenSource
	http   *http.Client
	calls  *bot.API
	limit  *conversationLimits
	// trusted reports whether a service URL came in a verified activity: only there is the
	// bot's token sent.
	trusted func(ctx context.Context, serviceURL string) bool
}

// newTokens is the bot's token source: client credentials, cached and refreshed.
func newTokens(appID, password, tokenURL string, client *http.Client) oauth2.TokenSource {
	cc := clientcredentials.Config{
		ClientID: appID, ClientSecret: password, TokenURL: tokenURL,
		Scopes: []string{botFrameworkScope}, AuthStyle: oauth2.AuthStyleInParams,
	}
	// The token source outlives every request; its own requests are bounded by the
	// client's timeout.
	return cc.TokenSource(context.WithValue(context.Background(), oauth2.HTTPClient, client))
}

// do makes one connector call: method on serviceURL's path, body as JSON, the answer read
// into out (nil: ignored). Rate-limited calls are retried as bot.Call does; every call of
// a conversation waits its turn within Teams' limits first.
func (c *connector) do(ctx context.Context, name, method, serviceURL, path, conversation string, body, out any) error {
	if !c.trusted(ctx, serviceURL) {
		return fmt.Errorf("teams %s: service URL %q came in no verified activity: no token is sent there", name, serviceURL)
	}
	endpoint, err := joinURL(serviceURL, path)
	if err != nil {
		return fmt.Errorf("teams %s: %w", name, err)
	}
	var payload []byte
	if body != nil {
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("teams %s: %w", name, err)
		}
	}
	_, err = bot.Call(ctx, c.calls, name, func(ctx context.Context) (struct{}, error) {
		if conversation != "" {
			if err := c.limit.wait(ctx, conversation); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, c.once(ctx, method, endpoint, payload, out)
	})
	return err
}

func (c *connector) once(ctx context.Context, method, endpoint string, payload []byte, out any) error {
	tok, err := c.tokens.Token()
	if err != nil {
		return fmt.Errorf("get the bot's token: %w", tokenError(err))
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, endpoint, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxConnectorAnswer+1))
	if err != nil {
		return fmt.Errorf("read the answer: %w", err)
	}
	if len(answer) > maxConnectorAnswer {
		return fmt.Errorf("an answer over %d bytes", maxConnectorAnswer)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &statusError{Status: resp.StatusCode}
		var ce connectorError
		if json.Unmarshal(answer, &ce) == nil {
			e.Code, e.Message = ce.Error.Code, oneLine(ce.Error.Message, 200)
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"))
		}
		return e
	}
	if out == nil || len(bytes.TrimSpace(answer)) == 0 {
		return nil
	}
	if err := json.Unmarshal(answer, out); err != nil {
		return fmt.Errorf("read the answer: %w", err)
	}
	return nil
}

// tokenError says why the token couldn't be had without the secret, and with the
// identity platform's own error code (AADSTS…), which names the fix.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		desc := re.ErrorDescription
		if i := strings.IndexAny(desc, "\r\n"); i >= 0 {
			desc = desc[:i]
		}
		return fmt.Errorf("the Microsoft identity platform answered %d %s: %s", re.Response.StatusCode, re.ErrorCode, oneLine(desc, 300))
	}
	return err
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date. A 429 without one waits
// a second (bot.API.MinWait).
func retryAfter(v string) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}

// joinURL puts path under a service URL ("https://smba.trafficmanager.net/amer/" +
// "v3/conversations"), each id escaped by the caller.
func joinURL(serviceURL, path string) (string, error) {
	if err := checkHTTPS(serviceURL); err != nil {
		return "", err
	}
	return strings.TrimSuffix(serviceURL, "/") + "/" + path, nil
}

// conversationPath is v3/conversations/{id}[/activities[/{activity}]], ids escaped.
func conversationPath(conversation string, activity ...string) string {
	p := "v3/conversations/" + url.PathEscape(conversation)
	if len(activity) > 0 {
		p += "/activities"
		if activity[0] != "" {
			p += "/" + url.PathEscape(activity[0])
		}
	}
	return p
}

// send posts a new message to a conversation, as a reply to replyTo when it isn't "".
func (c *connector) send(ctx context.Context, serviceURL, conversation, replyTo string, a Activity) (string, error) {
	var out resourceResponse
	name, path := "send a message", conversationPath(conversation, "")
	if replyTo != "" {
		name, path = "reply to a message", conversationPath(conversation, replyTo)
	}
	if err := c.do(ctx, name, http.MethodPost, serviceURL, path, conversation, a, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", fmt.Errorf("teams %s: the connector answered no activity id", name)
	}
	return out.ID, nil
}

// update replaces a message the bot sent.
func (c *connector) update(ctx context.Context, serviceURL, conversation, activity string, a Activity) error {
	a.ID = activity
	return c.do(ctx, "update a message", http.MethodPut, serviceURL, conversationPath(conversation, activity), conversation, a, nil)
}

// personal opens (or finds again: Teams answers the same one) the 1:1 chat of the bot with
// a person named by their Teams user id ("29:…") or Entra object id, in tenant. The bot
// must be installed for the person (personal scope), or Teams refuses with 403.
func (c *connector) personal(ctx context.Context, serviceURL, botID, member, tenant string) (string, error) {
	params := conversationParameters{
		Bot: &Account{ID: botID}, Members: []Account{{ID: member}}, TenantID: tenant,
		ChannelData: &ChannelData{Tenant: &IDRef{ID: tenant}},
	}
	var out conversationResourceResponse
	if err := c.do(ctx, "create a conversation", http.MethodPost, serviceURL, "v3/conversations", "", params, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", errors.New("teams create a conversation: the connector answered no conversation id")
	}
	return out.ID, nil
}

// members lists a conversation's members (doctor: is the bot in the approval channel?).
func (c *connector) members(ctx context.Context, serviceURL, conversation string) ([]Account, error) {
	var out []Account
	err := c.do(ctx, "get conversation members", http.MethodGet, serviceURL, conversationPath(conversation)+"/members", "", nil, &out)
	return out, err
}

// Teams' limits for a bot's messages in one conversation ("Optimize your bot with rate
// limiting and best practices",
// https://learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit): per bot per
// thread, 7 in any second, 8 in 2 seconds, 60 in 30 seconds, 1,800 in an hour. Beyond them
// Teams answers 429; licensebot waits its turn instead of being refused.
var conversationWindows = []struct {
	span  time.Duration
	limit int
}{
	{time.Second, 7},
	{2 * time.Second, 8},
	{30 * time.Second, 60},
	{time.Hour, 1800},
}

// conversationLimits spaces one replica's calls per conversation within Teams' limits.
type conversationLimits struct {
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	mu    sync.Mutex
	sent  map[string][]time.Time // by conversation: this hour's calls, oldest first
	clean time.Time
}

func newConversationLimits(now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) *conversationLimits {
	return &conversationLimits{now: now, sleep: sleep, sent: map[string][]time.Time{}}
}

// wait returns when a call to conversation is within every window, and counts it.
func (l *conversationLimits) wait(ctx context.Context, conversation string) error {
	for {
		l.mu.Lock()
		now := l.now()
		l.forget(now)
		times := l.sent[conversation]
		var until time.Time
		for _, w := range conversationWindows {
			// The call is allowed when fewer than limit calls were made in the span before now.
			n := 0
			for i := len(times) - 1; i >= 0 && now.Sub(times[i]) < w.span; i-- {
				n++
				if n == w.limit {
					if t := times[i].Add(w.span); t.After(until) {
						until = t
					}
					break
				}
			}
		}
		if until.IsZero() {
			l.sent[conversation] = append(times, now)
			l.mu.Unlock()
			return nil
		}
		l.mu.Unlock()
		if err := l.sleep(ctx, until.Sub(now)); err != nil {
			return fmt.Errorf("wait for Teams' rate limit of the conversation: %w", err)
		}
	}
}

// forget drops the calls older than the longest window, every minute at most.
func (l *conversationLimits) forget(now time.Time) {
	if now.Sub(l.clean) < time.Minute {
		return
	}
	l.clean = now
	longest := conversationWindows[len(conversationWindows)-1].span
	for c, times := range l.sent {
		i := 0
		for i < len(times) && now.Sub(times[i]) >= longest {
			i++
		}
		if i == len(times) {
			delete(l.sent, c)
			continue
		}
		l.sent[c] = times[i:]
	}
}

// oneLine is s on one line, cut to n characters: what is kept of a vendor's message.
func oneLine(s string, n int) string {
	return bot.Fit{}.Truncate(bot.OneLine(s), n)
}
