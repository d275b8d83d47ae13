// Package console is a chat platform in a terminal, for `licensebot demo` and end-to-end
// tests: commands are typed lines, buttons are numbered and pressed by typing the number
// alone on a line, and `/as <user>` changes who is typing. It reads line by line, so a demo
// can be scripted through a pipe.
package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/locale"
)

// Handler answers commands and clicks (handlers.Service).
type Handler = bot.Handler

// Console is the terminal platform. It is also the Notifier that handlers post through.
type Console struct {
	mu      sync.Mutex
	out     io.Writer
	actor   bot.Actor
	nextMsg int
	nextBtn int
	buttons map[int]pressable
	// byMessage lists the button numbers of each message, to retire them when it changes.
	byMessage map[string][]int
	// Approvers is how the approvers' place is named in the output; empty: "the approvers",
	// in the language.
	Approvers string
	// Language is what the console's own words are in for a person whose Locale is neither
	// English nor Turkish: "en" or "tr" (the handlers' configured language); empty: English.
	Language string

	// What Run reads, who /as can become, and who answers (Input, SetHandler).
	in      io.Reader
	users   Users
	handler Handler
	settle  func(ctx context.Context)
}

type pressable struct {
	button bot.Button
	ref    bot.MessageRef
}

// New writes to out, with actor typing first.
func New(out io.Writer, actor bot.Actor) *Console {
	return &Console{out: out, actor: actor, buttons: map[int]pressable{}, byMessage: map[string][]int{}}
}

// Actor is who is typing now.
func (c *Console) Actor() bot.Actor {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.actor
}

// SetActor changes who is typing.
func (c *Console) SetActor(a bot.Actor) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.actor = a
}

// Post prints a new message and numbers its buttons. Its header is in the language of whom
// it is for, as the handlers pick it: an actor's own, else the configured one.
func (c *Console) Post(_ context.Context, to bot.Destination, msg bot.Message) (bot.MessageRef, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var header string
	lang := c.language("")
	ref := c.newRef()
	switch {
	case to.Thread != nil:
		header = locale.For(lang).T("console.header.thread", "ID", to.Thread.ID)
		ref.Thread = to.Thread.ID
	case to.Approvers:
		approvers := c.Approvers
		if approvers == "" {
			approvers = locale.For(lang).T("console.header.the_approvers")
		}
		header = locale.For(lang).T("console.header.to", "Who", approvers)
	case to.Email != "":
		header = locale.For(lang).T("console.header.privately", "Who", to.Email)
	case to.Actor != nil:
		lang = c.language(to.Actor.Locale)
		header = locale.For(lang).T("console.header.privately", "Who", firstNonEmpty(to.Actor.Email, to.Actor.Name, to.Actor.ChatID))
	}
	c.print(ref, header, msg, lang)
	return ref, nil
}

// Update prints the new version of an earlier message; its old buttons stop working.
func (c *Console) Update(_ context.Context, ref bot.MessageRef, msg bot.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.retire(ref)
	lang := c.language("")
	c.print(ref, locale.For(lang).T("console.header.updated", "ID", ref.ID), msg, lang)
	return nil
}

// Reply prints the answer to something the current actor did; a replacing reply replaces
// the message the click came from.
func (c *Console) reply(r bot.Reply, from bot.MessageRef) {
	lang := c.typist()
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.Replace && !from.IsZero() {
		c.retire(from)
		c.print(from, locale.For(lang).T("console.header.updated", "ID", from.ID), r.Message, lang)
		return
	}
	c.print(c.newRef(), locale.For(lang).T("console.header.you"), r.Message, lang)
}

func (c *Console) newRef() bot.MessageRef {
	c.nextMsg++
	return bot.MessageRef{Platform: "console", Channel: "terminal", ID: strconv.Itoa(c.nextMsg)}
}

func (c *Console) retire(ref bot.MessageRef) {
	for _, n := range c.byMessage[ref.ID] {
		delete(c.buttons, n)
	}
	delete(c.byMessage, ref.ID)
}

func (c *Console) print(ref bot.MessageRef, header string, m bot.Message, lang string) {
	var b strings.Builder
	fmt.Fprintf(&b, "\n── #%s %s ──\n", ref.ID, header)
	b.WriteString(m.Text + "\n")
	for _, s := range m.Sections {
		if s.Title != "" {
			b.WriteString("\n  " + s.Title + "\n")
		}
		for _, f := range s.Fields {
			value := f.Value
			if f.Verbatim {
				// A person's own words: one line in quotes, so that a reason can't add
				// lines of its own to the message (or, with control characters, drive the
				// terminal).
				value = bot.Quoted(value, nil, bot.Fit{}, 0)
			}
			fmt.Fprintf(&b, "    %s: %s\n", f.Label, value)
		}
		if s.Text != "" {
			for _, line := range strings.Split(s.Text, "\n") {
				b.WriteString("    " + line + "\n")
			}
		}
	}
	if len(m.Warnings) > 0 {
		b.WriteString("\n  " + locale.For(lang).T("console.warnings") + "\n")
		for _, w := range m.Warnings {
			b.WriteString("    ⚠ " + w + "\n")
		}
	}
	if m.Footer != "" {
		b.WriteString("  " + m.Footer + "\n")
	}
	if len(m.Buttons) > 0 {
		labels := make([]string, 0, len(m.Buttons))
		for _, btn := range m.Buttons {
			c.nextBtn++
			c.buttons[c.nextBtn] = pressable{button: btn, ref: ref}
			c.byMessage[ref.ID] = append(c.byMessage[ref.ID], c.nextBtn)
			labels = append(labels, fmt.Sprintf("[%d] %s", c.nextBtn, btn.Label))
		}
		b.WriteString("  " + strings.Join(labels, "  ") + "\n")
	}
	io.WriteString(c.out, b.String())
}

