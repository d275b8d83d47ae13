package slack

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	slackapi "github.com/slack-go/slack"

	"github.com/licensebot/licensebot/bot"
)

// Slack waits 3 seconds for the ack of a command or click, and Graph and Redis may take
// longer; so each delivery is recorded in the inbox and acked (bot.Inbound), and the work
// runs after the ack and answers through response_url and the Web API. Both transports
// (HTTP, Socket Mode) hand their deliveries to receiveCommand and receiveClick; what is
// recorded is Slack's payload without its credentials (the response_url goes in the
// delivery's Reply, the deprecated verification token nowhere), and open reads it back,
// on this replica or, should it die, on another.

// The kinds of Slack's deliveries.
const (
	kindCommand = "command"
	kindClick   = "click"
)

// deliveryKey names a delivery for the inbox's dedupe (and the handlers:
// bot.Command.DeliveryID). Slack retries a delivery it thinks failed (X-Slack-Retry-Num over
// HTTP, retry_attempt over Socket Mode) with the same trigger_id, so the key is the team and
// trigger_id. The fallback, when there is no trigger_id, is hashed: a command's is its
// response_url, a credential that must reach neither the log lines that name the key nor
// Redis.
func deliveryKey(kind, team, trigger, fallback string) string {
	if trigger == "" {
		sum := sha256.Sum256([]byte(fallback))
		trigger = "h" + hex.EncodeToString(sum[:16])
	}
	return fmt.Sprintf("slack:%s:%s:%s", kind, team, trigger)
}

// receiveCommand records a slash command and acks it with ack (its body: a short
// "working on it", in the caller's language as far as it is known before users.info).
func (p *Platform) receiveCommand(ctx context.Context, cmd slackapi.SlashCommand, retry int, ack func(responseMessage) error) {
	reply := bot.Secret(cmd.ResponseURL)
	key := deliveryKey(kindCommand, cmd.TeamID, cmd.TriggerID, cmd.ResponseURL)
	cmd.ResponseURL, cmd.Token = "", ""
	payload, err := json.Marshal(cmd)
	if err != nil {
		p.log.ErrorContext(ctx, "encode a slash command", "err", err)
		return
	}
	lang := p.userLanguage(cmd.UserID)
	d := bot.Delivery{Kind: kindCommand, Key: key, Payload: payload, Reply: reply, Quick: p.in.Quick(bot.Command{Text: commandText(cmd.Text)}), Retry: retry}
	p.in.Receive(ctx, d, func(bot.Receipt) (bool, error) {
		// The same for every receipt: a retry is answered as the first was, and a
		// refusal follows through the response_url.
		return false, ack(ephemeral(msgWorking(lang), lang))
	})
}

// receiveClick records a button press whose payload is raw (the interaction's JSON) and
// acks it with ack. Anything but block_actions (modals, shortcuts) is acked and dropped.
func (p *Platform) receiveClick(ctx context.Context, raw []byte, retry int, ack func() error) error {
	var cb slackapi.InteractionCallback
	if err := json.Unmarshal(raw, &cb); err != nil {
		return fmt.Errorf("interaction payload not readable: %w", err)
	}
	if cb.Type != slackapi.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) == 0 {
		return ack()
	}
	payload, err := bot.WithoutFields(raw, "response_url", "token")
	if err != nil {
		return fmt.Errorf("interaction payload not readable: %w", err)
	}
	action := cb.ActionCallback.BlockActions[0]
	d := bot.Delivery{
		Kind: kindClick, Key: deliveryKey(kindClick, cb.Team.ID, cb.TriggerID, cb.User.ID+":"+action.ActionTs),
		Payload: payload, Reply: bot.Secret(cb.ResponseURL), Retry: retry,
	}
	p.in.Receive(ctx, d, func(bot.Receipt) (bool, error) { return false, ack() })
	return nil
}

// open reads a recorded delivery back (bot.Wire.Open). The response_url's 30 minutes count
// from the delivery's arrival, and each replica that took it up may have posted to it
// twice (answer and replacement) of its five times; from here on it is held wrapped only
// (responseURL), never as a string that could be logged.
func (p *Platform) open(_ context.Context, d bot.Delivery) (bot.Exchange, error) {
	respURL := &responseURL{raw: d.Reply.Reveal(), received: d.Received, posts: 2 * max(d.Attempt-1, 0)}
	switch d.Kind {
	case kindCommand:
		var cmd slackapi.SlashCommand
		if err := json.Unmarshal(d.Payload, &cmd); err != nil {
			return nil, fmt.Errorf("read a recorded slash command: %w", err)
		}
		return &commandExchange{p: p, cmd: cmd, key: d.Key, respURL: respURL}, nil
	case kindClick:
		var cb slackapi.InteractionCallback
		if err := json.Unmarshal(d.Payload, &cb); err != nil {
			return nil, fmt.Errorf("read a recorded interaction: %w", err)
		}
		if len(cb.ActionCallback.BlockActions) == 0 {
			return nil, errors.New("read a recorded interaction: no action in it")
		}
		return &clickExchange{p: p, cb: cb, respURL: respURL}, nil
	}
	return nil, fmt.Errorf("a recorded delivery of kind %q is not Slack's", d.Kind)
}

// commandExchange is a slash command being worked on.
type commandExchange struct {
	p       *Platform
	cmd     slackapi.SlashCommand
	key     string
	respURL *responseURL
}

// Locale is the caller's, from their cached profile until users.info has answered.
func (x *commandExchange) Locale() string { return x.p.cachedLocale(x.cmd.UserID) }

