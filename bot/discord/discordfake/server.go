// Package discordfake is a local fake of Discord for tests: the REST routes licensebot calls
// (answering as Discord documents them: JSON errors with a code and a message, e.g. 404
// {"code":10008,"message":"Unknown Message"}), interaction callbacks and webhook edits
// through interaction tokens, and a gateway WebSocket that says HELLO, takes IDENTIFY,
// sends READY and dispatches INTERACTION_CREATE. It records every call, keeps the messages
// as they stand (content, embeds, components), refuses messages past Discord's limits the
// way Discord does (400, 50035 Invalid Form Body), and answers 429 with Retry-After and
// X-RateLimit-* headers when told to. For licensebot doctor it also answers who the bot and
// its application are, and the guilds, channels and roles the test sets up, with the bot's
// permissions applied as Discord applies them (guilds.go).
//
// Point discordgo at it through the discord package's Config.APIURL (= URL + "/"). It
// serves API v10 only, /api/v10/… and the gateway's ?v=10, which is what licensebot
// speaks: a call to another version (discordgo v0.29.0's default is v9) is answered 404
// and recorded as RouteUnknown, and a gateway connection with another v is closed with
// 4012 Invalid API version, so that a regression fails the tests.
package discordfake

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Defaults the fake answers to.
const (
	BotToken = "fake-bot-token"
	AppID    = "900000000000000001"
	BotID    = "900000000000000002"
	BotName  = "licensebot"
	// PublicKey is the application's verify_key until SetPublicKey: the public key of
	// RFC 8032's first Ed25519 test vector (§7.1, TEST 1), which signs nothing here.
	PublicKey = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
)

// Routes, for Calls and RateLimit: the method and the route as Discord's docs name it.
const (
	RouteBulkOverwriteGlobal = "PUT /applications/{app}/commands"
	RouteBulkOverwriteGuild  = "PUT /applications/{app}/guilds/{guild}/commands"
	RouteCallback            = "POST /interactions/{id}/{token}/callback"
	RouteEditOriginal        = "PATCH /webhooks/{app}/{token}/messages/@original"
	RouteFollowup            = "POST /webhooks/{app}/{token}"
	RouteCreateDM            = "POST /users/@me/channels"
	RouteCreateMessage       = "POST /channels/{channel}/messages"
	RouteEditMessage         = "PATCH /channels/{channel}/messages/{message}"
	RouteGateway             = "GET /gateway"
	RouteGatewayBot          = "GET /gateway/bot"
	// What licensebot doctor reads (guilds.go).
	RouteCurrentUser        = "GET /users/@me"
	RouteCurrentApplication = "GET /applications/@me"
	RouteGuild              = "GET /guilds/{guild}"
	RouteGuildMember        = "GET /guilds/{guild}/members/{user}"
	RouteChannel            = "GET /channels/{channel}"
	// RouteUnknown is every request the fake has no route for (answered 404), e.g. one to
	// another API version than v10.
	RouteUnknown = "unknown route"
)

// APIPrefix is the path every REST route is served under: API v10, the version Discord's
// OpenAPI documents (its servers: https://discord.com/api/v10).
const APIPrefix = "/api/v10"

// Call is one REST request the fake received.
type Call struct {
	Route  string // one of the Route constants
	Path   string
	Header http.Header
	Body   []byte
	Status int // what the fake answered
}

// JSON decodes the body into a map (nil when it isn't JSON).
func (c Call) JSON() map[string]any {
	var m map[string]any
	if json.Unmarshal(c.Body, &m) != nil {
		return nil
	}
	return m
}

// Message is a message as it stands now.
type Message struct {
	ID         string          `json:"id"`
	ChannelID  string          `json:"channel_id"`
	Content    string          `json:"content"`
	Embeds     json.RawMessage `json:"embeds"`
	Components json.RawMessage `json:"components"`
	Flags      int             `json:"flags"`
	// ReplyTo is the message_reference's message id, for a reply.
	ReplyTo string `json:"-"`
	// Token is the interaction whose response or follow-up this is; "" for the bot's own.
	Token string `json:"-"`
	// Deferred is true while a deferred response shows "thinking…" and has no content yet.
	Deferred bool `json:"-"`
	Edits    int  `json:"-"`
}

// Ephemeral reports whether only the person who interacted sees the message (flag 64).
func (m Message) Ephemeral() bool { return m.Flags&64 != 0 }

// ComponentList decodes the components.
func (m Message) ComponentList() []map[string]any {
	var out []map[string]any
	_ = json.Unmarshal(m.Components, &out)
	return out
}

