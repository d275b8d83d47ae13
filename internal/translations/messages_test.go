package translations

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// recorder is a testing.TB that keeps what a check reports.
type recorder struct {
	testing.TB
	reports []string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Error(a ...any)            { r.reports = append(r.reports, fmt.Sprint(a...)) }
func (r *recorder) Errorf(f string, a ...any) { r.reports = append(r.reports, fmt.Sprintf(f, a...)) }
func (r *recorder) Fatal(a ...any)            { r.Error(a...); runtime.Goexit() }
func (r *recorder) Fatalf(f string, a ...any) { r.Errorf(f, a...); runtime.Goexit() }

// reports runs a check and returns what it reported.
func reports(check func(t testing.TB)) []string {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		check(r)
	}()
	<-done
	return r.reports
}

// module writes Go files into a new directory: a module's code, as the checks read it.
func module(t *testing.T, files map[string]string) string {
	dir := t.TempDir()
	for name, src := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func catalogue(en, tr string) fstest.MapFS {
	return fstest.MapFS{"en.toml": {Data: []byte(en)}, "tr.toml": {Data: []byte(tr)}}
}

func wantReports(t *testing.T, got []string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !slices.ContainsFunc(got, func(g string) bool { return strings.Contains(g, w) }) {
			t.Errorf("no report of %q in:\n  %s", w, strings.Join(got, "\n  "))
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d reports, want %d:\n  %s", len(got), len(want), strings.Join(got, "\n  "))
	}
}

const code = `package p

func f(l interface{ T(string, ...any) string }) {
	l.T("a.hello", "Name", "x")
	l.T("a.count", "Count", 3)
}
`

func TestAGoodCatalogueIsAccepted(t *testing.T) {
	t.Parallel()
	files := catalogue(
		"[a]\nhello = \"Hello {{.Name}}\"\ncount = { one = \"{{.Count}} thing\", other = \"{{.Count}} things\" }\n",
		"[a]\n# A comment.\nhello = \"Merhaba {{.Name}}\"\ncount = { one = \"{{.Count}} şey\", other = \"{{.Count}} şey\" }\n")
	root := module(t, map[string]string{"p/p.go": code})
	wantReports(t, reports(func(t testing.TB) { CheckCatalogue(t, files, root) }))
	wantReports(t, reports(func(t testing.TB) {
		CheckMessages(t, Source{Dir: filepath.Join(root, "p"), Calls: map[string][]int{"T": {0}}, Min: 2}, files)
	}))
}

func TestCatalogueFilesThatDisagreeAreReported(t *testing.T) {
	t.Parallel()
	files := catalogue(
		"[a]\nhello = \"Hello {{.Name}}\"\ncount = { one = \"{{.Count}} thing\", other = \"{{.Count}} things\" }\n"+
			"only_en = \"x\"\nodd = \"{{.Name | printf \\\"%q\\\"}}\"\nstale = \"nobody says this\"\n",
		"[a]\nhello = \"Merhaba {{.Nme}}\"\ncount = \"{{.Count}} şey\"\nodd = \"{{.Name}}\"\nstale = \"x\"\n")
	root := module(t, map[string]string{
		"p/p.go":          code + "var _ = []string{\"a.only_en\", \"a.odd\"}\n",
		"p/p_test.go":     "package p\n\nvar _ = \"a.stale\" // tests don't count\n",
		"testdata/x.go":   "package x\n\nvar _ = \"a.stale\"\n",
		"p/comment_ok.go": "package p\n\n// a.stale in a comment doesn't count either\n",
	})
	wantReports(t, reports(func(t testing.TB) { CheckCatalogue(t, files, root) }),
		"tr: no a.only_en",
		"a.hello: placeholders [Name] in en, [Nme] in tr",
		"tr: a.count has the plural forms [other]; tr's are [one other]",
		"en: a.odd (other): {{.Name | printf \"%q\"}}: only placeholders",
		"a.odd: placeholders [] in en, [Name] in tr",
		"a.stale is in the catalogue but no code uses it")
}

func TestCodeThatUsesAMessageWronglyIsReported(t *testing.T) {
	t.Parallel()
	files := catalogue("[a]\nhello = \"Hello {{.Name}}\"\n", "[a]\nhello = \"Merhaba {{.Name}}\"\n")
	root := module(t, map[string]string{"p.go": `package p

func f(l interface{ T(string, ...any) string }, id string, args []any) {
	l.T("a.hello", "Nam", "x")
	l.T("a.goodbye")
	l.T(id)
	l.T("a.hello", args...)
}
`})
	s := Source{Dir: root, Calls: map[string][]int{"T": {0}}, Min: 1}
	wantReports(t, reports(func(t testing.TB) { CheckMessages(t, s, files) }),
		"a.hello given [Nam]; its placeholders in en are [Name]",
		"a.hello given [Nam]; its placeholders in tr are [Name]",
		"a.goodbye is in no en file",
		"a.goodbye is in no tr file",
		"the message id of T is not a string literal",
		"the placeholders of a.hello are not given as literal names and values")
	s.Variables = true
	wantReports(t, reports(func(t testing.TB) { CheckMessages(t, s, files) }),
		"a.hello given [Nam]; its placeholders in en are [Name]",
		"a.hello given [Nam]; its placeholders in tr are [Name]",
		"a.goodbye is in no en file",
		"a.goodbye is in no tr file")
	s.Min = 5
	wantReports(t, reports(func(t testing.TB) { CheckMessages(t, s, files) }), "the source scan is broken")
}
