// Package teamsfake is a local fake of Microsoft's Bot Framework as Microsoft Teams uses it,
// for tests, written from Microsoft's documentation (each part cites its page):
//
//   - the Bot Framework's OpenID metadata and signing keys, with their endorsements, which a
//     bot verifies inbound tokens with (tokens.go; "Authentication with the Bot Connector
//     API", https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication);
//   - the Microsoft identity platform's token endpoint for the bot's own calls, the client
//     credentials grant (tokens.go);
//   - the Bot Connector service at ServiceURL: create conversation, send, reply, update,
//     get conversation members (connector.go; "API reference for the Bot Framework Connector
//     service", https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-api-reference),
//     refusing what Teams refuses: a bot not in the conversation, a message over Teams'
//     size limit, a card Teams can't render, a bot over Teams' rate limits (ratelimit.go);
//   - Teams itself, sending activities to the bot signed for real (activities.go).
//
// It records every call and every message the bot posted, as it stands after its updates,
// and can be told to fail the next calls. It speaks the wire format only: it never imports
// the bot's own teams package, so it is an independent reading of the same documents.
package teamsfake

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Defaults the fake answers to until told otherwise (options AppID, Secret, Tenant).
const (
	DefaultAppID  = "6f0d2c7e-3b1a-4c55-9e2d-8a7b6c5d4e3f"
	DefaultSecret = "fake~Bot.Secret-0123456789abcdefghijKLMNOPQ"
	DefaultTenant = "72a1c3e5-0b2d-4f6a-8c9e-1d3f5a7b9c0e"
	// BotName is the bot's display name in the activities Teams sends.
	BotName = "licensebot"
)

// The Bot Framework's fixed values ("Authentication with the Bot Connector API").
const (
	// TokenIssuer is the iss of every token the Bot Connector service signs.
	TokenIssuer = "https://api.botframework.com"
	// Scope is the scope a bot asks the token endpoint for (client credentials: the
	// resource's application ID URI with /.default).
	Scope = "https://api.botframework.com/.default"
	// ChannelID is the channelId of every activity from Microsoft Teams, and the
	// endorsement its signing keys carry.
	ChannelID = "msteams"
)

// Routes, for Call.Route: the method and the path as Microsoft's docs name them.
const (
	RouteOpenIDMetadata     = "GET /v1/.well-known/openidconfiguration"
	RouteKeys               = "GET /v1/.well-known/keys"
	RouteToken              = "POST /{tenant}/oauth2/v2.0/token"
	RouteCreateConversation = "POST /v3/conversations"
	RouteSend               = "POST /v3/conversations/{conversationId}/activities"
	RouteReply              = "POST /v3/conversations/{conversationId}/activities/{activityId}"
	RouteUpdate             = "PUT /v3/conversations/{conversationId}/activities/{activityId}"
	RouteMembers            = "GET /v3/conversations/{conversationId}/members"
	// RouteUnknown is every request the fake has no route for (answered 404).
	RouteUnknown = "unknown route"
)

// connectorPrefix is the path of ServiceURL, like a real one's region
// (https://smba.trafficmanager.net/teams/).
const connectorPrefix = "/teams"

// WaitTimeout is how long WaitPosted waits.
const WaitTimeout = 10 * time.Second

// Call is one request the fake received.
type Call struct {
	Route  string // one of the Route constants
	Method string
	Path   string // as requested, escaped
	// ConversationID is the {conversationId} of a connector call, unescaped.
	ConversationID string
	Header         http.Header
	Body           []byte
	Status         int // what the fake answered
}

// JSON decodes the body into a map (nil when it isn't a JSON object).
func (c Call) JSON() map[string]any {
	var m map[string]any
	if json.Unmarshal(c.Body, &m) != nil {
		return nil
	}
	return m
}

// Option configures New.
type Option func(*Fake)

// AppID sets the bot's Microsoft App ID (its Entra application's client id).
func AppID(id string) Option { return func(f *Fake) { f.appID = id } }

// Secret sets the app's client secret.
func Secret(s string) Option { return func(f *Fake) { f.secret = s } }

// Tenant sets the tenant: the app's home (a single-tenant bot asks this tenant for tokens)
// and every user's and team's.
func Tenant(id string) Option { return func(f *Fake) { f.tenant = id } }

