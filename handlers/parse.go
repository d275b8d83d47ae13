package handlers

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
	"github.com/licensebot/licensebot/locale"
)

// Verb is what a command asks for.
type Verb int

// The sub-commands of /unassign.
const (
	VerbUnassign Verb = iota
	VerbHelp
	VerbShow
	VerbStatus
	VerbUndo
	VerbLink
	VerbLinkStatus
	VerbUnlink
)

// Command is /unassign parsed: nothing in it has been looked up yet.
type Command struct {
	Verb     Verb
	Users    []string // as typed, validated in shape only
	Products []string // as typed
	All      bool
	// Group (--group, a name or an object id) and Holders (--holders: everyone who holds the
	// one product named directly) stand for many users, found when the plan is made.
	Group   string
	Holders bool
	// Inactive (inactive <days>): the products' direct holders who haven't signed in for
	// that many days.
	Inactive int
	// Leaver (leaver <user>): block sign-in, revoke sessions, remove every license.
	Leaver bool
	// At (--at "2026-12-04 18:00") is when the request runs, as typed: read in the
	// organisation's time zone when the plan is made.
	At        string
	Reason    string
	DryRun    bool
	RequestID string // for status and undo
	// Link is, for link, the work address the caller says is theirs.
	Link string
	// Whose, for link status and unlink: the person asked about, as typed (a mention or an
	// address); empty for the caller themselves.
	Whose string
}

// ParseError names the part of the input that is wrong and what is wrong with it; its
// Error is a sentence for the admin (explain adds the syntax, help.usage).
type ParseError struct {
	Part string
	// Problem is a message id of the catalogue (parse.*), said with args: its
	// placeholders' names and values, in pairs.
	Problem string
	args    []any
	// More are the other parts wrong the same way (every bad address of a command is
	// named at once, so the admin fixes them all in one go).
	More []*ParseError
}

// badPart is the error of part (none: the command as a whole): the message id problem,
// with its placeholders' names and values in pairs.
func badPart(part, problem string, args ...any) *ParseError {
	return &ParseError{Part: part, Problem: problem, args: args}
}

func (e *ParseError) Error() string { return e.in(english) }

// maxNamedProblems bounds how many wrong parts one answer names.
const maxNamedProblems = 20

// in says the error in l.
func (e *ParseError) in(l locale.Lang) string {
	problem := l.T(e.Problem, e.args...)
	if e.Part != "" {
		problem = e.Part + ": " + problem
	}
	for i, m := range e.More {
		if i == maxNamedProblems-1 {
			problem += "; " + l.T("parse.more", "More", len(e.More)-i)
			break
		}
		problem += "; " + m.in(l)
	}
	return problem
}

// idPattern is a request id's shape (store.NewID).
var idPattern = regexp.MustCompile(`^[a-z0-9]{16,64}$`)

// IsUserQuery reports whether s can be a UPN, an e-mail address or an object id: the one
// rule (licensing.CheckAddress) the Graph adapter applies too, so that no user input
// reaches Graph that could not be an address.
func IsUserQuery(s string) bool {
	return licensing.IsObjectID(s) || licensing.CheckAddress(s) == licensing.AddressOK
}

// addressProblems are the reasons an address is refused: their message ids.
var addressProblems = map[licensing.AddressProblem]string{
	licensing.AddressNotOneAt:         "parse.address.not_a_user",
	licensing.AddressTooLong:          "parse.address.too_long",
	licensing.AddressLocalEmpty:       "parse.address.local_empty",
	licensing.AddressLocalTooLong:     "parse.address.local_too_long",
	licensing.AddressLocalDotEnds:     "parse.address.local_dot_ends",
	licensing.AddressLocalDoubleDot:   "parse.address.local_double_dot",
	licensing.AddressLocalCharacter:   "parse.address.local_character",
	licensing.AddressDomainNoDot:      "parse.address.domain_no_dot",
	licensing.AddressDomainEmptyLabel: "parse.address.domain_empty_label",
	licensing.AddressDomainLabel:      "parse.address.domain_label",
}

