package slackfake

import (
	"strings"
	"testing"
)

// A confirmation dialog's four texts are plain_text objects, as the confirmation dialog
// object's page says
// (https://docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object):
// the fake refuses anything else, so that a renderer going back to mrkdwn is caught.
func TestValidateBlocksConfirmationDialog(t *testing.T) {
	text := func(typ, s string) string { return `{"type":"` + typ + `","text":"` + s + `"}` }
	confirm := func(title, body, yes, no string) string {
		return `[{"type":"actions","elements":[{"type":"button","action_id":"approve","value":"r1",` +
			`"text":` + text("plain_text", "Approve") + `,` +
			`"confirm":{"title":` + title + `,"text":` + body + `,"confirm":` + yes + `,"deny":` + no + `}}]}]`
	}
	ok := text("plain_text", "Sure?")
	tests := []struct {
		name   string
		blocks string
		want   string // in the error; "" for none
	}{
		{"all plain_text", confirm(ok, text("plain_text", "The licenses are removed & <gone>."), ok, ok), ""},
		{"mrkdwn text", confirm(ok, text("mrkdwn", "The licenses are *removed*."), ok, ok), `confirm text has type "mrkdwn"`},
		{"mrkdwn title", confirm(text("mrkdwn", "Sure?"), ok, ok, ok), `confirm title has type "mrkdwn"`},
		{"mrkdwn deny", confirm(ok, ok, ok, text("mrkdwn", "No")), `deny button has type "mrkdwn"`},
		{"text missing", confirm(ok, "null", ok, ok), "confirm text missing"},
		{"text of 300", confirm(ok, text("plain_text", strings.Repeat("x", 300)), ok, ok), ""},
		{"text of 301", confirm(ok, text("plain_text", strings.Repeat("x", 301)), ok, ok), "confirm text is 301 characters, at most 300"},
		{"title of 101", confirm(text("plain_text", strings.Repeat("x", 101)), ok, ok, ok), "confirm title is 101 characters, at most 100"},
		{"confirm of 31", confirm(ok, ok, text("plain_text", strings.Repeat("x", 31)), ok), "confirm button is 31 characters, at most 30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateBlocks([]byte(tt.blocks))
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("err %v, want %q", err, tt.want)
			}
		})
	}
}