// Now sets the clock the fake reads for token lifetimes, rate-limit windows, message ids and
// timestamps (default time.Now).
func Now(now func() time.Time) Option { return func(f *Fake) { f.now = now } }

// TokenLifetime sets how long the access tokens the token endpoint issues are valid
// (default 3599 s, what Entra answers in expires_in).
func TokenLifetime(d time.Duration) Option { return func(f *Fake) { f.tokenLifetime = d } }

// MessageLimit sets the largest request body the connector takes for an activity, in UTF-16
// code units (default MaxMessageUnits).
func MessageLimit(units int) Option { return func(f *Fake) { f.maxUnits = units } }

// Fake is the fake Bot Framework. Its methods are safe for concurrent use.
type Fake struct {
	// URL is the server's base, e.g. http://127.0.0.1:4321.
	URL string
	srv *httptest.Server

	appID, secret, tenant string
	now                   func() time.Time
	tokenLifetime         time.Duration
	maxUnits              int

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every change WaitFor watches
	keys     []*signingKey // published; keys[signing] signs, unendorsed is endorsed for webchat only
	signing  int
	webchat  *signingKey
	stranger *signingKey // a key never published, made when first needed
	keyReads int
	tokens   map[string]time.Time // access token → expiry
	issued   int

	users    map[string]*userRecord // by Teams id (29:…)
	convs    map[string]*conversation
	messages map[string]*message // by activity id
	order    []string            // message ids, in posting order
	lastID   int64
	limits   map[string][]time.Time
	fails    []failure
	calls    []Call
}

// New starts a fake Bot Framework, closed when the test ends.
func New(t testing.TB, opts ...Option) *Fake {
	t.Helper()
	f := &Fake{
		appID: DefaultAppID, secret: DefaultSecret, tenant: DefaultTenant,
		now:           time.Now,
		tokenLifetime: 3599 * time.Second,
		maxUnits:      MaxMessageUnits,
		changed:       make(chan struct{}),
		tokens:        map[string]time.Time{},
		users:         map[string]*userRecord{},
		convs:         map[string]*conversation{},
		messages:      map[string]*message{},
		limits:        map[string][]time.Time{},
	}
	for _, o := range opts {
		o(f)
	}
	if err := f.makeKeys(); err != nil {
		t.Fatalf("teamsfake: keys: %v", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc(RouteOpenIDMetadata, f.handle(RouteOpenIDMetadata, f.openIDMetadata))
	mux.HandleFunc(RouteKeys, f.handle(RouteKeys, f.jwks))
	mux.HandleFunc(RouteToken, f.handle(RouteToken, f.token))
	for route, h := range map[string]func(http.ResponseWriter, *http.Request, []byte){
		RouteCreateConversation: f.createConversation,
		RouteSend:               f.sendActivity,
		RouteReply:              f.sendActivity,
		RouteUpdate:             f.sendActivity,
		RouteMembers:            f.members,
	} {
		method, path, _ := strings.Cut(route, " ")
		mux.HandleFunc(method+" "+connectorPrefix+path, f.handle(route, f.connector(route, h)))
	}
	mux.HandleFunc("/", f.handle(RouteUnknown, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		writeError(w, http.StatusNotFound, "NotFound", "No route matches the request.")
	}))
	f.srv = httptest.NewServer(mux)
	f.URL = f.srv.URL
	t.Cleanup(f.srv.Close)
	return f
}

// ServiceURL is the Bot Connector's base for this fake, ending with "/", as the serviceUrl of
// every activity Teams sends (a real one: https://smba.trafficmanager.net/amer/).
func (f *Fake) ServiceURL() string { return f.URL + connectorPrefix + "/" }

// OpenIDMetadataURL is the Bot Framework's OpenID metadata document at this fake (the real
// one: https://login.botframework.com/v1/.well-known/openidconfiguration).
func (f *Fake) OpenIDMetadataURL() string { return f.URL + "/v1/.well-known/openidconfiguration" }

// KeysURL is the JWKS the metadata's jwks_uri names.
func (f *Fake) KeysURL() string { return f.URL + "/v1/.well-known/keys" }

// TokenURL is the token endpoint of the app's tenant (the real one:
// https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token).
func (f *Fake) TokenURL() string { return f.URL + "/" + f.tenant + "/oauth2/v2.0/token" }

// Credentials are the app id, its secret and its tenant, as the token endpoint takes them.
func (f *Fake) Credentials() (appID, secret, tenant string) { return f.appID, f.secret, f.tenant }

// BotID is the bot's id in Teams conversations: "28:" and its app id.
func (f *Fake) BotID() string { return "28:" + f.appID }

// Client is an HTTP client for the server.
func (f *Fake) Client() *http.Client { return f.srv.Client() }

// Calls lists the requests received so far, in order.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Call, len(f.calls))
	copy(out, f.calls)
	return out
}

