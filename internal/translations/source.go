// Package translations checks, for a package's tests, that what its code says exists in
// every language licensebot speaks: the code is read with go/ast, so a message added
// without its translation, or with other placeholders, fails the build's tests instead of
// reaching a Turkish speaker in English or with a hole in a sentence. Only tests import it.
//
// Every package that speaks (handlers, bot and the chat platforms) speaks through the
// message catalogue (the package locale: a file per language, keyed by message id) and is
// checked by CheckMessages; the catalogue's files are checked by CheckCatalogue
// (messages.go).
package translations

import (
	"go/ast"
	"go/token"
	"strconv"
)

// Source says where a package's code says its messages.
type Source struct {
	// Dir is the package's directory ("." from its own test).
	Dir string
	// Calls maps a function's name to the index of its message id, its one index:
	// {"T": {0}}, {"say": {1}}. The arguments after the id are the placeholders' names and
	// values, in pairs. Every call's id and names must be literals, so that they can be
	// checked, unless Variables.
	Calls map[string][]int
	// Variables allows calls whose id or names are variables: an id passed on (a stored
	// reason, a description), checked where its literal is written (Also, Keys).
	Variables bool
	// Also are ids said through variables (a table of ids).
	Also []string
	// Keys are composite-literal keys whose literal value is a message id ("Description").
	Keys []string
	// Skip are files not to read.
	Skip []string
	// Min is how many message ids the package uses at least: fewer means the scan is broken.
	Min int
}

// literal is the value of a string literal; ok is false for any other expression.
func literal(e ast.Expr) (string, bool) {
	b, ok := e.(*ast.BasicLit)
	if !ok || b.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(b.Value)
	return s, err == nil
}
