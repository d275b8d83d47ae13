package main

import (
	"strings"
	"testing"

	"github.com/licensebot/licensebot/bot/slack/slackfake"
)

// Socket Mode through run(): no public URL; the command arrives as an envelope over the
// WebSocket, is acked with its envelope id, and the plan follows through response_url.
func TestServeSlackSocketMode(t *testing.T) {
	t.Parallel()
	w := startServe(t, map[string]string{"SLACK_SIGNING_SECRET": "", "SLACK_APP_TOKEN": slackfake.AppToken})
	w.slack.WaitConnected(t)
	respName := "socket-cmd"
	env := w.slack.SendEnvelope(t, "slash_commands", map[string]any{
		"team_id": slackfake.TeamID, "user_id": "U0ADELE", "command": "/unassign", "channel_id": "C0GENERAL",
		"text":         "<@U0ALICE|alice> --product ENTERPRISEPACK --dry-run",
		"response_url": w.slack.ResponseURL(respName), "trigger_id": "socket-trigger-1",
	})
	w.slack.WaitAck(t, env)
	plan := w.slack.WaitResponses(t, respName, 1)[0]
	if got := blocksText(plan.Blocks()); !strings.Contains(got, "Dry run") || !strings.Contains(got, "Office 365 E3") {
		t.Fatalf("dry-run plan for the mentioned user: %s", plan.Body)
	}
	if resp := w.post("/slack/commands", nil, nil); resp.StatusCode != 404 && resp.StatusCode != 405 {
		t.Fatalf("HTTP endpoints are served in Socket Mode: %d", resp.StatusCode)
	}
}
