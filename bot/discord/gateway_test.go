package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/bottest"
	"github.com/licensebot/licensebot/bot/discord/discordfake"
)

// The gateway path end to end through discordgo: GET /gateway, the WebSocket (HELLO,
// IDENTIFY, READY), a recorded INTERACTION_CREATE dispatched to discordgo's event handler,
// the ack through the callback endpoint, and the reply through @original.
func TestGatewayInteractionIsAckedAndAnswered(t *testing.T) {
	w := newWorld(t)
	w.handler.Command = bot.Reply{Message: bot.Message{Text: "alice@contoso.com has 2 licenses."}}
	defer bottest.Running(t, "RunGateway", w.platform.RunGateway)()
	w.discord.WaitGateway(t)
	var identify struct {
		D struct {
			Token   string `json:"token"`
			Intents int    `json:"intents"`
		} `json:"d"`
	}
	if err := json.Unmarshal(w.discord.Identifies()[0], &identify); err != nil || identify.D.Token != "Bot "+discordfake.BotToken || identify.D.Intents != 0 {
		t.Fatalf("IDENTIFY %s", w.discord.Identifies()[0])
	}

	w.discord.DispatchInteraction(t, command(t, "8000", masonID, []string{approverRole}, subShow, opt(optUser, "alice@contoso.com")))
	calls := w.discord.WaitCalls(t, discordfake.RouteCallback, 1)
	if !slices.Equal(w.discord.ResponseTypes("token-8000"), []int{5}) || calls[0].Status != 204 {
		t.Fatalf("ack %s, want one deferred reply (5)", calls[0].Body)
	}
	if flags := calls[0].JSON()["data"].(map[string]any)["flags"]; flags != float64(64) {
		t.Fatalf("ack flags %v, want 64", flags)
	}
	w.discord.WaitCalls(t, discordfake.RouteEditOriginal, 1)
	m := w.original(t, "token-8000")
	if m.Content != "alice@contoso.com has 2 licenses." || !m.Ephemeral() {
		t.Fatalf("@original %+v", m)
	}
	cmds := w.handler.Commands()
	if len(cmds) != 1 || cmds[0].Args == nil || cmds[0].Args.Verb != subShow || !slices.Equal(cmds[0].Args.Users, []string{"alice@contoso.com"}) ||
		cmds[0].Actor.ChatID != masonID || cmds[0].Actor.Email != "" {
		t.Fatalf("commands %+v", cmds)
	}

	// A second delivery of the same interaction (another session) is not acted on.
	w.discord.AddInteraction("8000", "token-8000", "")
	w.discord.DispatchInteraction(t, command(t, "8000", masonID, nil, subShow, opt(optUser, "alice@contoso.com")))
	time.Sleep(100 * time.Millisecond)
	w.platform.Wait()
	if n := len(w.discord.Calls(discordfake.RouteCallback)); n != 1 || len(w.handler.Commands()) != 1 {
		t.Fatalf("the duplicate was acked (%d) or handled", n)
	}
}

// testHeartbeat is the fake gateway's heartbeat_interval in the tests of the connection's
// life: Discord's is 41.25 s.
const testHeartbeat = 200 * time.Millisecond

// gatewayRun is RunGateway running against the world's fake.
type gatewayRun struct {
	cancel context.CancelFunc
	done   chan error
}

// startGateway runs RunGateway with the fake's heartbeat_interval at testHeartbeat; it is
// stopped when the test ends, if the test hasn't.
func startGateway(t *testing.T, w *world) *gatewayRun {
	t.Helper()
	w.discord.SetHeartbeatInterval(testHeartbeat)
	ctx, cancel := context.WithCancel(t.Context())
	r := &gatewayRun{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- w.platform.RunGateway(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(5 * time.Second):
			t.Error("RunGateway didn't return after its context ended")
		}
	})
	return r
}

// stop ends RunGateway's context and returns what it returned.
func (r *gatewayRun) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		r.done <- err // for the cleanup
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("RunGateway didn't return after its context ended")
		return nil
	}
}

// gatewayPath is the path of a recorded gateway URL, after checking its query.
func gatewayPath(t *testing.T, c discordfake.GatewayConnection) string {
	t.Helper()
	u, err := url.Parse(c.URL)
	if err != nil || u.Query().Get("v") != apiVersion || u.Query().Get("encoding") != "json" {
		t.Errorf("gateway connection at %s, want v=%s&encoding=json", c.URL, apiVersion)
	}
	return u.Path
}

