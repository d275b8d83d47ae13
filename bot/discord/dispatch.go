package discord

import (
	"context"
	"errors"

	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/licensebot/licensebot/bot"
)

// Discord waits 3 seconds for the answer to an interaction, and Graph and Redis may take
// longer; so the answer is a deferral, sent at once (5 for a command, "thinking…", private;
// 6 for a click, nothing visible), and the work runs after it, on its own context, and
// delivers the reply through the interaction token: edit @original (the deferred reply, or
// the clicked message), or a follow-up. Both transports (gateway, HTTP) do the same through
// route.

// The actions of licensebot's own buttons, beside the handlers' (handlers/buttons.go).
const (
	actionLinkApprove = "link-approve"
	actionLinkDeny    = "link-deny"
)

// ackBudget bounds what runs before the ack (the dedupe claim, the autocomplete's product
// list), leaving a second of Discord's three for the network.
const ackBudget = 2 * time.Second

// delivery is what to do with an interaction: the immediate answer (nil: none, the
// interaction is a duplicate) and the work after it (nil: none).
type delivery struct {
	ack  *discordgo.InteractionResponse
	work func(ctx context.Context)
	// quick: the work answers from a few reads (Config.Quick) and runs in slots of its own.
	quick bool
}

// route decides the immediate answer to an interaction and the work that follows it.
func (p *Platform) route(ctx context.Context, i *discordgo.Interaction) delivery {
	lang := p.language(string(i.Locale))
	switch i.Type {
	case discordgo.InteractionPing:
		return delivery{ack: &discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong}}
	case discordgo.InteractionApplicationCommandAutocomplete:
		return delivery{ack: p.autocomplete(ctx, i)}
	case discordgo.InteractionApplicationCommand, discordgo.InteractionMessageComponent:
	default:
		return delivery{ack: ephemeralResponse(msgUnknown(lang), lang)}
	}
	if _, ok := personOf(i); !ok || i.Token == "" {
		return delivery{ack: ephemeralResponse(msgUnknown(lang), lang)}
	}
	if i.AppID == "" {
		// Without it follow-ups would go to /webhooks//{token}.
		i.AppID = p.cfg.ApplicationID
	}
	key := "discord:interaction:" + i.ID
	first, err := p.claim(ctx, key)
	switch {
	case err != nil:
		// Fail closed: nothing is done, and the user is told so.
		p.log.ErrorContext(ctx, "deduper failed: refusing the interaction", "interaction", i.ID, "err", err)
		return delivery{ack: ephemeralResponse(msgUnavailable(lang), lang)}
	case !first:
		p.log.InfoContext(ctx, "interaction already handled: ignoring this delivery", "interaction", i.ID)
		return delivery{}
	}
	if i.Type == discordgo.InteractionApplicationCommand {
		return delivery{
			ack: &discordgo.InteractionResponse{
				Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral},
			},
			work:  func(ctx context.Context) { p.runCommand(ctx, i, key) },
			quick: p.quick(i),
		}
	}
	return delivery{
		ack:  &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate},
		work: func(ctx context.Context) { p.runClick(ctx, i) },
	}
}

func (p *Platform) claim(ctx context.Context, key string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, ackBudget)
	defer cancel()
	return p.cfg.Deduper.Claim(ctx, key, dedupeTTL)
}

// ephemeralResponse answers an interaction at once with a private message, the platform's
// own words in it in lang.
func ephemeralResponse(m bot.Message, lang string) *discordgo.InteractionResponse {
	r := render(m, "", nil, lang)
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{
			Content: r.Content, Embeds: r.Embeds, Components: r.Components,
			AllowedMentions: r.AllowedMentions, Flags: discordgo.MessageFlagsEphemeral,
		},
	}
}

// goWork runs a delivery's work after the ack, in the platform's bounded background work:
// in its quick slots when the work is quick, so that it never waits behind plans.
func (p *Platform) goWork(parent context.Context, what string, d delivery) {
	if d.quick {
		p.work.GoQuick(parent, what, d.work)
		return
	}
	p.work.Go(parent, what, d.work)
}

// quick reports whether a command is answered from a few reads (Config.Quick), by the text
// the handlers will parse.
func (p *Platform) quick(i *discordgo.Interaction) bool {
	if p.cfg.Quick == nil {
		return false
	}
	inv, err := readInvocation(i.ApplicationCommandData())
	if err != nil {
		return true // answered with "I didn't understand" at once
	}
	text, err := commandText(inv, p.language(string(i.Locale)))
	return err != nil || p.cfg.Quick(text)
}

