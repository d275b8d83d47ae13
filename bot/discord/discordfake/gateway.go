package discordfake

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The gateway (https://discord.com/developers/docs/events/gateway), as a bot that only
// receives interactions sees it. GET /gateway gives the WebSocket URL; on it the fake sends
// HELLO (op 10) with a heartbeat_interval, answers heartbeats (op 1) with HEARTBEAT ACK
// (op 11), takes IDENTIFY (op 2) and answers READY (op 0, with a session_id and a
// resume_gateway_url), and dispatches events (op 0) with the session's sequence numbers.
// It keeps each session's dispatches, so that a RESUME (op 6) replays those after the
// client's seq and ends with RESUMED ("Resuming": "After Resuming, your app will receive the
// missed events in the same way it would have had the connection had stayed active"); a
// RESUME of a session it doesn't have (or no longer has) is answered with INVALID SESSION
// (op 9, d false). A client that closes with 1000 or 1001 ends its session ("Initiating a
// Disconnect": "your session will be invalidated"); any other close, or none, leaves it to
// resume.
//
// Tests can make connections misbehave as Discord's may: Zombify (no more ACKs or
// dispatches: a "zombied" connection), SendReconnect (op 7), SendInvalidSession (op 9,
// resumable or not), ExpireSessions and CloseGateway (a close code from the server). Each
// connection is recorded (GatewayConnections): the URL it was opened at, what the client
// sent on it (Identify, Resume, heartbeats) and the close code it closed it with.

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// DefaultHeartbeatInterval is the heartbeat_interval HELLO carries unless
// SetHeartbeatInterval changes it: what Discord's gateway sends.
const DefaultHeartbeatInterval = 41250 * time.Millisecond

// The gateway's WebSocket paths: GatewayPath is the url GET /gateway answers,
// ResumePath Ready's resume_gateway_url (Discord's is another host: a different path tells
// them apart here). Both are served under /gateway-ws/.
const (
	GatewayPath = "/gateway-ws"
	ResumePath  = "/gateway-ws/resume"
)

// fakeWriteTimeout bounds every write of the fake to a connection.
const fakeWriteTimeout = 5 * time.Second

// GatewayConnection is one WebSocket connection to the fake gateway, as the fake saw it.
type GatewayConnection struct {
	// URL is the request URI (path and query) it was opened at, e.g.
	// /gateway-ws/?v=10&encoding=json.
	URL string
	// Identify and Resume count the IDENTIFY (op 2) and RESUME (op 6) payloads the client
	// sent on it.
	Identify, Resume int
	// SessionID is the session it identified as (READY's session_id) or asked to resume;
	// ResumeSeq the seq of its RESUME.
	SessionID string
	ResumeSeq int
	// Ready: the fake answered with READY or RESUMED; dispatches flow on it since.
	Ready bool
	// Replayed counts the dispatches replayed on it after a RESUME.
	Replayed int
	// InvalidSession lists the d of each INVALID SESSION (op 9) sent on it.
	InvalidSession []bool
	// Reconnects counts the RECONNECTs (op 7) sent on it.
	Reconnects int
	// Heartbeats counts the heartbeats received; Unacked those received while it was
	// zombied, which it didn't acknowledge, the first of them at FirstUnackedAt.
	Heartbeats, Unacked int
	FirstUnackedAt      time.Time
	// Zombie: Zombify made it stop answering, at ZombieAt.
	Zombie   bool
	ZombieAt time.Time
	// Closed: the connection has ended, at ClosedAt. CloseCode is the code of the close
	// frame the client sent (1006, abnormal closure, when it went away without one; 0 when
	// it sent none because the fake closed the connection first); ServerCloseCode the code
	// the fake closed it with (0: none).
	Closed          bool
	ClosedAt        time.Time
	CloseCode       int
	ServerCloseCode int
}

type gatewayConn struct {
	ws   *websocket.Conn // nil until upgraded
	wmu  sync.Mutex      // one writer at a time
	info *GatewayConnection
	// Guarded by gateway.mu:
	session *gatewaySession
	zombie  bool
}

// write sends v with a deadline; the caller may hold gateway.mu (the lock order is
// gateway.mu, then wmu).
func (c *gatewayConn) write(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(fakeWriteTimeout))
	return c.ws.WriteJSON(v)
}

