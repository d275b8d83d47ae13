// Package translations checks, for a package's tests, that what its code says exists in
// every language licensebot speaks: the code is read with go/ast, so a message added
// without its translation, or with other placeholders, fails the build's tests instead of
// reaching a Turkish speaker in English or with a hole in a sentence. Only tests import it.
//
// Packages that speak through the message catalogue (the package locale: a file per
// language, keyed by message id) are checked by CheckMessages, and the catalogue's files by
// CheckCatalogue (messages.go). Packages that still keep their Turkish in a Go map keyed by
// the English sentence (bot and the chat adapters, until they move to the catalogue) are
// checked by Check.
package translations

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Source says where a package's code says its sentences.
type Source struct {
	// Dir is the package's directory ("." from its own test).
	Dir string
	// Calls maps a function's name to the indexes of its English arguments: {"say": {1}},
	// {"plural": {1, 2}}. Every call's English must be a literal, so that it can be
	// checked, unless Variables.
	Calls map[string][]int
	// Variables allows calls whose English is a variable: a sentence passed on (a stored
	// reason, a noun of plural), checked where its literal is written.
	Variables bool
	// Also are sentences said through constants (a usage text).
	Also []string
	// Keys are composite-literal keys whose literal value is a sentence ("Description").
	Keys []string
	// Skip are files not to read: the catalogue itself.
	Skip []string
	// Min is how many sentences the package says at least: fewer means the scan is broken.
	Min int
}

// Sentences reads the package's non-test files and returns each sentence with where it is
// said; problems are calls whose English isn't a literal.
func (s Source) Sentences() (said map[string]string, problems []string, err error) {
	files, err := filepath.Glob(filepath.Join(s.Dir, "*.go"))
	if err != nil {
		return nil, nil, err
	}
	fset := token.NewFileSet()
	said = map[string]string{}
	for _, a := range s.Also {
		said[a] = "a constant"
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || slices.Contains(s.Skip, filepath.Base(f)) {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, err
		}
		file, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			return nil, nil, err
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				var name string
				switch fn := n.Fun.(type) {
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				case *ast.Ident:
					name = fn.Name
				}
				for _, i := range s.Calls[name] {
					if i >= len(n.Args) {
						continue
					}
					where := fset.Position(n.Args[i].Pos()).String()
					if text, ok := literal(n.Args[i]); ok {
						said[text] = where
					} else if !s.Variables {
						problems = append(problems, where+": the English of "+name+" is not a string literal, so its Turkish can't be checked")
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && slices.Contains(s.Keys, k.Name) {
					if text, ok := literal(n.Value); ok {
						said[text] = fset.Position(n.Value.Pos()).String()
					}
				}
			}
			return true
		})
	}
	return said, problems, nil
}

func literal(e ast.Expr) (string, bool) {
	b, ok := e.(*ast.BasicLit)
	if !ok || b.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(b.Value)
	return s, err == nil
}

var placeholder = regexp.MustCompile(`%[-+# 0]*[0-9]*(\.[0-9]+)?[a-zA-Z%]`)

// Check fails t unless every sentence the package says has its Turkish, with the same
// placeholders in the same order, and the Turkish has nothing the code no longer says.
func Check(t testing.TB, s Source, turkish map[string]string) {
	t.Helper()
	said, problems, err := s.Sentences()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	if len(said) < s.Min {
		t.Fatalf("found only %d sentences, expected at least %d: the source scan is broken", len(said), s.Min)
	}
	var missing []string
	for en, where := range said {
		tr, ok := turkish[en]
		if !ok {
			missing = append(missing, where+": "+strconv.Quote(en))
			continue
		}
		if a, b := placeholder.FindAllString(en, -1), placeholder.FindAllString(tr, -1); !slices.Equal(a, b) {
			t.Errorf("%s: placeholders %v in English, %v in Turkish:\n  %q\n  %q", where, a, b, en, tr)
		}
		if strings.TrimSpace(tr) == "" {
			t.Errorf("%s: empty Turkish for %q", where, en)
		}
	}
	slices.Sort(missing)
	for _, m := range missing {
		t.Errorf("no Turkish for %s", m)
	}
	for en := range turkish {
		if _, ok := said[en]; !ok {
			t.Errorf("Turkish for a sentence the code no longer says: %q", en)
		}
	}
}