func (p *Platform) runCommand(ctx context.Context, i *discordgo.Interaction, key string) {
	lang := p.language(string(i.Locale))
	answer := func(m bot.Message) {
		if err := p.editOriginal(ctx, i, m, lang); err != nil {
			p.log.ErrorContext(ctx, "answer to a command lost", "interaction", i.ID, "err", err)
		}
	}
	inv, err := readInvocation(i.ApplicationCommandData())
	if err != nil {
		p.log.WarnContext(ctx, "command not readable", "err", err)
		answer(msgUnknown(lang))
		return
	}
	h := p.currentHandler()
	if h == nil {
		answer(msgNotReady(lang))
		return
	}
	who, _ := personOf(i)
	actor, mapped, err := p.actor(ctx, i, who)
	if err != nil {
		p.log.ErrorContext(ctx, "who is asking", "user", who.id, "err", err)
		answer(msgWhoAreYou(lang))
		return
	}
	switch {
	case inv.sub == subLink:
		answer(p.requestLink(ctx, who, inv.strings[optUPN], string(i.Locale)))
		return
	case !mapped && inv.sub != subHelp:
		answer(msgLinkFirst(lang))
		return
	}
	text, err := commandText(inv, lang)
	if err != nil {
		var r refusal
		if !errors.As(err, &r) {
			p.log.ErrorContext(ctx, "translate the command", "err", err)
		}
		answer(bot.Message{Text: err.Error()})
		return
	}
	reply := bot.Safely(ctx, p.log, "command", msgFailed(lang), func() bot.Reply {
		return h.HandleCommand(ctx, bot.Command{Actor: actor, Text: text, Channel: i.ChannelID, DeliveryID: key})
	})
	// The answer to a command is always the caller's own: the deferred ephemeral reply.
	answer(reply.Message)
}

func (p *Platform) runClick(ctx context.Context, i *discordgo.Interaction) {
	data := i.MessageComponentData()
	action, value := parseCustomID(data.CustomID)
	who, _ := personOf(i)
	lang := p.language(string(i.Locale))
	if action == actionLinkApprove || action == actionLinkDeny {
		p.decideLink(ctx, i, who, action == actionLinkApprove, value, lang)
		return
	}
	h := p.currentHandler()
	if h == nil {
		p.answerClick(ctx, i, bot.Reply{Message: msgNotReady(lang)}, lang)
		return
	}
	actor, mapped, err := p.actor(ctx, i, who)
	if err != nil {
		p.log.ErrorContext(ctx, "who is clicking", "user", who.id, "err", err)
		p.answerClick(ctx, i, bot.Reply{Message: msgWhoAreYou(lang)}, lang)
		return
	}
	if !mapped {
		p.answerClick(ctx, i, bot.Reply{Message: msgLinkFirst(lang)}, lang)
		return
	}
	click := bot.Click{Actor: actor, Action: action, Value: value, Message: clickedMessage(i)}
	reply := bot.Safely(ctx, p.log, "click", msgFailed(lang), func() bot.Reply {
		return h.HandleClick(ctx, click)
	})
	p.answerClick(ctx, i, reply, lang)
}

// clickedMessage is the message the button was on.
func clickedMessage(i *discordgo.Interaction) bot.MessageRef {
	ref := bot.MessageRef{Platform: platformName, Channel: i.ChannelID}
	if i.Message != nil {
		ref.ID = i.Message.ID
		if i.Message.ChannelID != "" {
			ref.Channel = i.Message.ChannelID
		}
	}
	return ref
}

// answerClick delivers the answer to a press. A replacing answer takes the place of the
// message the button was on, through the token's @original (for a component interaction,
// the clicked message): the only way to change an ephemeral message (the plan is one), and
// the bot's own channel messages can also be edited with ChannelMessageEdit should the
// token fail. Any other answer goes to the clicker alone, as an ephemeral follow-up. lang is
// the language of the platform's own words in it.
func (p *Platform) answerClick(ctx context.Context, i *discordgo.Interaction, reply bot.Reply, lang string) {
	if !reply.Replace {
		if err := p.followup(ctx, i, reply.Message, lang); err != nil {
			p.log.ErrorContext(ctx, "answer to a click lost", "interaction", i.ID, "err", err)
		}
		return
	}
	err := p.editOriginal(ctx, i, reply.Message, lang)
	if err == nil {
		return
	}
	ref := clickedMessage(i)
	if i.Message != nil && i.Message.Flags&discordgo.MessageFlagsEphemeral == 0 && ref.Channel != "" && ref.ID != "" {
		p.log.WarnContext(ctx, "edit of the clicked message through the token failed; editing it as the bot", "err", err)
		err = p.update(ctx, ref, reply.Message, lang)
	}
	if err != nil {
		p.log.ErrorContext(ctx, "replace the clicked message", "interaction", i.ID, "err", err)
	}
}

// editOriginal edits the interaction's @original message: the deferred reply of a command,
// or the message a button was on. Discord may not have taken the ack in yet when the work
// is quick (Unknown Webhook / Unknown Message), so that is tried again once, shortly after.
func (p *Platform) editOriginal(ctx context.Context, i *discordgo.Interaction, m bot.Message, lang string) error {
	body := editOf(render(m, "", nil, lang))
	// The bucket is the one discordgo's InteractionResponseEdit uses: all webhooks' one.
	endpoint, bucket := discordgo.EndpointWebhookMessage(i.AppID, i.Token, "@original"), discordgo.EndpointWebhookToken("", "")
	var err error
	for attempt := range 2 {
		_, err = call(ctx, p, "edit the original response", func(opts ...discordgo.RequestOption) (*discordgo.Message, error) {
			return p.edit(endpoint, bucket, body, opts...)
		})
		if code := discordCode(err); err == nil || attempt > 0 || (code != codeUnknownWebhook && code != codeUnknownMessage) {
			break
		}
		if p.cfg.Sleep(ctx, 250*time.Millisecond) != nil {
			break
		}
	}
	return err
}

