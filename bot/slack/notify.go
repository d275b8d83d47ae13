package slack

import (
	"context"
	"errors"
	"fmt"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/licensebot/licensebot/bot"
)

// Post sends a new message as the bot, where the handlers say: a thread, the approval
// channel (mentioning the approvers), a person found by e-mail, or an actor, each person in
// a DM. The reference it returns is what Update and threads need: channel and ts. The
// platform's own words in the message (summaries) are in the language the handlers wrote it
// in: the actor's, else the configured one.
func (p *Platform) Post(ctx context.Context, to bot.Destination, msg bot.Message) (bot.MessageRef, error) {
	switch {
	case to.Thread != nil:
		if err := ours(*to.Thread); err != nil {
			return bot.MessageRef{}, err
		}
		thread := to.Thread.Thread
		if thread == "" {
			thread = to.Thread.ID
		}
		return p.postMessage(ctx, to.Thread.Channel, thread, render(msg, "", p.language("")))
	case to.Approvers:
		if p.cfg.ApprovalChannel == "" {
			return bot.MessageRef{}, errors.New("post to the approvers: no Slack approval channel is configured")
		}
		return p.postMessage(ctx, p.cfg.ApprovalChannel, "", render(msg, p.approverMentions(ctx), p.language("")))
	case to.Email != "":
		user, err := p.userIDByEmail(ctx, to.Email)
		if err != nil {
			return bot.MessageRef{}, fmt.Errorf("post to %s: %w", to.Email, err)
		}
		return p.postDM(ctx, user, msg, p.language(""))
	case to.Actor != nil:
		lang := p.language(to.Actor.Locale)
		if to.Actor.Platform == platformName && to.Actor.ChatID != "" {
			return p.postDM(ctx, to.Actor.ChatID, msg, lang)
		}
		if to.Actor.Email != "" {
			// Someone known from another platform: find them in Slack by address.
			user, err := p.userIDByEmail(ctx, to.Actor.Email)
			if err != nil {
				return bot.MessageRef{}, fmt.Errorf("post to %s: %w", to.Actor.Email, err)
			}
			return p.postDM(ctx, user, msg, lang)
		}
		return bot.MessageRef{}, fmt.Errorf("post to %q: neither a Slack user nor an e-mail", to.Actor.Name)
	}
	return bot.MessageRef{}, errors.New("post: the destination names no one")
}

// Update replaces a message the bot posted (chat.update). Ephemeral messages can't be
// updated this way; the handlers only update messages that Post returned. Which language
// the message is in isn't said, so the platform's own words are in the configured one.
func (p *Platform) Update(ctx context.Context, ref bot.MessageRef, msg bot.Message) error {
	return p.update(ctx, ref, msg, p.language(""))
}

// update is Update with the platform's own words in lang.
func (p *Platform) update(ctx context.Context, ref bot.MessageRef, msg bot.Message, lang string) error {
	if err := ours(ref); err != nil {
		return err
	}
	r := render(msg, "", lang)
	_, err := call(ctx, p, "chat.update", func(ctx context.Context) (string, error) {
		_, ts, _, err := p.api.UpdateMessageContext(ctx, ref.Channel, ref.ID,
			slackapi.MsgOptionText(r.Text, false), slackapi.MsgOptionBlocks(r.Blocks...))
		return ts, err
	})
	if err != nil {
		return fmt.Errorf("update message %s in %s: %w", ref.ID, ref.Channel, err)
	}
	return nil
}

func ours(ref bot.MessageRef) error {
	if ref.Platform != "" && ref.Platform != platformName {
		return fmt.Errorf("message %s is on %s, not Slack", ref.ID, ref.Platform)
	}
	if ref.Channel == "" || ref.ID == "" {
		return fmt.Errorf("message reference %+v lacks a channel or a ts", ref)
	}
	return nil
}

func (p *Platform) postMessage(ctx context.Context, channel, thread string, r rendered) (bot.MessageRef, error) {
	opts := []slackapi.MsgOption{slackapi.MsgOptionText(r.Text, false), slackapi.MsgOptionBlocks(r.Blocks...)}
	if thread != "" {
		opts = append(opts, slackapi.MsgOptionTS(thread))
	}
	type posted struct{ channel, ts string }
	got, err := call(ctx, p, "chat.postMessage", func(ctx context.Context) (posted, error) {
		ch, ts, err := p.api.PostMessageContext(ctx, channel, opts...)
		return posted{ch, ts}, err
	})
	if err != nil {
		return bot.MessageRef{}, fmt.Errorf("post to %s: %w", channel, err)
	}
	if got.channel == "" {
		got.channel = channel
	}
	return bot.MessageRef{Platform: platformName, Channel: got.channel, ID: got.ts, Thread: thread}, nil
}

// postDM opens (or finds) the DM with a user and posts there.
func (p *Platform) postDM(ctx context.Context, user string, msg bot.Message, lang string) (bot.MessageRef, error) {
	channel, ok := p.dms.get(user)
	if !ok {
		ch, err := call(ctx, p, "conversations.open", func(ctx context.Context) (*slackapi.Channel, error) {
			ch, _, _, err := p.api.OpenConversationContext(ctx, &slackapi.OpenConversationParameters{Users: []string{user}})
			return ch, err
		})
		if err != nil {
			return bot.MessageRef{}, fmt.Errorf("open a DM with %s: %w", user, err)
		}
		channel = ch.ID
		p.dms.put(user, channel, actorTTL)
	}
	return p.postMessage(ctx, channel, "", render(msg, "", lang))
}

// approverMentions names the approvers at the head of an approval request, so that Slack
// notifies them: <@U…> for a user, <!subteam^S…> for a user group, and a configured e-mail
// looked up first. Entries that are none of these (Entra ids) are skipped.
func (p *Platform) approverMentions(ctx context.Context) string {
	var out []string
	seen := map[string]bool{}
	add := func(m string) {
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	for _, a := range p.cfg.Approvers {
		a = strings.TrimSpace(a)
		switch {
		case userIDPattern.MatchString(a):
			add("<@" + a + ">")
		case groupIDPattern.MatchString(a):
			add("<!subteam^" + a + ">")
		case strings.Contains(a, "@"):
			id, err := p.userIDByEmail(ctx, a)
			if err != nil {
				p.logOnce(ctx, "approver:"+a, "an approver has no Slack account by that e-mail: not mentioned", "approver", a, "err", err)
				continue
			}
			add("<@" + id + ">")
		}
	}
	return strings.Join(out, " ")
}
