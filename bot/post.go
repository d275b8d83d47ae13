package bot

import (
	"context"
	"errors"
	"fmt"
)

// Posting is how a platform posts a new message to each kind of destination, and edits
// one; Poster picks the kind the handlers' Destination names, the same way on every
// platform. Each function posts as the bot, in lang for the platform's own words in the
// message.
type Posting struct {
	Platform string // "slack": Actor.Platform and MessageRef.Platform of the platform
	Title    string // "Slack", for errors
	// Language is the language for a person with this chat locale (Options.LanguageOf).
	Language func(locale string) string
	// Thread posts a reply under a message of the platform's (already checked as one).
	Thread func(ctx context.Context, under MessageRef, msg Message, lang string) (MessageRef, error)
	// ApprovalChannel is the approvers' place; empty: not configured, and posting to the
	// approvers fails.
	ApprovalChannel string
	// Approvers posts to the approvers' place, mentioning them.
	Approvers func(ctx context.Context, channel string, msg Message, lang string) (MessageRef, error)
	// Email posts privately to the person with this address on the platform.
	Email func(ctx context.Context, email string, msg Message, lang string) (MessageRef, error)
	// Entra posts privately to a person by their Entra object id (Destination.EntraID), on a
	// platform that reaches people by it; nil: the platform looks them up by address.
	Entra func(ctx context.Context, objectID string, msg Message, lang string) (MessageRef, error)
	// Direct posts privately to a person by their id on the platform.
	Direct func(ctx context.Context, chatID string, msg Message, lang string) (MessageRef, error)
	// Edit replaces a message the bot posted (already checked as one).
	Edit func(ctx context.Context, ref MessageRef, msg Message, lang string) error
}

// Poster is a platform's Post and Update (the handlers' Notifier), made from its Posting:
// a platform embeds it.
type Poster struct{ p Posting }

// NewPoster is the Poster of a platform's Posting.
func NewPoster(p Posting) Poster { return Poster{p} }

// Post sends msg where to says: a thread, the approvers, a person found by e-mail, or an
// actor (directly when they are of this platform, else by their e-mail: someone known from
// another platform). Messages many read (threads, the approvers) and messages to a person
// found by e-mail are in the configured language, as the handlers write those; an actor's
// in theirs.
func (pp Poster) Post(ctx context.Context, to Destination, msg Message) (MessageRef, error) {
	p := pp.p
	switch {
	case to.Thread != nil:
		if err := pp.ours(*to.Thread); err != nil {
			return MessageRef{}, err
		}
		return p.Thread(ctx, *to.Thread, msg, p.Language(""))
	case to.Approvers:
		if p.ApprovalChannel == "" {
			return MessageRef{}, fmt.Errorf("post to the approvers: no %s approval channel is configured", p.Title)
		}
		return p.Approvers(ctx, p.ApprovalChannel, msg, p.Language(""))
	case to.EntraID != "" && p.Entra != nil:
		return p.Entra(ctx, to.EntraID, msg, p.Language(""))
	case to.Email != "":
		return p.Email(ctx, to.Email, msg, p.Language(""))
	case to.Actor != nil:
		lang := p.Language(to.Actor.Locale)
		if to.Actor.Platform == p.Platform && to.Actor.ChatID != "" {
			return p.Direct(ctx, to.Actor.ChatID, msg, lang)
		}
		if to.Actor.EntraID != "" && p.Entra != nil {
			return p.Entra(ctx, to.Actor.EntraID, msg, lang)
		}
		if to.Actor.Email != "" {
			return p.Email(ctx, to.Actor.Email, msg, lang)
		}
		return MessageRef{}, fmt.Errorf("post to %q: neither a %s user nor an e-mail", to.Actor.Name, p.Title)
	}
	return MessageRef{}, errors.New("post: the destination names no one")
}

// Update replaces a message the bot posted (one Post returned: a platform can't edit the
// ephemeral ones this way). Which language the message is in isn't said, so the
// platform's own words in it are in the configured one.
func (pp Poster) Update(ctx context.Context, ref MessageRef, msg Message) error {
	return pp.UpdateIn(ctx, ref, msg, pp.p.Language(""))
}

// UpdateIn is Update with the platform's own words in lang (a clicked message, replaced in
// the clicker's language).
func (pp Poster) UpdateIn(ctx context.Context, ref MessageRef, msg Message, lang string) error {
	if err := pp.ours(ref); err != nil {
		return err
	}
	if err := pp.p.Edit(ctx, ref, msg, lang); err != nil {
		return fmt.Errorf("update message %s in %s: %w", ref.ID, ref.Channel, err)
	}
	return nil
}

// ours checks that ref is a message of this platform that can be edited or replied to.
func (pp Poster) ours(ref MessageRef) error {
	p := pp.p
	if ref.Platform != "" && ref.Platform != p.Platform {
		return fmt.Errorf("message %s is on %s, not %s", ref.ID, ref.Platform, p.Title)
	}
	if ref.Channel == "" || ref.ID == "" {
		return fmt.Errorf("message reference %+v lacks a channel or an id", ref)
	}
	return nil
}
