package discord

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/licensebot/licensebot/bot"
)

// postReply answers a message with a reply that references it.
func (p *Platform) postReply(ctx context.Context, to bot.MessageRef, msg bot.Message, lang string) (bot.MessageRef, error) {
	return p.send(ctx, to.Channel, render(msg, "", nil, lang), &discordgo.MessageReference{MessageID: to.ID, ChannelID: to.Channel})
}

// postApprovers posts to the approval channel, mentioning the approver roles (and letting
// only them ping).
func (p *Platform) postApprovers(ctx context.Context, channel string, msg bot.Message, lang string) (bot.MessageRef, error) {
	return p.send(ctx, channel, render(msg, p.approverMentions(), p.cfg.ApproverRoleIDs, lang), nil)
}

// editMessage replaces a message the bot posted (PATCH /channels/{id}/messages/{id}).
func (p *Platform) editMessage(ctx context.Context, ref bot.MessageRef, msg bot.Message, lang string) error {
	body := editOf(render(msg, "", nil, lang))
	// The bucket is the one discordgo's ChannelMessageEditComplex uses: the channel's.
	endpoint, bucket := discordgo.EndpointChannelMessage(ref.Channel, ref.ID), discordgo.EndpointChannelMessage(ref.Channel, "")
	_, err := call(ctx, p, "edit a message", func(opts ...discordgo.RequestOption) (*discordgo.Message, error) {
		return p.edit(endpoint, bucket, body, opts...)
	})
	return err
}

// messageEdit is the JSON body of the message edits licensebot makes, Edit Message
// (PATCH /channels/{channel}/messages/{message}) and Edit Original Interaction Response
// (PATCH /webhooks/{application}/{token}/messages/@original): fields that both document
// (MessageEditRequestPartial and IncomingWebhookUpdateRequestPartial in Discord's OpenAPI,
// discord/discord-api-spec specs/openapi.json), and nothing else. discordgo's MessageEdit
// is not used: its ID and Channel, which say which message to edit, have no json tag and go
// into the body as "ID" and "Channel", which neither request has. The pointers send an
// empty list as [] (a message without buttons loses the ones it had), omitted only when nil.
type messageEdit struct {
	Content         *string                           `json:"content,omitempty"`
	Embeds          *[]*discordgo.MessageEmbed        `json:"embeds,omitempty"`
	Components      *[]discordgo.MessageComponent     `json:"components,omitempty"`
	AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions,omitempty"`
}

// editOf is the edit that makes a message r: its content, embeds and buttons, all replaced.
func editOf(r rendered) messageEdit {
	return messageEdit{Content: &r.Content, Embeds: &r.Embeds, Components: &r.Components, AllowedMentions: r.AllowedMentions}
}

// edit sends a message edit to endpoint (PATCH) through discordgo's request path, so that
// its rate-limit buckets (bucket: the one discordgo's own method would use) and its errors
// (RESTError, RateLimitError: what call and observeError read) are as for its methods, and
// reads the edited message back.
func (p *Platform) edit(endpoint, bucket string, body messageEdit, opts ...discordgo.RequestOption) (*discordgo.Message, error) {
	raw, err := p.session.RequestWithBucketID(http.MethodPatch, endpoint, body, bucket, opts...)
	if err != nil {
		return nil, err
	}
	var m discordgo.Message
	if err := discordgo.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("read the edited message: %w: %w", discordgo.ErrJSONUnmarshal, err)
	}
	return &m, nil
}

func (p *Platform) send(ctx context.Context, channel string, r rendered, reply *discordgo.MessageReference) (bot.MessageRef, error) {
	if reply != nil {
		noFail := false // a reply to a deleted message is still worth posting
		reply.FailIfNotExists = &noFail
	}
	data := &discordgo.MessageSend{Content: r.Content, Embeds: r.Embeds, Components: r.Components,
		AllowedMentions: r.AllowedMentions, Reference: reply}
	m, err := call(ctx, p, "send a message", func(opts ...discordgo.RequestOption) (*discordgo.Message, error) {
		return p.session.ChannelMessageSendComplex(channel, data, opts...)
	})
	if err != nil {
		return bot.MessageRef{}, fmt.Errorf("post to channel %s: %w", channel, err)
	}
	ref := bot.MessageRef{Platform: platformName, Channel: m.ChannelID, ID: m.ID}
	if ref.Channel == "" {
		ref.Channel = channel
	}
	if reply != nil {
		ref.Thread = reply.MessageID
	}
	return ref, nil
}

// postToEmail can't post: Discord shows bots nobody's address, so nobody can be found by
// one. The handlers post to a person's linked account instead (bot.Destination.Actor); this
// says why someone without one wasn't reached.
func (p *Platform) postToEmail(_ context.Context, email string, _ bot.Message, _ string) (bot.MessageRef, error) {
	return bot.MessageRef{}, fmt.Errorf("post to %s: no Discord account is linked to that address (they can link one with /%s link)", email, commandName)
}

// postDM opens (or finds) the DM channel with a user and posts there.
func (p *Platform) postDM(ctx context.Context, user string, msg bot.Message, lang string) (bot.MessageRef, error) {
	p.dmMu.Lock()
	channel, ok := p.dms[user]
	p.dmMu.Unlock()
	if !ok {
		ch, err := call(ctx, p, "open a DM", func(opts ...discordgo.RequestOption) (*discordgo.Channel, error) {
			return p.session.UserChannelCreate(user, opts...)
		})
		if err != nil {
			return bot.MessageRef{}, fmt.Errorf("open a DM with %s: %w", user, err)
		}
		channel = ch.ID
		p.dmMu.Lock()
		if len(p.dms) >= maxDMCache {
			clear(p.dms) // DM channel ids never change; forgetting them only costs a call
		}
		p.dms[user] = channel
		p.dmMu.Unlock()
	}
	ref, err := p.send(ctx, channel, render(msg, "", nil, lang), nil)
	if discordCode(err) == codeCannotMessageUser {
		return ref, fmt.Errorf("DM %s: they don't accept DMs from the bot (Discord 50007): %w", user, err)
	}
	return ref, err
}

const maxDMCache = 1000

// approverMentions names the approver roles at the head of an approval request (<@&id>),
// so that Discord notifies their members; allowed_mentions lets exactly these ping.
func (p *Platform) approverMentions() string {
	var out []string
	for _, r := range p.cfg.ApproverRoleIDs {
		out = append(out, "<@&"+r+">")
	}
	return strings.Join(out, " ")
}
