// Package slackfake is a local fake of Slack for tests: the Web API methods licensebot calls
// (answering as Slack documents them: JSON with ok true/false and Slack's error codes),
// response_url endpoints, and Socket Mode (apps.connections.open and a WebSocket that sends
// envelopes and records acks). It records every call, validates Block Kit against Slack's
// limits the way Slack refuses a message (invalid_blocks), and can be told to answer 429.
//
// slack-go's own slacktest lacks chat.update, usergroups.users.list and conversations.open,
// hence this one.
package slackfake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Tokens the fake accepts unless told otherwise.
const (
	BotToken = "xoxb-fake-bot-token"
	AppToken = "xapp-fake-app-token"
	TeamID   = "T0FAKE"
	BotUser  = "UBOTFAKE"
)

// User is a member of the fake workspace.
type User struct {
	ID          string
	Name        string // the handle
	RealName    string
	DisplayName string
	Email       string // "" for a profile without one (or no users:read.email scope)
	Locale      string // e.g. "tr-TR"
	TZ          string // e.g. "Europe/Istanbul"
	Deleted     bool
	IsBot       bool
}

// Call is one request the fake received.
type Call struct {
	Method string // Web API method, or "response:<name>"
	Header http.Header
	Form   url.Values // form fields (also the query), for form-encoded calls
	Body   []byte     // the raw body
	// Status is what the fake answered (200, or 429 when rate limited).
	Status int
}

// JSON decodes a JSON body into a map (nil when the body isn't JSON).
func (c Call) JSON() map[string]any {
	var m map[string]any
	if json.Unmarshal(c.Body, &m) != nil {
		return nil
	}
	return m
}

// Param is a field of the call, from the form or the JSON body.
func (c Call) Param(name string) string {
	if v := c.Form.Get(name); v != "" {
		return v
	}
	if m := c.JSON(); m != nil {
		switch v := m[name].(type) {
		case string:
			return v
		case nil:
		default:
			b, _ := json.Marshal(v)
			return string(b)
		}
	}
	return ""
}

// Blocks decodes the call's blocks (a form field of JSON, or a JSON body's array).
func (c Call) Blocks() []map[string]any {
	raw := c.Param("blocks")
	var blocks []map[string]any
	_ = json.Unmarshal([]byte(raw), &blocks)
	return blocks
}

// Message is a message the bot posted, as it stands now.
type Message struct {
	Channel, TS, ThreadTS, Text string
	Blocks                      json.RawMessage
	Updates                     int
}

// Ack is a Socket Mode acknowledgement the app sent.
type Ack struct {
	EnvelopeID string          `json:"envelope_id"`
	Payload    json.RawMessage `json:"payload,omitempty"`
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the server's base, e.g. http://127.0.0.1:4321.
	URL string
	srv *httptest.Server

	mu       sync.Mutex
	botToken string
	appToken string
	users    []User
	groups   map[string][]string
	channels map[string]bool
	// outside are channels that exist but the bot is not a member of (see AddChannelWithoutBot).
	outside  map[string]bool
	scopes   []string
	messages map[string]*Message // channel + "/" + ts
	calls    []Call
	limits   map[string]*limit
	fails    map[string][]string
	seq      int64
	start    int64

	sockets  []*socket
	acks     []Ack
	envelope int
}

type limit struct {
	n          int
	retryAfter time.Duration
}

// New starts a fake Slack, closed when the test ends.
func New(t testing.TB) *Server {
	s := &Server{
		botToken: BotToken,
		appToken: AppToken,
		groups:   map[string][]string{},
		channels: map[string]bool{},
		outside:  map[string]bool{},
		scopes:   ManifestScopes(),
		messages: map[string]*Message{},
		limits:   map[string]*limit{},
		fails:    map[string][]string{},
		start:    1700000000,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.serveAPI)
	mux.HandleFunc("/response/{name}", s.serveResponse)
	mux.HandleFunc("/socket", s.serveSocket)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	t.Cleanup(s.Close)
	return s
}

