package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// Gateway opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-opcodes).
const (
	opDispatch       = 0
	opHeartbeat      = 1
	opIdentify       = 2
	opResume         = 6
	opReconnect      = 7
	opInvalidSession = 9
	opHello          = 10
	opHeartbeatACK   = 11
)

// gatewayFrame is a gateway payload ("Payload Structure"): s and t only for dispatches.
type gatewayFrame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  *int64          `json:"s"`
	T  string          `json:"t"`
}

// connEnd is how a connection ended, for the loop to choose the next one.
type connEnd struct {
	stopped        bool  // ctx ended: closed with 1000
	fatal          error // Discord refused the bot for good: don't reconnect
	dialFailed     bool  // the WebSocket couldn't be opened
	ready          bool  // READY or RESUMED came on it
	invalidSession bool  // Invalid Session, not resumable: the next connection identifies
}

// wsConn is one WebSocket: a reader goroutine hands the frames to the connection's loop,
// which alone writes.
type wsConn struct {
	ws          *websocket.Conn
	frames      chan gatewayFrame
	readErr     chan error    // the read error that ended the reader (buffered)
	stop        chan struct{} // closed when the loop is done with the connection
	done        chan struct{} // closed when the reader has returned
	readTimeout atomic.Int64  // a time.Duration: no frame at all for this long ends the read
}

func newWSConn(ws *websocket.Conn) *wsConn {
	c := &wsConn{ws: ws, frames: make(chan gatewayFrame), readErr: make(chan error, 1), stop: make(chan struct{}), done: make(chan struct{})}
	c.readTimeout.Store(int64(gatewayHelloTimeout))
	go c.read()
	return c
}

func (c *wsConn) read() {
	defer close(c.done)
	for {
		_ = c.ws.SetReadDeadline(time.Now().Add(time.Duration(c.readTimeout.Load())))
		kind, data, err := c.ws.ReadMessage()
		if err != nil {
			c.readErr <- err
			return
		}
		var f gatewayFrame
		if kind != websocket.TextMessage || json.Unmarshal(data, &f) != nil {
			// licensebot asks for JSON without compression (encoding=json, compress
			// false): anything else is not for it.
			continue
		}
		select {
		case c.frames <- f:
		case <-c.stop:
			return
		}
	}
}

func (c *wsConn) send(v any) error {
	_ = c.ws.SetWriteDeadline(time.Now().Add(gatewayWriteTimeout))
	return c.ws.WriteJSON(v)
}

// close sends a close frame with code and drops the connection, after waiting up to linger
// for the gateway's answering close frame.
func (c *wsConn) close(code int, reason string, linger time.Duration) {
	err := c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(gatewayWriteTimeout))
	if err == nil && linger > 0 {
		t := time.NewTimer(linger)
		defer t.Stop()
	wait:
		for {
			select {
			case <-c.frames:
			case <-c.readErr:
				break wait
			case <-t.C:
				break wait
			}
		}
	}
	_ = c.ws.Close()
}

// finish ends the reader and waits for it.
func (c *wsConn) finish() {
	close(c.stop)
	_ = c.ws.Close()
	<-c.done
}

// dialer is discordgo's (its proxy settings), bounded by gatewayDialTimeout.
func (g *gatewayLoop) dialer() *websocket.Dialer {
	d := websocket.Dialer{Proxy: http.ProxyFromEnvironment}
	if g.p.session.Dialer != nil {
		d = *g.p.session.Dialer
	}
	d.HandshakeTimeout = gatewayDialTimeout
	return &d
}

