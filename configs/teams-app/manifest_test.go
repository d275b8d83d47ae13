package teamsapp

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// appID is a real-looking Microsoft App ID (random, version 4).
const appID = "7f3c9a2e-4b1d-4e8a-9c6f-2d5b8e1a0c47"

// schemaFile is Microsoft's JSON schema for the manifest's version (testdata/SOURCES.md);
// schemaURL is where Microsoft publishes it, the manifest's "$schema".
const (
	schemaFile = "testdata/MicrosoftTeams.schema.json"
	schemaURL  = "https://developer.microsoft.com/json-schemas/teams/v1.30/MicrosoftTeams.schema.json"
)

// validator checks a manifest against Microsoft's schema, read two ways, and against what
// the schema says only in words.
type validator struct {
	// declared reads the schema as the draft it declares (draft-04), exactly as published.
	declared *jsonschema.Schema
	// strict reads the same schema as draft-07: Microsoft's file uses keywords draft-04 does
	// not have ("const" for manifestVersion, "if"/"then"), which a draft-04 validator ignores.
	strict *jsonschema.Schema
	// manifestVersion is the schema's const for "manifestVersion".
	manifestVersion string
	// semver is the schema's definitions.semver pattern: "version" "must follow the semver
	// standard", says the schema's description, though its property checks only the length.
	semver *regexp.Regexp
	// unsupported are the schema's patterns Go's regexp can't compile (regexpEngine).
	unsupported []string
}

// regexpEngine compiles the schema's patterns with Go's regexp. Patterns are ECMAScript
// regular expressions; one Go can't compile (the look-ahead in the Office add-in extensions'
// xll "fileName", which licensebot's manifest doesn't have) matches nothing, so that a
// manifest reaching it would fail, never pass unchecked. It is noted in *skipped.
func regexpEngine(skipped *[]string) jsonschema.RegexpEngine {
	return func(s string) (jsonschema.Regexp, error) {
		re, err := regexp.Compile(s)
		if err != nil {
			if !slices.Contains(*skipped, s) {
				*skipped = append(*skipped, s)
			}
			return unsupported(s), nil
		}
		return re, nil
	}
}

// unsupported is a pattern Go's regexp can't compile: it matches nothing.
type unsupported string

func (u unsupported) String() string          { return string(u) }
func (u unsupported) MatchString(string) bool { return false }

// theValidator is read from schemaFile once.
var theValidator = sync.OnceValues(loadValidator)