// failure is a forced answer to a coming connector call.
type failure struct {
	status     int
	code       string
	retryAfter time.Duration
}

// Fail429 makes the next n connector calls (after their token is checked) answer 429
// Throttled with Retry-After, as Teams does past its rate limits.
func (f *Fake) Fail429(n int, retryAfter time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.fails = append(f.fails, failure{status: http.StatusTooManyRequests, code: "Throttled", retryAfter: retryAfter})
	}
}

// FailNext makes the next connector call (after its token is checked) answer status with the
// error code, e.g. 403 "ConversationBlockedByUser" or 412 "PreconditionFailed"; calls queue.
func (f *Fake) FailNext(status int, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fails = append(f.fails, failure{status: status, code: code, retryAfter: time.Second})
}

// WaitFor waits until cond holds, checking whenever the fake records something and every few
// milliseconds, and fails the test when within passes first.
func (f *Fake) WaitFor(t testing.TB, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		f.mu.Lock()
		changed := f.changed
		f.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-changed:
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("teamsfake: waited %v for %s", within, what)
		}
	}
}

// WaitPosted waits up to WaitTimeout for a message in the conversation (see Posted) that
// pred accepts (nil: any), as it stands now, and returns it.
func (f *Fake) WaitPosted(t testing.TB, conversationID string, pred func(Message) bool) Message {
	t.Helper()
	var found Message
	f.WaitFor(t, "a message in "+conversationID, WaitTimeout, func() bool {
		for _, m := range f.Posted(conversationID) {
			if pred == nil || pred(m) {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

// notify wakes WaitFor; it needs f.mu.
func (f *Fake) notify() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// handle reads the body, runs h and records the call with what h answered.
func (f *Fake) handle(route string, h func(http.ResponseWriter, *http.Request, []byte)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// 4 MiB is far past every limit the fake enforces; it only bounds a runaway test.
		body, _ := io.ReadAll(io.LimitReader(r.Body, 4<<20))
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h(rec, r, body)
		f.mu.Lock()
		f.calls = append(f.calls, Call{
			Route: route, Method: r.Method, Path: r.URL.EscapedPath(),
			ConversationID: r.PathValue("conversationId"),
			Header:         r.Header.Clone(), Body: body, Status: rec.status,
		})
		f.notify()
		f.mu.Unlock()
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers as the connector does: an ErrorResponse, {"error":{"code","message"}}
// ("API reference", Errors and the ErrorResponse object).
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": message}})
}

// errorMessages are the messages of the error codes Teams documents ("Messages in bot
// conversations", Status code responses,
// https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/conversation-messages#status-code-responses).
var errorMessages = map[string]string{
	"ConversationBlockedByUser":  "User blocked the conversation with the bot.",
	"BotNotInConversationRoster": "The bot is not part of the conversation roster.",
	"BotDisabledByAdmin":         "The tenant admin disabled this bot.",
	"BotNotRegistered":           "No registration found for this bot.",
	"PreconditionFailed":         "Precondition failed, please try again.",
	"ConversationNotFound":       "Conversation not found.",
	"MessageSizeTooBig":          "Message size too large.",
	"Throttled":                  "Too many requests.",
}

func errorMessage(code string) string {
	if m, ok := errorMessages[code]; ok {
		return m
	}
	return code
}

// retryAfter writes a Retry-After header in whole seconds, at least 1.
func retryAfter(w http.ResponseWriter, d time.Duration) {
	secs := int((d + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", fmt.Sprint(max(secs, 1)))
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func randomText(n int) string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(n))[:n]
}

func newGUID() string {
	b := randomBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
