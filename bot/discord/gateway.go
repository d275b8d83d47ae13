package discord

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"
)

// RunGateway connects to Discord's gateway as the bot and answers interactions from it
// until ctx ends. discordgo keeps the connection (heartbeats, resumes, reconnects); each
// INTERACTION_CREATE reaches onInteraction on a goroutine of its own, which acks through
// the callback endpoint at once and leaves the work to goWork. With one token, every
// running gateway session receives every interaction, so replicas need a shared Deduper:
// the second ack would fail with 40060, and the work would run twice.
func (p *Platform) RunGateway(ctx context.Context) error {
	remove := p.session.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
		if ic.Interaction != nil {
			p.onInteraction(ctx, ic.Interaction)
		}
	})
	defer remove()
	if err := p.session.Open(); err != nil {
		return fmt.Errorf("open the Discord gateway: %w", err)
	}
	p.log.InfoContext(ctx, "connected to the Discord gateway")
	<-ctx.Done()
	if err := p.session.Close(); err != nil {
		return fmt.Errorf("close the Discord gateway: %w", err)
	}
	return nil
}

// onInteraction answers one interaction from the gateway.
func (p *Platform) onInteraction(ctx context.Context, i *discordgo.Interaction) {
	d := p.route(ctx, i)
	if d.ack == nil || i.Type == discordgo.InteractionPing {
		return // a duplicate; PING comes over HTTP only
	}
	ackCtx, cancel := context.WithTimeout(ctx, ackBudget)
	defer cancel()
	err := call0(ackCtx, p, "ack the interaction", func(opts ...discordgo.RequestOption) error {
		return p.session.InteractionRespond(i, d.ack, opts...)
	})
	if err != nil {
		// Unknown interaction (10062): too late, or answered by another session; either
		// way its token is no good for the reply.
		p.log.ErrorContext(ctx, "ack of an interaction failed: not acting on it", "interaction", i.ID, "code", discordCode(err), "err", err)
		return
	}
	if d.work != nil {
		p.goWork(ctx, interactionKind(i.Type), d.work)
	}
}