// closeWith sends a close frame with code, as Discord closes a connection.
func (c *gatewayConn) closeWith(code int, text string) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(fakeWriteTimeout))
}

// loggedEvent is a dispatch kept for a Resume.
type loggedEvent struct {
	seq int
	t   string
	d   json.RawMessage
}

type gatewaySession struct {
	id    string
	seq   int
	log   []loggedEvent
	conn  *gatewayConn // the connection it is on; nil between connections
	ended bool         // not resumable, gets no dispatches
}

// dispatch sends an event of the session on its connection, unless that is zombied; the
// caller holds gateway.mu, so that events go out in the order of their seq.
func (sess *gatewaySession) dispatch(t string, d json.RawMessage) {
	sess.seq++
	sess.log = append(sess.log, loggedEvent{seq: sess.seq, t: t, d: d})
	if c := sess.conn; c != nil && !c.zombie {
		// A failed write leaves the event in the log, for the Resume.
		_ = c.write(map[string]any{"op": 0, "t": t, "s": sess.seq, "d": d})
	}
}

type gateway struct {
	mu         sync.Mutex
	interval   time.Duration // 0: DefaultHeartbeatInterval
	conns      []*gatewayConn
	sessions   []*gatewaySession
	identifies []json.RawMessage
	changed    chan struct{} // closed and replaced on every change
}

// notifyLocked wakes the waiters; the caller holds g.mu.
func (g *gateway) notifyLocked() {
	if g.changed != nil {
		close(g.changed)
	}
	g.changed = make(chan struct{})
}

func (g *gateway) closeAll() {
	g.mu.Lock()
	var open []*websocket.Conn
	for _, c := range g.conns {
		if c.ws != nil && !c.info.Closed {
			open = append(open, c.ws)
		}
	}
	g.mu.Unlock()
	for _, ws := range open {
		ws.Close()
	}
}

func (s *Server) gatewayURL(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"url": s.wsURL(GatewayPath), "shards": 1,
		"session_start_limit": map[string]any{"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1},
	})
}