// Early turns away another command than licensebot's, before asking Slack who typed it.
func (x *commandExchange) Early(lang string) (bot.Message, bool) {
	if x.cmd.Command != x.p.cfg.Command {
		return msgUnknownCommand(lang, x.p.cfg.Command), true
	}
	return bot.Message{}, false
}

func (x *commandExchange) Identify(ctx context.Context) (bot.Actor, error) {
	actor, err := x.p.actor(ctx, x.cmd.UserID)
	// The person's own workspace (users.info), else the one the command came from.
	actor.Workspace = cmp.Or(actor.Workspace, x.cmd.TeamID)
	actor.Enterprise = x.cmd.EnterpriseID
	return actor, err
}

func (x *commandExchange) Handle(ctx context.Context, h bot.Handler, who bot.Actor) bot.Reply {
	// Mentions stay as typed: the handlers look them up once the caller may act.
	return h.HandleCommand(ctx, bot.Command{Actor: who, Text: commandText(x.cmd.Text), Channel: x.cmd.ChannelID, DeliveryID: x.key, Mentions: x.p.mentionEmail})
}

// Answer: the answer to a command is always the caller's own: ephemeral, through
// response_url, else chat.postEphemeral (a response_url past its 30 minutes, say).
func (x *commandExchange) Answer(ctx context.Context, r bot.Reply, lang string) {
	if err := x.p.respond(ctx, x.respURL, ephemeral(r.Message, lang)); err != nil {
		x.p.log.WarnContext(ctx, "answer through response_url failed; trying chat.postEphemeral", "err", err)
		if err := x.p.postEphemeral(ctx, x.cmd.ChannelID, x.cmd.UserID, r.Message, lang); err != nil {
			x.p.log.ErrorContext(ctx, "answer to a command lost", "user", x.cmd.UserID, "err", err)
		}
	}
}

// clickExchange is a button press being worked on.
type clickExchange struct {
	p       *Platform
	cb      slackapi.InteractionCallback
	respURL *responseURL
}

func (x *clickExchange) Locale() string { return x.p.cachedLocale(x.cb.User.ID) }

func (x *clickExchange) Early(string) (bot.Message, bool) { return bot.Message{}, false }

func (x *clickExchange) Identify(ctx context.Context) (bot.Actor, error) {
	actor, err := x.p.actor(ctx, x.cb.User.ID)
	// The clicker's own workspace (user.team_id), else the one the click came from
	// (team.id): a Slack Connect member of another organisation is known as such.
	actor.Workspace = cmp.Or(x.cb.User.TeamID, actor.Workspace, x.cb.Team.ID)
	actor.Enterprise = x.cb.Enterprise.ID
	return actor, err
}

func (x *clickExchange) Handle(ctx context.Context, h bot.Handler, who bot.Actor) bot.Reply {
	action := x.cb.ActionCallback.BlockActions[0]
	return h.HandleClick(ctx, bot.Click{Actor: who, Action: actionOf(action.ActionID), Value: action.Value, Message: clickedMessage(x.cb)})
}

func (x *clickExchange) Answer(ctx context.Context, r bot.Reply, lang string) {
	x.p.answerClick(ctx, x.cb, x.respURL, r, lang)
}

// clickedMessage is the message the button was on.
func clickedMessage(cb slackapi.InteractionCallback) bot.MessageRef {
	ref := bot.MessageRef{Platform: platformName, Channel: cb.Container.ChannelID, ID: cb.Container.MessageTs, Thread: cb.Container.ThreadTs}
	if ref.Channel == "" {
		ref.Channel = cb.Channel.ID
	}
	if ref.ID == "" {
		ref.ID = cb.Message.Timestamp
	}
	if ref.Thread == "" && cb.Message.ThreadTimestamp != "" && cb.Message.ThreadTimestamp != ref.ID {
		ref.Thread = cb.Message.ThreadTimestamp
	}
	return ref
}

// answerClick delivers the answer to a press. A replacing answer takes the place of the
// message the button was on: an ephemeral message (the plan is one) can only be changed
// through the click's response_url, and the bot's own channel and DM messages through
// chat.update, which also outlives the response_url's 30 minutes. Any other answer goes
// to the clicker alone, and so does a replacing one that neither could deliver (a
// response_url past its 30 minutes, say): the old message stays as it was, but the clicker
// hears what their press did. lang is the clicker's language.
func (p *Platform) answerClick(ctx context.Context, cb slackapi.InteractionCallback, respURL *responseURL, reply bot.Reply, lang string) {
	privately := func(failed string, err error) {
		p.log.WarnContext(ctx, failed+"; trying chat.postEphemeral", "err", err)
		if err := p.postEphemeral(ctx, cb.Container.ChannelID, cb.User.ID, reply.Message, lang); err != nil {
			p.log.ErrorContext(ctx, "answer to a click lost", "user", cb.User.ID, "err", err)
		}
	}
	if !reply.Replace {
		if err := p.respond(ctx, respURL, ephemeral(reply.Message, lang)); err != nil {
			privately("answer through response_url failed", err)
		}
		return
	}
	ref := clickedMessage(cb)
	if !cb.Container.IsEphemeral && ref.Channel != "" && ref.ID != "" {
		err := p.UpdateIn(ctx, ref, reply.Message, lang)
		if err == nil {
			return
		}
		p.log.WarnContext(ctx, "chat.update of the clicked message failed; replacing it through response_url", "channel", ref.Channel, "err", err)
	}
	if err := p.respond(ctx, respURL, replacement(reply.Message, lang)); err != nil {
		privately("replacing the clicked message through response_url failed", err)
	}
}
