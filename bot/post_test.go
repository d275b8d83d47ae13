package bot

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestPostPicksTheKindOfDestination(t *testing.T) {
	var got []string
	kind := func(k string) func(ctx context.Context, to string, msg Message, lang string) (MessageRef, error) {
		return func(_ context.Context, to string, _ Message, lang string) (MessageRef, error) {
			got = append(got, k+" "+to+" "+lang)
			return MessageRef{Platform: "chat", ID: "1"}, nil
		}
	}
	p := NewPoster(Posting{
		Platform: "chat", Title: "Chat", Language: Options{Language: Turkish}.LanguageOf,
		Thread: func(ctx context.Context, under MessageRef, msg Message, lang string) (MessageRef, error) {
			return kind("thread")(ctx, under.ID, msg, lang)
		},
		ApprovalChannel: "CAPPROVALS",
		Approvers:       kind("approvers"),
		Email:           kind("email"),
		Direct:          kind("direct"),
	})
	tests := []struct {
		name string
		to   Destination
		want string // the kind, its argument and language; or the error
	}{
		{"a thread, in the configured language", Destination{Thread: &MessageRef{Platform: "chat", Channel: "C", ID: "9"}}, "thread 9 tr"},
		{"the approvers", Destination{Approvers: true}, "approvers CAPPROVALS tr"},
		{"a person by address", Destination{Email: "megan@contoso.example"}, "email megan@contoso.example tr"},
		{"a person of this platform, in their language", Destination{Actor: &Actor{Platform: "chat", ChatID: "U1", Locale: "en-GB"}}, "direct U1 en"},
		{"a person of another platform, by address", Destination{Actor: &Actor{Platform: "other", ChatID: "7", Email: "a@b.example"}}, "email a@b.example tr"},
		{"a person of another platform without an address", Destination{Actor: &Actor{Platform: "other", ChatID: "7", Name: "Ann"}}, `post to "Ann": neither a Chat user nor an e-mail`},
		{"a thread of another platform", Destination{Thread: &MessageRef{Platform: "other", Channel: "C", ID: "9"}}, "message 9 is on other, not Chat"},
		{"a thread without a channel", Destination{Thread: &MessageRef{Platform: "chat", ID: "9"}}, "lacks a channel or an id"},
		{"no one", Destination{}, "names no one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = nil
			_, err := p.Post(context.Background(), tt.to, Message{Text: "x"})
			if tt.to.Approvers {
				// And without an approval channel, nowhere.
				noChannel := p.p
				noChannel.ApprovalChannel = ""
				if _, err := NewPoster(noChannel).Post(context.Background(), tt.to, Message{}); err == nil || !strings.Contains(err.Error(), "no Chat approval channel is configured") {
					t.Fatalf("without an approval channel: %v", err)
				}
			}
			switch {
			case err != nil && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("err %v, want %q", err, tt.want)
			case err == nil && (len(got) != 1 || got[0] != tt.want):
				t.Fatalf("posted %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUpdateEditsOnlyThePlatformsOwnMessages(t *testing.T) {
	var edited []string
	p := NewPoster(Posting{Platform: "chat", Title: "Chat", Language: Options{}.LanguageOf,
		Edit: func(_ context.Context, ref MessageRef, _ Message, lang string) error {
			edited = append(edited, ref.ID+" "+lang)
			if ref.ID == "gone" {
				return errors.New("message_not_found")
			}
			return nil
		}})
	ctx := context.Background()
	if err := p.Update(ctx, MessageRef{Platform: "chat", Channel: "C", ID: "1"}, Message{}); err != nil {
		t.Fatal(err)
	}
	if err := p.UpdateIn(ctx, MessageRef{Channel: "C", ID: "2"}, Message{}, Turkish); err != nil {
		t.Fatal(err)
	}
	if err := p.Update(ctx, MessageRef{Platform: "other", Channel: "C", ID: "3"}, Message{}); err == nil {
		t.Fatal("another platform's message was edited")
	}
	if err := p.Update(ctx, MessageRef{Channel: "C", ID: "gone"}, Message{}); err == nil || err.Error() != "update message gone in C: message_not_found" {
		t.Fatalf("err %v", err)
	}
	if want := []string{"1 en", "2 tr", "gone en"}; !slices.Equal(edited, want) {
		t.Fatalf("edited %q, want %q", edited, want)
	}
}