// Buttons lists the custom_ids of the message's buttons, row by row.
func (m Message) Buttons() []string {
	var ids []string
	for _, row := range m.ComponentList() {
		list, _ := row["components"].([]any)
		for _, c := range list {
			if b, ok := c.(map[string]any); ok {
				id, _ := b["custom_id"].(string)
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// EmbedList decodes the embeds.
func (m Message) EmbedList() []map[string]any {
	var out []map[string]any
	_ = json.Unmarshal(m.Embeds, &out)
	return out
}

// interaction is an interaction the fake knows the token of.
type interaction struct {
	id, token string
	original  string // the @original message: the clicked one, or the deferred response
	acked     bool
	response  []int // the callback types received
}

type limit struct {
	n          int
	retryAfter time.Duration
	global     bool
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the server's base, e.g. http://127.0.0.1:4321.
	URL string
	srv *httptest.Server

	mu           sync.Mutex
	token, appID string
	app          application
	channels     map[string]bool
	guilds       map[string]*guild
	placed       map[string]*guildChannel // guild channels, by id (also in channels)
	dms          map[string]string        // user id → DM channel id
	noDMs        map[string]bool          // users who don't accept DMs
	messages     map[string]*Message
	order        []string // message ids, in creation order
	interactions map[string]*interaction
	commands     map[string]json.RawMessage // "global" or guild id → the last bulk overwrite
	calls        []Call
	limits       map[string]*limit
	seq          int64

	gateway gateway
}

// New starts a fake Discord, closed when the test ends.
func New(t testing.TB) *Server {
	s := &Server{
		token: BotToken, appID: AppID,
		app:          application{name: BotName, verifyKey: PublicKey},
		channels:     map[string]bool{},
		guilds:       map[string]*guild{},
		placed:       map[string]*guildChannel{},
		dms:          map[string]string{},
		noDMs:        map[string]bool{},
		messages:     map[string]*Message{},
		interactions: map[string]*interaction{},
		commands:     map[string]json.RawMessage{},
		limits:       map[string]*limit{},
		seq:          1200000000000000000,
	}
	mux := http.NewServeMux()
	for route, h := range map[string]http.HandlerFunc{
		RouteBulkOverwriteGlobal: s.bulkOverwrite,
		RouteBulkOverwriteGuild:  s.bulkOverwrite,
		RouteCallback:            s.callback,
		RouteEditOriginal:        s.editOriginal,
		RouteFollowup:            s.followup,
		RouteCreateDM:            s.createDM,
		RouteCreateMessage:       s.createMessage,
		RouteEditMessage:         s.editMessage,
		RouteGateway:             s.gatewayURL,
		RouteGatewayBot:          s.gatewayURL,
		RouteCurrentUser:         s.currentUser,
		RouteCurrentApplication:  s.currentApplication,
		RouteGuild:               s.getGuild,
		RouteGuildMember:         s.getGuildMember,
		RouteChannel:             s.getChannel,
	} {
		method, path, _ := strings.Cut(route, " ")
		// Discord serves v9 too, but licensebot speaks v10 only: a v9 call is a bug.
		mux.Handle(method+" "+APIPrefix+path, s.record(route, h))
	}
	mux.Handle("/", s.record(RouteUnknown, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, 0, "404: Not Found")
	}))
	mux.HandleFunc("GET /gateway-ws/", s.serveGateway) // discordgo adds the "/" before ?v=
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	t.Cleanup(s.Close)
	return s
}

// Close stops the server and its gateway connections.
func (s *Server) Close() {
	s.gateway.closeAll()
	s.srv.Close()
}

// APIURL is the base for the discord package's Config.APIURL.
func (s *Server) APIURL() string { return s.URL + "/" }

// AddChannel makes a channel the bot can post in.
func (s *Server) AddChannel(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[id] = true
}

// RefuseDMs makes messages to the user's DM channel fail as Discord does for a user who
// doesn't accept DMs from the bot (403, 50007).
func (s *Server) RefuseDMs(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noDMs[user] = true
}

// AddMessage puts a message in a channel as if the bot had posted it; it returns its id.
func (s *Server) AddMessage(channel string, m Message) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[channel] = true
	m.ChannelID = channel
	return s.store(&m)
}

// AddInteraction makes the fake know an interaction's token, as Discord knows it when it
// sends the interaction. clicked is the id of the message a button was on ("" for a command):
// a component interaction's @original.
func (s *Server) AddInteraction(id, token, clicked string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.interactions[token] = &interaction{id: id, token: token, original: clicked}
}

// Respond takes an interaction response as Discord takes the HTTP response of an
// interactions endpoint: as if it had been posted to the callback route.
func (s *Server) Respond(t testing.TB, token string, body []byte) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if status, code, msg := s.respond(token, body); status != http.StatusNoContent {
		t.Fatalf("discordfake: Discord would not take the response %s: %d %d %s", body, status, code, msg)
	}
}

