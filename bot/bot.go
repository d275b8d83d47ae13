// Package bot is the chat model every platform shares: who is acting (Actor), what they
// typed (Command) or pressed (Click), and what the bot says back (Message, with sections,
// warnings and buttons). Platforms (console, Slack, Discord) translate to and from it and
// decide nothing; handlers decide and never see a platform's wire format.
package bot

import (
	"context"
	"strings"
	"unicode"
)

// Actor is a person acting in chat, as their platform identifies them.
type Actor struct {
	Platform string // "console", "slack", "discord"
	ChatID   string // the platform's user id
	Name     string // display name, for messages
	// Email is the address the platform knows for the person (Slack's profile e-mail, a
	// configured mapping for Discord, the demo's /as). It is the key to their Entra user and
	// never a proof of authority: roles are read from Entra on every request.
	Email string
	// EntraID is the person's Microsoft Entra object id where the platform's signed delivery
	// vouches for it (Teams' from.aadObjectId, the tenant checked by the platform): their
	// Entra user without a profile e-mail or a link. Empty elsewhere. Roles are still read
	// from Entra on every request.
	EntraID string `json:",omitempty"`
	// Groups are the platform's groups the person is in (e.g. Slack user groups), used to
	// match configured approvers.
	Groups []string
	// Locale is the person's language as the platform reports it (e.g. "tr-TR"), or empty.
	Locale string
	// Workspace is where the person spoke: a Slack team id, a Discord guild id; empty when
	// the platform has one only. On Slack it is the person's own team (user.team_id), so a
	// Slack Connect member of another organisation is known as such.
	Workspace string `json:",omitempty"`
	// Enterprise is the Slack Enterprise Grid organisation of the workspace, if any: its
	// workspaces count as one.
	Enterprise string `json:",omitempty"`
}

// SameWorkspace reports whether two actors speak from the same workspace of the same
// platform (or the same Enterprise Grid organisation).
func (a Actor) SameWorkspace(b Actor) bool {
	if a.Platform != b.Platform {
		return false
	}
	return a.Workspace == b.Workspace || (a.Enterprise != "" && a.Enterprise == b.Enterprise)
}

// Command is a slash command as typed: the text after "/unassign".
type Command struct {
	Actor   Actor
	Text    string
	Channel string // where it was typed, for the reply
	// DeliveryID identifies one delivery of the command, so a platform's retry of the same
	// delivery is not acted on twice; empty when the platform has none.
	DeliveryID string
	// Mentions finds the e-mail address of a person the text mentions, as typed (IsMention);
	// ok is false when it can't (unknown, ambiguous, no address). The handlers call it only
	// once the caller may act, once per person mentioned: nobody learns a colleague's
	// address, and nobody makes the platform look people up, without the right to ask.
	// Nil where the platform has no mentions.
	Mentions func(ctx context.Context, mention string) (email string, ok bool) `json:"-"`
	// Args is the command as the platform delivered it structured (Discord's typed options),
	// which the handlers read as it is; Text then only says, for logs and the audit, what
	// was asked. Nil where the platform delivers text (Slack, the terminal).
	Args *Args `json:",omitempty"`
}

// Args is a command delivered structured: the sub-command and its values, each as the
// person gave it, nothing looked up.
type Args struct {
	// Verb is the sub-command: "remove" (or empty), "all", "show", "status", "undo",
	// "link", "link_status", "unlink", "help".
	Verb      string
	Users     []string // the users (remove, all), the one user (show), the address (link), the person (link_status, unlink; none: the caller)
	Products  []string
	Reason    string
	DryRun    bool
	RequestID string // for status and undo
	// Group (a group's name or id) and Holders (everyone holding the one product) stand for
	// many users (remove, all), instead of Users.
	Group   string
	Holders bool
	// Days is, for "inactive", how long the holders haven't signed in.
	Days int
	// At is when the request runs (remove, all, inactive, leaver), as typed; empty: now.
	At string
}

// IsMention reports whether a word of a command is a mention of a person as chat platforms
// write them: escaped (<@U024BE7LH>, <@U024BE7LH|bob>, Discord's <@80351110224678912>,
// <@!80351110224678912>) or typed (@bob).
func IsMention(word string) bool {
	switch {
	case strings.HasPrefix(word, "<@") && strings.HasSuffix(word, ">"):
		return !strings.HasPrefix(word, "<@&") && len(word) > 3
	case strings.HasPrefix(word, "@"):
		return len(word) > 1 && !strings.Contains(word[1:], "@")
	}
	return false
}

