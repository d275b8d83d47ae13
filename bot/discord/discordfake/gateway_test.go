package discordfake

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

type frame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  *int            `json:"s"`
	T  string          `json:"t"`
}

func dialGateway(t *testing.T, s *Server, path string) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(s.wsURL(path)+"/?v=10&encoding=json", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	var hello frame
	if err := readFrame(ws, &hello); err != nil || hello.Op != 10 {
		t.Fatalf("op %d, %v; want HELLO", hello.Op, err)
	}
	return ws
}

func readFrame(ws *websocket.Conn, f *frame) error {
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	return ws.ReadJSON(f)
}

func expect(t *testing.T, ws *websocket.Conn, op int, event string) frame {
	t.Helper()
	var f frame
	if err := readFrame(ws, &f); err != nil || f.Op != op || f.T != event {
		t.Fatalf("op %d %s (%s), %v; want op %d %s", f.Op, f.T, f.D, err, op, event)
	}
	return f
}

func send(t *testing.T, ws *websocket.Conn, op int, d any) {
	t.Helper()
	if err := ws.WriteJSON(map[string]any{"op": op, "d": d}); err != nil {
		t.Fatal(err)
	}
}

func anInteraction(id string) []byte {
	return []byte(`{"id":"` + id + `","token":"token-` + id + `","type":2}`)
}

// The session's life as the fake plays it: Identify and READY, a dispatch, a zombied
// connection (no ACK, the dispatch kept), a close with 4000, a Resume at
// resume_gateway_url replaying the missed dispatch; a Resume of an unknown or ended session
// answered with op 9; a second Identify on one connection closed with 4005.
func TestGatewaySessionZombieAndResume(t *testing.T) {
	s := New(t)
	s.SetHeartbeatInterval(time.Hour)
	first := dialGateway(t, s, GatewayPath)
	send(t, first, 2, map[string]any{"token": "Bot " + BotToken, "intents": 0})
	ready := expect(t, first, 0, "READY")
	var r struct {
		SessionID string `json:"session_id"`
		ResumeURL string `json:"resume_gateway_url"`
	}
	if err := json.Unmarshal(ready.D, &r); err != nil || r.ResumeURL != s.wsURL(ResumePath) || *ready.S != 1 {
		t.Fatalf("READY %s, s %v", ready.D, ready.S)
	}
	s.DispatchInteraction(t, anInteraction("1"))
	if f := expect(t, first, 0, "INTERACTION_CREATE"); *f.S != 2 {
		t.Fatalf("s %d, want 2", *f.S)
	}
	send(t, first, 1, 2)
	expect(t, first, 11, "")

	s.Zombify(t)
	send(t, first, 1, 2)
	s.DispatchInteraction(t, anInteraction("2"))
	s.AwaitGateway(t, "an unacknowledged heartbeat", func(c []GatewayConnection) bool { return c[0].Unacked == 1 })
	if err := first.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(4000, "zombied"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	conns := s.AwaitGateway(t, "the close", func(c []GatewayConnection) bool { return c[0].Closed })
	if c := conns[0]; c.CloseCode != 4000 || c.Heartbeats != 2 || c.Identify != 1 || c.SessionID != r.SessionID {
		t.Fatalf("first connection %+v", c)
	}

	second := dialGateway(t, s, ResumePath)
	send(t, second, 6, map[string]any{"token": "Bot " + BotToken, "session_id": r.SessionID, "seq": 2})
	if f := expect(t, second, 0, "INTERACTION_CREATE"); *f.S != 3 || !strings.Contains(string(f.D), `"id":"2"`) {
		t.Fatalf("replayed s %d %s, want s 3, interaction 2", *f.S, f.D)
	}
	expect(t, second, 0, "RESUMED")
	s.DispatchInteraction(t, anInteraction("3"))
	expect(t, second, 0, "INTERACTION_CREATE")
	conns = s.GatewayConnections()
	if c := conns[1]; !strings.HasPrefix(c.URL, ResumePath+"/?") || c.Resume != 1 || c.ResumeSeq != 2 || c.Replayed != 1 || !c.Ready {
		t.Fatalf("second connection %+v", c)
	}

	// A second Identify on a connection with a session: 4005.
	send(t, second, 2, map[string]any{"token": "Bot " + BotToken})
	var f frame
	var closed *websocket.CloseError
	if err := readFrame(second, &f); !errors.As(err, &closed) || closed.Code != 4005 {
		t.Fatalf("%v, want close 4005", err)
	}

	// An unknown session: op 9, d false.
	third := dialGateway(t, s, ResumePath)
	send(t, third, 6, map[string]any{"token": "Bot " + BotToken, "session_id": "nope", "seq": 1})
	if f := expect(t, third, 9, ""); string(f.D) != "false" {
		t.Fatalf("op 9 d %s, want false", f.D)
	}
}

// A close with 1000 ends the session: its Resume is refused.
func TestGatewaySessionEndsWithCloseCode1000(t *testing.T) {
	s := New(t)
	ws := dialGateway(t, s, GatewayPath)
	send(t, ws, 2, map[string]any{"token": "Bot " + BotToken})
	ready := expect(t, ws, 0, "READY")
	var r struct {
		SessionID string `json:"session_id"`
	}
	_ = json.Unmarshal(ready.D, &r)
	_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""), time.Now().Add(time.Second))
	if c := s.AwaitGateway(t, "the close", func(c []GatewayConnection) bool { return c[0].Closed }); c[0].CloseCode != 1000 {
		t.Fatalf("close code %d", c[0].CloseCode)
	}
	again := dialGateway(t, s, ResumePath)
	send(t, again, 6, map[string]any{"token": "Bot " + BotToken, "session_id": r.SessionID, "seq": 1})
	expect(t, again, 9, "")
}

// Reconnect (op 7) and Invalid Session (op 9) as sent by the fake; a non-resumable Invalid
// Session ends the session.
func TestGatewayReconnectAndInvalidSession(t *testing.T) {
	s := New(t)
	ws := dialGateway(t, s, GatewayPath)
	send(t, ws, 2, map[string]any{"token": "Bot " + BotToken})
	expect(t, ws, 0, "READY")
	s.SendReconnect(t)
	expect(t, ws, 7, "")
	s.SendInvalidSession(t, true)
	if f := expect(t, ws, 9, ""); string(f.D) != "true" {
		t.Fatalf("op 9 d %s", f.D)
	}
	s.SendInvalidSession(t, false)
	if f := expect(t, ws, 9, ""); string(f.D) != "false" {
		t.Fatalf("op 9 d %s", f.D)
	}
	c := s.GatewayConnections()[0]
	if c.Reconnects != 1 || !slices.Equal(c.InvalidSession, []bool{true, false}) {
		t.Fatalf("connection %+v", c)
	}
	// The session has ended: no more dispatches.
	s.gateway.mu.Lock()
	ended := s.gateway.sessions[0].ended
	s.gateway.mu.Unlock()
	if !ended {
		t.Fatal("the session is still on after Invalid Session (d false)")
	}
}
