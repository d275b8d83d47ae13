package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/licensebot/licensebot/bot"
)

// Discord waits 3 seconds for the answer to an interaction, and Graph and Redis may take
// longer; so an interaction for licensebot's work is recorded in the inbox and answered
// with a deferral (bot.Inbound: 5 for a command, "thinking…", private; 6 for a click,
// nothing visible), and the work runs after it and delivers the reply through the
// interaction token: edit @original (the deferred reply, or the clicked message), or a
// follow-up. Both transports (gateway, HTTP) hand their interactions to receive; what is
// recorded is the interaction without its token, which goes in the delivery's Reply.

// ackBudget bounds what runs before the ack over the gateway (the autocomplete's product
// list, the ack's REST call), leaving a second of Discord's three for the network.
const ackBudget = 2 * time.Second

// tokenLifetime is how long an interaction token may be used: "Interaction tokens are valid
// for 15 minutes" (https://discord.com/developers/docs/interactions/receiving-and-responding#followup-messages).
const tokenLifetime = 15 * time.Minute

// The kinds of Discord's deliveries.
const (
	kindCommand = "command"
	kindClick   = "click"
)

// respond sends the immediate answer to an interaction on its transport; nil means the
// interaction is a repeat, answered with nothing (HTTP: 409).
type respond func(*discordgo.InteractionResponse) error

// receive answers an interaction: at once when it needs no work (PING, autocomplete,
// anything not licensebot's), else by recording it and deferring. raw is the interaction
// as Discord sent it, i the same read.
func (p *Platform) receive(ctx context.Context, raw []byte, i *discordgo.Interaction, answer respond) error {
	lang := p.language(string(i.Locale))
	switch i.Type {
	case discordgo.InteractionPing:
		return answer(&discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong})
	case discordgo.InteractionApplicationCommandAutocomplete:
		return answer(p.autocomplete(ctx, i))
	case discordgo.InteractionApplicationCommand, discordgo.InteractionMessageComponent:
	default:
		return answer(ephemeralResponse(msgUnknown(lang), lang))
	}
	if _, ok := personOf(i); !ok || i.Token == "" {
		return answer(ephemeralResponse(msgUnknown(lang), lang))
	}
	payload, err := bot.WithoutFields(raw, "token")
	if err != nil {
		return fmt.Errorf("interaction not readable: %w", err)
	}
	d := bot.Delivery{Kind: kindClick, Key: "discord:interaction:" + i.ID, Payload: payload, Reply: bot.Secret(i.Token)}
	deferral := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}
	if i.Type == discordgo.InteractionApplicationCommand {
		d.Kind, d.Quick = kindCommand, p.quick(i)
		deferral = &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral},
		}
	}
	p.in.Receive(ctx, d, func(r bot.Receipt) (bool, error) {
		switch r {
		case bot.Repeated:
			return false, answer(nil)
		case bot.Unrecorded:
			// Fail closed: nothing is done, and the person is told so, in the ack.
			return true, answer(ephemeralResponse(bot.Unavailable(lang), lang))
		}
		return false, answer(deferral)
	})
	return nil
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

// quick reports whether a command is answered from a few reads (bot.Options.Quick).
func (p *Platform) quick(i *discordgo.Interaction) bool {
	if p.cfg.Quick == nil {
		return false
	}
	inv, err := readInvocation(i.ApplicationCommandData())
	if err != nil {
		return true // answered with "I didn't understand" at once
	}
	a, err := args(inv, p.language(string(i.Locale)))
	return err != nil || p.in.Quick(bot.Command{Args: &a})
}

// open reads a recorded interaction back (bot.Wire.Open), with its token, usable for 15
// minutes from the interaction's arrival.
func (p *Platform) open(_ context.Context, d bot.Delivery) (bot.Exchange, error) {
	var i discordgo.Interaction
	if err := json.Unmarshal(d.Payload, &i); err != nil {
		return nil, fmt.Errorf("read a recorded interaction: %w", err)
	}
	want := discordgo.InteractionMessageComponent
	if d.Kind == kindCommand {
		want = discordgo.InteractionApplicationCommand
	}
	if i.Type != want {
		return nil, fmt.Errorf("read a recorded interaction: a %s of type %d", d.Kind, i.Type)
	}
	i.Token = d.Reply.Reveal()
	if i.AppID == "" {
		// Without it follow-ups would go to /webhooks//{token}.
		i.AppID = p.cfg.ApplicationID
	}
	x := &exchange{p: p, i: &i, key: d.Key, expires: d.Received.Add(tokenLifetime)}
	x.who, _ = personOf(&i)
	if d.Kind == kindCommand {
		x.inv, x.invErr = readInvocation(i.ApplicationCommandData())
	} else {
		x.action, x.value = parseCustomID(i.MessageComponentData().CustomID)
	}
	return x, nil
}

// exchange is an interaction being worked on.
type exchange struct {
	p       *Platform
	i       *discordgo.Interaction
	key     string
	expires time.Time // when the token stops working
	who     person

	inv    invocation // a command's
	invErr error
	action string // a click's
	value  string
}

func (x *exchange) isCommand() bool { return x.i.Type == discordgo.InteractionApplicationCommand }

// Locale: every interaction carries the person's (e.g. "tr" or "en-US").
func (x *exchange) Locale() string { return string(x.i.Locale) }

// Early answers a command Discord delivered in a shape licensebot doesn't know.
func (x *exchange) Early(lang string) (bot.Message, bool) {
	if x.isCommand() && x.invErr != nil {
		x.p.log.Warn("command not readable", "err", x.invErr)
		return msgUnknown(lang), true
	}
	return bot.Message{}, false
}

