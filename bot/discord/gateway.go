package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// The gateway connection is licensebot's own (gateway_conn.go), not discordgo's
// Session.Open: discordgo v0.29.0 notices a dead ("zombied") connection only after 5
// heartbeat intervals without an ACK (FailedHeartbeatAcks), then closes it with 1000, which
// ends the session, so its Resume is refused and what was dispatched meanwhile is lost; it
// resumes at the first gateway URL instead of Ready's resume_gateway_url (it keeps neither
// that URL nor the session in a field one could set); and it answers Invalid Session (op 9)
// with an Identify on the same socket. None of that is reachable from outside its Session,
// so a watchdog around it can't fix it. discordgo's Session still does every REST call.
//
// What the loop does, as Discord's gateway docs describe it
// (https://discord.com/developers/docs/events/gateway):
//   - "If a client does not receive a heartbeat ACK between its attempts at sending
//     heartbeats, this may be due to a failed or 'zombied' connection. The client should
//     immediately terminate the connection with any close code besides 1000 or 1001, then
//     reconnect and attempt to Resume" ("Sending Heartbeats"): a dead connection is noticed
//     when the next heartbeat is due, one interval after the unanswered one.
//   - "After the connection is closed, your app should open a new connection using
//     resume_gateway_url rather than the URL used to initially connect" ("Resuming").
//   - Reconnect (op 7): "reconnect to gateway and resume"; Invalid Session (op 9) with d
//     true: Resume on a new connection; with d false: "your app should disconnect. After
//     disconnect, your app should create a new connection with your cached URL from the
//     Get Gateway ... endpoint, then send an Identify" ("Resuming").
//   - "If you cannot reconnect or the reconnect fails, you should open a new connection
//     using the URL from the initial call to Get Gateway" ("Handling a Disconnect").
//   - Close codes 4004, 4010-4014 are not to reconnect after; 4007 and 4009 need a new
//     session (https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes).
//   - "When you close the connection to the gateway with close code 1000 or 1001, your
//     session will be invalidated and your bot will appear offline" ("Initiating a
//     Disconnect"): licensebot does so only when it stops.

const (
	// closeToResume is the close code of a connection licensebot means to resume after:
	// not 1000 or 1001, which would end the session. 4000 is the first of the codes
	// RFC 6455 leaves to applications (§7.4.2), and Discord's own "Unknown error", one it
	// documents as a reason to reconnect.
	closeToResume = 4000
	// gatewayDialTimeout bounds opening the WebSocket (TCP, TLS, upgrade).
	gatewayDialTimeout = 15 * time.Second
	// gatewayWriteTimeout bounds one write to the connection.
	gatewayWriteTimeout = 10 * time.Second
	// gatewayHelloTimeout bounds the wait for Hello (op 10) on a new connection.
	gatewayHelloTimeout = 20 * time.Second
	// gatewayURLTimeout bounds GET /gateway.
	gatewayURLTimeout = 30 * time.Second
	// gatewayCloseLinger is how long a shutdown waits for the gateway to answer its close
	// frame before dropping the connection.
	gatewayCloseLinger = time.Second
	// maxGatewayBackoff caps the wait between failed connections.
	maxGatewayBackoff = 2 * time.Minute
)

// RunGateway connects to Discord's gateway as the bot and answers interactions from it
// until ctx ends, then closes the connection with 1000 and returns nil once the
// interactions being acked have been. It keeps the connection alive (heartbeats, a
// zombied connection closed and resumed, Reconnect, Invalid Session, reconnecting with a
// backoff); it returns an error only when Discord refuses the bot for good (a bad token,
// close codes 4004 and 4010-4014). Each INTERACTION_CREATE reaches onInteraction on a
// goroutine of its own, which records it in the inbox, acks it through the callback
// endpoint and leaves the work to the pipeline (bot.Inbound). With one token, every
// running gateway session receives every interaction, so replicas need a shared inbox:
// the second ack would fail with 40060, and the work would run twice.
func (p *Platform) RunGateway(ctx context.Context) error {
	var acks sync.WaitGroup
	defer acks.Wait()
	g := &gatewayLoop{p: p, dispatch: func(raw json.RawMessage, i *discordgo.Interaction) {
		acks.Go(func() { p.onInteraction(ctx, raw, i) })
	}}
	return g.run(ctx)
}

// gatewayLoop opens gateway connections one after the other and carries the session from
// one to the next.
type gatewayLoop struct {
	p        *Platform
	dispatch func(raw json.RawMessage, i *discordgo.Interaction)
}

// gatewaySession is what a Resume needs ("Preparing to Resume").
type gatewaySession struct {
	id        string // Ready's session_id; "": none, Identify
	resumeURL string // Ready's resume_gateway_url with the version and encoding; "": use the gateway URL
	seq       int64  // the last sequence number received
	hasSeq    bool   // seq has been received: heartbeats send null until then
}

