package main

import (
	"context"
	"fmt"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/handlers"
)

// platforms sends each message to the chat platform it belongs to, so that a request made
// in Slack can be approved from Discord and the other way round: approval requests go to
// every platform's approvers, replies and edits to the platform of the person or message.
type platforms struct {
	order  []string // the first is the default
	byName map[string]handlers.Notifier
}

func (p *platforms) add(name string, n handlers.Notifier) {
	if p.byName == nil {
		p.byName = map[string]handlers.Notifier{}
	}
	p.order = append(p.order, name)
	p.byName[name] = n
}

func (p *platforms) pick(name string) (handlers.Notifier, error) {
	if name == "" && len(p.order) > 0 {
		name = p.order[0]
	}
	n, ok := p.byName[name]
	if !ok {
		return nil, fmt.Errorf("no chat platform %q is configured", name)
	}
	return n, nil
}

func (p *platforms) Post(ctx context.Context, to bot.Destination, msg bot.Message) (bot.MessageRef, error) {
	name := to.Platform
	switch {
	case name != "":
	case to.Thread != nil:
		name = to.Thread.Platform
	case to.Actor != nil:
		name = to.Actor.Platform
	}
	n, err := p.pick(name)
	if err != nil {
		return bot.MessageRef{}, err
	}
	return n.Post(ctx, to, msg)
}

// EditsPerMinute is handlers.EditRates: the platform's own rate of edits, when it says one.
func (p *platforms) EditsPerMinute(platform string) int {
	n, err := p.pick(platform)
	if err != nil {
		return 0
	}
	if r, ok := n.(interface{ EditsPerMinute() int }); ok {
		return r.EditsPerMinute()
	}
	return 0
}

func (p *platforms) Update(ctx context.Context, ref bot.MessageRef, msg bot.Message) error {
	n, err := p.pick(ref.Platform)
	if err != nil {
		return err
	}
	return n.Update(ctx, ref, msg)
}
