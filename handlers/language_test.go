package handlers

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
	"time"
)

// sentences are the English sentences this package's code says, read from its source: the
// literal format of every T, say and because call, both nouns of every plural, every
// ParseError's Problem, and Usage.
func sentences(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	out := map[string]string{Usage: "Usage"}
	lit := func(e ast.Expr) (string, bool) {
		b, ok := e.(*ast.BasicLit)
		if !ok || b.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(b.Value)
		return s, err == nil
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "turkish.go" {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			t.Fatal(err)
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
				var args []ast.Expr
				switch name {
				case "T", "because":
					args = n.Args[:min(1, len(n.Args))]
				case "say":
					if len(n.Args) > 1 {
						args = n.Args[1:2]
					}
				case "plural":
					if len(n.Args) == 3 {
						args = n.Args[1:]
					}
				case "failAll":
					if len(n.Args) > 2 {
						args = n.Args[2:3]
					}
				}
				for _, a := range args {
					if s, ok := lit(a); ok {
						out[s] = fset.Position(a.Pos()).String()
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Problem" {
					if s, ok := lit(n.Value); ok {
						out[s] = fset.Position(n.Pos()).String()
					}
				}
			}
			return true
		})
	}
	return out
}

var placeholder = regexp.MustCompile(`%[-+# 0]*[0-9]*(\.[0-9]+)?[a-zA-Z%]`)

// Every sentence has its Turkish, with the same placeholders in the same order, and the
// Turkish catalogue has nothing the code no longer says.
func TestTurkishCatalogueIsComplete(t *testing.T) {
	said := sentences(t)
	if len(said) < 100 {
		t.Fatalf("found only %d sentences: the source scan is broken", len(said))
	}
	var missing []string
	for en, where := range said {
		tr, ok := turkishText[en]
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
	for en := range turkishText {
		if _, ok := said[en]; !ok {
			t.Errorf("Turkish for a sentence the code no longer says: %q", en)
		}
	}
}

func TestLanguageOfALocale(t *testing.T) {
	for _, c := range []struct {
		locale string
		want   lang
	}{
		{"tr-TR", turkish}, {"tr", turkish}, {"TR_tr", turkish}, {"en-US", english}, {"en-GB", english},
		{"de-DE", turkish}, // falls back to the default given below
		{"", turkish},
	} {
		if got := langOf(c.locale, turkish); got != c.want {
			t.Errorf("langOf(%q) = %s, want %s", c.locale, got, c.want)
		}
	}
}

func TestDatesAndNumbersInTurkish(t *testing.T) {
	ist, _ := time.LoadLocation("Europe/Istanbul")
	at := time.Date(2026, 12, 29, 9, 30, 0, 0, time.UTC)
	if got := turkish.date(at, ist); got != "Sal 29 Ara 2026" {
		t.Errorf("date %q", got)
	}
	if got := english.date(at, ist); got != "Tue 29 Dec 2026" {
		t.Errorf("date %q", got)
	}
	if got := turkish.plural(1000, "user", "users"); got != "1.000 kullanıcı" {
		t.Errorf("plural %q", got)
	}
	if got := english.plural(1000, "user", "users"); got != "1,000 users" {
		t.Errorf("plural %q", got)
	}
	if got := turkish.joinAnd([]string{"a", "b", "c"}); got != "a, b ve c" {
		t.Errorf("joinAnd %q", got)
	}
}