// Close stops the server and its WebSocket connections.
func (s *Server) Close() {
	s.mu.Lock()
	sockets := s.sockets
	s.sockets = nil
	s.mu.Unlock()
	for _, c := range sockets {
		c.conn.Close()
	}
	s.srv.Close()
}

// APIURL is the Web API base for slack.OptionAPIURL (ends with "/").
func (s *Server) APIURL() string { return s.URL + "/api/" }

// AddUser adds a member of the workspace.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users = append(s.users, u)
}

// AddUserGroup adds a user group (S…) with its members.
func (s *Server) AddUserGroup(id string, members ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[id] = members
}

// AddChannel makes a channel the bot can post in.
func (s *Server) AddChannel(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[id] = true
}

// AddChannelWithoutBot adds a channel the bot is not a member of: conversations.info finds
// it with is_member false, and posting to it fails with not_in_channel, as Slack answers.
func (s *Server) AddChannelWithoutBot(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.channels, id)
	s.outside[id] = true
}

// ManifestScopes are the bot scopes configs/slack-app-manifest.yaml asks for: what the fake
// grants unless SetScopes says otherwise.
func ManifestScopes() []string {
	return []string{"commands", "chat:write", "im:write", "users:read", "users:read.email", "usergroups:read", "channels:read", "groups:read"}
}

// SetScopes sets the scopes the bot token was granted, which the fake reports in the
// X-OAuth-Scopes header of every answered Web API call, as Slack does. The fake doesn't
// refuse calls for a missing scope; use Fail(method, "missing_scope", n) for that.
func (s *Server) SetScopes(scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scopes = append([]string(nil), scopes...)
}

// PostedMessage adds a message as if the bot had posted it (for chat.update tests).
func (s *Server) PostedMessage(channel, ts, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[channel] = true
	s.messages[channel+"/"+ts] = &Message{Channel: channel, TS: ts, Text: text}
}

// RateLimit makes the next n calls of method answer 429 with Retry-After.
func (s *Server) RateLimit(method string, n int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits[method] = &limit{n: n, retryAfter: retryAfter}
}

// Fail makes the next n calls of method answer {"ok":false,"error":code}; n < 0: all.
func (s *Server) Fail(method, code string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n < 0 {
		s.fails[method] = []string{"*" + code}
		return
	}
	for range n {
		s.fails[method] = append(s.fails[method], code)
	}
}

