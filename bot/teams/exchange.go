package teams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/locale"
)

// errNoEntraID: the activity names no Entra user (a guest from another tenant, an
// anonymous meeting participant): licensebot can't say who is acting.
var errNoEntraID = errors.New("the activity names no Microsoft Entra object id (from.aadObjectId)")

// open reads a recorded activity back (bot.Wire.Open).
func (p *Platform) open(_ context.Context, d bot.Delivery) (bot.Exchange, error) {
	var a Activity
	if err := json.Unmarshal(d.Payload, &a); err != nil {
		return nil, fmt.Errorf("read a recorded activity: %w", err)
	}
	if a.From == nil || a.Conversation == nil {
		return nil, errors.New("read a recorded activity: no sender or conversation")
	}
	x := &exchange{p: p, a: &a, key: d.Key}
	switch d.Kind {
	case kindCommand:
		if a.Type != typeMessage {
			return nil, fmt.Errorf("read a recorded activity: a %s of type %q", d.Kind, a.Type)
		}
		x.text, x.isCommand = command(&a)
	case kindClick:
		if a.Type != typeInvoke || a.Name != invokeCardAction {
			return nil, fmt.Errorf("read a recorded activity: a %s of type %q", d.Kind, a.Type)
		}
		var v cardAction
		if err := json.Unmarshal(a.Value, &v); err != nil {
			return nil, fmt.Errorf("read a recorded press: %w", err)
		}
		var data struct {
			Value string `json:"value"`
		}
		// The data is only ever a key to look up (bot.Click.Value): anything else in it is ignored.
		_ = json.Unmarshal(v.Action.Data, &data)
		x.click, x.verb, x.value = true, v.Action.Verb, data.Value
	default:
		return nil, fmt.Errorf("read a recorded activity: kind %q", d.Kind)
	}
	return x, nil
}

// exchange is an activity being worked on.
type exchange struct {
	p   *Platform
	a   *Activity
	key string

	membersOnce sync.Once // the conversation's members, read for the first mention asked
	members     []Account
	membersErr  error

	text      string // a command's, after the command word
	isCommand bool
	click     bool
	verb      string
	value     string
}

// Locale: every activity carries the person's Teams locale ("en-US", "tr-TR").
func (x *exchange) Locale() string { return x.a.Locale }

// Early answers a message to the bot that isn't a command with how to ask for help.
func (x *exchange) Early(lang string) (bot.Message, bool) {
	if !x.click && !x.isCommand {
		return bot.Message{Text: locale.For(lang).T("teams.hint", "Command", commandWord)}, true
	}
	return bot.Message{}, false
}

// Identify: Teams vouches for the person's Entra object id (from.aadObjectId) in a signed
// activity of the tenant licensebot serves (checked on receipt), so the handlers know them
// by it: no link and no e-mail address needed. It is their chat id too: the "29:…" id Teams
// gives a bot is pairwise (another bot sees another) and long, while the object id is the
// same everywhere, a short key for links and sign-ins, and reaches them in a 1:1 chat.
func (x *exchange) Identify(context.Context) (bot.Actor, error) {
	from := x.a.From
	if strings.TrimSpace(from.AADObjectID) == "" {
		return bot.Actor{}, errNoEntraID
	}
	return bot.Actor{
		Platform:  platformName,
		ChatID:    from.AADObjectID,
		Name:      oneLine(from.Name, 100),
		EntraID:   from.AADObjectID,
		Locale:    x.a.Locale,
		Workspace: strings.ToLower(tenantOf(x.a)),
	}, nil
}

func (x *exchange) Handle(ctx context.Context, h bot.Handler, who bot.Actor) bot.Reply {
	if x.click {
		return h.HandleClick(ctx, bot.Click{Actor: who, Action: x.verb, Value: x.value, Message: x.pressed()})
	}
	cmd := bot.Command{Actor: who, Text: x.text, Channel: baseConversation(x.a.Conversation.ID), DeliveryID: x.key}
	if people := mentioned(x.a); len(people) > 0 {
		cmd.Mentions = func(ctx context.Context, word string) (string, bool) { return x.mentionedAddress(ctx, people, word) }
	}
	return h.HandleCommand(ctx, cmd)
}