func newValidator(t *testing.T) *validator {
	t.Helper()
	v, err := theValidator()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func loadValidator() (*validator, error) {
	raw, err := os.ReadFile(schemaFile)
	if err != nil {
		return nil, err
	}
	v := &validator{}
	compile := func(draft string) (*jsonschema.Schema, error) {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		if draft != "" {
			doc.(map[string]any)["$schema"] = draft
		}
		c := jsonschema.NewCompiler()
		c.UseRegexpEngine(regexpEngine(&v.unsupported))
		if err := c.AddResource(schemaURL, doc); err != nil {
			return nil, err
		}
		s, err := c.Compile(schemaURL)
		if err != nil {
			return nil, fmt.Errorf("compiling %s: %w", schemaFile, err)
		}
		return s, nil
	}
	var doc struct {
		Schema     string `json:"$schema"`
		Properties struct {
			ManifestVersion struct {
				Const string `json:"const"`
			} `json:"manifestVersion"`
		} `json:"properties"`
		Definitions struct {
			Semver struct {
				Pattern string `json:"pattern"`
			} `json:"semver"`
		} `json:"definitions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	if doc.Schema != "http://json-schema.org/draft-04/schema#" {
		return nil, fmt.Errorf("%s declares %q; this test reads it as draft-04 and as draft-07", schemaFile, doc.Schema)
	}
	if doc.Properties.ManifestVersion.Const == "" || doc.Definitions.Semver.Pattern == "" {
		return nil, fmt.Errorf("%s has no manifestVersion const or semver pattern", schemaFile)
	}
	if v.declared, err = compile(""); err != nil {
		return nil, err
	}
	if v.strict, err = compile("http://json-schema.org/draft-07/schema#"); err != nil {
		return nil, err
	}
	v.manifestVersion = doc.Properties.ManifestVersion.Const
	if v.semver, err = regexp.Compile(doc.Definitions.Semver.Pattern); err != nil {
		return nil, err
	}
	return v, nil
}

// validate returns every way the manifest m (its JSON) breaks the schema.
func (v *validator) validate(m []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(m))
	if err != nil {
		return err
	}
	var errs []string
	if err := v.declared.Validate(inst); err != nil {
		errs = append(errs, "draft-04: "+err.Error())
	}
	if err := v.strict.Validate(inst); err != nil {
		errs = append(errs, "draft-07: "+err.Error())
	}
	var head struct {
		Schema          string `json:"$schema"`
		ManifestVersion string `json:"manifestVersion"`
		Version         string `json:"version"`
	}
	if err := json.Unmarshal(m, &head); err != nil {
		return err
	}
	if head.Schema != schemaURL {
		errs = append(errs, fmt.Sprintf("$schema is %q, not the schema tested against, %s", head.Schema, schemaURL))
	}
	if head.ManifestVersion != v.manifestVersion {
		errs = append(errs, fmt.Sprintf("manifestVersion is %q, not the schema's %q", head.ManifestVersion, v.manifestVersion))
	}
	if !v.semver.MatchString(head.Version) {
		errs = append(errs, fmt.Sprintf("version %q is not semver (major.minor.patch)", head.Version))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return nil
}

func placeholderManifest(t *testing.T) []byte {
	t.Helper()
	raw, err := app.ReadFile(manifestFile)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestManifestValidatesAgainstMicrosoftsSchema(t *testing.T) {
	v := newValidator(t)
	for _, p := range v.unsupported {
		t.Logf("schema pattern %q: not RE2, matches nothing here", p)
	}
	if err := v.validate(placeholderManifest(t)); err != nil {
		t.Errorf("manifest.json (placeholder ids):\n%v", err)
	}
	m, err := Manifest(appID)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.validate(m); err != nil {
		t.Errorf("Manifest(%s):\n%v", appID, err)
	}
}

// TestValidatorBites proves the validation can fail: each broken manifest is refused.
func TestValidatorBites(t *testing.T) {
	v := newValidator(t)
	good, err := Manifest(appID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		mutate func(m map[string]any)
		// strictOnly: only the draft-07 reading catches it (draft-04 has no const).
		strictOnly bool
	}{
		{name: "version not semver", mutate: func(m map[string]any) { m["version"] = "x" }},
		{name: "version 1.0", mutate: func(m map[string]any) { m["version"] = "1.0" }},
		{name: "manifestVersion x", mutate: func(m map[string]any) { m["manifestVersion"] = "x" }, strictOnly: true},
		{name: "no developer", mutate: func(m map[string]any) { delete(m, "developer") }},
		{name: "no developer privacyUrl", mutate: func(m map[string]any) { delete(obj(m, "developer"), "privacyUrl") }},
		{name: "developer websiteUrl not http(s)", mutate: func(m map[string]any) { obj(m, "developer")["websiteUrl"] = "ftp://example.com" }},
		{name: "id not a GUID", mutate: func(m map[string]any) { m["id"] = "licensebot" }},
		{name: "botId not a GUID", mutate: func(m map[string]any) { bot(m)["botId"] = "28:licensebot" }},
		{name: "unknown scope", mutate: func(m map[string]any) { bot(m)["scopes"] = []any{"personal", "everywhere"} }},
		{name: "unknown bot property", mutate: func(m map[string]any) { bot(m)["supportsEverything"] = true }},
		{name: "name.short too long", mutate: func(m map[string]any) { obj(m, "name")["short"] = strings.Repeat("l", 31) }},
		{name: "description.short too long", mutate: func(m map[string]any) { obj(m, "description")["short"] = strings.Repeat("d", 81) }},
		{name: "accentColor not hex", mutate: func(m map[string]any) { m["accentColor"] = "blue" }},
		{name: "no outline icon", mutate: func(m map[string]any) { delete(obj(m, "icons"), "outline") }},
		{name: "unknown top-level property", mutate: func(m map[string]any) { m["tabs"] = []any{} }},
		{name: "command without title", mutate: func(m map[string]any) {
			list := bot(m)["commandLists"].([]any)[0].(map[string]any)
			list["commands"] = []any{map[string]any{"description": "no title"}}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(good, &m); err != nil {
				t.Fatal(err)
			}
			c.mutate(m)
			bad, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			err = v.validate(bad)
			if err == nil {
				t.Fatal("the broken manifest validated")
			}
			inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(bad))
			if c.strictOnly && v.strict.Validate(inst) == nil {
				t.Errorf("the draft-07 reading of the schema accepted it")
			}
			t.Logf("refused: %.200s", strings.ReplaceAll(err.Error(), "\n", " | "))
		})
	}
}

func obj(m map[string]any, key string) map[string]any { return m[key].(map[string]any) }

func bot(m map[string]any) map[string]any { return m["bots"].([]any)[0].(map[string]any) }

// manifest is the part of the manifest the rules below look at.
type manifest struct {
	ID        string `json:"id"`
	Developer struct {
		Name          string `json:"name"`
		WebsiteURL    string `json:"websiteUrl"`
		PrivacyURL    string `json:"privacyUrl"`
		TermsOfUseURL string `json:"termsOfUseUrl"`
	} `json:"developer"`
	Icons struct {
		Color   string `json:"color"`
		Outline string `json:"outline"`
	} `json:"icons"`
	Bots []struct {
		BotID              string   `json:"botId"`
		Scopes             []string `json:"scopes"`
		SupportsFiles      *bool    `json:"supportsFiles"`
		IsNotificationOnly *bool    `json:"isNotificationOnly"`
		CommandLists       []struct {
			Scopes   []string `json:"scopes"`
			Commands []struct {
				Title       string `json:"title"`
				Description string `json:"description"`
			} `json:"commands"`
		} `json:"commandLists"`
	} `json:"bots"`
}

func readManifest(t *testing.T, raw []byte) manifest {
	t.Helper()
	var m manifest
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestBot checks the bot against Microsoft's rules the schema leaves out: command titles of
// at most 32 characters, descriptions of at most 128, at most 10 commands per list ("Bot
// command menus", learn.microsoft.com/microsoftteams/platform/bots/how-to/create-a-bot-commands-menu),
// one command list for each of the bot's scopes.
func TestBot(t *testing.T) {
	m := readManifest(t, placeholderManifest(t))
	if m.ID != Placeholder || len(m.Bots) != 1 || m.Bots[0].BotID != Placeholder {
		t.Fatalf("manifest.json: id %q, bots %d: want the placeholder %s as the id and the one bot's id", m.ID, len(m.Bots), Placeholder)
	}
	b := m.Bots[0]
	if want := []string{"personal", "team", "groupChat"}; !slices.Equal(b.Scopes, want) {
		t.Errorf("bot scopes %q, want %q", b.Scopes, want)
	}
	if b.SupportsFiles == nil || *b.SupportsFiles || b.IsNotificationOnly == nil || *b.IsNotificationOnly {
		t.Errorf("the bot must say supportsFiles: false and isNotificationOnly: false")
	}
	listed := map[string]bool{}
	for i, list := range b.CommandLists {
		for _, s := range list.Scopes {
			if listed[s] {
				t.Errorf("commandLists[%d]: scope %s has two command lists", i, s)
			}
			listed[s] = true
		}
		if n := len(list.Commands); n == 0 || n > 10 {
			t.Errorf("commandLists[%d] has %d commands: 1 to 10", i, n)
		}
		titles := map[string]bool{}
		for _, c := range list.Commands {
			if n := utf8.RuneCountInString(c.Title); n > 32 {
				t.Errorf("command %q: title of %d characters (at most 32)", c.Title, n)
			}
			if n := utf8.RuneCountInString(c.Description); n == 0 || n > 128 {
				t.Errorf("command %q: description of %d characters (1 to 128)", c.Title, n)
			}
			if titles[c.Title] {
				t.Errorf("commandLists[%d]: %q twice", i, c.Title)
			}
			titles[c.Title] = true
			if c.Title != "unassign" && !strings.HasPrefix(c.Title, "unassign ") {
				t.Errorf("command %q: every command starts with the word unassign", c.Title)
			}
		}
	}
	if got := slices.Sorted(maps.Keys(listed)); !slices.Equal(got, slices.Sorted(slices.Values(b.Scopes))) {
		t.Errorf("command lists for the scopes %q, the bot has %q", got, b.Scopes)
	}
	for name, u := range map[string]string{"websiteUrl": m.Developer.WebsiteURL, "privacyUrl": m.Developer.PrivacyURL, "termsOfUseUrl": m.Developer.TermsOfUseURL} {
		if !strings.HasPrefix(u, "https://") {
			t.Errorf("developer.%s %q is not https", name, u)
		}
	}
}

func decodePNG(t *testing.T, name string) image.Image {
	t.Helper()
	raw, err := app.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return img
}

// TestIcons checks the icons against "Teams app icons": color.png 192×192 in full colour,
// outline.png 32×32, white on a transparent background only.
func TestIcons(t *testing.T) {
	m := readManifest(t, placeholderManifest(t))
	if m.Icons.Color != colorIcon || m.Icons.Outline != outlineIcon {
		t.Fatalf("icons %q and %q, want %q and %q", m.Icons.Color, m.Icons.Outline, colorIcon, outlineIcon)
	}

	c := decodePNG(t, colorIcon)
	if b := c.Bounds(); b.Dx() != 192 || b.Dy() != 192 {
		t.Errorf("%s is %d×%d, want 192×192", colorIcon, b.Dx(), b.Dy())
	}
	colourful := false
	for y := c.Bounds().Min.Y; y < c.Bounds().Max.Y; y++ {
		for x := c.Bounds().Min.X; x < c.Bounds().Max.X; x++ {
			p := color.NRGBAModel.Convert(c.At(x, y)).(color.NRGBA)
			if p.A == 0xFF && (p.R != p.G || p.G != p.B) {
				colourful = true
			}
		}
	}
	if !colourful {
		t.Errorf("%s has no opaque coloured pixel: it should be in full colour", colorIcon)
	}

	o := decodePNG(t, outlineIcon)
	if b := o.Bounds(); b.Dx() != 32 || b.Dy() != 32 {
		t.Errorf("%s is %d×%d, want 32×32", outlineIcon, b.Dx(), b.Dy())
	}
	white, transparent, bad := 0, 0, 0
	for y := o.Bounds().Min.Y; y < o.Bounds().Max.Y; y++ {
		for x := o.Bounds().Min.X; x < o.Bounds().Max.X; x++ {
			p := color.NRGBAModel.Convert(o.At(x, y)).(color.NRGBA)
			switch {
			case p.A == 0:
				transparent++
			case p.R == 0xFF && p.G == 0xFF && p.B == 0xFF:
				white++ // opaque, or an anti-aliased edge: white, partly transparent
			default:
				if bad++; bad <= 5 {
					t.Errorf("%s: pixel (%d, %d) is %v: only white or fully transparent", outlineIcon, x, y, p)
				}
			}
		}
	}
	if white == 0 || transparent == 0 {
		t.Errorf("%s: %d white and %d transparent pixels: it needs both", outlineIcon, white, transparent)
	}
}

func TestPackage(t *testing.T) {
	v := newValidator(t)
	var buf bytes.Buffer
	// An upper-case id, with the newline of a file or a secret: read as the same id.
	if err := Package(" "+strings.ToUpper(appID)+"\n", &buf); err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	files := map[string][]byte{}
	for _, f := range z.File {
		names = append(names, f.Name)
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], err = io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
	}
	if want := []string{manifestFile, colorIcon, outlineIcon}; !slices.Equal(names, want) {
		t.Fatalf("the zip holds %q, want exactly %q at its root", names, want)
	}

	got := files[manifestFile]
	want, err := Manifest(appID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the zip's manifest.json is not Manifest(%s)", appID)
	}
	if err := v.validate(got); err != nil {
		t.Errorf("the zip's manifest.json:\n%v", err)
	}
	m := readManifest(t, got)
	if m.ID != appID || len(m.Bots) != 1 || m.Bots[0].BotID != appID {
		t.Errorf("the zip's manifest: id %q, botId %v: want %s for both", m.ID, m.Bots, appID)
	}
	if bytes.Contains(got, []byte(Placeholder)) {
		t.Errorf("the zip's manifest still holds the placeholder %s", Placeholder)
	}
	// Only the ids changed.
	if back := bytes.ReplaceAll(got, []byte(appID), []byte(Placeholder)); !bytes.Equal(back, placeholderManifest(t)) {
		t.Errorf("the zip's manifest differs from manifest.json beyond the ids")
	}
	for _, name := range []string{colorIcon, outlineIcon} {
		raw, _ := app.ReadFile(name)
		if !bytes.Equal(files[name], raw) {
			t.Errorf("the zip's %s is not %s", name, name)
		}
	}
}

func TestPackageRefusesABadAppID(t *testing.T) {
	for _, id := range []string{
		"",
		"licensebot",
		Placeholder,
		"{" + appID + "}",
		"urn:uuid:" + appID,
		strings.ReplaceAll(appID, "-", ""),
		appID + "0",
		appID[:35] + "g",
		appID + "\n" + appID,
	} {
		var buf bytes.Buffer
		if err := Package(id, &buf); err == nil {
			t.Errorf("Package(%q) succeeded", id)
		}
		if buf.Len() != 0 {
			t.Errorf("Package(%q) wrote %d bytes", id, buf.Len())
		}
		if _, err := Manifest(id); err == nil {
			t.Errorf("Manifest(%q) succeeded", id)
		}
		if CheckAppID(id) == nil {
			t.Errorf("CheckAppID(%q) = nil", id)
		}
	}
	if err := CheckAppID(appID); err != nil {
		t.Errorf("CheckAppID(%s): %v", appID, err)
	}
}