// maxCommandLength bounds the work a single command can cause in the parser: room for
// 1,000 addresses pasted from a spreadsheet.
const maxCommandLength = 64 << 10

// Parse reads the text after "/unassign". maxTargets bounds the number of users (0: no bound).
func Parse(text string, maxTargets int) (Command, error) {
	if len(text) > maxCommandLength {
		return Command{}, badPart("", "parse.too_long", "Max", maxCommandLength)
	}
	words, err := split(text)
	if err != nil {
		return Command{}, err
	}
	if len(words) == 0 {
		return Command{Verb: VerbHelp}, nil
	}
	if !words[0].quoted && strings.EqualFold(words[0].text, "leaver") {
		return leaver(words[1:], maxTargets)
	}
	inactive := 0
	if !words[0].quoted && strings.EqualFold(dotlessI.Replace(words[0].text), "inactive") {
		if len(words) < 2 {
			return Command{}, badPart("inactive", "parse.inactive_days")
		}
		n, err := strconv.Atoi(words[1].text)
		if err != nil || !inactiveDays(n) || words[1].quoted {
			return Command{}, badPart(quoteShort(words[1].text), "parse.inactive_days")
		}
		inactive, words = n, words[2:]
		if len(words) == 0 {
			return Command{}, badPart("inactive", "parse.which_licenses")
		}
	}
	switch strings.ToLower(dotlessI.Replace(words[0].text)) {
	case "help", "-h", "--help":
		if !words[0].quoted {
			return Command{Verb: VerbHelp}, nil
		}
	case "show":
		if !words[0].quoted {
			if len(words) != 2 || words[1].flag() {
				return Command{}, badPart("show", "parse.show_args")
			}
			u, err := userArg(words[1].text)
			if err != nil {
				return Command{}, err
			}
			return Command{Verb: VerbShow, Users: []string{u}}, nil
		}
	case "status":
		if !words[0].quoted {
			if len(words) != 2 || !idPattern.MatchString(words[1].text) {
				return Command{}, badPart("status", "parse.status_args")
			}
			return Command{Verb: VerbStatus, RequestID: words[1].text}, nil
		}
	case "link":
		if !words[0].quoted && len(words) >= 2 && !words[1].quoted && strings.EqualFold(words[1].text, "status") {
			return linkStatusOrUnlink(VerbLinkStatus, "link status", texts(words[2:]))
		}
		if !words[0].quoted {
			if len(words) == 1 {
				return Command{Verb: VerbLink}, nil // sign in with Microsoft
			}
			if len(words) != 2 || words[1].flag() {
				return Command{}, badPart("link", "link.usage")
			}
			u, err := linkArg(words[1].text)
			if err != nil {
				return Command{}, err
			}
			return Command{Verb: VerbLink, Link: u}, nil
		}
	case "unlink":
		if !words[0].quoted {
			return linkStatusOrUnlink(VerbUnlink, "unlink", texts(words[1:]))
		}
	case "undo":
		if !words[0].quoted {
			if len(words) != 2 || !idPattern.MatchString(words[1].text) {
				return Command{}, badPart("undo", "parse.undo_args")
			}
			return Command{Verb: VerbUndo, RequestID: words[1].text}, nil
		}
	}

	return parseRemoval(words, maxTargets, inactive)
}

