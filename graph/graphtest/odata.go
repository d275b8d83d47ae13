package graphtest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// selection is a parsed $select: nil means "the default property set".
type selection map[string]bool

func parseSelect(raw string) selection {
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	sel := selection{}
	for _, p := range strings.Split(raw, ",") {
		if p = strings.TrimSpace(p); p != "" {
			sel[strings.ToLower(p)] = true
		}
	}
	return sel
}

// filterExpr is a parsed $filter of the subset the bot sends: comparisons `property eq
// literal` combined with `and`, `or` and parentheses.
type filterExpr interface {
	eval(lookup func(property string) (value string, null bool)) bool
}

type eqExpr struct {
	property string // lower-case
	value    string
	null     bool // the literal was null
}

func (e eqExpr) eval(lookup func(string) (string, bool)) bool {
	v, null := lookup(e.property)
	if e.null || null {
		return e.null && null
	}
	// Directory string comparisons are case-insensitive, as Graph's are for these properties.
	return strings.EqualFold(v, e.value)
}

type boolExpr struct {
	and         bool
	left, right filterExpr
}

func (e boolExpr) eval(lookup func(string) (string, bool)) bool {
	if e.and {
		return e.left.eval(lookup) && e.right.eval(lookup)
	}
	return e.left.eval(lookup) || e.right.eval(lookup)
}

// errUnsupportedProperty marks a syntactically fine filter on a property the resource does
// not support filtering on.
var errUnsupportedProperty = errors.New("unsupported property")

// parseFilter parses an OData $filter. String literals are single-quoted, a quote inside one
// is written twice ('O”Neil'), as OData's ABNF specifies. properties are the names the
// resource can be filtered on (lower-case).
func parseFilter(raw string, properties []string) (filterExpr, error) {
	toks, err := tokenize(raw)
	if err != nil {
		return nil, err
	}
	p := &filterParser{toks: toks, properties: properties}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("syntax error at position %d in '%s'", p.toks[p.pos].pos, raw)
	}
	return e, nil
}

type token struct {
	text   string
	quoted bool // a string literal; text is unescaped
	pos    int
}

func tokenize(s string) ([]token, error) {
	var toks []token
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '(' || r == ')':
			toks = append(toks, token{text: string(r), pos: i})
			i++
		case r == '\'':
			start := i
			var b strings.Builder
			i++
			closed := false
			for i < len(rs) {
				if rs[i] == '\'' {
					if i+1 < len(rs) && rs[i+1] == '\'' {
						b.WriteRune('\'')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				b.WriteRune(rs[i])
				i++
			}
			if !closed {
				return nil, fmt.Errorf("unterminated string literal at position %d", start)
			}
			toks = append(toks, token{text: b.String(), quoted: true, pos: start})
		case isWordRune(r):
			start := i
			for i < len(rs) && isWordRune(rs[i]) {
				i++
			}
			toks = append(toks, token{text: string(rs[start:i]), pos: start})
		default:
			return nil, fmt.Errorf("syntax error: character '%c' is not valid at position %d", r, i)
		}
	}
	return toks, nil
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("_.-/@$:", r)
}

type filterParser struct {
	toks       []token
	pos        int
	properties []string
}

func (p *filterParser) peekWord(word string) bool {
	return p.pos < len(p.toks) && !p.toks[p.pos].quoted && strings.EqualFold(p.toks[p.pos].text, word)
}

func (p *filterParser) or() (filterExpr, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peekWord("or") {
		p.pos++
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		left = boolExpr{left: left, right: right}
	}
	return left, nil
}

func (p *filterParser) and() (filterExpr, error) {
	left, err := p.comparison()
	if err != nil {
		return nil, err
	}
	for p.peekWord("and") {
		p.pos++
		right, err := p.comparison()
		if err != nil {
			return nil, err
		}
		left = boolExpr{and: true, left: left, right: right}
	}
	return left, nil
}

func (p *filterParser) comparison() (filterExpr, error) {
	if p.pos >= len(p.toks) {
		return nil, errors.New("syntax error: expression expected at the end of the filter")
	}
	if t := p.toks[p.pos]; !t.quoted && t.text == "(" {
		p.pos++
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.pos >= len(p.toks) || p.toks[p.pos].text != ")" || p.toks[p.pos].quoted {
			return nil, errors.New("syntax error: ')' expected")
		}
		p.pos++
		return e, nil
	}
	if t := p.toks[p.pos]; !t.quoted && strings.EqualFold(t.text, "assignedLicenses/any") {
		return p.anyLicense()
	}
	if p.pos+2 >= len(p.toks) {
		return nil, fmt.Errorf("syntax error: incomplete comparison at position %d", p.toks[p.pos].pos)
	}
	prop, op, lit := p.toks[p.pos], p.toks[p.pos+1], p.toks[p.pos+2]
	if prop.quoted || !strings.EqualFold(op.text, "eq") || op.quoted {
		return nil, fmt.Errorf("syntax error at position %d: only 'property eq value' comparisons are supported", prop.pos)
	}
	name := strings.ToLower(prop.text)
	known := false
	for _, q := range p.properties {
		known = known || q == name
	}
	if !known {
		return nil, fmt.Errorf("%w '%s'", errUnsupportedProperty, prop.text)
	}
	p.pos += 3
	switch {
	case lit.quoted:
		return eqExpr{property: name, value: lit.text}, nil
	case strings.EqualFold(lit.text, "null"):
		return eqExpr{property: name, null: true}, nil
	case lit.text == "(" || lit.text == ")":
		return nil, fmt.Errorf("syntax error at position %d: a value is expected", lit.pos)
	default:
		// true, false, numbers and GUIDs are written bare in OData.
		return eqExpr{property: name, value: lit.text}, nil
	}
}

// anyLicenseExpr is the lambda `assignedLicenses/any(x:x/skuId eq <guid>)`: the user holds the
// product by any path (Graph's assignedLicenses lists products inherited from groups too).
type anyLicenseExpr struct{ skuID string }

func (e anyLicenseExpr) eval(lookup func(string) (string, bool)) bool {
	held, _ := lookup("assignedlicenses")
	for _, id := range strings.Split(held, ",") {
		if strings.EqualFold(id, e.skuID) {
			return true
		}
	}
	return false
}

// anyLicense parses `assignedLicenses/any ( v:v/skuId eq <guid> )`, the only lambda the bot
// sends; the GUID is an unquoted Edm.Guid literal, as OData writes them.
func (p *filterParser) anyLicense() (filterExpr, error) {
	if !slices.Contains(p.properties, "assignedlicenses") {
		return nil, fmt.Errorf("%w assignedLicenses", errUnsupportedProperty)
	}
	if p.pos+5 >= len(p.toks) {
		return nil, errors.New("syntax error: incomplete lambda")
	}
	open, v, op, lit, closing := p.toks[p.pos+1], p.toks[p.pos+2], p.toks[p.pos+3], p.toks[p.pos+4], p.toks[p.pos+5]
	name, path, ok := strings.Cut(v.text, ":")
	if open.text != "(" || closing.text != ")" || !ok || !strings.EqualFold(path, name+"/skuId") || !strings.EqualFold(op.text, "eq") || lit.quoted {
		return nil, fmt.Errorf("syntax error in the lambda at position %d", p.toks[p.pos].pos)
	}
	p.pos += 6
	return anyLicenseExpr{skuID: strings.ToLower(lit.text)}, nil
}