// Calls lists the calls of a method ("" for all), in order.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// WaitCalls waits (up to 5 s) until method has been called n times, and returns the calls.
func (s *Server) WaitCalls(t testing.TB, method string, n int) []Call {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		calls := s.Calls(method)
		if len(calls) >= n {
			return calls
		}
		if time.Now().After(deadline) {
			t.Fatalf("slackfake: %s called %d times, want %d", method, len(calls), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ResponseURL is a response_url that records what is posted to it.
func (s *Server) ResponseURL(name string) string { return s.URL + "/response/" + url.PathEscape(name) }

// Responses lists the posts to ResponseURL(name).
func (s *Server) Responses(name string) []Call { return s.Calls("response:" + name) }

// WaitResponses waits (up to 5 s) for n posts to ResponseURL(name).
func (s *Server) WaitResponses(t testing.TB, name string, n int) []Call {
	t.Helper()
	return s.WaitCalls(t, "response:"+name, n)
}

// Message returns a message the bot posted, as it stands.
func (s *Server) Message(channel, ts string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[channel+"/"+ts]
	if !ok {
		return Message{}, false
	}
	return *m, true
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type obj = map[string]any

func fail(code string) obj { return obj{"ok": false, "error": code} }

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	body, _ := io.ReadAll(r.Body)
	form := r.URL.Query()
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if f, err := url.ParseQuery(string(body)); err == nil {
			for k, v := range f {
				form[k] = append(form[k], v...)
			}
		}
	}
	c := Call{Method: method, Header: r.Header.Clone(), Form: form, Body: body, Status: http.StatusOK}

	s.mu.Lock()
	if l := s.limits[method]; l != nil && l.n > 0 {
		l.n--
		s.mu.Unlock()
		c.Status = http.StatusTooManyRequests
		s.record(c)
		w.Header().Set("Retry-After", strconv.Itoa(int(l.retryAfter/time.Second)))
		writeJSON(w, http.StatusTooManyRequests, fail("ratelimited"))
		return
	}
	var forced string
	if q := s.fails[method]; len(q) > 0 {
		forced = q[0]
		if !strings.HasPrefix(forced, "*") {
			s.fails[method] = q[1:]
		}
		forced = strings.TrimPrefix(forced, "*")
	}
	s.mu.Unlock()
	s.record(c)

	if code := s.authorize(method, c); code != "" {
		writeJSON(w, http.StatusOK, fail(code))
		return
	}
	if method != "apps.connections.open" {
		s.mu.Lock()
		w.Header().Set("X-OAuth-Scopes", strings.Join(s.scopes, ","))
		s.mu.Unlock()
	}
	if forced != "" {
		writeJSON(w, http.StatusOK, fail(forced))
		return
	}
	handler, ok := map[string]func(Call) obj{
		"auth.test":             s.authTest,
		"users.info":            s.usersInfo,
		"users.list":            s.usersList,
		"users.lookupByEmail":   s.usersLookupByEmail,
		"usergroups.users.list": s.usergroupsUsersList,
		"conversations.open":    s.conversationsOpen,
		"conversations.info":    s.conversationsInfo,
		"chat.postMessage":      s.chatPostMessage,
		"chat.postEphemeral":    s.chatPostEphemeral,
		"chat.update":           s.chatUpdate,
		"apps.connections.open": s.appsConnectionsOpen,
	}[method]
	if !ok {
		writeJSON(w, http.StatusOK, fail("unknown_method"))
		return
	}
	writeJSON(w, http.StatusOK, handler(c))
}

// authorize checks the token as Slack does: the bot token for Web API methods, the
// app-level token for apps.connections.open.
func (s *Server) authorize(method string, c Call) string {
	token := c.Form.Get("token")
	if bearer, ok := strings.CutPrefix(c.Header.Get("Authorization"), "Bearer "); ok {
		token = bearer
	}
	if token == "" {
		return "not_authed"
	}
	want := s.botToken
	if method == "apps.connections.open" {
		want = s.appToken
		if strings.HasPrefix(token, "xoxb-") {
			return "not_allowed_token_type"
		}
	}
	if token != want {
		return "invalid_auth"
	}
	return ""
}

func (s *Server) authTest(Call) obj {
	return obj{"ok": true, "url": "https://fake.slack.com/", "team": "Fake", "user": "licensebot",
		"team_id": TeamID, "user_id": BotUser, "bot_id": "BBOTFAKE"}
}

func (s *Server) findUser(match func(User) bool) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if match(u) {
			return u, true
		}
	}
	return User{}, false
}

// userJSON is a user object as users.info documents it; locale only with include_locale.
func userJSON(u User, locale bool) obj {
	profile := obj{
		"real_name": u.RealName, "real_name_normalized": u.RealName,
		"display_name": u.DisplayName, "display_name_normalized": u.DisplayName,
	}
	if u.Email != "" {
		profile["email"] = u.Email
	}
	o := obj{
		"id": u.ID, "team_id": TeamID, "name": u.Name, "deleted": u.Deleted, "real_name": u.RealName,
		"tz": u.TZ, "tz_label": u.TZ, "tz_offset": 0, "is_bot": u.IsBot, "profile": profile,
	}
	if locale && u.Locale != "" {
		o["locale"] = u.Locale
	}
	return o
}

func (s *Server) usersInfo(c Call) obj {
	id := c.Param("user")
	u, ok := s.findUser(func(u User) bool { return u.ID == id })
	if !ok {
		return fail("user_not_found")
	}
	return obj{"ok": true, "user": userJSON(u, c.Param("include_locale") == "true")}
}

