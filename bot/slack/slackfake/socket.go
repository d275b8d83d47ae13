package slackfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// socket is one Socket Mode connection of the app.
type socket struct {
	conn *websocket.Conn
	mu   sync.Mutex // gorilla/websocket allows one writer at a time
}

func (c *socket) write(v any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn.WriteJSON(v)
}

// serveSocket is the WebSocket apps.connections.open points at: it says hello, pings (the
// client reconnects when Slack stops pinging), and records every ack.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &socket{conn: conn}
	hello := map[string]any{
		"type": "hello", "num_connections": 1,
		"debug_info":      map[string]any{"host": "slackfake", "build_number": 1, "approximate_connection_time": 18060},
		"connection_info": map[string]any{"app_id": "AFAKEAPP"},
	}
	if err := c.write(hello); err != nil {
		conn.Close()
		return
	}
	s.mu.Lock()
	s.sockets = append(s.sockets, c)
	s.mu.Unlock()

	done := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if conn.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(time.Second)) != nil {
					return
				}
			}
		}
	}()
	defer func() {
		close(done)
		conn.Close()
		s.mu.Lock()
		for i, other := range s.sockets {
			if other == c {
				s.sockets = append(s.sockets[:i], s.sockets[i+1:]...)
				break
			}
		}
		s.mu.Unlock()
	}()
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			return
		}
		var ack Ack
		if json.Unmarshal(data, &ack) != nil || ack.EnvelopeID == "" {
			continue
		}
		s.mu.Lock()
		s.acks = append(s.acks, ack)
		s.mu.Unlock()
	}
}

// WaitConnected waits (up to 5 s) until the app has a Socket Mode connection.
func (s *Server) WaitConnected(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.mu.Lock()
		n := len(s.sockets)
		s.mu.Unlock()
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("slackfake: the app never connected over Socket Mode")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// SendEnvelope sends a Socket Mode envelope of type typ ("slash_commands", "interactive",
// "events_api") with the payload to the app's connection, and returns its envelope_id.
func (s *Server) SendEnvelope(t testing.TB, typ string, payload any) string {
	t.Helper()
	s.WaitConnected(t)
	s.mu.Lock()
	s.envelope++
	id := fmt.Sprintf("env-%04d-fake", s.envelope)
	c := s.sockets[len(s.sockets)-1]
	s.mu.Unlock()
	env := map[string]any{
		"envelope_id": id, "type": typ, "payload": payload,
		"accepts_response_payload": typ == "slash_commands" || typ == "interactive",
		"retry_attempt":            0, "retry_reason": "",
	}
	if err := c.write(env); err != nil {
		t.Fatalf("slackfake: send envelope: %v", err)
	}
	return id
}

// Acks lists the acks received, in order.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ack(nil), s.acks...)
}

// WaitAck waits (up to 5 s) for the ack of an envelope.
func (s *Server) WaitAck(t testing.TB, envelopeID string) Ack {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, a := range s.Acks() {
			if a.EnvelopeID == envelopeID {
				return a
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("slackfake: envelope %s never acked", envelopeID)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
