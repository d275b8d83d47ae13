package discordfake

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The gateway (https://discord.com/developers/docs/events/gateway): GET /gateway gives the
// WebSocket URL; on it Discord sends HELLO (op 10), takes IDENTIFY (op 2), sends READY
// (op 0), answers heartbeats (op 1) with op 11, and dispatches events (op 0) with a
// sequence number.

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

type gatewayConn struct {
	conn *websocket.Conn
	mu   sync.Mutex // one writer at a time
	seq  int
}

func (c *gatewayConn) write(v any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn.WriteJSON(v)
}

func (c *gatewayConn) dispatch(event string, d json.RawMessage) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	return c.conn.WriteJSON(map[string]any{"op": 0, "t": event, "s": c.seq, "d": d})
}

type gateway struct {
	mu         sync.Mutex
	conns      []*gatewayConn
	identifies []json.RawMessage
	urls       []string // the request URIs of the WebSocket connections, e.g. /gateway-ws/?v=10&encoding=json
}

func (g *gateway) closeAll() {
	g.mu.Lock()
	conns := g.conns
	g.conns = nil
	g.mu.Unlock()
	for _, c := range conns {
		c.conn.Close()
	}
}

func (s *Server) gatewayURL(w http.ResponseWriter, r *http.Request) {
	ws := "ws" + strings.TrimPrefix(s.URL, "http") + "/gateway-ws"
	writeJSON(w, http.StatusOK, map[string]any{
		"url": ws, "shards": 1,
		"session_start_limit": map[string]any{"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1},
	})
}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	s.gateway.mu.Lock()
	s.gateway.urls = append(s.gateway.urls, r.URL.RequestURI())
	s.gateway.mu.Unlock()
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &gatewayConn{conn: conn}
	defer conn.Close()
	// The version is the URL's v (https://discord.com/developers/docs/events/gateway#connecting);
	// the fake speaks v10 only, and refuses another as Discord refuses a version it doesn't
	// have: close code 4012, "Invalid API version"
	// (https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes).
	if v := r.URL.Query().Get("v"); v != gatewayVersion {
		conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4012, "Invalid API version."))
		return
	}
	if c.write(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 41250}}) != nil {
		return
	}
	var identify struct {
		Op int `json:"op"`
		D  struct {
			Token string `json:"token"`
		} `json:"d"`
	}
	_, raw, err := conn.ReadMessage()
	if err != nil || json.Unmarshal(raw, &identify) != nil || identify.Op != 2 {
		conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4003, "Not authenticated."))
		return
	}
	s.gateway.mu.Lock()
	s.gateway.identifies = append(s.gateway.identifies, raw)
	s.gateway.mu.Unlock()
	s.mu.Lock()
	ok := strings.TrimPrefix(identify.D.Token, "Bot ") == s.token
	s.mu.Unlock()
	if !ok {
		conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4004, "Authentication failed."))
		return
	}
	ready, _ := json.Marshal(map[string]any{
		"v":                  10,
		"user":               map[string]any{"id": BotID, "username": BotName, "discriminator": "0", "bot": true},
		"guilds":             []any{},
		"session_id":         "fake-session",
		"resume_gateway_url": "ws" + strings.TrimPrefix(s.URL, "http") + "/gateway-ws",
		"application":        map[string]any{"id": AppID, "flags": 0},
	})
	if c.dispatch("READY", ready) != nil {
		return
	}
	s.gateway.mu.Lock()
	s.gateway.conns = append(s.gateway.conns, c)
	s.gateway.mu.Unlock()
	defer func() {
		s.gateway.mu.Lock()
		for i, other := range s.gateway.conns {
			if other == c {
				s.gateway.conns = append(s.gateway.conns[:i], s.gateway.conns[i+1:]...)
				break
			}
		}
		s.gateway.mu.Unlock()
	}()
	for {
		_, raw, err := conn.ReadMessage()
		if err != nil {
			return
		}
		var msg struct {
			Op int `json:"op"`
		}
		if json.Unmarshal(raw, &msg) == nil && msg.Op == 1 {
			c.write(map[string]any{"op": 11})
		}
	}
}

// WaitGateway waits (up to 10 s) until a session has identified and received READY.
func (s *Server) WaitGateway(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.gateway.mu.Lock()
		n := len(s.gateway.conns)
		s.gateway.mu.Unlock()
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("discordfake: no gateway session identified")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// gatewayVersion is the gateway's v that the fake takes: v10, as APIPrefix.
const gatewayVersion = "10"

// GatewayURLs lists the request URIs (path and query) the gateway WebSocket was asked for.
func (s *Server) GatewayURLs() []string {
	s.gateway.mu.Lock()
	defer s.gateway.mu.Unlock()
	return append([]string(nil), s.gateway.urls...)
}

// Identifies lists the IDENTIFY payloads received.
func (s *Server) Identifies() []json.RawMessage {
	s.gateway.mu.Lock()
	defer s.gateway.mu.Unlock()
	return append([]json.RawMessage(nil), s.gateway.identifies...)
}

// DispatchInteraction sends an INTERACTION_CREATE with the interaction payload to every
// connected gateway session, after making its token known (with the clicked message, if it
// carries one, as its @original).
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
	s.gateway.mu.Lock()
	conns := append([]*gatewayConn(nil), s.gateway.conns...)
	s.gateway.mu.Unlock()
	if len(conns) == 0 {
		t.Fatal("discordfake: no gateway session to dispatch to")
	}
	for _, c := range conns {
		if err := c.dispatch("INTERACTION_CREATE", payload); err != nil {
			t.Fatalf("discordfake: dispatch: %v", err)
		}
	}
}