// connect runs one connection, from the dial to its end: Hello, Identify or Resume (as sess
// says), heartbeats, dispatches. It keeps sess up to date for the next one.
func (g *gatewayLoop) connect(ctx context.Context, target string, sess *gatewaySession) (end connEnd) {
	log := g.p.log.With("gateway", redactQuery(target))
	dialCtx, cancel := context.WithTimeout(ctx, gatewayDialTimeout)
	ws, _, err := g.dialer().DialContext(dialCtx, target, nil)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return connEnd{stopped: true}
		}
		log.WarnContext(ctx, "could not connect to the Discord gateway", "err", err)
		return connEnd{dialFailed: true}
	}
	c := newWSConn(ws)
	defer c.finish()

	hello := time.NewTimer(gatewayHelloTimeout)
	defer hello.Stop()
	beat := time.NewTimer(time.Hour)
	beat.Stop()
	defer beat.Stop()
	var (
		interval time.Duration
		beating  <-chan time.Time // nil until Hello
		acked    = true           // the last heartbeat was acknowledged
	)
	reconnect := func(why string, args ...any) connEnd {
		log.InfoContext(ctx, "reconnecting to the Discord gateway: "+why, args...)
		c.close(closeToResume, why, 0)
		return end
	}
	for {
		select {
		case <-ctx.Done():
			// Stopping: 1000 ends the session ("Initiating a Disconnect").
			c.close(websocket.CloseNormalClosure, "shutting down", gatewayCloseLinger)
			end.stopped = true
			return end

		case <-hello.C:
			log.WarnContext(ctx, "no Hello from the Discord gateway", "waited", gatewayHelloTimeout)
			c.close(closeToResume, "no hello", 0)
			return end

		case <-beating:
			if !acked {
				// "If a client does not receive a heartbeat ACK between its attempts at
				// sending heartbeats, this may be due to a failed or 'zombied' connection.
				// The client should immediately terminate the connection with any close
				// code besides 1000 or 1001, then reconnect and attempt to Resume."
				log.WarnContext(ctx, "the Discord gateway didn't acknowledge the last heartbeat: a zombied connection, closing it to resume", "interval", interval)
				c.close(closeToResume, "heartbeat not acknowledged", 0)
				return end
			}
			if err := c.send(heartbeatPayload(sess)); err != nil {
				return reconnect("a heartbeat couldn't be sent", "err", err)
			}
			acked = false
			beat.Reset(interval)

		case err := <-c.readErr:
			return g.closedByGateway(ctx, log, err, sess, end)

		case f := <-c.frames:
			switch f.Op {
			case opHello:
				var h struct {
					HeartbeatInterval int64 `json:"heartbeat_interval"`
				}
				if json.Unmarshal(f.D, &h) != nil || h.HeartbeatInterval <= 0 || beating != nil {
					return reconnect("an unexpected Hello", "hello", string(f.D))
				}
				hello.Stop()
				interval = time.Duration(h.HeartbeatInterval) * time.Millisecond
				// Nothing at all for two intervals (heartbeat ACKs come every one) ends
				// the read too, should the heartbeats stop.
				c.readTimeout.Store(int64(2*interval + gatewayWriteTimeout))
				// "Upon receiving the Hello event, your app should wait
				// heartbeat_interval * jitter ... then send its first Heartbeat."
				beat.Reset(time.Duration(rand.Int64N(int64(interval) + 1)))
				beating = beat.C
				if sess.id != "" {
					err = c.send(map[string]any{"op": opResume, "d": map[string]any{
						"token": g.p.session.Identify.Token, "session_id": sess.id, "seq": sess.seq,
					}})
				} else {
					err = c.send(map[string]any{"op": opIdentify, "d": g.identify()})
				}
				if err != nil {
					return reconnect("Identify or Resume couldn't be sent", "err", err)
				}

			case opHeartbeatACK:
				acked = true

			case opHeartbeat:
				// "Upon receiving the event, your app should immediately send back another
				// Heartbeat event" ("Heartbeat Requests").
				if err := c.send(heartbeatPayload(sess)); err != nil {
					return reconnect("a heartbeat couldn't be sent", "err", err)
				}

			case opReconnect:
				return reconnect("Discord asked to (Reconnect)")

			case opInvalidSession:
				var resumable bool
				_ = json.Unmarshal(f.D, &resumable)
				if !resumable || sess.id == "" {
					*sess = gatewaySession{}
					end.invalidSession = true
				}
				return reconnect("Invalid Session", "resumable", resumable)

			case opDispatch:
				if f.S != nil {
					sess.seq, sess.hasSeq = *f.S, true
				}
				g.onDispatch(ctx, log, f, sess, &end)
			}
		}
	}
}