func (g *gatewayLoop) run(ctx context.Context) error {
	var (
		sess       gatewaySession
		gatewayURL string // GET /gateway's url, cached for reconnecting ("Connecting")
		failures   int    // attempts in a row that didn't reach READY or RESUMED
	)
	for ctx.Err() == nil {
		target := sess.resumeURL
		if sess.id == "" || target == "" {
			if gatewayURL == "" {
				u, err := g.gatewayURL(ctx)
				if err != nil {
					if ctx.Err() != nil {
						return nil
					}
					var rest *discordgo.RESTError
					if errors.As(err, &rest) && rest.Response != nil && rest.Response.StatusCode == 401 {
						return fmt.Errorf("get the Discord gateway URL: the bot token is refused: %w", err)
					}
					failures++
					g.p.log.WarnContext(ctx, "could not get the Discord gateway URL", "err", err, "attempt", failures)
					if !g.wait(ctx, gatewayBackoff(failures)) {
						return nil
					}
					continue
				}
				gatewayURL = u
			}
			target = gatewayURL
		}
		end := g.connect(ctx, target, &sess)
		switch {
		case end.stopped:
			return nil
		case end.fatal != nil:
			return end.fatal
		}
		if end.dialFailed {
			if target == sess.resumeURL {
				sess.resumeURL = "" // "If you cannot reconnect or the reconnect fails, ... the URL from ... Get Gateway"
			} else {
				gatewayURL = "" // ask again: it may have moved
			}
		}
		if end.ready {
			failures = 0
		} else {
			failures++
		}
		wait := gatewayBackoff(failures)
		if end.invalidSession {
			// Discord's docs asked for "a random amount of time—between 1 and 5 seconds"
			// before the Identify that follows an Invalid Session; and one in answer to an
			// Identify means over the identify concurrency ("Identifying").
			wait = max(wait, time.Second+rand.N(4*time.Second))
		}
		if wait > 0 {
			g.p.log.InfoContext(ctx, "reconnecting to the Discord gateway after a wait", "wait", wait, "attempt", failures)
		}
		if !g.wait(ctx, wait) {
			return nil
		}
	}
	return nil
}

// wait waits d (through Config.Sleep) or until ctx ends: false when it ended.
func (g *gatewayLoop) wait(ctx context.Context, d time.Duration) bool {
	if d > 0 {
		if err := g.p.cfg.Sleep(ctx, d); err != nil {
			return false
		}
	}
	return ctx.Err() == nil
}

// gatewayBackoff is the wait before the next connection after failures failed ones in a
// row: none after a connection that worked, then 0.5-1 s, 1-2 s, ... up to
// maxGatewayBackoff. Each Identify counts against Discord's 1,000 a day ("Identifying").
func gatewayBackoff(failures int) time.Duration {
	if failures <= 0 {
		return 0
	}
	d := min(time.Second<<min(failures-1, 8), maxGatewayBackoff)
	return d/2 + rand.N(d/2+1)
}

// gatewayURL asks GET /gateway for the WebSocket URL, and adds the version and encoding.
func (g *gatewayLoop) gatewayURL(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, gatewayURLTimeout)
	defer cancel()
	raw, err := g.p.session.Gateway(discordgo.WithContext(ctx), discordgo.WithRetryOnRatelimit(false))
	if err != nil {
		return "", err
	}
	return gatewayQuery(raw)
}

// gatewayQuery makes a gateway URL (GET /gateway's, or Ready's resume_gateway_url) one to
// connect to: with the API version and the encoding as its query ("Connecting": "When
// resuming with the resume_gateway_url you need to provide the same version and encoding
// as the initial connection"), and a path ending in "/", as discordgo's Gateway gives it.
func gatewayQuery(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "wss" && u.Scheme != "ws") || u.Host == "" {
		return "", fmt.Errorf("discord: gateway URL %q is not a WebSocket URL", raw)
	}
	if len(u.Path) == 0 || u.Path[len(u.Path)-1] != '/' {
		u.Path += "/"
		u.RawPath = ""
	}
	u.RawQuery = "v=" + apiVersion + "&encoding=json"
	u.Fragment = ""
	return u.String(), nil
}

// onInteraction answers one interaction from the gateway (raw as the dispatch carried it):
// through the callback endpoint, as receive says. A repeat gets nothing.
func (p *Platform) onInteraction(ctx context.Context, raw json.RawMessage, i *discordgo.Interaction) {
	err := p.receive(ctx, raw, i, func(ack *discordgo.InteractionResponse) error {
		if ack == nil || i.Type == discordgo.InteractionPing {
			return nil // a duplicate; PING comes over HTTP only
		}
		ackCtx, cancel := context.WithTimeout(ctx, ackBudget)
		defer cancel()
		err := call0(ackCtx, p, "ack the interaction", func(opts ...discordgo.RequestOption) error {
			return p.session.InteractionRespond(i, ack, opts...)
		})
		if err != nil {
			// Unknown interaction (10062): too late, or answered by another session; either
			// way its token is no good for the reply.
			return fmt.Errorf("ack of interaction %s (code %d): %w", i.ID, discordCode(err), err)
		}
		return nil
	})
	if err != nil {
		p.log.ErrorContext(ctx, "interaction from the gateway not answered", "interaction", i.ID, "err", err)
	}
}