// parseRemoval reads a removal's users and options (every word after the verbs that
// introduce one).
func parseRemoval(words []word, maxTargets, inactive int) (Command, error) {
	cmd := Command{Verb: VerbUnassign, Inactive: inactive}
	var typed []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		if !w.flag() {
			typed = append(typed, w.text)
			continue
		}
		name, value, hasValue := strings.Cut(w.text, "=")
		needValue := func() (string, error) {
			if hasValue {
				if strings.TrimSpace(value) == "" {
					return "", badPart(name, "parse.needs_value")
				}
				return value, nil
			}
			if i+1 >= len(words) || words[i+1].flag() {
				return "", badPart(name, "parse.needs_value")
			}
			i++
			if strings.TrimSpace(words[i].text) == "" {
				return "", badPart(name, "parse.needs_value")
			}
			return words[i].text, nil
		}
		switch strings.ToLower(dotlessI.Replace(name)) {
		case "--product", "-p":
			v, err := needValue()
			if err != nil {
				return Command{}, err
			}
			cmd.Products = append(cmd.Products, strings.TrimSpace(v))
		case "--all":
			if hasValue {
				return Command{}, badPart(name, "parse.takes_no_value")
			}
			cmd.All = true
		case "--reason", "-r":
			v, err := needValue()
			if err != nil {
				return Command{}, err
			}
			if cmd.Reason != "" {
				return Command{}, badPart(name, "parse.given_twice")
			}
			if cmd.Reason, err = reasonArg(name, v); err != nil {
				return Command{}, err
			}
		case "--dry-run", "-n":
			if hasValue {
				return Command{}, badPart(name, "parse.takes_no_value")
			}
			cmd.DryRun = true
		case "--group", "-g":
			v, err := needValue()
			if err != nil {
				return Command{}, err
			}
			if cmd.Group != "" {
				return Command{}, badPart(name, "parse.given_twice")
			}
			if cmd.Group = strings.TrimSpace(v); len(cmd.Group) > maxGroupLength {
				return Command{}, badPart(name, "parse.group_too_long")
			}
		case "--at":
			v, err := needValue()
			if err != nil {
				return Command{}, err
			}
			if cmd.At != "" {
				return Command{}, badPart(name, "parse.given_twice")
			}
			if cmd.At = strings.TrimSpace(v); len(cmd.At) > maxAtLength {
				return Command{}, badPart(name, "parse.at_too_long")
			}
		case "--holders":
			if hasValue {
				return Command{}, badPart(name, "parse.takes_no_value")
			}
			cmd.Holders = true
		default:
			return Command{}, badPart(name, "parse.unknown_option")
		}
	}
	return removal(cmd, typed, maxTargets)
}

// removal checks a removal's users (every bad one named at once, each counted once) and
// how its options go together: the same rules whether it was typed (Parse) or came
// structured (FromArgs).
func removal(cmd Command, typed []string, maxTargets int) (Command, error) {
	seenUser := map[string]bool{}
	var badUsers *ParseError
	for _, t := range typed {
		u, err := userArg(t)
		if err != nil {
			if badUsers == nil {
				badUsers = err
			} else {
				badUsers.More = append(badUsers.More, err)
			}
			continue
		}
		if key := strings.ToLower(u); !seenUser[key] {
			seenUser[key] = true
			cmd.Users = append(cmd.Users, u)
		}
	}
	many := cmd.Group != "" || cmd.Holders || cmd.Inactive > 0
	switch {
	case cmd.Inactive > 0 && (cmd.Group != "" || cmd.Holders):
		return Command{}, badPart("inactive", "parse.group_and_holders")
	case cmd.Inactive > 0 && (len(cmd.Products) == 0 || cmd.All):
		return Command{}, badPart("inactive", "parse.inactive_product")
	case badUsers != nil:
		return Command{}, badUsers
	case many && len(cmd.Users) > 0:
		return Command{}, badPart(quoteShort(cmd.Users[0]), "parse.users_and_group")
	case cmd.Group != "" && cmd.Holders:
		return Command{}, badPart("--holders", "parse.group_and_holders")
	case cmd.Holders && (len(cmd.Products) != 1 || cmd.All):
		return Command{}, badPart("--holders", "parse.holders_product")
	case many && cmd.All && len(cmd.Products) > 0:
		return Command{}, badPart("--all", "parse.all_with_product")
	case many && len(cmd.Products) == 0 && !cmd.All:
		return Command{}, badPart("", "parse.which_licenses")
	case many:
		return cmd, nil
	case len(cmd.Users) == 0:
		return Command{}, badPart("", "parse.no_users")
	case cmd.All && len(cmd.Products) > 0:
		return Command{}, badPart("--all", "parse.all_with_product")
	case len(cmd.Products) == 0 && !cmd.All && len(cmd.Users) > 1:
		return Command{}, badPart("", "parse.which_licenses")
	case maxTargets > 0 && len(cmd.Users) > maxTargets:
		return Command{}, badPart("", "parse.too_many_users", "Named", len(cmd.Users), "Max", maxTargets)
	}
	return cmd, nil
}

