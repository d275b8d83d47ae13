package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot/slack/slackfake"
)

// The days the date-sensitive flows are run on: today's kind of day, a year's last evening
// (already the next year in Istanbul), a leap day, a month's end (30 days later is in March)
// and one near the end of the next five years.
var chosenDays = []time.Time{
	time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC),
	time.Date(2027, 12, 31, 22, 30, 0, 0, time.UTC),
	time.Date(2028, 2, 29, 10, 0, 0, 0, time.UTC),
	time.Date(2029, 1, 31, 8, 0, 0, 0, time.UTC),
	time.Date(2031, 11, 28, 15, 45, 0, 0, time.UTC),
}

// day writes a date as a reader sees it, written here independently of the code under test:
// "Tue 29 Dec 2026", "Sal 29 Ara 2026".
func day(t time.Time, language string) string {
	if language == "tr" {
		days := [...]string{"Paz", "Pzt", "Sal", "Çar", "Per", "Cum", "Cmt"}
		months := [...]string{"Oca", "Şub", "Mar", "Nis", "May", "Haz", "Tem", "Ağu", "Eyl", "Eki", "Kas", "Ara"}
		return fmt.Sprintf("%s %d %s %d", days[t.Weekday()], t.Day(), months[t.Month()-1], t.Year())
	}
	return t.Format("Mon 2 Jan 2006")
}

// The demo run on each chosen day, in English and Turkish: the plan and the outcome date the
// mailbox, eDiscovery and OneDrive consequences from that day, and the seats report the sample
// tenant's subscription lifecycle (150 days after the day, for Office 365 E3) as the day
// after which it moves on unless renewed.
func TestDemoDatesOnChosenDays(t *testing.T) {
	t.Parallel()
	istanbul, err := time.LoadLocation("Europe/Istanbul")
	if err != nil {
		t.Skip(err)
	}
	type phrasing struct {
		lang, confirm, approve                          string
		removal, deletion, readOnly, archive, lifecycle string
	}
	for _, at := range chosenDays {
		for _, p := range []phrasing{
			{lang: "en", confirm: "Confirm", approve: "Approve",
				removal: "From the removal (%s)", deletion: "deleted for good on %s", readOnly: "read-only on %s (day 60)",
				archive: "On %s (day 93)", lifecycle: "moves to its next state on %s unless renewed"},
			{lang: "tr", confirm: "Onayla", approve: "Onay ver",
				removal: "Kaldırmadan (%s)", deletion: "%s tarihinde kalıcı olarak silinir", readOnly: "%s tarihinde (60. gün) salt okunur",
				archive: "%s tarihinde (93. gün)", lifecycle: "yenilenmezse %s tarihinde sonraki durumuna geçer"},
		} {
			t.Run(at.Format("2006-01-02T15:04")+"/"+p.lang, func(t *testing.T) {
				local := at.In(istanbul)
				midnightUTC := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
				want := []string{
					fmt.Sprintf(p.removal, day(local, p.lang)),
					fmt.Sprintf(p.deletion, day(local.AddDate(0, 0, 30), p.lang)),
					fmt.Sprintf(p.readOnly, day(local.AddDate(0, 0, 60), p.lang)),
					fmt.Sprintf(p.archive, day(local.AddDate(0, 0, 93), p.lang)),
					fmt.Sprintf(p.lifecycle, day(midnightUTC.AddDate(0, 0, 150).In(istanbul), p.lang)),
				}
				args := []string{"demo", "-lang", p.lang}
				script := []string{`/unassign alice@contoso.example --product "Office 365 E3"`}
				out, stderr, err := runAt(t, clockAt(at), strings.Join(script, "\n")+"\n", args...)
				if err != nil {
					t.Fatalf("%v\n%s", err, stderr)
				}
				script = append(script, buttonNumber(t, out, p.confirm), "/as megan")
				out, _, _ = runAt(t, clockAt(at), strings.Join(script, "\n")+"\n", args...)
				script = append(script, buttonNumber(t, out, p.approve))
				out, stderr, err = runAt(t, clockAt(at), strings.Join(script, "\n")+"\n", args...)
				if err != nil {
					t.Fatalf("%v\n%s", err, stderr)
				}
				plan, outcome, ok := strings.Cut(out, "megan@contoso.example>")
				if !ok {
					t.Fatalf("the demo never switched to Megan:\n%s", out)
				}
				for i, w := range want {
					if i < 4 && !strings.Contains(plan, w) {
						t.Errorf("the plan lacks %q", w)
					}
					if !strings.Contains(outcome, w) {
						t.Errorf("the outcome lacks %q", w)
					}
				}
				if t.Failed() {
					t.Logf("stdout:\n%s", out)
				}
			})
		}
	}
}

// A Slack user whose locale is tr-TR gets the plan, with its data-retention warnings and
// dates, in Turkish, on each chosen day.
func TestServeSlackSpeaksTurkishOnChosenDays(t *testing.T) {
	t.Parallel()
	istanbul, err := time.LoadLocation("Europe/Istanbul")
	if err != nil {
		t.Skip(err)
	}
	for _, at := range chosenDays {
		t.Run(at.Format("2006-01-02T15:04"), func(t *testing.T) {
			w := startServeAt(t, clockAt(at), nil)
			w.slack.AddUser(slackfake.User{ID: "U0HAL", Name: "hal", RealName: "Hal Turner", Email: "hal@contoso.example", Locale: "tr-TR"})
			cmd := w.command("U0HAL", `bob@contoso.example --product "Office 365 E3"`)
			plan := blocksText(w.slack.WaitResponses(t, cmd, 1)[0].Blocks())
			local := at.In(istanbul)
			for _, want := range []string{
				"Kaldırmadan (" + day(local, "tr") + ")",
				day(local.AddDate(0, 0, 30), "tr") + " tarihinde kalıcı olarak silinir",
				day(local.AddDate(0, 0, 93), "tr") + " tarihinde (93. gün)",
			} {
				if !strings.Contains(plan, want) {
					t.Errorf("the plan lacks %q:\n%s", want, plan)
				}
			}
		})
	}
}
