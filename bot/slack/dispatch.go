package slack

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/licensebot/licensebot/bot"
)

// Slack waits 3 seconds for the ack of a command or click, and Graph and Redis may take
// longer; so the ack goes at once and the work runs after it, on its own context (the
// request's ends with the ack), bounded by WorkTimeout, and answers through response_url
// and the Web API.

// goWork runs fn after the ack, in the platform's bounded background work: in its quick
// slots when quick (help, status, show: Config.Quick), so that those never wait behind plans.
func (p *Platform) goWork(parent context.Context, what string, quick bool, fn func(ctx context.Context)) {
	if quick {
		p.work.GoQuick(parent, what, fn)
		return
	}
	p.work.Go(parent, what, fn)
}

// claim reports whether this delivery is the first of its key. Slack retries a delivery it
// thinks failed (X-Slack-Retry-Num over HTTP, retry_attempt over Socket Mode) with the same
// trigger_id, so the key is the team and trigger_id. When the deduper can't tell, nothing
// is done (fail closed): the user is told, and can simply try again.
// lang is the language of the refusal.
func (p *Platform) claim(ctx context.Context, key string, respURL *responseURL, retry int, lang string) bool {
	// Bounded, so that a Redis that hangs still lets the user hear "unavailable" within
	// Slack's 3 seconds.
	claimCtx, cancel := context.WithTimeout(ctx, claimBudget)
	first, err := p.cfg.Deduper.Claim(claimCtx, key, dedupeTTL)
	cancel()
	if err != nil {
		p.log.ErrorContext(ctx, "deduper failed: refusing the delivery", "key", key, "err", err)
		if err := p.respond(ctx, respURL, ephemeral(msgUnavailable(lang), lang)); err != nil {
			p.log.WarnContext(ctx, "tell the user licensebot is unavailable", "err", err)
		}
		return false
	}
	if !first {
		p.log.InfoContext(ctx, "delivery already handled: ignoring Slack's retry", "key", key, "retry", retry)
	}
	return first
}

// claimBudget bounds the dedupe claim of a delivery.
const claimBudget = 1500 * time.Millisecond

// deliveryKey names a delivery for the deduper (and the handlers: bot.Command.DeliveryID).
// The fallback, when there is no trigger_id, is hashed: a command's is its response_url, a
// credential that must reach neither the log lines that name the key nor Redis.
func deliveryKey(kind, team, trigger, fallback string) string {
	if trigger == "" {
		sum := sha256.Sum256([]byte(fallback))
		trigger = "h" + hex.EncodeToString(sum[:16])
	}
	return fmt.Sprintf("slack:%s:%s:%s", kind, team, trigger)
}

// startCommand starts the work on a slash command; the caller acks right after. The
// response_url's 30 minutes are counted from now, its arrival, and from here on it is only
// held wrapped (responseURL), never as a string that could be logged.
func (p *Platform) startCommand(ctx context.Context, cmd slackapi.SlashCommand, retry int) {
	respURL := p.receivedResponseURL(cmd.ResponseURL)
	key := deliveryKey("command", cmd.TeamID, cmd.TriggerID, cmd.ResponseURL)
	cmd.ResponseURL = ""
	quick := p.cfg.Quick != nil && p.cfg.Quick(cmd.Text)
	p.goWork(ctx, "command", quick, func(ctx context.Context) { p.runCommand(ctx, cmd, key, respURL, retry) })
}