// reasonArg reads a reason: at most 500 characters, trimmed.
func reasonArg(name, v string) (string, error) {
	if len(v) > 500 {
		return "", badPart(name, "parse.reason_too_long")
	}
	return strings.TrimSpace(v), nil
}

// FromArgs reads a command a platform delivered structured (bot.Args: Discord's typed
// options) with the rules Parse applies to typed text, without writing it out as text and
// parsing it again.
func FromArgs(a bot.Args, maxTargets int) (Command, error) {
	one := func(part, problem string, values []string) (string, error) {
		if len(values) != 1 {
			return "", badPart(part, problem)
		}
		return values[0], nil
	}
	switch strings.ToLower(a.Verb) {
	case "help":
		return Command{Verb: VerbHelp}, nil
	case "show":
		v, err := one("show", "parse.show_args", a.Users)
		if err != nil {
			return Command{}, err
		}
		u, perr := userArg(v)
		if perr != nil {
			return Command{}, perr
		}
		return Command{Verb: VerbShow, Users: []string{u}}, nil
	case "status", "undo":
		verb, problem := VerbStatus, "parse.status_args"
		if strings.EqualFold(a.Verb, "undo") {
			verb, problem = VerbUndo, "parse.undo_args"
		}
		if !idPattern.MatchString(a.RequestID) {
			return Command{}, badPart(strings.ToLower(a.Verb), problem)
		}
		return Command{Verb: verb, RequestID: a.RequestID}, nil
	case "link":
		if len(a.Users) == 0 || (len(a.Users) == 1 && strings.TrimSpace(a.Users[0]) == "") {
			return Command{Verb: VerbLink}, nil // sign in with Microsoft
		}
		v, err := one("link", "link.usage", a.Users)
		if err != nil {
			return Command{}, err
		}
		// Discord's link option is one text: "status", or "status @someone", asks for a
		// link's status there.
		if f := strings.Fields(v); len(f) > 0 && strings.EqualFold(f[0], "status") {
			return linkStatusOrUnlink(VerbLinkStatus, "link status", f[1:])
		}
		u, perr := linkArg(v)
		if perr != nil {
			return Command{}, perr
		}
		return Command{Verb: VerbLink, Link: u}, nil
	case "link_status":
		return linkStatusOrUnlink(VerbLinkStatus, "link status", a.Users)
	case "unlink":
		return linkStatusOrUnlink(VerbUnlink, "unlink", a.Users)
	case "leaver":
		cmd, err := structuredRemoval(Command{Verb: VerbUnassign}, a)
		if err == nil {
			cmd, err = removal(cmd, a.Users, maxTargets)
		}
		return asLeaver(cmd, err)
	case "inactive":
		if !inactiveDays(a.Days) {
			return Command{}, badPart("inactive", "parse.inactive_days")
		}
		cmd, err := structuredRemoval(Command{Verb: VerbUnassign, Inactive: a.Days}, a)
		if err != nil {
			return Command{}, err
		}
		return removal(cmd, nil, maxTargets)
	case "", "remove", "all":
		cmd := Command{Verb: VerbUnassign, All: strings.EqualFold(a.Verb, "all"), Group: strings.TrimSpace(a.Group), Holders: a.Holders}
		if len(cmd.Group) > maxGroupLength {
			return Command{}, badPart("group", "parse.group_too_long")
		}
		cmd, err := structuredRemoval(cmd, a)
		if err != nil {
			return Command{}, err
		}
		return removal(cmd, a.Users, maxTargets)
	}
	return Command{}, badPart(a.Verb, "parse.unknown_option")
}