// RateLimit makes the next n calls of route answer 429 with retryAfter (global: the
// global limit, X-RateLimit-Global).
func (s *Server) RateLimit(route string, n int, retryAfter time.Duration, global bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits[route] = &limit{n: n, retryAfter: retryAfter, global: global}
}

// Calls lists the calls of a route ("" for all), in order.
func (s *Server) Calls(route string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if route == "" || c.Route == route {
			out = append(out, c)
		}
	}
	return out
}

// WaitCalls waits (up to 10 s) until route has been called n times, and returns the calls.
func (s *Server) WaitCalls(t testing.TB, route string, n int) []Call {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		calls := s.Calls(route)
		if len(calls) >= n {
			return calls
		}
		if time.Now().After(deadline) {
			t.Fatalf("discordfake: %s called %d times, want %d", route, len(calls), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Message returns a message as it stands.
func (s *Server) Message(id string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[id]
	if !ok {
		return Message{}, false
	}
	return *m, true
}

// Messages lists the messages of a channel, oldest first.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, id := range s.order {
		if m := s.messages[id]; m.ChannelID == channel {
			out = append(out, *m)
		}
	}
	return out
}

// Original is an interaction's @original message: the (deferred) response, or the
// clicked message.
func (s *Server) Original(token string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.interactions[token]
	if !ok || in.original == "" {
		return Message{}, false
	}
	m, ok := s.messages[in.original]
	if !ok {
		return Message{}, false
	}
	return *m, true
}

// Followups lists the follow-up messages sent with an interaction's token.
func (s *Server) Followups(token string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, id := range s.order {
		if m := s.messages[id]; m.Token == token && (s.interactions[token] == nil || s.interactions[token].original != id) {
			out = append(out, *m)
		}
	}
	return out
}

// ResponseTypes lists the interaction response types the fake took for an interaction.
func (s *Server) ResponseTypes(token string) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if in := s.interactions[token]; in != nil {
		return append([]int(nil), in.response...)
	}
	return nil
}

// Commands is the last bulk overwrite of a scope ("" global, else a guild id), as sent.
func (s *Server) Commands(guild string) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	if guild == "" {
		guild = "global"
	}
	return s.commands[guild]
}

// DMChannel is the DM channel the fake opened with a user ("" if none).
func (s *Server) DMChannel(user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dms[user]
}

// record wraps a route: it reads the body, checks the bot token where Discord needs one,
// answers 429 when told to, and records the call with the status answered.
func (s *Server) record(route string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			s.mu.Lock()
			s.calls = append(s.calls, Call{Route: route, Path: r.URL.Path, Header: r.Header.Clone(), Body: body, Status: sw.status})
			s.mu.Unlock()
		}()
		// Interaction callbacks and webhooks are authorised by their token in the path; an
		// unknown route is a 404 whoever asks.
		needsBot := !strings.Contains(route, "{token}") && route != RouteUnknown
		if needsBot && r.Header.Get("Authorization") != "Bot "+s.token {
			writeError(sw, http.StatusUnauthorized, 0, "401: Unauthorized")
			return
		}
		if s.limited(sw, route) {
			return
		}
		h(sw, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// limited answers 429 as Discord does (https://discord.com/developers/docs/topics/rate-limits):
// Retry-After in whole seconds, X-RateLimit-* headers, and retry_after in seconds (float) in
// the JSON body.
func (s *Server) limited(w http.ResponseWriter, route string) bool {
	s.mu.Lock()
	l := s.limits[route]
	if l == nil || l.n == 0 {
		s.mu.Unlock()
		return false
	}
	l.n--
	s.mu.Unlock()
	secs := l.retryAfter.Seconds()
	h := w.Header()
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(secs))))
	h.Set("X-RateLimit-Limit", "5")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(time.Now().Add(l.retryAfter).UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(secs, 'f', 3, 64))
	h.Set("X-RateLimit-Bucket", fmt.Sprintf("%x", route))
	scope := "user"
	if l.global {
		h.Set("X-RateLimit-Global", "true")
		scope = "global"
	}
	h.Set("X-RateLimit-Scope", scope)
	writeJSON(w, http.StatusTooManyRequests, map[string]any{
		"message": "You are being rate limited.", "retry_after": secs, "global": l.global,
	})
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers with Discord's error shape: {"code": …, "message": …}.
func writeError(w http.ResponseWriter, status, code int, message string) {
	writeJSON(w, status, map[string]any{"code": code, "message": message})
}

