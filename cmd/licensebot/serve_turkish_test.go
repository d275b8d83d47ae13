package main

import (
	"strings"
	"testing"

	"github.com/licensebot/licensebot/bot/slack/slackfake"
)

// A Slack user whose locale is tr-TR gets the plan, with its data-retention warnings, in
// Turkish; the approval channel keeps the configured language (English). The dates in
// Turkish, on chosen days, are in clock_test.go.
func TestServeSlackSpeaksTurkishToATurkishUser(t *testing.T) {
	t.Parallel()
	w := startServe(t, nil)
	w.slack.AddUser(slackfake.User{ID: "U0HAL", Name: "hal", RealName: "Hal Turner", Email: "hal@contoso.example", Locale: "tr-TR"})

	cmd := w.command("U0HAL", `bob@contoso.example --product "Office 365 E3"`)
	plan := blocksText(w.slack.WaitResponses(t, cmd, 1)[0].Blocks())
	for _, want := range []string{
		"Onaylandığında 1 lisans kaldırılacak", // the plan
		"✂ kaldır: Office 365 E3",              // the product keeps Microsoft's name
		"Posta kutusu: 30 gün tutulur",         // the mailbox warning
		"Oturum açma ENGELLENMEDİ",             // sign-in is not blocked
		"Onayla",                               // the button
	} {
		if !strings.Contains(plan, want) {
			t.Errorf("the plan lacks %q:\n%s", want, plan)
		}
	}
	if strings.Contains(plan, "deleted for good") {
		t.Errorf("the plan is still in English:\n%s", plan)
	}

	// A bad command is explained in Turkish too.
	bad := w.command("U0HAL", `bob@contoso.example --bogus`)
	if got := blocksText(w.slack.WaitResponses(t, bad, 1)[0].Blocks()); !strings.Contains(got, "Bunu anlamadım") {
		t.Errorf("the parse error is not in Turkish:\n%s", got)
	}
}