// userArg reads one user as typed: an object id, an address, or a mention of a person (kept
// as typed: the handlers ask the platform for the address only once the caller may act), or
// an error that names it and says what is wrong with it.
func userArg(s string) (string, *ParseError) {
	if bot.IsMention(strings.TrimSpace(s)) {
		return strings.TrimSpace(s), nil
	}
	s = dotlessI.Replace(strings.TrimSpace(s))
	if licensing.IsObjectID(s) {
		return s, nil
	}
	if p := licensing.CheckAddress(s); p != licensing.AddressOK {
		return "", badPart(quoteShort(s), addressProblems[p])
	}
	return s, nil
}

// linkArg reads the address of /unassign link: a UPN or e-mail address as typed by the
// person it belongs to (no mention, no object id, which they wouldn't know).
func linkArg(s string) (string, *ParseError) {
	if bot.IsMention(strings.TrimSpace(s)) {
		return "", badPart(quoteShort(s), "link.usage")
	}
	u, err := userArg(s)
	if err != nil {
		return "", err
	}
	if licensing.IsObjectID(u) {
		return "", badPart(quoteShort(s), "link.usage")
	}
	return u, nil
}

// linkStatusOrUnlink reads link status and unlink: nothing (the caller's own link) or one
// person, by mention or by address.
func linkStatusOrUnlink(verb Verb, part string, args []string) (Command, error) {
	switch {
	case len(args) == 0:
		return Command{Verb: verb}, nil
	case len(args) > 1 || strings.HasPrefix(args[0], "-"):
		return Command{}, badPart(part, "link.whose_usage")
	}
	u, err := userArg(args[0])
	if err != nil {
		return Command{}, err
	}
	if licensing.IsObjectID(u) {
		return Command{}, badPart(quoteShort(args[0]), "link.whose_usage")
	}
	return Command{Verb: verb, Whose: u}, nil
}

// texts are the words as typed.
func texts(ws []word) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.text
	}
	return out
}

// dotlessI reads Turkish İ and ı as i in an address: Entra user principal names are ASCII,
// and a Turkish keyboard types "İ" for a capital i (ALİCE@…) and "ı" for a lower-case I,
// which would otherwise match no user.
var dotlessI = strings.NewReplacer("İ", "i", "ı", "i")

func quoteShort(s string) string {
	r := []rune(s)
	if len(r) > 60 {
		s = string(r[:60]) + "…"
	}
	return fmt.Sprintf("%q", s)
}

type word struct {
	text   string
	quoted bool
}

func (w word) flag() bool { return !w.quoted && strings.HasPrefix(w.text, "-") && len(w.text) > 1 }

// Chat clients turn typed quotes into typographic ones on their own, so every common
// opening quote closes with its partners.
var closingQuotes = map[rune]string{
	'"':      "\"“”",
	'\'':     "'‘’",
	'“':      "”\"“",
	'”':      "”\"“",
	'„':      "“”\"",
	'‘':      "’'‘",
	'’':      "’'‘",
	'«':      "»",
	'»':      "«",
	'\u201a': "’‘'",
}

