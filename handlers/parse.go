package handlers

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
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
)

// Command is /unassign parsed: nothing in it has been looked up yet.
type Command struct {
	Verb      Verb
	Users     []string // as typed, validated in shape only
	Products  []string // as typed
	All       bool
	Reason    string
	DryRun    bool
	RequestID string // for status and undo
}

// ParseError names the part of the input that is wrong and what is wrong with it; its
// Error is a sentence for the admin, followed by the syntax.
type ParseError struct {
	Part string
	// Problem is a sentence of this package, said through lang.T with args.
	Problem string
	args    []any
	// More are the other parts wrong the same way (every bad address of a command is
	// named at once, so the admin fixes them all in one go).
	More []*ParseError
}

func (e *ParseError) Error() string { return e.in(english) }

// maxNamedProblems bounds how many wrong parts one answer names.
const maxNamedProblems = 20

// in says the error in l.
func (e *ParseError) in(l lang) string {
	problem := l.T(e.Problem, e.args...)
	if e.Part != "" {
		problem = e.Part + ": " + problem
	}
	for i, m := range e.More {
		if i == maxNamedProblems-1 {
			problem += "; " + l.T("and %d more", len(e.More)-i)
			break
		}
		problem += "; " + m.in(l)
	}
	return problem
}

// Usage is the syntax, shown with every parse error and by help.
const Usage = "/unassign <user> [<user> ...] --product \"<product>\" [--product ...] [--reason \"<text>\"] [--dry-run]\n" +
	"/unassign <user> [<user> ...] --all [--reason \"<text>\"] [--dry-run]\n" +
	"/unassign <user>                 (shows that user's licenses to pick from)\n" +
	"/unassign show <user>\n" +
	"/unassign status <request-id>\n" +
	"/unassign undo <request-id>      (gives back what that request removed, within 30 days)\n" +
	"/unassign help"

var (
	// Slack, with escaping on, sends a typed address as <mailto:a@b|a@b>.
	slackMailto = regexp.MustCompile(`^<mailto:([^|>]+)(\|[^>]*)?>$`)
	idPattern   = regexp.MustCompile(`^[a-z0-9]{16,64}$`)
)

// IsUserQuery reports whether s can be a UPN, an e-mail address or an object id: the one
// rule (licensing.CheckAddress) the Graph adapter applies too, so that no user input
// reaches Graph that could not be an address.
func IsUserQuery(s string) bool {
	return licensing.IsObjectID(s) || licensing.CheckAddress(s) == licensing.AddressOK
}

// addressProblems are the reasons an address is refused, in words (lang.T).
var addressProblems = map[licensing.AddressProblem]string{
	licensing.AddressNotOneAt:         "is not a user: give a UPN, an e-mail address or an object id",
	licensing.AddressTooLong:          "is longer than an address can be",
	licensing.AddressLocalEmpty:       "has nothing before the @",
	licensing.AddressLocalTooLong:     "has more than 64 characters before the @",
	licensing.AddressLocalDotEnds:     "starts or ends with a dot before the @",
	licensing.AddressLocalDoubleDot:   "has two dots in a row before the @",
	licensing.AddressLocalCharacter:   "has a character an address can't have before the @ (a space, a quote, a comma…)",
	licensing.AddressDomainNoDot:      "has no dot after the @",
	licensing.AddressDomainEmptyLabel: "has two dots in a row, or a dot at an end, after the @",
	licensing.AddressDomainLabel:      "has a part after the @ that a domain name can't have (a hyphen at an end, a character other than letters, digits and hyphens, or more than 63 characters)",
}

// maxCommandLength bounds the work a single command can cause in the parser: room for
// 1,000 addresses pasted from a spreadsheet.
const maxCommandLength = 64 << 10