func (s *Server) nextID() string {
	s.seq++
	return strconv.FormatInt(s.seq, 10)
}

func (s *Server) store(m *Message) string {
	if m.ID == "" {
		m.ID = s.nextID()
	}
	if m.Embeds == nil {
		m.Embeds = json.RawMessage("[]")
	}
	if m.Components == nil {
		m.Components = json.RawMessage("[]")
	}
	s.messages[m.ID] = m
	s.order = append(s.order, m.ID)
	return m.ID
}

// messageBody is what a create or edit may carry.
type messageBody struct {
	Content         *string          `json:"content"`
	Embeds          *json.RawMessage `json:"embeds"`
	Components      *json.RawMessage `json:"components"`
	Flags           int              `json:"flags"`
	AllowedMentions json.RawMessage  `json:"allowed_mentions"`
	Reference       *struct {
		MessageID string `json:"message_id"`
		ChannelID string `json:"channel_id"`
	} `json:"message_reference"`
}

func (b messageBody) apply(m *Message) {
	if b.Content != nil {
		m.Content = *b.Content
	}
	if b.Embeds != nil && string(*b.Embeds) != "null" {
		m.Embeds = *b.Embeds
	}
	if b.Components != nil && string(*b.Components) != "null" {
		m.Components = *b.Components
	}
}

// readMessage decodes and validates a message body; on failure it has answered. fields,
// when not nil, are the only top-level fields the body may have (an edit's: editFields).
func readMessage(w http.ResponseWriter, r *http.Request, create bool, fields []string) (messageBody, bool) {
	raw, _ := io.ReadAll(r.Body)
	var b messageBody
	if err := json.Unmarshal(raw, &b); err != nil {
		writeError(w, http.StatusBadRequest, 50109, "The request body contains invalid JSON.")
		return b, false
	}
	err := validateMessage(raw, create)
	if fields != nil {
		err = errors.Join(err, validateFields(raw, fields))
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 50035, "message": "Invalid Form Body", "errors": err.Error()})
		return b, false
	}
	return b, true
}

func (s *Server) bulkOverwrite(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("app") != s.appID {
		writeError(w, http.StatusForbidden, 50001, "Missing Access")
		return
	}
	var cmds []map[string]any
	if err := json.NewDecoder(r.Body).Decode(&cmds); err != nil {
		writeError(w, http.StatusBadRequest, 50109, "The request body contains invalid JSON.")
		return
	}
	if err := validateCommands(cmds); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 50035, "message": "Invalid Form Body", "errors": err.Error()})
		return
	}
	scope := r.PathValue("guild")
	s.mu.Lock()
	for _, c := range cmds {
		c["id"] = s.nextID()
		c["application_id"] = s.appID
		if scope != "" {
			c["guild_id"] = scope
		}
		c["version"] = "1"
	}
	raw, _ := json.Marshal(cmds)
	if scope == "" {
		scope = "global"
	}
	s.commands[scope] = raw
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Write(raw)
}

