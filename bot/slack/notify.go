package slack

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/licensebot/licensebot/bot"
)

// postThread replies in the thread of a message: under the thread's first message.
func (p *Platform) postThread(ctx context.Context, under bot.MessageRef, msg bot.Message, lang string) (bot.MessageRef, error) {
	return p.postMessage(ctx, under.Channel, cmp.Or(under.Thread, under.ID), render(msg, "", lang))
}

// postApprovers posts to the approval channel, mentioning the approvers.
func (p *Platform) postApprovers(ctx context.Context, channel string, msg bot.Message, lang string) (bot.MessageRef, error) {
	return p.postMessage(ctx, channel, "", render(msg, p.approverMentions(ctx), lang))
}

// postEmail DMs the Slack user with this e-mail (users.lookupByEmail).
func (p *Platform) postEmail(ctx context.Context, email string, msg bot.Message, lang string) (bot.MessageRef, error) {
	user, err := p.userIDByEmail(ctx, email)
	if err != nil {
		return bot.MessageRef{}, fmt.Errorf("post to %s: %w", email, err)
	}
	return p.postDM(ctx, user, msg, lang)
}

// editMessage replaces a message the bot posted (chat.update).
func (p *Platform) editMessage(ctx context.Context, ref bot.MessageRef, msg bot.Message, lang string) error {
	r := render(msg, "", lang)
	_, err := bot.Call(ctx, p.calls, "chat.update", func(ctx context.Context) (string, error) {
		_, ts, _, err := p.api.UpdateMessageContext(ctx, ref.Channel, ref.ID,
			slackapi.MsgOptionText(r.Text, false), slackapi.MsgOptionBlocks(r.Blocks...))
		return ts, err
	})
	return err
}

func (p *Platform) postMessage(ctx context.Context, channel, thread string, r rendered) (bot.MessageRef, error) {
	opts := []slackapi.MsgOption{slackapi.MsgOptionText(r.Text, false), slackapi.MsgOptionBlocks(r.Blocks...)}
	if thread != "" {
		opts = append(opts, slackapi.MsgOptionTS(thread))
	}
	type posted struct{ channel, ts string }
	got, err := bot.Call(ctx, p.calls, "chat.postMessage", func(ctx context.Context) (posted, error) {
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
		ch, err := bot.Call(ctx, p.calls, "conversations.open", func(ctx context.Context) (*slackapi.Channel, error) {
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