// split cuts text into words, honouring straight and typographic quotes. A quote opens only
// at the start of a word or right after "=" in --flag=value, so an apostrophe inside an
// address (o'brien@contoso.com) stays literal. A word that starts with a quote is never a flag.
func split(text string) ([]word, error) {
	var (
		words  []word
		cur    strings.Builder
		in     bool // inside a word
		quoted bool // the current word started with a quote
		quote  string
		qpos   int
	)
	runes := []rune(text)
	for i, r := range runes {
		switch {
		case quote != "":
			if strings.ContainsRune(quote, r) {
				quote = ""
			} else {
				cur.WriteRune(r)
			}
		case unicode.IsSpace(r):
			if in {
				words = append(words, word{text: cur.String(), quoted: quoted})
				cur.Reset()
				in, quoted = false, false
			}
		case closingQuotes[r] != "" && (!in || strings.HasSuffix(cur.String(), "=")):
			quote, qpos = closingQuotes[r], i
			if !in {
				quoted = true
			}
			in = true
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if quote != "" {
		return nil, badPart("quote", "parse.unclosed_quote", "Position", qpos+1)
	}
	if in {
		words = append(words, word{text: cur.String(), quoted: quoted})
	}
	return words, nil
}

// IsQuickCommand reports whether a command is answered from a few reads at most (help, show,
// status, or a mistake in it): chat adapters run those in their own slots, so that they are
// never queued behind plans of hundreds of users (bot.Work.GoQuick). Undo and removals plan,
// and are not quick.
func IsQuickCommand(text string) bool {
	return IsQuick(bot.Command{Text: text})
}

// IsQuick is IsQuickCommand for a command as a platform delivers it: its Args when it came
// structured, else its text.
func IsQuick(cmd bot.Command) bool {
	var c Command
	var err error
	if cmd.Args != nil {
		c, err = FromArgs(*cmd.Args, 0)
	} else {
		c, err = Parse(cmd.Text, 0)
	}
	if err != nil {
		return true
	}
	switch c.Verb {
	case VerbHelp, VerbShow, VerbStatus, VerbLinkStatus:
		return true
	}
	return false
}

// leaver reads /unassign leaver <user> [--reason …] [--dry-run]: one user, every license.
func leaver(words []word, maxTargets int) (Command, error) {
	return asLeaver(parseRemoval(words, maxTargets, 0))
}

// asLeaver makes a removal read for a leaver (typed or structured) a leaver's: one user, no
// product named (every license goes), no group or holders.
func asLeaver(cmd Command, err error) (Command, error) {
	switch {
	case err != nil:
		var pe *ParseError
		if errors.As(err, &pe) && pe.Problem == "parse.which_licenses" {
			return Command{}, badPart("leaver", "parse.leaver_usage")
		}
		return Command{}, err
	case len(cmd.Users) != 1 || len(cmd.Products) > 0 || cmd.All || cmd.Group != "" || cmd.Holders:
		return Command{}, badPart("leaver", "parse.leaver_usage")
	}
	cmd.All, cmd.Leaver = true, true
	return cmd, nil
}

// The bounds of values typed after options (the same whether typed or structured).
const (
	maxGroupLength = 256  // a group's display name
	maxAtLength    = 40   // a time after --at
	maxDays        = 3650 // inactive <days>
)

// inactiveDays reports whether n can be the days of inactive <days>.
func inactiveDays(n int) bool { return n >= 1 && n <= maxDays }

// structuredRemoval fills what every structured removal carries (its products, reason, dry
// run and time) with the checks Parse makes of the typed options.
func structuredRemoval(cmd Command, a bot.Args) (Command, error) {
	for _, p := range a.Products {
		if p = strings.TrimSpace(p); p != "" {
			cmd.Products = append(cmd.Products, p)
		}
	}
	cmd.DryRun = a.DryRun
	if cmd.At = strings.TrimSpace(a.At); len(cmd.At) > maxAtLength {
		return Command{}, badPart("at", "parse.at_too_long")
	}
	var err error
	if cmd.Reason, err = reasonArg("--reason", a.Reason); err != nil {
		return Command{}, err
	}
	return cmd, nil
}
