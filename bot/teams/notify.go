package teams

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/licensebot/licensebot/bot"
)

// The kinds of destinations, as Teams posts to them (bot.Posting). Messages nobody asked
// for (approval requests, outcomes, reminders) are proactive: they go to the tenant's
// service URL learned from a verified activity ("Send proactive messages",
// https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/send-proactive-messages),
// to the approvers' channel (the app installed in its team) or to a person's 1:1 chat,
// opened by their Teams id or Entra object id (the app installed for them).

// postThread replies under a message the bot posted (a channel's thread; in a 1:1 chat, a
// message after it).
func (p *Platform) postThread(ctx context.Context, under bot.MessageRef, msg bot.Message, lang string) (bot.MessageRef, error) {
	serviceURL, err := p.serviceURL(ctx)
	if err != nil {
		return bot.MessageRef{}, err
	}
	id, err := p.conn.send(ctx, serviceURL, under.Channel, under.ID, render(msg, lang))
	if err != nil {
		return bot.MessageRef{}, err
	}
	return bot.MessageRef{Platform: platformName, Channel: under.Channel, ID: id, Thread: under.ID}, nil
}

// postApprovers posts a new thread in the approvers' channel. Teams' channel posts mention
// nobody here: the channel's notification settings say who hears of them.
func (p *Platform) postApprovers(ctx context.Context, channel string, msg bot.Message, lang string) (bot.MessageRef, error) {
	serviceURL, err := p.serviceURL(ctx)
	if err != nil {
		return bot.MessageRef{}, err
	}
	id, err := p.conn.send(ctx, serviceURL, channel, "", render(msg, lang))
	if err != nil {
		return bot.MessageRef{}, fmt.Errorf("post to the approvers' channel: %w", err)
	}
	return bot.MessageRef{Platform: platformName, Channel: channel, ID: id}, nil
}

// errNoEmailLookup: Teams reaches a person by their Teams id or Entra object id; the bot
// has no directory to find one by an address.
var errNoEmailLookup = errors.New("Microsoft Teams reaches people by their Entra object id, and none was given with the address")

func (p *Platform) postEmail(context.Context, string, bot.Message, string) (bot.MessageRef, error) {
	return bot.MessageRef{}, errNoEmailLookup
}

// postEntra posts to a person's 1:1 chat, found by their Entra object id (an Entra manager).
func (p *Platform) postEntra(ctx context.Context, objectID string, msg bot.Message, lang string) (bot.MessageRef, error) {
	serviceURL, err := p.serviceURL(ctx)
	if err != nil {
		return bot.MessageRef{}, err
	}
	return p.sendPersonal(ctx, serviceURL, objectID, msg, lang)
}

// postDirect posts to a person's 1:1 chat, found by their Teams user id ("29:…").
func (p *Platform) postDirect(ctx context.Context, chatID string, msg bot.Message, lang string) (bot.MessageRef, error) {
	serviceURL, err := p.serviceURL(ctx)
	if err != nil {
		return bot.MessageRef{}, err
	}
	return p.sendPersonal(ctx, serviceURL, chatID, msg, lang)
}

// editMessage replaces a card the bot posted.
func (p *Platform) editMessage(ctx context.Context, ref bot.MessageRef, msg bot.Message, lang string) error {
	serviceURL, err := p.serviceURL(ctx)
	if err != nil {
		return err
	}
	return p.conn.update(ctx, serviceURL, ref.Channel, ref.ID, render(msg, lang))
}

// sendPersonal sends msg to the 1:1 chat of the bot with member (a Teams user id or an
// Entra object id), opened once and remembered a while.
func (p *Platform) sendPersonal(ctx context.Context, serviceURL, member string, msg bot.Message, lang string) (bot.MessageRef, error) {
	conversation, ok := p.chats.get(member)
	if !ok {
		var err error
		conversation, err = p.conn.personal(ctx, serviceURL, "28:"+p.cfg.AppID, member, p.cfg.TenantID)
		if err != nil {
			return bot.MessageRef{}, fmt.Errorf("open the 1:1 chat (is the app installed for the person?): %w", err)
		}
		p.chats.put(member, conversation)
	}
	id, err := p.conn.send(ctx, serviceURL, conversation, "", render(msg, lang))
	if err != nil {
		return bot.MessageRef{}, err
	}
	return bot.MessageRef{Platform: platformName, Channel: conversation, ID: id}, nil
}

// chatCache remembers people's 1:1 conversations for a while (Teams answers the same one
// each time; remembering saves a call per message).
type chatCache struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string]chatEntry
}

type chatEntry struct {
	conversation string
	at           time.Time
}

const (
	chatTTL   = time.Hour
	chatLimit = 5000
)

func newChatCache(now func() time.Time) *chatCache {
	return &chatCache{now: now, m: map[string]chatEntry{}}
}

func (c *chatCache) get(member string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[member]
	if !ok || c.now().Sub(e.at) > chatTTL {
		return "", false
	}
	return e.conversation, true
}

func (c *chatCache) put(member, conversation string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= chatLimit {
		clear(c.m)
	}
	c.m[member] = chatEntry{conversation: conversation, at: c.now()}
}