// Parse reads the text after "/unassign". maxTargets bounds the number of users (0: no bound).
func Parse(text string, maxTargets int) (Command, error) {
	if len(text) > maxCommandLength {
		return Command{}, &ParseError{Problem: "the command is longer than %d characters", args: []any{maxCommandLength}}
	}
	words, err := split(text)
	if err != nil {
		return Command{}, err
	}
	if len(words) == 0 {
		return Command{Verb: VerbHelp}, nil
	}
	switch strings.ToLower(dotlessI.Replace(words[0].text)) {
	case "help", "-h", "--help":
		if !words[0].quoted {
			return Command{Verb: VerbHelp}, nil
		}
	case "show":
		if !words[0].quoted {
			if len(words) != 2 || words[1].flag() {
				return Command{}, &ParseError{Part: "show", Problem: "takes exactly one user, e.g. /unassign show alice@contoso.com"}
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
				return Command{}, &ParseError{Part: "status", Problem: "takes one request id, as shown under the request, e.g. /unassign status 7k2m…"}
			}
			return Command{Verb: VerbStatus, RequestID: words[1].text}, nil
		}
	case "undo":
		if !words[0].quoted {
			if len(words) != 2 || !idPattern.MatchString(words[1].text) {
				return Command{}, &ParseError{Part: "undo", Problem: "takes one request id, as shown under the outcome of a removal, e.g. /unassign undo 7k2m…"}
			}
			return Command{Verb: VerbUndo, RequestID: words[1].text}, nil
		}
	}

	cmd := Command{Verb: VerbUnassign}
	seenUser := map[string]bool{}
	var badUsers *ParseError
	for i := 0; i < len(words); i++ {
		w := words[i]
		if !w.flag() {
			u, err := userArg(w.text)
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
			continue
		}
		name, value, hasValue := strings.Cut(w.text, "=")
		needValue := func() (string, error) {
			if hasValue {
				if strings.TrimSpace(value) == "" {
					return "", &ParseError{Part: name, Problem: "needs a value"}
				}
				return value, nil
			}
			if i+1 >= len(words) || words[i+1].flag() {
				return "", &ParseError{Part: name, Problem: "needs a value"}
			}
			i++
			if strings.TrimSpace(words[i].text) == "" {
				return "", &ParseError{Part: name, Problem: "needs a value"}
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
				return Command{}, &ParseError{Part: name, Problem: "takes no value"}
			}
			cmd.All = true
		case "--reason", "-r":
			v, err := needValue()
			if err != nil {
				return Command{}, err
			}
			if cmd.Reason != "" {
				return Command{}, &ParseError{Part: name, Problem: "given twice"}
			}
			if len(v) > 500 {
				return Command{}, &ParseError{Part: name, Problem: "is longer than 500 characters"}
			}
			cmd.Reason = strings.TrimSpace(v)
		case "--dry-run", "-n":
			if hasValue {
				return Command{}, &ParseError{Part: name, Problem: "takes no value"}
			}
			cmd.DryRun = true
		default:
			return Command{}, &ParseError{Part: name, Problem: "is not an option of /unassign (the options are --product, --all, --reason and --dry-run)"}
		}
	}
	switch {
	case badUsers != nil:
		return Command{}, badUsers
	case len(cmd.Users) == 0:
		return Command{}, &ParseError{Problem: "name at least one user (UPN, e-mail address or object id)"}
	case cmd.All && len(cmd.Products) > 0:
		return Command{}, &ParseError{Part: "--all", Problem: "can't be used with --product: choose one"}
	case len(cmd.Products) == 0 && !cmd.All && len(cmd.Users) > 1:
		return Command{}, &ParseError{Problem: "with several users, say which licenses go: --product \"<product>\" or --all"}
	case maxTargets > 0 && len(cmd.Users) > maxTargets:
		return Command{}, &ParseError{Problem: "%d users named; one request takes at most %d", args: []any{len(cmd.Users), maxTargets}}
	}
	return cmd, nil
}

// userArg reads one user as typed: an object id, an address, or a mention of a person (kept
// as typed: the handlers ask the platform for the address only once the caller may act), or
// an error that names it and says what is wrong with it.
func userArg(s string) (string, *ParseError) {
	if bot.IsMention(strings.TrimSpace(s)) {
		return strings.TrimSpace(s), nil
	}
	if m := slackMailto.FindStringSubmatch(s); m != nil {
		s = m[1]
	}
	s = dotlessI.Replace(strings.TrimSpace(s))
	if licensing.IsObjectID(s) {
		return s, nil
	}
	if p := licensing.CheckAddress(s); p != licensing.AddressOK {
		return "", &ParseError{Part: quoteShort(s), Problem: addressProblems[p]}
	}
	return s, nil
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
		return nil, &ParseError{Part: "quote", Problem: "the quote opened at character %d is never closed", args: []any{qpos + 1}}
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
	c, err := Parse(text, 0)
	if err != nil {
		return true
	}
	switch c.Verb {
	case VerbHelp, VerbShow, VerbStatus:
		return true
	}
	return false
}