// MentionedID is the user id of an escaped mention (<@U024BE7LH>, <@U024BE7LH|bob>,
// <@!80351110224678912>): the chat account, without asking the platform.
func MentionedID(m string) (string, bool) {
	if !strings.HasPrefix(m, "<@") || !strings.HasSuffix(m, ">") || strings.HasPrefix(m, "<@&") {
		return "", false
	}
	id := strings.TrimPrefix(m[2:len(m)-1], "!")
	id, _, _ = strings.Cut(id, "|")
	if id == "" || strings.ContainsAny(id, ":{}<>@ ") {
		return "", false
	}
	return id, true
}

// Click is a button press. Value is only ever a key to look up: nothing in it is trusted.
type Click struct {
	Actor   Actor
	Action  string
	Value   string
	Message MessageRef // the message the button was on
}

// MessageRef is enough for a platform to edit a message it posted earlier.
type MessageRef struct {
	Platform string `json:"platform"`
	Channel  string `json:"channel,omitempty"`
	ID       string `json:"id"`
	// Thread is the id of the thread's first message, when the message is in a thread.
	Thread string `json:"thread,omitempty"`
}

// IsZero reports whether the reference points at nothing.
func (r MessageRef) IsZero() bool { return r.ID == "" }

// Destination says where a new message goes.
type Destination struct {
	// Platform names the chat platform to use ("slack", "discord"); empty: the platform of
	// the Actor or Thread, else the first one configured.
	Platform string
	// Actor: privately to this person (Slack: a DM; console: printed for them).
	Actor *Actor
	// Email: privately to the person with this e-mail (an Entra manager, found by address).
	Email string
	// EntraID is that person's Entra object id, when known, for a platform that reaches
	// people by it (Teams) rather than by address.
	EntraID string
	// Approvers: to the configured approvers (Slack: the approval channel, mentioning them).
	Approvers bool
	// Thread: as a reply under this message.
	Thread *MessageRef
}

// Style is a button's look.
type Style int

// Button styles, as Slack and Discord both have them.
const (
	Default Style = iota
	Primary
	Danger
)

// Button asks the platform for a press of Action with Value (a key, never data to trust).
type Button struct {
	Label   string
	Action  string
	Value   string
	Style   Style
	Confirm *Confirmation // a native "are you sure?" dialog, where the platform has one
}

// Confirmation is the text of an "are you sure?" dialog.
type Confirmation struct {
	Title, Text, Yes, No string
}

// Field is a label and a value shown side by side.
type Field struct {
	Label, Value string
	// Verbatim: the value is a person's own words (e.g. a request's reason): shown as it is,
	// on one line, in quotes, never formatted and never a mention or link. Without it, a
	// reason could add a line such as "*Approved by:* Security Team" to an approval request,
	// or ping people; each platform renders such a value with Quoted and its own escapes.
	Verbatim bool
}

// The quotes around a Verbatim value. Turkish quotes the same way.
const (
	OpenQuote  = "“"
	CloseQuote = "”"
)

// Quoted is a person's words as a Verbatim field shows them: on one line (OneLine), made
// safe by escape for the platform's markup (nil: shown as they are), cut with fit to limit
// characters in all, quotes included (limit 0: not cut), and in quotes. The words are cut,
// never the quotes, so a long reason still visibly ends where the person's words end.
func Quoted(words string, escape func(string) string, fit Fit, limit int) string {
	s := OneLine(words)
	if escape != nil {
		s = escape(s)
	}
	if limit > 0 {
		s = fit.Truncate(s, max(limit-TextLen(OpenQuote+CloseQuote), 1))
	}
	return OpenQuote + s + CloseQuote
}

// OneLine puts words on one line: each run of line breaks, tabs, other white space and
// control characters becomes one space, and the ends are trimmed. The bidirectional
// controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) go the same way: they
// can reorder what is shown, e.g. make text after the closing quote read as inside it.
func OneLine(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	gap := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || isBidiControl(r) {
			gap = true
			continue
		}
		if gap && b.Len() > 0 {
			b.WriteByte(' ')
		}
		gap = false
		b.WriteRune(r)
	}
	return b.String()
}

func isBidiControl(r rune) bool {
	return r == 0x061C || r == 0x200E || r == 0x200F || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// Section is a block of a message: an optional title, text and fields.
type Section struct {
	Title  string
	Text   string
	Fields []Field
}

// Message is what the bot says. Text is always set: it is the whole message on platforms
// that show little, and the notification text on the others.
type Message struct {
	Text     string
	Sections []Section
	Warnings []string
	Buttons  []Button
	// Footer is a short closing line (request id, expiry).
	Footer string
}

// Reply is the answer to a command or click. Replace says that it replaces the message the
// click came from (its buttons go with it); otherwise it is a new private reply to the actor.
type Reply struct {
	Message Message
	Replace bool
}