// mentionedAddress is the work address of a colleague the command mentions: Teams' member
// record in this conversation (its userPrincipalName, else its email), asked for only when
// the handlers have authorized the caller.
func (x *exchange) mentionedAddress(ctx context.Context, people map[string]string, word string) (string, bool) {
	id, ok := people[word]
	if !ok {
		return "", false
	}
	// One read of the members for all the mentions of a command.
	x.membersOnce.Do(func() {
		x.members, x.membersErr = x.p.conn.members(ctx, x.a.ServiceURL, baseConversation(x.a.Conversation.ID))
	})
	if x.membersErr != nil {
		x.p.log.WarnContext(ctx, "read a conversation's members for a mention", "err", x.membersErr)
		return "", false
	}
	for _, m := range x.members {
		if m.ID == id {
			return firstOf(m.UserPrincipalName, m.Email), firstOf(m.UserPrincipalName, m.Email) != ""
		}
	}
	return "", false
}

func firstOf(values ...string) string {
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// pressed is the message whose card was pressed: the invoke's replyToId, in the
// conversation it was posted to (a channel's, without the thread's ";messageid=").
func (x *exchange) pressed() bot.MessageRef {
	return bot.MessageRef{Platform: platformName, Channel: baseConversation(x.a.Conversation.ID), ID: x.a.ReplyToID}
}

// baseConversation is a conversation id without the thread part a channel's activities
// carry ("19:…@thread.tacv2;messageid=…"): the channel, as licensebot posts to it.
func baseConversation(id string) string {
	base, _, _ := strings.Cut(id, ";messageid=")
	return base
}

// Answer delivers the reply through the connector, at the serviceUrl of this verified
// activity. A command's answer names users and licenses, so in a channel or group chat it
// goes to the person's 1:1 chat with the bot, with a note in the thread where they asked;
// a press's answer replaces the pressed card in place (Replace), or goes to the presser's
// 1:1 chat.
func (x *exchange) Answer(ctx context.Context, r bot.Reply, lang string) {
	p, a := x.p, x.a
	var err error
	switch {
	case x.click && r.Replace && a.ReplyToID != "":
		err = p.conn.update(ctx, a.ServiceURL, baseConversation(a.Conversation.ID), a.ReplyToID, render(r.Message, lang))
	case a.Conversation.ConversationType == conversationPersonal:
		_, err = p.conn.send(ctx, a.ServiceURL, a.Conversation.ID, "", render(r.Message, lang))
	default:
		err = x.answerPrivately(ctx, r.Message, lang)
	}
	if err != nil {
		p.log.ErrorContext(ctx, "answer lost", "delivery", x.key, "err", err)
	}
}

// answerPrivately sends m to the person's 1:1 chat with the bot and, for a command, says so
// where they asked. When the bot can't open that chat (not installed for them), the answer
// goes where they asked instead: they chose to ask there.
func (x *exchange) answerPrivately(ctx context.Context, m bot.Message, lang string) error {
	p, a := x.p, x.a
	_, err := p.sendPersonal(ctx, a.ServiceURL, a.From.ID, m, lang)
	if err != nil {
		p.log.WarnContext(ctx, "answer in the 1:1 chat failed: answering where the person asked", "delivery", x.key, "err", err)
		_, err = p.conn.send(ctx, a.ServiceURL, a.Conversation.ID, "", render(m, lang))
		return err
	}
	if x.click {
		return nil
	}
	note := bot.Message{Text: locale.For(lang).T("teams.answered_privately")}
	_, err = p.conn.send(ctx, a.ServiceURL, a.Conversation.ID, "", render(note, lang))
	return err
}
