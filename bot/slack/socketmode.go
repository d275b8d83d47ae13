package slack

import (
	"context"
	"errors"
	"fmt"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// RunSocketMode receives commands and clicks over Socket Mode (apps.connections.open with
// the app-level token, then a WebSocket) until ctx ends; slack-go reconnects when Slack asks
// it to. One loop with
// one switch: registering a general and a specific slash-command handler in slack-go's
// SocketmodeHandler would run both for /unassign. Each envelope is recorded in the inbox
// before it is acked, like an HTTP delivery.
func (p *Platform) RunSocketMode(ctx context.Context) error {
	if p.cfg.AppToken == "" {
		return errors.New("slack: Socket Mode needs the app-level token (xapp-…)")
	}
	if p.in.Handler() == nil {
		return errors.New("slack: SetHandler before RunSocketMode")
	}
	client := socketmode.New(p.newAPI(slackapi.OptionAppLevelToken(p.cfg.AppToken)))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- client.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			<-done
			return nil
		case err := <-done:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("slack Socket Mode: %w", err)
		case evt := <-client.Events:
			p.onSocketEvent(ctx, client, evt)
		}
	}
}

func (p *Platform) onSocketEvent(ctx context.Context, client *socketmode.Client, evt socketmode.Event) {
	ack := func(payload ...any) {
		if evt.Request == nil {
			return
		}
		if err := client.Ack(*evt.Request, payload...); err != nil {
			p.log.ErrorContext(ctx, "Socket Mode ack failed", "envelope", evt.Request.EnvelopeID, "err", err)
		}
	}
	retry := 0
	if evt.Request != nil {
		retry = evt.Request.RetryAttempt
	}
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slackapi.SlashCommand)
		if !ok {
			ack()
			return
		}
		p.receiveCommand(ctx, cmd, retry, func(working responseMessage) error {
			ack(working)
			return nil
		})
	case socketmode.EventTypeInteractive:
		if evt.Request == nil {
			return
		}
		// The envelope's payload is the interaction as Slack sent it, what InteractionsHandler
		// reads from its form.
		if err := p.receiveClick(ctx, evt.Request.Payload, retry, func() error { ack(); return nil }); err != nil {
			p.log.WarnContext(ctx, "interaction not readable", "err", err)
			ack()
		}
	case socketmode.EventTypeEventsAPI:
		ack() // not subscribed to events; acked so Slack doesn't retry them
	case socketmode.EventTypeConnected:
		p.log.InfoContext(ctx, "Slack Socket Mode connected")
	case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError, socketmode.EventTypeErrorBadMessage, socketmode.EventTypeErrorWriteFailed:
		p.log.WarnContext(ctx, "Slack Socket Mode trouble", "event", evt.Type, "data", troubleOf(evt.Data))
	case socketmode.EventTypeInvalidAuth:
		p.log.ErrorContext(ctx, "Slack refused the app-level token")
	}
}

// troubleOf describes a Socket Mode error event for the log without the message it came
// with: a bad message's raw JSON may hold a response_url, a credential for 30 minutes.
func troubleOf(data any) string {
	switch d := data.(type) {
	case *socketmode.ErrorBadMessage:
		return "bad message: " + fmt.Sprint(d.Cause)
	case *socketmode.ErrorWriteFailed:
		return "write failed: " + fmt.Sprint(d.Cause)
	case error:
		return d.Error()
	}
	return fmt.Sprintf("%T", data)
}