func (s *Server) wsURL(path string) string { return "ws" + strings.TrimPrefix(s.URL, "http") + path }

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	g := &s.gateway
	c := &gatewayConn{info: &GatewayConnection{URL: r.URL.RequestURI()}}
	g.mu.Lock()
	g.conns = append(g.conns, c)
	interval := g.interval
	g.notifyLocked()
	g.mu.Unlock()
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.ended(c, err)
		return
	}
	g.mu.Lock()
	c.ws = ws
	g.mu.Unlock()
	defer ws.Close()
	// The version is the URL's v (https://discord.com/developers/docs/events/gateway#connecting);
	// the fake speaks v10 only, and refuses another as Discord refuses a version it doesn't
	// have: close code 4012, "Invalid API version"
	// (https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes).
	if v := r.URL.Query().Get("v"); v != gatewayVersion {
		s.serverClose(c, 4012, "Invalid API version.")
		return
	}
	if interval <= 0 {
		interval = DefaultHeartbeatInterval
	}
	if c.write(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": interval.Milliseconds()}}) != nil {
		s.ended(c, nil)
		return
	}
	for {
		_, raw, err := ws.ReadMessage()
		if err != nil {
			s.ended(c, err)
			return
		}
		var msg struct {
			Op int             `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if json.Unmarshal(raw, &msg) != nil {
			s.serverClose(c, 4002, "Error while decoding payload.")
			return
		}
		var keep bool
		switch msg.Op {
		case 1:
			s.heartbeat(c)
			keep = true
		case 2:
			keep = s.identify(c, raw, msg.D)
		case 6:
			keep = s.resume(c, msg.D)
		default:
			keep = true // presence updates and the like: nothing a bot for interactions sends
		}
		if !keep {
			return
		}
	}
}

// ended records the end of a connection: the client's close code, and its session left
// to resume, or ended by a 1000 or 1001.
func (s *Server) ended(c *gatewayConn, err error) {
	g := &s.gateway
	g.mu.Lock()
	defer g.mu.Unlock()
	if c.info.Closed {
		return
	}
	c.info.Closed = true
	c.info.ClosedAt = time.Now()
	var closed *websocket.CloseError
	if errors.As(err, &closed) {
		c.info.CloseCode = closed.Code
	}
	if sess := c.session; sess != nil {
		if sess.conn == c {
			sess.conn = nil
		}
		if c.info.CloseCode == websocket.CloseNormalClosure || c.info.CloseCode == websocket.CloseGoingAway {
			sess.ended = true
		}
		c.session = nil
	}
	g.notifyLocked()
}

// serverClose closes the connection from the fake's side with code.
func (s *Server) serverClose(c *gatewayConn, code int, text string) {
	g := &s.gateway
	g.mu.Lock()
	c.info.ServerCloseCode = code
	g.mu.Unlock()
	c.closeWith(code, text)
	s.ended(c, nil)
}

func (s *Server) heartbeat(c *gatewayConn) {
	g := &s.gateway
	g.mu.Lock()
	c.info.Heartbeats++
	zombie := c.zombie
	if zombie {
		if c.info.Unacked == 0 {
			c.info.FirstUnackedAt = time.Now()
		}
		c.info.Unacked++
	}
	g.notifyLocked()
	g.mu.Unlock()
	if !zombie {
		_ = c.write(map[string]any{"op": 11})
	}
}

// identify takes an IDENTIFY: a new session, READY. false: the connection was closed.
func (s *Server) identify(c *gatewayConn, raw, d json.RawMessage) bool {
	var in struct {
		Token string `json:"token"`
	}
	_ = json.Unmarshal(d, &in)
	s.mu.Lock()
	ok := strings.TrimPrefix(in.Token, "Bot ") == s.token
	s.mu.Unlock()
	g := &s.gateway
	g.mu.Lock()
	c.info.Identify++
	g.identifies = append(g.identifies, raw)
	authenticated := c.session != nil
	g.notifyLocked()
	g.mu.Unlock()
	if authenticated {
		s.serverClose(c, 4005, "Already authenticated.")
		return false
	}
	if !ok {
		s.serverClose(c, 4004, "Authentication failed.")
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	sess := &gatewaySession{id: fmt.Sprintf("fake-session-%d", len(g.sessions)+1), conn: c}
	g.sessions = append(g.sessions, sess)
	c.session = sess
	c.info.SessionID = sess.id
	c.info.Ready = true
	ready, _ := json.Marshal(map[string]any{
		"v":                  10,
		"user":               map[string]any{"id": BotID, "username": BotName, "discriminator": "0", "bot": true},
		"guilds":             []any{},
		"session_id":         sess.id,
		"resume_gateway_url": s.wsURL(ResumePath),
		"application":        map[string]any{"id": AppID, "flags": 0},
	})
	sess.dispatch("READY", ready)
	g.notifyLocked()
	return true
}

// resume takes a RESUME: the session's missed dispatches, RESUMED; or INVALID SESSION
// (d false) for a session the fake doesn't have. false: the connection was closed.
func (s *Server) resume(c *gatewayConn, d json.RawMessage) bool {
	var in struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int    `json:"seq"`
	}
	_ = json.Unmarshal(d, &in)
	s.mu.Lock()
	ok := strings.TrimPrefix(in.Token, "Bot ") == s.token
	s.mu.Unlock()
	g := &s.gateway
	g.mu.Lock()
	c.info.Resume++
	c.info.SessionID = in.SessionID
	c.info.ResumeSeq = in.Seq
	authenticated := c.session != nil
	g.notifyLocked()
	g.mu.Unlock()
	if authenticated {
		s.serverClose(c, 4005, "Already authenticated.")
		return false
	}
	if !ok {
		s.serverClose(c, 4004, "Authentication failed.")
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	var sess *gatewaySession
	for _, other := range g.sessions {
		if other.id == in.SessionID && !other.ended {
			sess = other
		}
	}
	if sess == nil {
		c.info.InvalidSession = append(c.info.InvalidSession, false)
		_ = c.write(map[string]any{"op": 9, "d": false})
		g.notifyLocked()
		return true
	}
	if old := sess.conn; old != nil && old != c {
		// The session moves: its previous connection gets nothing more. It is left open
		// for its close frame, which may not have been read yet, to be recorded.
		old.session = nil
	}
	sess.conn = c
	c.session = sess
	for _, e := range sess.log {
		if e.seq > in.Seq && e.t != "READY" {
			if c.write(map[string]any{"op": 0, "t": e.t, "s": e.seq, "d": e.d}) == nil {
				c.info.Replayed++
			}
		}
	}
	_ = c.write(map[string]any{"op": 0, "t": "RESUMED", "s": nil, "d": map[string]any{}})
	c.info.Ready = true
	g.notifyLocked()
	return true
}

// SetHeartbeatInterval sets the heartbeat_interval HELLO gives the connections opened from
// now on (Discord's is DefaultHeartbeatInterval).
func (s *Server) SetHeartbeatInterval(d time.Duration) {
	s.gateway.mu.Lock()
	defer s.gateway.mu.Unlock()
	s.gateway.interval = d
}

// live lists the open connections that have a session; the caller holds gateway.mu.
func (g *gateway) live() []*gatewayConn {
	var out []*gatewayConn
	for _, c := range g.conns {
		if c.session != nil && !c.info.Closed && !c.zombie {
			out = append(out, c)
		}
	}
	return out
}

// Zombify makes the open connections with a session "zombied" (Discord's word, "Sending
// Heartbeats"): they stay open and keep reading (recording heartbeats and the close code)
// but send nothing more, no HEARTBEAT ACK and no dispatch, as a connection that died
// without a close. What is dispatched meanwhile stays in the session for a Resume.
// Connections opened afterwards are healthy. It returns how many were zombied.
func (s *Server) Zombify(t testing.TB) int {
	t.Helper()
	g := &s.gateway
	g.mu.Lock()
	defer g.mu.Unlock()
	conns := g.live()
	if len(conns) == 0 {
		t.Fatal("discordfake: no gateway connection to zombify")
	}
	now := time.Now()
	for _, c := range conns {
		c.zombie = true
		c.info.Zombie = true
		c.info.ZombieAt = now
	}
	g.notifyLocked()
	return len(conns)
}

// SendReconnect sends RECONNECT (op 7) on the open connections with a session: "Server is
// going away, client should reconnect to gateway and resume".
func (s *Server) SendReconnect(t testing.TB) {
	t.Helper()
	g := &s.gateway
	g.mu.Lock()
	defer g.mu.Unlock()
	conns := g.live()
	if len(conns) == 0 {
		t.Fatal("discordfake: no gateway connection to send Reconnect on")
	}
	for _, c := range conns {
		c.info.Reconnects++
		_ = c.write(map[string]any{"op": 7, "d": nil})
	}
	g.notifyLocked()
}

// SendInvalidSession sends INVALID SESSION (op 9) with d = resumable on the open
// connections with a session. Not resumable, their sessions end: no more dispatches, and a
// Resume of them is answered with op 9 d false. The connections stay open: the client is to
// disconnect ("Resuming").
func (s *Server) SendInvalidSession(t testing.TB, resumable bool) {
	t.Helper()
	g := &s.gateway
	g.mu.Lock()
	defer g.mu.Unlock()
	conns := g.live()
	if len(conns) == 0 {
		t.Fatal("discordfake: no gateway connection to send Invalid Session on")
	}
	for _, c := range conns {
		if !resumable {
			c.session.ended = true
		}
		c.info.InvalidSession = append(c.info.InvalidSession, resumable)
		_ = c.write(map[string]any{"op": 9, "d": resumable})
	}
	g.notifyLocked()
}

// ExpireSessions ends every session without a word, as Discord does with one left
// unresumed too long: a Resume of one is answered with op 9 d false. Its connections stay
// open but get no more dispatches.
func (s *Server) ExpireSessions() {
	g := &s.gateway
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, sess := range g.sessions {
		sess.ended = true
	}
	g.notifyLocked()
}

// CloseGateway closes the open connections from the server's side with code, e.g. 4000
// (Unknown error: reconnect and resume) or 4004 (Authentication failed: don't reconnect)
// (https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes).
func (s *Server) CloseGateway(t testing.TB, code int, text string) {
	t.Helper()
	g := &s.gateway
	g.mu.Lock()
	var open []*gatewayConn
	for _, c := range g.conns {
		if c.ws != nil && !c.info.Closed {
			open = append(open, c)
		}
	}
	g.mu.Unlock()
	if len(open) == 0 {
		t.Fatal("discordfake: no gateway connection to close")
	}
	for _, c := range open {
		s.serverClose(c, code, text)
		c.ws.Close()
	}
}

// GatewayConnections lists the gateway's connections as they stand, oldest first.
func (s *Server) GatewayConnections() []GatewayConnection {
	g := &s.gateway
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.snapshotLocked()
}

func (g *gateway) snapshotLocked() []GatewayConnection {
	out := make([]GatewayConnection, len(g.conns))
	for i, c := range g.conns {
		out[i] = *c.info
		out[i].InvalidSession = append([]bool(nil), c.info.InvalidSession...)
	}
	return out
}

// AwaitGateway waits (up to 10 s) until the connections satisfy until, and returns them;
// what names the wait in the failure.
func (s *Server) AwaitGateway(t testing.TB, what string, until func([]GatewayConnection) bool) []GatewayConnection {
	t.Helper()
	g := &s.gateway
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for {
		g.mu.Lock()
		conns := g.snapshotLocked()
		if g.changed == nil {
			g.changed = make(chan struct{})
		}
		changed := g.changed
		g.mu.Unlock()
		if until(conns) {
			return conns
		}
		select {
		case <-changed:
		case <-timeout.C:
			t.Fatalf("discordfake: gave up waiting for %s; gateway connections: %+v", what, conns)
			return nil
		}
	}
}

// WaitGateway waits (up to 10 s) until a connection has identified or resumed and is open.
func (s *Server) WaitGateway(t testing.TB) {
	t.Helper()
	s.AwaitGateway(t, "a gateway session", func(conns []GatewayConnection) bool {
		for _, c := range conns {
			if c.Ready && !c.Closed {
				return true
			}
		}
		return false
	})
}

// gatewayVersion is the gateway's v that the fake takes: v10, as APIPrefix.
const gatewayVersion = "10"

// GatewayURLs lists the request URIs (path and query) the gateway WebSocket was asked for.
func (s *Server) GatewayURLs() []string {
	s.gateway.mu.Lock()
	defer s.gateway.mu.Unlock()
	urls := make([]string, len(s.gateway.conns))
	for i, c := range s.gateway.conns {
		urls[i] = c.info.URL
	}
	return urls
}

// Identifies lists the IDENTIFY payloads received.
func (s *Server) Identifies() []json.RawMessage {
	s.gateway.mu.Lock()
	defer s.gateway.mu.Unlock()
	return append([]json.RawMessage(nil), s.gateway.identifies...)
}

// DispatchInteraction sends an INTERACTION_CREATE with the interaction payload to every
// gateway session, after making its token known (with the clicked message, if it carries
// one, as its @original). A session whose connection is zombied or gone keeps it for its
// Resume.
func (s *Server) DispatchInteraction(t testing.TB, payload []byte) {
	t.Helper()
	var in struct {
		ID      string `json:"id"`
		Token   string `json:"token"`
		Message *struct {
			ID string `json:"id"`
		} `json:"message"`
	}
	if err := json.Unmarshal(payload, &in); err != nil || in.ID == "" || in.Token == "" {
		t.Fatalf("discordfake: not an interaction with an id and a token: %v", err)
	}
	clicked := ""
	if in.Message != nil {
		clicked = in.Message.ID
	}
	s.AddInteraction(in.ID, in.Token, clicked)
	g := &s.gateway
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, sess := range g.sessions {
		if !sess.ended {
			sess.dispatch("INTERACTION_CREATE", payload)
			n++
		}
	}
	if n == 0 {
		t.Fatal("discordfake: no gateway session to dispatch to")
	}
	g.notifyLocked()
}