func (s *Server) callback(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	in := s.interactions[r.PathValue("token")]
	if in == nil || in.id != r.PathValue("id") {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, 10062, "Unknown interaction")
		return
	}
	status, code, msg := s.respond(in.token, body)
	s.mu.Unlock()
	if status != http.StatusNoContent {
		writeError(w, status, code, msg)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// respond takes an interaction response (https://discord.com/developers/docs/interactions/receiving-and-responding#responding-to-an-interaction).
// The caller holds s.mu.
func (s *Server) respond(token string, body []byte) (status, code int, message string) {
	in := s.interactions[token]
	if in == nil {
		return http.StatusNotFound, 10062, "Unknown interaction"
	}
	var resp struct {
		Type int             `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return http.StatusBadRequest, 50109, "The request body contains invalid JSON."
	}
	if resp.Type == 8 {
		// Autocomplete results: not a message, and an autocomplete interaction takes one.
		var d struct {
			Choices []map[string]any `json:"choices"`
		}
		_ = json.Unmarshal(resp.Data, &d)
		if len(d.Choices) > 25 {
			return http.StatusBadRequest, 50035, "Invalid Form Body: more than 25 choices"
		}
		in.response = append(in.response, resp.Type)
		return http.StatusNoContent, 0, ""
	}
	if in.acked {
		return http.StatusBadRequest, 40060, "Interaction has already been acknowledged."
	}
	var data messageBody
	if len(resp.Data) > 0 && string(resp.Data) != "null" {
		if err := json.Unmarshal(resp.Data, &data); err != nil {
			return http.StatusBadRequest, 50109, "The request body contains invalid JSON."
		}
	}
	switch resp.Type {
	case 4, 5:
		if resp.Type == 4 {
			if err := validateMessage(resp.Data, true); err != nil {
				return http.StatusBadRequest, 50035, "Invalid Form Body: " + err.Error()
			}
		}
		m := &Message{Flags: data.Flags, Token: token, Deferred: resp.Type == 5}
		data.apply(m)
		in.original = s.store(m)
	case 6:
		if in.original == "" {
			return http.StatusBadRequest, 40004, "Interaction response type 6 needs a message"
		}
	case 7:
		m, ok := s.messages[in.original]
		if !ok {
			return http.StatusBadRequest, 40004, "Interaction response type 7 needs a message"
		}
		data.apply(m)
		m.Edits++
	default:
		return http.StatusBadRequest, 50035, fmt.Sprintf("Invalid Form Body: response type %d", resp.Type)
	}
	in.acked = true
	in.response = append(in.response, resp.Type)
	return http.StatusNoContent, 0, ""
}

func (s *Server) interactionOf(w http.ResponseWriter, r *http.Request) (*interaction, bool) {
	in := s.interactions[r.PathValue("token")]
	if r.PathValue("app") != s.appID || in == nil {
		writeError(w, http.StatusNotFound, 10015, "Unknown Webhook")
		return nil, false
	}
	return in, true
}

func (s *Server) editOriginal(w http.ResponseWriter, r *http.Request) {
	b, ok := readMessage(w, r, false, editFields[RouteEditOriginal])
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.interactionOf(w, r)
	if !ok {
		return
	}
	m, ok := s.messages[in.original]
	if !in.acked && in.original == "" || !ok {
		writeError(w, http.StatusNotFound, 10008, "Unknown Message")
		return
	}
	b.apply(m)
	m.Deferred = false
	m.Edits++
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) followup(w http.ResponseWriter, r *http.Request) {
	b, ok := readMessage(w, r, true, nil)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.interactionOf(w, r)
	if !ok {
		return
	}
	if !in.acked {
		// Follow-ups need the interaction answered first.
		writeError(w, http.StatusBadRequest, 10015, "Unknown Webhook")
		return
	}
	m := &Message{Flags: b.Flags & 64, Token: in.token}
	b.apply(m)
	s.store(m)
	if r.URL.Query().Get("wait") == "true" {
		writeJSON(w, http.StatusOK, m)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) createDM(w http.ResponseWriter, r *http.Request) {
	var b struct {
		RecipientID string `json:"recipient_id"`
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil || b.RecipientID == "" {
		writeError(w, http.StatusBadRequest, 50033, "Invalid Recipient(s)")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.dms[b.RecipientID]
	if !ok {
		ch = s.nextID()
		s.dms[b.RecipientID] = ch
		s.channels[ch] = true
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": ch, "type": 1, "last_message_id": nil,
		"recipients": []map[string]any{{"id": b.RecipientID, "username": "user" + b.RecipientID}},
	})
}

func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) {
	b, ok := readMessage(w, r, true, nil)
	if !ok {
		return
	}
	channel := r.PathValue("channel")
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.channels[channel] {
		writeError(w, http.StatusNotFound, 10003, "Unknown Channel")
		return
	}
	if status, code, msg := s.mayPost(channel, b.Reference != nil); status != 0 {
		writeError(w, status, code, msg)
		return
	}
	for user, ch := range s.dms {
		if ch == channel && s.noDMs[user] {
			writeError(w, http.StatusForbidden, 50007, "Cannot send messages to this user")
			return
		}
	}
	m := &Message{ChannelID: channel, Flags: b.Flags}
	if b.Reference != nil {
		ref, ok := s.messages[b.Reference.MessageID]
		if !ok || ref.ChannelID != channel {
			writeError(w, http.StatusBadRequest, 50035, "Invalid Form Body: Unknown message")
			return
		}
		m.ReplyTo = ref.ID
	}
	b.apply(m)
	s.store(m)
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) editMessage(w http.ResponseWriter, r *http.Request) {
	b, ok := readMessage(w, r, false, editFields[RouteEditMessage])
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[r.PathValue("message")]
	if !ok || m.ChannelID != r.PathValue("channel") {
		writeError(w, http.StatusNotFound, 10008, "Unknown Message")
		return
	}
	if m.Token != "" || m.Ephemeral() {
		// Not the bot's own message: a webhook's, or ephemeral.
		writeError(w, http.StatusForbidden, 50005, "Cannot edit a message authored by another user")
		return
	}
	b.apply(m)
	m.Edits++
	writeJSON(w, http.StatusOK, m)
}