func (s *Server) usersList(c Call) obj {
	s.mu.Lock()
	users := append([]User(nil), s.users...)
	s.mu.Unlock()
	limit, _ := strconv.Atoi(c.Param("limit"))
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	start := 0
	if cur := c.Param("cursor"); cur != "" {
		raw, err := base64.StdEncoding.DecodeString(cur)
		n, ok := strings.CutPrefix(string(raw), "user:")
		if err != nil || !ok {
			return fail("invalid_cursor")
		}
		start, _ = strconv.Atoi(n)
	}
	end := min(start+limit, len(users))
	members := []obj{}
	for _, u := range users[min(start, end):end] {
		members = append(members, userJSON(u, c.Param("include_locale") == "true"))
	}
	next := ""
	if end < len(users) {
		next = base64.StdEncoding.EncodeToString([]byte("user:" + strconv.Itoa(end)))
	}
	return obj{"ok": true, "members": members, "cache_ts": s.start, "response_metadata": obj{"next_cursor": next}}
}

func (s *Server) usersLookupByEmail(c Call) obj {
	email := c.Param("email")
	u, ok := s.findUser(func(u User) bool { return u.Email != "" && strings.EqualFold(u.Email, email) })
	if !ok {
		return fail("users_not_found")
	}
	return obj{"ok": true, "user": userJSON(u, false)}
}

func (s *Server) usergroupsUsersList(c Call) obj {
	s.mu.Lock()
	members, ok := s.groups[c.Param("usergroup")]
	s.mu.Unlock()
	if !ok {
		return fail("no_such_subteam")
	}
	return obj{"ok": true, "users": append([]string{}, members...)}
}

func (s *Server) conversationsOpen(c Call) obj {
	users := strings.Split(c.Param("users"), ",")
	if len(users) != 1 || users[0] == "" {
		if ch := c.Param("channel"); ch != "" {
			return obj{"ok": true, "channel": obj{"id": ch}}
		}
		return fail("users_list_not_supplied")
	}
	if _, ok := s.findUser(func(u User) bool { return u.ID == users[0] }); !ok {
		return fail("user_not_found")
	}
	id := "D" + strings.TrimLeft(users[0], "UW")
	s.mu.Lock()
	s.channels[id] = true
	s.mu.Unlock()
	return obj{"ok": true, "channel": obj{"id": id}}
}

// conversationsInfo answers for channels added with AddChannel (the bot is a member) or
// AddChannelWithoutBot (it isn't), and DMs opened; others are channel_not_found.
func (s *Server) conversationsInfo(c Call) obj {
	id := c.Param("channel")
	s.mu.Lock()
	member, outside := s.channels[id], s.outside[id]
	s.mu.Unlock()
	if !member && !outside {
		return fail("channel_not_found")
	}
	ch := obj{"id": id, "name": strings.ToLower(id), "is_channel": !strings.HasPrefix(id, "D"), "is_im": strings.HasPrefix(id, "D"),
		"is_private": false, "is_archived": false, "is_member": member, "created": s.start}
	return obj{"ok": true, "channel": ch}
}

// nextTS makes message timestamps as Slack does ("1700000000.000100"), always increasing.
func (s *Server) nextTS() string {
	s.seq++
	return fmt.Sprintf("%d.%06d", s.start+s.seq/1000, (s.seq%1000)*100)
}

// checkMessage is what Slack checks of a message's content.
func checkMessage(c Call) string {
	text, blocks := c.Param("text"), c.Param("blocks")
	if text == "" && blocks == "" {
		return "no_text"
	}
	if len([]rune(text)) > 40000 {
		return "msg_too_long"
	}
	if blocks != "" {
		if err := ValidateBlocks([]byte(blocks)); err != nil {
			return "invalid_blocks"
		}
	}
	return ""
}

