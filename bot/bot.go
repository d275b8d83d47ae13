// Package bot is the chat model every platform shares: who is acting (Actor), what they
// typed (Command) or pressed (Click), and what the bot says back (Message, with sections,
// warnings and buttons). Platforms (console, Slack, Discord) translate to and from it and
// decide nothing; handlers decide and never see a platform's wire format.
package bot

// Actor is a person acting in chat, as their platform identifies them.
type Actor struct {
	Platform string // "console", "slack", "discord"
	ChatID   string // the platform's user id
	Name     string // display name, for messages
	// Email is the address the platform knows for the person (Slack's profile e-mail, a
	// configured mapping for Discord, the demo's /as). It is the key to their Entra user and
	// never a proof of authority: roles are read from Entra on every request.
	Email string
	// Groups are the platform's groups the person is in (e.g. Slack user groups), used to
	// match configured approvers.
	Groups []string
	// Locale is the person's language as the platform reports it (e.g. "tr-TR"), or empty.
	Locale string
	// Workspace is where the person spoke: a Slack team id, a Discord guild id; empty when
	// the platform has one only.
	Workspace string `json:",omitempty"`
}

// Command is a slash command as typed: the text after "/unassign".
type Command struct {
	Actor   Actor
	Text    string
	Channel string // where it was typed, for the reply
	// DeliveryID identifies one delivery of the command, so a platform's retry of the same
	// delivery is not acted on twice; empty when the platform has none.
	DeliveryID string
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