// followup sends a new ephemeral message to the person who interacted.
func (p *Platform) followup(ctx context.Context, i *discordgo.Interaction, m bot.Message, lang string) error {
	r := render(m, "", nil, lang)
	params := &discordgo.WebhookParams{Content: r.Content, Embeds: r.Embeds, Components: r.Components,
		AllowedMentions: r.AllowedMentions, Flags: discordgo.MessageFlagsEphemeral}
	_, err := call(ctx, p, "follow-up", func(opts ...discordgo.RequestOption) (*discordgo.Message, error) {
		return p.session.FollowupMessageCreate(i, true, params, opts...)
	})
	return err
}

// Discord's JSON error codes that the platform acts on
// (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes).
const (
	codeUnknownMessage    = 10008
	codeUnknownWebhook    = 10015
	codeCannotMessageUser = 50007
)

// requestLink files /unassign link <upn> and posts it to the approvers. locale is the
// requester's, kept with the request so that the outcome reaches them in their language.
func (p *Platform) requestLink(ctx context.Context, who person, upn, locale string) bot.Message {
	lang := p.language(locale)
	upn = strings.TrimSpace(upn)
	if !isAddress(upn) {
		return msgNotAnAddress(lang, upn)
	}
	if fixed, ok := p.cfg.UserMap[who.id]; ok {
		return msgFixedMapping(lang, fixed)
	}
	if p.cfg.ApprovalChannelID == "" {
		return msgNoApprovalChannel(lang)
	}
	r, err := p.links.request(ctx, who.id, who.name, upn, locale)
	if err != nil {
		p.log.ErrorContext(ctx, "file a link request", "user", who.id, "err", err)
		return msgUnavailable(lang)
	}
	if _, err := p.Post(ctx, bot.Destination{Approvers: true}, linkApproval(p.language(""), r)); err != nil {
		p.log.ErrorContext(ctx, "post a link request to the approvers", "request", r.ID, "err", err)
		return msgUnavailable(lang)
	}
	p.log.InfoContext(ctx, "link requested", "request", r.ID, "user", who.id, "upn", upn)
	return msgLinkRequested(lang, upn)
}

// decideLink answers [Approve link] / [Deny link]: only an approver-role member, never the
// requester, and only once (the record's compare-and-set); an approval links the account.
// lang is the clicker's language.
func (p *Platform) decideLink(ctx context.Context, i *discordgo.Interaction, who person, approve bool, id, lang string) {
	tell := func(m bot.Message) { p.answerClick(ctx, i, bot.Reply{Message: m}, lang) }
	if !validRequestID(id) {
		tell(msgLinkUnknown(lang))
		return
	}
	if !p.isLinkApprover(who) {
		tell(msgNotLinkApprover(lang))
		return
	}
	r, st, err := p.links.pending(ctx, id)
	if err == nil && r.DiscordID == who.id {
		tell(msgOwnLink(lang))
		return
	}
	if err == nil {
		r, err = p.links.decide(ctx, r, st, approve, who.id)
	}
	switch {
	case errors.Is(err, errLinkUnknown):
		tell(msgLinkUnknown(lang))
		return
	case errors.Is(err, errLinkExpired):
		tell(msgLinkExpired(lang))
		return
	case errors.Is(err, errLinkDecided):
		tell(msgLinkDecided(lang, r.State))
		return
	case err != nil:
		p.log.ErrorContext(ctx, "decide a link request", "request", id, "err", err)
		tell(msgUnavailable(lang))
		return
	}
	if r.State == stateApproved {
		if err := p.links.set(ctx, r.DiscordID, r.UPN, who.id); err != nil {
			// Approved but not stored: the person is told nothing, and asks again.
			p.log.ErrorContext(ctx, "store an approved link", "request", id, "err", err)
			tell(msgUnavailable(lang))
			return
		}
	}
	p.log.InfoContext(ctx, "link decided", "request", id, "state", r.State, "user", r.DiscordID, "upn", r.UPN, "by", who.id)
	// The request's message is the approval channel's: it stays in the configured language.
	shared := p.language("")
	p.answerClick(ctx, i, bot.Reply{Message: linkDecision(shared, r, who.name), Replace: true}, shared)
	requester := bot.Actor{Platform: platformName, ChatID: r.DiscordID, Name: r.Name, Locale: r.Locale}
	if _, err := p.Post(ctx, bot.Destination{Actor: &requester}, linkOutcome(p.language(r.Locale), r)); err != nil {
		p.log.WarnContext(ctx, "tell the requester about their link", "request", id, "err", err)
	}
}
