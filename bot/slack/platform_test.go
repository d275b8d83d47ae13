package slack

import (
	"github.com/licensebot/licensebot/bot/bottest"
	"strings"
	"testing"
)

func TestNewChecksTheConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no bot token", Config{SigningSecret: "s3cr3t-value"}, "bot token"},
		{"neither Socket Mode nor HTTP", Config{BotToken: "xoxb-very-secret"}, "app-level token"},
		{"an API URL that isn't one", Config{BotToken: "xoxb-very-secret", AppToken: "xapp-very-secret", APIURL: "slack.com/api"}, "API URL"},
		{"a command without slash", Config{BotToken: "xoxb-very-secret", AppToken: "xapp-very-secret", Command: "unassign"}, "must start with /"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v, want an error about %q", err, tt.want)
			}
			for _, secret := range []string{"very-secret", "s3cr3t-value"} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("the error shows a token: %v", err)
				}
			}
		})
	}
}

func TestNewFillsDefaults(t *testing.T) {
	p, err := New(Config{BotToken: "xoxb-1", AppToken: "xapp-1", APIURL: "http://127.0.0.1:9/api"})
	if err != nil {
		t.Fatal(err)
	}
	if p.cfg.APIURL != "http://127.0.0.1:9/api/" || p.cfg.Command != "/unassign" || p.cfg.WorkTimeout == 0 || p.cfg.Inbox == nil {
		t.Fatalf("defaults %+v", p.cfg)
	}
}

func TestAnotherCommandIsTurnedAway(t *testing.T) {
	w := newWorld(t)
	body := strings.Replace(commandForm("U0ADMIN", "x", w.slack.ResponseURL("cmd"), "3.3.3"), "%2Funassign", "%2Fother", 1)
	serve(w.platform.CommandsHandler(), signed(t, "/slack/commands", body))
	w.platform.Wait()
	if len(w.handler.Commands()) != 0 {
		t.Fatal("another command reached the handler")
	}
	if r := decodeResponse(t, w.slack.WaitResponses(t, "cmd", 1)[0]); !strings.Contains(r.Text, "/unassign only") {
		t.Fatalf("answer %+v", r)
	}
}

func TestAPanickingHandlerStillAnswers(t *testing.T) {
	w := newWorld(t)
	w.platform.SetHandler(bottest.Panicker{})
	serve(w.platform.CommandsHandler(), signed(t, "/slack/commands",
		commandForm("U0ALICE", "help", w.slack.ResponseURL("cmd"), "4.4.4")))
	w.platform.Wait()
	if r := decodeResponse(t, w.slack.WaitResponses(t, "cmd", 1)[0]); !strings.Contains(r.Text, "went wrong") {
		t.Fatalf("answer %+v", r)
	}
}