// onDispatch takes a dispatch: READY and RESUMED, and INTERACTION_CREATE for the bot.
func (g *gatewayLoop) onDispatch(ctx context.Context, log *slog.Logger, f gatewayFrame, sess *gatewaySession, end *connEnd) {
	switch f.T {
	case "READY":
		var r struct {
			SessionID        string `json:"session_id"`
			ResumeGatewayURL string `json:"resume_gateway_url"`
		}
		if err := json.Unmarshal(f.D, &r); err != nil {
			log.ErrorContext(ctx, "READY from the Discord gateway unreadable", "err", err)
		}
		sess.id = r.SessionID
		resumeURL, err := gatewayQuery(r.ResumeGatewayURL)
		if err != nil {
			log.WarnContext(ctx, "READY without a usable resume_gateway_url: resuming at the gateway URL", "err", err)
		}
		sess.resumeURL = resumeURL
		end.ready = true
		log.InfoContext(ctx, "connected to the Discord gateway")
	case "RESUMED":
		end.ready = true
		log.InfoContext(ctx, "resumed the Discord gateway session", "seq", sess.seq)
	case "INTERACTION_CREATE":
		var ic discordgo.InteractionCreate
		if err := json.Unmarshal(f.D, &ic); err != nil || ic.Interaction == nil {
			log.ErrorContext(ctx, "INTERACTION_CREATE from the Discord gateway unreadable", "err", err)
			return
		}
		g.dispatch(f.D, ic.Interaction)
	}
}

// closedByGateway reads why the connection ended without licensebot closing it: a close
// code from Discord, or none (a dropped connection, a read deadline).
func (g *gatewayLoop) closedByGateway(ctx context.Context, log *slog.Logger, err error, sess *gatewaySession, end connEnd) connEnd {
	var closed *websocket.CloseError
	if !errors.As(err, &closed) {
		log.WarnContext(ctx, "the Discord gateway connection was lost: resuming", "err", err)
		return end
	}
	switch closed.Code {
	case 4004, 4010, 4011, 4012, 4013, 4014:
		// Authentication failed, Invalid shard, Sharding required, Invalid API version,
		// Invalid intent(s), Disallowed intent(s): reconnecting won't help.
		end.fatal = fmt.Errorf("the Discord gateway closed the connection with %d %q: not reconnecting", closed.Code, closed.Text)
		return end
	case 4007, 4009:
		// Invalid seq, Session timed out: "Reconnect and start a new session."
		*sess = gatewaySession{}
	}
	log.WarnContext(ctx, "the Discord gateway closed the connection", "code", closed.Code, "reason", closed.Text, "resume", sess.id != "")
	return end
}

// heartbeatPayload is a Heartbeat with the last sequence number, null before any.
func heartbeatPayload(sess *gatewaySession) map[string]any {
	if !sess.hasSeq {
		return map[string]any{"op": opHeartbeat, "d": nil}
	}
	return map[string]any{"op": opHeartbeat, "d": sess.seq}
}

// identify is discordgo's Identify (the token, the properties, no intents: newSession),
// without payload compression: licensebot reads JSON text frames only.
func (g *gatewayLoop) identify() discordgo.Identify {
	id := g.p.session.Identify
	id.Compress = false
	return id
}

// redactQuery is a gateway URL for the logs, without its query.
func redactQuery(raw string) string {
	u, _, _ := strings.Cut(raw, "?")
	return u
}
