package main

import (
	"context"
	"testing"

	"github.com/licensebot/licensebot/bot"
)

type namedNotifier struct {
	name  string
	posts []bot.Destination
	edits []bot.MessageRef
}

func (n *namedNotifier) Post(_ context.Context, to bot.Destination, _ bot.Message) (bot.MessageRef, error) {
	n.posts = append(n.posts, to)
	return bot.MessageRef{Platform: n.name, ID: "1"}, nil
}

func (n *namedNotifier) Update(_ context.Context, ref bot.MessageRef, _ bot.Message) error {
	n.edits = append(n.edits, ref)
	return nil
}

func TestPlatformsRouteEachMessageToItsPlatform(t *testing.T) {
	t.Parallel()
	slackN, discordN := &namedNotifier{name: "slack"}, &namedNotifier{name: "discord"}
	var p platforms
	p.add("slack", slackN)
	p.add("discord", discordN)
	ctx := context.Background()
	tests := []struct {
		name string
		to   bot.Destination
		want *namedNotifier
	}{
		{"named platform", bot.Destination{Platform: "discord", Approvers: true}, discordN},
		{"the actor's platform", bot.Destination{Actor: &bot.Actor{Platform: "discord"}}, discordN},
		{"the thread's platform", bot.Destination{Thread: &bot.MessageRef{Platform: "slack", ID: "x"}}, slackN},
		{"by e-mail, the first platform", bot.Destination{Email: "megan@contoso.example"}, slackN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(tt.want.posts)
			if _, err := p.Post(ctx, tt.to, bot.Message{}); err != nil {
				t.Fatal(err)
			}
			if len(tt.want.posts) != before+1 {
				t.Fatalf("not posted on %s", tt.want.name)
			}
		})
	}
	if err := p.Update(ctx, bot.MessageRef{Platform: "discord", ID: "1"}, bot.Message{}); err != nil || len(discordN.edits) != 1 {
		t.Fatalf("update: %v", err)
	}
	if _, err := p.Post(ctx, bot.Destination{Platform: "teams"}, bot.Message{}); err == nil {
		t.Fatal("an unknown platform was accepted")
	}
}