func (p *Platform) runCommand(ctx context.Context, cmd slackapi.SlashCommand, key string, respURL *responseURL, retry int) {
	// The caller's language: from their cached profile until users.info has answered.
	lang := p.userLanguage(cmd.UserID)
	answer := func(m bot.Message) {
		if err := p.respond(ctx, respURL, ephemeral(m, lang)); err != nil {
			p.log.WarnContext(ctx, "answer through response_url failed; trying chat.postEphemeral", "err", err)
			if err := p.postEphemeral(ctx, cmd.ChannelID, cmd.UserID, m, lang); err != nil {
				p.log.ErrorContext(ctx, "answer to a command lost", "user", cmd.UserID, "err", err)
			}
		}
	}
	if cmd.Command != p.cfg.Command {
		answer(msgUnknownCommand(lang, p.cfg.Command))
		return
	}
	if !p.claim(ctx, key, respURL, retry, lang) {
		return
	}
	h := p.currentHandler()
	if h == nil {
		answer(msgNotReady(lang))
		return
	}
	actor, err := p.actor(ctx, cmd.UserID)
	// The person's own workspace (users.info), else the one the command came from.
	actor.Workspace = cmp.Or(actor.Workspace, cmd.TeamID)
	actor.Enterprise = cmd.EnterpriseID
	if err != nil {
		p.log.ErrorContext(ctx, "who is asking", "user", cmd.UserID, "err", err)
		answer(msgWhoAreYou(lang))
		return
	}
	lang = p.language(actor.Locale)
	reply := bot.Safely(ctx, p.log, "command", msgFailed(lang), func() bot.Reply {
		// Mentions stay as typed: the handlers look them up once the caller may act.
		return h.HandleCommand(ctx, bot.Command{Actor: actor, Text: cmd.Text, Channel: cmd.ChannelID, DeliveryID: key, Mentions: p.mentionEmail})
	})
	// The answer to a command is always the caller's own: ephemeral, through response_url.
	answer(reply.Message)
}

// startClick starts the work on a button press; the caller acks right after. As for a
// command, the response_url's 30 minutes are counted from now, and it is held wrapped only.
func (p *Platform) startClick(ctx context.Context, cb slackapi.InteractionCallback, retry int) {
	if cb.Type != slackapi.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) == 0 {
		return // nothing of licensebot's (modals, shortcuts): acked and dropped
	}
	respURL := p.receivedResponseURL(cb.ResponseURL)
	cb.ResponseURL = ""
	p.goWork(ctx, "click", false, func(ctx context.Context) { p.runClick(ctx, cb, respURL, retry) })
}

func (p *Platform) runClick(ctx context.Context, cb slackapi.InteractionCallback, respURL *responseURL, retry int) {
	action := cb.ActionCallback.BlockActions[0]
	key := deliveryKey("click", cb.Team.ID, cb.TriggerID, cb.User.ID+":"+action.ActionTs)
	lang := p.userLanguage(cb.User.ID)
	if !p.claim(ctx, key, respURL, retry, lang) {
		return
	}
	h := p.currentHandler()
	if h == nil {
		p.answerClick(ctx, cb, respURL, bot.Reply{Message: msgNotReady(lang)}, lang)
		return
	}
	actor, err := p.actor(ctx, cb.User.ID)
	// The clicker's own workspace (user.team_id), else the one the click came from
	// (team.id): a Slack Connect member of another organisation is known as such.
	actor.Workspace = cmp.Or(cb.User.TeamID, actor.Workspace, cb.Team.ID)
	actor.Enterprise = cb.Enterprise.ID
	if err != nil {
		p.log.ErrorContext(ctx, "who is clicking", "user", cb.User.ID, "err", err)
		p.answerClick(ctx, cb, respURL, bot.Reply{Message: msgWhoAreYou(lang)}, lang)
		return
	}
	lang = p.language(actor.Locale)
	click := bot.Click{Actor: actor, Action: actionOf(action.ActionID), Value: action.Value, Message: clickedMessage(cb)}
	reply := bot.Safely(ctx, p.log, "click", msgFailed(lang), func() bot.Reply {
		return h.HandleClick(ctx, click)
	})
	p.answerClick(ctx, cb, respURL, reply, lang)
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
		err := p.update(ctx, ref, reply.Message, lang)
		if err == nil {
			return
		}
		p.log.WarnContext(ctx, "chat.update of the clicked message failed; replacing it through response_url", "channel", ref.Channel, "err", err)
	}
	if err := p.respond(ctx, respURL, replacement(reply.Message, lang)); err != nil {
		privately("replacing the clicked message through response_url failed", err)
	}
}