// Identify says who the person is on Discord: their account, without an address (Discord
// shows bots none); the handlers find their Entra user through the account's link.
func (x *exchange) Identify(context.Context) (bot.Actor, error) {
	return actor(x.i, x.who), nil
}

func (x *exchange) Handle(ctx context.Context, h bot.Handler, who bot.Actor) bot.Reply {
	lang := x.p.language(who.Locale)
	if !x.isCommand() {
		return h.HandleClick(ctx, bot.Click{Actor: who, Action: x.action, Value: x.value, Message: clickedMessage(x.i)})
	}
	a, err := args(x.inv, lang)
	if err != nil {
		return bot.Reply{Message: bot.Message{Text: err.Error()}}
	}
	return h.HandleCommand(ctx, bot.Command{Actor: who, Text: asked(x.inv), Args: &a, Channel: x.i.ChannelID, DeliveryID: x.key})
}

// Answer: the answer to a command is always the caller's own, the deferred ephemeral
// reply; a click's, as answerClick says.
func (x *exchange) Answer(ctx context.Context, r bot.Reply, lang string) {
	if !x.isCommand() {
		x.answerClick(ctx, r, lang)
		return
	}
	if err := x.editOriginal(ctx, r.Message, lang); err != nil {
		x.p.log.ErrorContext(ctx, "answer to a command lost", "interaction", x.i.ID, "err", err)
	}
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
// token fail (or be past its 15 minutes). Any other answer goes to the clicker alone, as
// an ephemeral follow-up. lang is the language of the platform's own words in it.
func (x *exchange) answerClick(ctx context.Context, reply bot.Reply, lang string) {
	p, i := x.p, x.i
	if !reply.Replace {
		if err := x.followup(ctx, reply.Message, lang); err != nil {
			p.log.ErrorContext(ctx, "answer to a click lost", "interaction", i.ID, "err", err)
		}
		return
	}
	err := x.editOriginal(ctx, reply.Message, lang)
	if err == nil {
		return
	}
	ref := clickedMessage(i)
	if i.Message != nil && i.Message.Flags&discordgo.MessageFlagsEphemeral == 0 && ref.Channel != "" && ref.ID != "" {
		p.log.WarnContext(ctx, "edit of the clicked message through the token failed; editing it as the bot", "err", err)
		err = p.UpdateIn(ctx, ref, reply.Message, lang)
	}
	if err != nil {
		p.log.ErrorContext(ctx, "replace the clicked message", "interaction", i.ID, "err", err)
	}
}

// errTokenExpired says that an interaction's token was not used: its 15 minutes are over
// (a delivery taken over late). Nothing was sent, so it is no failure of Discord's.
var errTokenExpired = errors.New("the interaction token's 15 minutes are over")

// token is the interaction's token while it may be used.
func (x *exchange) token() error {
	if !x.p.cfg.Now().Before(x.expires) {
		return errTokenExpired
	}
	return nil
}

// editOriginal edits the interaction's @original message: the deferred reply of a command,
// or the message a button was on.
func (x *exchange) editOriginal(ctx context.Context, m bot.Message, lang string) error {
	if err := x.token(); err != nil {
		return err
	}
	p, i := x.p, x.i
	body := editOf(render(m, "", nil, lang))
	// The bucket is the one discordgo's InteractionResponseEdit uses: all webhooks' one.
	endpoint, bucket := discordgo.EndpointWebhookMessage(i.AppID, i.Token, "@original"), discordgo.EndpointWebhookToken("", "")
	return p.afterAck(ctx, func() error {
		_, err := call(ctx, p, "edit the original response", func(opts ...discordgo.RequestOption) (*discordgo.Message, error) {
			return p.edit(endpoint, bucket, body, opts...)
		})
		return err
	})
}

// followup sends a new ephemeral message to the person who interacted.
func (x *exchange) followup(ctx context.Context, m bot.Message, lang string) error {
	if err := x.token(); err != nil {
		return err
	}
	return x.p.followup(ctx, x.i, m, lang)
}

// followup sends a new ephemeral message through an interaction's token.
func (p *Platform) followup(ctx context.Context, i *discordgo.Interaction, m bot.Message, lang string) error {
	r := render(m, "", nil, lang)
	params := &discordgo.WebhookParams{Content: r.Content, Embeds: r.Embeds, Components: r.Components,
		AllowedMentions: r.AllowedMentions, Flags: discordgo.MessageFlagsEphemeral}
	return p.afterAck(ctx, func() error {
		_, err := call(ctx, p, "follow-up", func(opts ...discordgo.RequestOption) (*discordgo.Message, error) {
			return p.session.FollowupMessageCreate(i, true, params, opts...)
		})
		return err
	})
}

// afterAckWaits are the pauses before sending again what Discord refused as Unknown
// Webhook or Unknown Message: an interaction's token works only once Discord has taken in
// the acknowledgement (our HTTP answer), and quick work can overtake it. Nothing was
// created by the refused call, so sending again makes no duplicate.
var afterAckWaits = []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second}

// afterAck runs send, and again after each of afterAckWaits while Discord doesn't know
// the interaction yet.
func (p *Platform) afterAck(ctx context.Context, send func() error) error {
	err := send()
	for _, wait := range afterAckWaits {
		if code := discordCode(err); err == nil || (code != codeUnknownWebhook && code != codeUnknownMessage) {
			break
		}
		if p.cfg.Sleep(ctx, wait) != nil {
			break
		}
		err = send()
	}
	return err
}

// Discord's JSON error codes that the platform acts on
// (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes).
const (
	codeUnknownMessage    = 10008
	codeUnknownWebhook    = 10015
	codeCannotMessageUser = 50007
)