// closedToResume checks that the client closed c with a close frame whose code keeps the
// session: not 1000 or 1001 ("Initiating a Disconnect").
func closedToResume(t *testing.T, c discordfake.GatewayConnection) {
	t.Helper()
	switch c.CloseCode {
	case 0, 1005, 1006:
		t.Errorf("the connection was dropped without a close code (%d), want one", c.CloseCode)
	case 1000, 1001:
		t.Errorf("the connection was closed with %d, which ends the session", c.CloseCode)
	}
}

// resumedOn checks that c resumed session after seq at Ready's resume_gateway_url, without
// an Identify.
func resumedOn(t *testing.T, c discordfake.GatewayConnection, session string, seq int) {
	t.Helper()
	if path := gatewayPath(t, c); path != discordfake.ResumePath+"/" {
		t.Errorf("resumed at %s, want Ready's resume_gateway_url (%s)", path, discordfake.ResumePath)
	}
	if c.Resume != 1 || c.Identify != 0 || c.SessionID != session || c.ResumeSeq != seq {
		t.Errorf("resume %d (session %q, seq %d) and identify %d, want one resume of %q after %d and no identify",
			c.Resume, c.SessionID, c.ResumeSeq, c.Identify, session, seq)
	}
}

// identifiedOn checks that c is a new connection at the gateway URL with an Identify.
func identifiedOn(t *testing.T, c discordfake.GatewayConnection) {
	t.Helper()
	if path := gatewayPath(t, c); path != discordfake.GatewayPath+"/" {
		t.Errorf("identified at %s, want GET /gateway's URL (%s)", path, discordfake.GatewayPath)
	}
	if c.Identify != 1 || c.Resume != 0 {
		t.Errorf("identify %d and resume %d, want one identify", c.Identify, c.Resume)
	}
}

// delivered dispatches a /unassign show over the gateway and waits for its ack (the
// n-th ack of the test).
func delivered(t *testing.T, w *world, id string, n int) {
	t.Helper()
	w.discord.DispatchInteraction(t, command(t, id, masonID, nil, subShow, opt(optUser, "alice@contoso.com")))
	waitAcked(t, w, id, n)
}

func waitAcked(t *testing.T, w *world, id string, n int) {
	t.Helper()
	w.discord.WaitCalls(t, discordfake.RouteCallback, n)
	waitFor(t, "the ack of "+id, func() bool { return slices.Equal(w.discord.ResponseTypes("token-"+id), []int{5}) })
}

// A connection that stops acknowledging heartbeats is closed when the next heartbeat is
// due (one interval after the unanswered one, not five), with a close code that keeps the
// session, and resumed at Ready's resume_gateway_url; what was dispatched while it was dead
// comes with the Resume and is answered.
func TestGatewayResumesAZombiedConnectionWithinAHeartbeat(t *testing.T) {
	w := newWorld(t)
	run := startGateway(t, w)
	w.discord.WaitGateway(t)
	delivered(t, w, "8300", 1) // seq 2, after READY's 1
	w.discord.AwaitGateway(t, "an acknowledged heartbeat", func(c []discordfake.GatewayConnection) bool { return c[0].Heartbeats > 0 })

	w.discord.Zombify(t)
	w.discord.DispatchInteraction(t, command(t, "8301", masonID, nil, subShow, opt(optUser, "alice@contoso.com")))
	conns := w.discord.AwaitGateway(t, "the session resumed on a second connection", func(c []discordfake.GatewayConnection) bool {
		return len(c) >= 2 && c[0].Closed && c[1].Ready
	})
	dead, resumed := conns[0], conns[1]
	if dead.Unacked != 1 {
		t.Errorf("the dead connection was closed after %d unacknowledged heartbeats, want 1", dead.Unacked)
	}
	if took := dead.ClosedAt.Sub(dead.FirstUnackedAt); took > testHeartbeat+testHeartbeat/2+100*time.Millisecond {
		t.Errorf("the dead connection was closed %s after its first unacknowledged heartbeat, want about one interval (%s)", took, testHeartbeat)
	}
	closedToResume(t, dead)
	resumedOn(t, resumed, dead.SessionID, 2)
	if resumed.Replayed != 1 {
		t.Errorf("%d dispatches replayed, want the one sent while the connection was dead", resumed.Replayed)
	}
	waitAcked(t, w, "8301", 2)
	if n := len(w.discord.Identifies()); n != 1 {
		t.Errorf("%d identifies, want 1", n)
	}

	// Stopping ends the session: close code 1000.
	if err := run.stop(t); err != nil {
		t.Errorf("RunGateway: %v", err)
	}
	conns = w.discord.AwaitGateway(t, "the last connection closed", func(c []discordfake.GatewayConnection) bool { return c[len(c)-1].Closed })
	if last := conns[len(conns)-1]; last.CloseCode != 1000 || len(conns) != 2 {
		t.Errorf("%d connections, the last closed with %d; want 2, closed with 1000", len(conns), last.CloseCode)
	}
}

