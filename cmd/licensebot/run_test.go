package main

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func runWith(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	return runAt(t, time.Now, stdin, args...)
}

// runAt runs the program on the clock now.
func runAt(t *testing.T, now func() time.Time, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	env := map[string]string{"LICENSEBOT_TIMEZONE": "Europe/Istanbul"}
	err = run(ctx, append([]string{"licensebot"}, args...), func(k string) string { return env[k] }, now, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

// clockAt is a clock that reads at when it is made and then runs as real time does: the
// whole program works on that day, timeouts and waits included.
func clockAt(at time.Time) func() time.Time {
	start := time.Now()
	return func() time.Time { return at.Add(time.Since(start)) }
}

// buttonNumber finds the number the console gave the last button with this label.
func buttonNumber(t *testing.T, out, label string) string {
	t.Helper()
	m := regexp.MustCompile(`\[(\d+)\] `+regexp.QuoteMeta(label)).FindAllStringSubmatch(out, -1)
	if len(m) == 0 {
		t.Fatalf("no [n] %s button in:\n%s", label, out)
	}
	return m[len(m)-1][1]
}

func TestDemoRemovesAfterConfirmAndApproval(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"demo"}, {"demo", "-worst-case"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) { testDemoRemovesAfterConfirmAndApproval(t, args...) })
	}
}

func testDemoRemovesAfterConfirmAndApproval(t *testing.T, args ...string) {
	script := []string{`/unassign alice@contoso.example --product "Office 365 E3" --reason "left the company"`}
	out, _, err := runWith(t, strings.Join(script, "\n")+"\n", args...)
	if err != nil {
		t.Fatal(err)
	}
	script = append(script, buttonNumber(t, out, "Confirm"), "/as megan")
	out, _, _ = runWith(t, strings.Join(script, "\n")+"\n", args...)
	script = append(script, buttonNumber(t, out, "Approve"), "/unassign show alice@contoso.example", "/as adele", "/unassign show alice@contoso.example")
	out, stderr, err := runWith(t, strings.Join(script, "\n")+"\n", args...)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"embedded Redis: data is in memory",
		"remove Office 365 E3 (ENTERPRISEPACK)",
		"Confirmed. I asked the approvers",
		"to the approvers (Megan Bowen)",
		"Approved by Megan Bowen",
		"✓ removed Office 365 E3",
		"deleted for good on",
		"Sign-in is NOT blocked",
		"purchased", "unused", "reduce the subscription's license count",
		`inherited from the group "Licensing - EMS"`, // what show says of what Alice keeps
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	// What /unassign show says after the removal, read back from the tenant through Graph.
	if _, after, ok := strings.Cut(out, "✓ removed Office 365 E3"); !ok || strings.Contains(after, "Office 365 E3 (ENTERPRISEPACK): assigned directly") {
		t.Errorf("Alice still has Office 365 E3 directly after the removal")
	}
	if t.Failed() {
		t.Logf("stdout:\n%s\nstderr:\n%s", out, stderr)
	}
}

func TestDemoRefusals(t *testing.T) {
	t.Parallel()
	script := strings.Join([]string{
		`/as carol`,
		`/unassign alice@contoso.example --product "Office 365 E3"`,
		`/as adele`,
		`/unassign alice@contoso.example --product EMS`,
		`/unassign ghost@contoso.example --product "Office 365 E3"`,
		`/unassign alice@contoso.example --product "Office 365 Z9"`,
		`/unassign alice@contoso.example --frobnicate`,
		`/unassign alice`,
		`/unassign bob@contoso.example --product "Power BI Pro"`,
	}, "\n")
	out, _, err := runWith(t, script+"\n", "demo")
	if err != nil {
		t.Fatal(err)
	}
	confirm := buttonNumber(t, out, "Confirm")
	// Adele confirms her own request and then tries to approve it.
	out, _, err = runWith(t, script+"\n"+confirm+"\n", "demo")
	if err != nil {
		t.Fatal(err)
	}
	approve := buttonNumber(t, out, "Approve")
	out, _, err = runWith(t, script+"\n"+confirm+"\n"+approve+"\n/unassign show bob@contoso.example\n", "demo")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"can't unassign licenses: that needs one of these Microsoft Entra roles",
		`inherited from the group "Licensing - EMS"`,
		"no user has this UPN, mail or id",
		`I don't know a product called "Office 365 Z9"`,
		"--frobnicate: is not an option",
		`"alice": is not a user`,
		"can't approve or deny your own request",
		"Power BI Pro (POWER_BI_PRO): assigned directly",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if strings.Contains(out, "✓ removed") {
		t.Error("something was removed without approval")
	}
	if t.Failed() {
		t.Logf("stdout:\n%s", out)
	}
}

func TestDemoStartsInUnderASecond(t *testing.T) {
	start := time.Now()
	out, _, err := runWith(t, "", "demo")
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("demo took %s to start and stop, want under 1s", d)
	}
	if !strings.Contains(out, "ready in") {
		t.Fatalf("no ready line:\n%s", out)
	}
}

func TestRunRefusesUnknownCommands(t *testing.T) {
	t.Parallel()
	if _, _, err := runWith(t, "", "frobnicate"); err == nil || !strings.Contains(err.Error(), "frobnicate") {
		t.Fatalf("err %v", err)
	}
	if _, _, err := runWith(t, ""); err == nil {
		t.Fatal("no command accepted")
	}
	if out, _, err := runWith(t, "", "version"); err != nil || !strings.HasPrefix(out, "licensebot ") {
		t.Fatalf("version: %q %v", out, err)
	}
	if _, _, err := runWith(t, "", "demo", "-tz", "Mars/Olympus"); err == nil || !strings.Contains(err.Error(), "Mars/Olympus") {
		t.Fatalf("bad -tz: %v", err)
	}
}

// licensebot teams-app writes the app package with TEAMS_APP_ID in its manifest, and says
// what's missing otherwise.
func TestTeamsAppCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "licensebot-teams.zip")
	appID := "6f0d2c7e-3b1a-4c55-9e2d-8a7b6c5d4e3f"
	getenv := func(k string) string {
		if k == "TEAMS_APP_ID" {
			return appID
		}
		return ""
	}
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"licensebot", "teams-app", out}, getenv, time.Now, nil, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Name == "manifest.json" {
			r, _ := f.Open()
			b, _ := io.ReadAll(r)
			r.Close()
			if !strings.Contains(string(b), appID) {
				t.Fatal("the manifest lacks the app id")
			}
		}
	}
	if slices.Sort(names); !slices.Equal(names, []string{"color.png", "manifest.json", "outline.png"}) {
		t.Fatalf("the package holds %v", names)
	}
	err = run(context.Background(), []string{"licensebot", "teams-app", out}, func(string) string { return "" }, time.Now, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "TEAMS_APP_ID: not set") {
		t.Fatalf("without an app id: %v", err)
	}
}