// Users resolves /as arguments: a name or address to the person to become.
type Users func(ctx context.Context, who string) (bot.Actor, error)

// The console is a chat platform like the others, as cmd runs them (demo): named, with no
// HTTP routes and nothing for doctor to check, nothing to start, and one loop, Run.

// Name is the platform's name in actors and message references.
func (c *Console) Name() string { return "console" }

// EditsPerMinute: a terminal takes every edit; the demo shows each progress report.
func (c *Console) EditsPerMinute() int { return 6000 }

// Mode says where the console is, for the start-up line.
func (c *Console) Mode() string { return "the terminal" }

// Routes: the console serves no HTTP.
func (c *Console) Routes() []bot.Route { return nil }

// Check: there is nothing to check in a terminal.
func (c *Console) Check(context.Context) []bot.Finding { return nil }

// Start has nothing to prepare.
func (c *Console) Start(context.Context) error { return nil }

// Wait: a line is answered before the next is read, so nothing is left running.
func (c *Console) Wait() {}

// Settle, when set, is called after every line and waits until the work the line started in
// the background (a removal's job, once approved) has finished, so that the terminal shows
// its outcome before the next line is read, as a person at the keyboard would see it.
func (c *Console) SetSettle(settle func(ctx context.Context)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.settle = settle
}

// Input sets what Run reads, and who /as can become.
func (c *Console) Input(in io.Reader, users Users) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.in, c.users = in, users
}

// SetHandler sets who answers commands and clicks.
func (c *Console) SetHandler(h Handler) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.handler = h
}

// Run reads lines (Input) until the end of input or ctx ends, and hands commands and
// presses to the handler (SetHandler).
func (c *Console) Run(ctx context.Context) error {
	c.mu.Lock()
	in, h, users := c.in, c.handler, c.users
	c.mu.Unlock()
	if in == nil || h == nil {
		return errors.New("console: Input and SetHandler before Run")
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	c.prompt()
	for sc.Scan() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		c.line(ctx, strings.TrimSpace(sc.Text()), h, users)
		c.mu.Lock()
		settle := c.settle
		c.mu.Unlock()
		if settle != nil {
			settle(ctx)
		}
		c.prompt()
	}
	fmt.Fprintln(c.out)
	return sc.Err()
}

func (c *Console) prompt() {
	a := c.Actor()
	fmt.Fprintf(c.out, "\n%s> ", firstNonEmpty(a.Email, a.Name))
}

func (c *Console) line(ctx context.Context, line string, h Handler, users Users) {
	l := locale.For(c.typist())
	switch {
	case line == "" || strings.HasPrefix(line, "#"):
		return
	case line == "/help" || line == "help":
		fmt.Fprintln(c.out, l.T("console.help"))
	case line == "/whoami":
		a := c.Actor()
		fmt.Fprintln(c.out, l.T("console.whoami", "Name", a.Name, "Email", a.Email))
	case strings.HasPrefix(line, "/as"):
		who := strings.TrimSpace(strings.TrimPrefix(line, "/as"))
		if who == "" {
			fmt.Fprintln(c.out, l.T("console.as.usage"))
			return
		}
		a, err := users(ctx, who)
		if err != nil {
			fmt.Fprintln(c.out, l.T("console.as.failed", "Who", strconv.Quote(who), "Error", err))
			return
		}
		c.SetActor(a)
		// Said to the person now typing, in their language.
		fmt.Fprintln(c.out, locale.For(c.typist()).T("console.as.done", "Name", a.Name, "Email", a.Email))
	case strings.HasPrefix(line, "/unassign"):
		text := strings.TrimSpace(strings.TrimPrefix(line, "/unassign"))
		r := h.HandleCommand(ctx, bot.Command{Actor: c.Actor(), Text: text, Channel: "terminal"})
		c.reply(r, bot.MessageRef{})
	default:
		n, err := strconv.Atoi(line)
		if err != nil {
			fmt.Fprintln(c.out, l.T("console.unknown_input", "Input", strconv.Quote(line)))
			return
		}
		c.mu.Lock()
		p, ok := c.buttons[n]
		c.mu.Unlock()
		if !ok {
			fmt.Fprintln(c.out, l.T("console.no_button", "Number", n))
			return
		}
		r := h.HandleClick(ctx, bot.Click{Actor: c.Actor(), Action: p.button.Action, Value: p.button.Value, Message: p.ref})
		c.reply(r, p.ref)
	}
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