// Reconnect (op 7): "reconnect to gateway and resume", at Ready's resume_gateway_url.
func TestGatewayResumesAtTheResumeURLAfterReconnect(t *testing.T) {
	w := newWorld(t)
	startGateway(t, w)
	w.discord.WaitGateway(t)
	w.discord.SendReconnect(t)
	conns := w.discord.AwaitGateway(t, "the session resumed on a second connection", func(c []discordfake.GatewayConnection) bool {
		return len(c) >= 2 && c[0].Closed && c[1].Ready
	})
	closedToResume(t, conns[0])
	resumedOn(t, conns[1], conns[0].SessionID, 1)
	delivered(t, w, "8310", 1)
}

// Invalid Session (op 9): on a new connection, with d false an Identify at GET /gateway's
// URL, with d true a Resume at resume_gateway_url; never an Identify on the same socket.
func TestGatewayInvalidSessionOpensANewConnection(t *testing.T) {
	for _, resumable := range []bool{false, true} {
		t.Run(fmt.Sprintf("resumable=%t", resumable), func(t *testing.T) {
			w := newWorld(t)
			startGateway(t, w)
			w.discord.WaitGateway(t)
			w.discord.SendInvalidSession(t, resumable)
			conns := w.discord.AwaitGateway(t, "a second connection", func(c []discordfake.GatewayConnection) bool {
				return len(c) >= 2 && c[0].Closed && c[1].Ready
			})
			if conns[0].Identify != 1 || conns[0].CloseCode == 0 {
				t.Errorf("the invalidated connection: %d identifies, closed with %d; want 1, closed by the bot", conns[0].Identify, conns[0].CloseCode)
			}
			if resumable {
				closedToResume(t, conns[0])
				resumedOn(t, conns[1], conns[0].SessionID, 1)
			} else {
				identifiedOn(t, conns[1])
				if conns[1].SessionID == conns[0].SessionID {
					t.Errorf("session %q again, want a new one", conns[1].SessionID)
				}
				// A random 1-5 s before the new Identify (through Config.Sleep).
				if waits := w.sleeps.Waits(); len(waits) != 1 || waits[0] < time.Second || waits[0] > 5*time.Second {
					t.Errorf("waits before the Identify %v, want one of 1-5 s", waits)
				}
			}
			delivered(t, w, "8320", 1)
		})
	}
}

// A Resume refused with Invalid Session (d false), the session having expired: a new
// connection at GET /gateway's URL, with an Identify.
func TestGatewayIdentifiesAfterARefusedResume(t *testing.T) {
	w := newWorld(t)
	startGateway(t, w)
	w.discord.WaitGateway(t)
	w.discord.ExpireSessions()
	w.discord.SendReconnect(t)
	conns := w.discord.AwaitGateway(t, "a third connection", func(c []discordfake.GatewayConnection) bool {
		return len(c) >= 3 && c[1].Closed && c[2].Ready
	})
	resumedOn(t, conns[1], conns[0].SessionID, 1)
	if !slices.Equal(conns[1].InvalidSession, []bool{false}) || conns[1].CloseCode == 0 {
		t.Errorf("the refused resume: invalid session %v, closed with %d; want [false], closed by the bot", conns[1].InvalidSession, conns[1].CloseCode)
	}
	identifiedOn(t, conns[2])
	delivered(t, w, "8330", 1)
}

// Close codes from the gateway: 4000 (Unknown error) is resumed after; 4004
// (Authentication failed) ends RunGateway with an error, without reconnecting.
func TestGatewayCloseCodes(t *testing.T) {
	t.Run("4000 resumes", func(t *testing.T) {
		w := newWorld(t)
		startGateway(t, w)
		w.discord.WaitGateway(t)
		w.discord.CloseGateway(t, 4000, "Unknown error.")
		conns := w.discord.AwaitGateway(t, "a second connection", func(c []discordfake.GatewayConnection) bool {
			return len(c) >= 2 && c[1].Ready
		})
		resumedOn(t, conns[1], conns[0].SessionID, 1)
		delivered(t, w, "8340", 1)
	})
	t.Run("4004 stops", func(t *testing.T) {
		w := newWorld(t)
		run := startGateway(t, w)
		w.discord.WaitGateway(t)
		w.discord.CloseGateway(t, 4004, "Authentication failed.")
		select {
		case err := <-run.done:
			run.done <- err
			if err == nil || !strings.Contains(err.Error(), "4004") {
				t.Errorf("RunGateway: %v, want the 4004", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("RunGateway still running after 4004")
		}
		if n := len(w.discord.GatewayConnections()); n != 1 {
			t.Errorf("%d connections, want no reconnection", n)
		}
	})
}