func (s *Server) chatPostMessage(c Call) obj {
	channel := c.Param("channel")
	if code := checkMessage(c); code != "" {
		return fail(code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.outside[channel] {
		return fail("not_in_channel")
	}
	if !s.channels[channel] {
		return fail("channel_not_found")
	}
	thread := c.Param("thread_ts")
	if thread != "" && s.messages[channel+"/"+thread] == nil {
		return fail("thread_not_found")
	}
	ts := s.nextTS()
	m := &Message{Channel: channel, TS: ts, ThreadTS: thread, Text: c.Param("text"), Blocks: json.RawMessage(c.Param("blocks"))}
	s.messages[channel+"/"+ts] = m
	return obj{"ok": true, "channel": channel, "ts": ts,
		"message": obj{"type": "message", "text": m.Text, "ts": ts, "bot_id": "BBOTFAKE", "user": BotUser}}
}

func (s *Server) chatPostEphemeral(c Call) obj {
	if code := checkMessage(c); code != "" {
		return fail(code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.channels[c.Param("channel")] {
		return fail("channel_not_found")
	}
	return obj{"ok": true, "message_ts": s.nextTS()}
}

func (s *Server) chatUpdate(c Call) obj {
	channel, ts := c.Param("channel"), c.Param("ts")
	if code := checkMessage(c); code != "" {
		return fail(code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.channels[channel] {
		return fail("channel_not_found")
	}
	m := s.messages[channel+"/"+ts]
	if m == nil {
		return fail("message_not_found")
	}
	m.Text, m.Blocks = c.Param("text"), json.RawMessage(c.Param("blocks"))
	m.Updates++
	return obj{"ok": true, "channel": channel, "ts": ts, "text": m.Text,
		"message": obj{"type": "message", "text": m.Text, "ts": ts, "bot_id": "BBOTFAKE", "user": BotUser}}
}

func (s *Server) appsConnectionsOpen(Call) obj {
	ws := "ws" + strings.TrimPrefix(s.URL, "http") + "/socket?ticket=fake"
	return obj{"ok": true, "url": ws}
}

// serveResponse takes posts to a response_url. Slack allows five per URL; past that it
// answers used_url, as it does here.
func (s *Server) serveResponse(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	body, _ := io.ReadAll(r.Body)
	c := Call{Method: "response:" + name, Header: r.Header.Clone(), Body: body, Form: url.Values{}, Status: http.StatusOK}
	s.mu.Lock()
	if l := s.limits[c.Method]; l != nil && l.n > 0 {
		l.n--
		s.mu.Unlock()
		c.Status = http.StatusTooManyRequests
		s.record(c)
		w.Header().Set("Retry-After", strconv.Itoa(int(l.retryAfter/time.Second)))
		http.Error(w, "rate_limited", http.StatusTooManyRequests)
		return
	}
	used := 0
	for _, old := range s.calls {
		if old.Method == c.Method && old.Status == http.StatusOK {
			used++
		}
	}
	s.mu.Unlock()
	var msg struct {
		Text   string          `json:"text"`
		Blocks json.RawMessage `json:"blocks"`
	}
	switch {
	case json.Unmarshal(body, &msg) != nil:
		c.Status = http.StatusBadRequest
	case used >= 5:
		c.Status = http.StatusNotFound
	case len(msg.Blocks) > 0 && ValidateBlocks(msg.Blocks) != nil:
		c.Status = http.StatusBadRequest
	}
	s.record(c)
	switch c.Status {
	case http.StatusBadRequest:
		http.Error(w, "invalid_blocks", c.Status)
	case http.StatusNotFound:
		http.Error(w, "used_url", c.Status)
	default:
		writeJSON(w, http.StatusOK, obj{"ok": true})
	}
}

// SortedMessages lists the messages of a channel by ts.
func (s *Server) SortedMessages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages {
		if m.Channel == channel {
			out = append(out, *m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TS < out[j].TS })
	return out
}

var upgrader = websocket.Upgrader{
	// slack-go sends Origin: https://api.slack.com, which isn't this host.
	CheckOrigin: func(*http.Request) bool { return true },
}
