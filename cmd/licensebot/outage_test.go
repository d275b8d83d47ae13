package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// With Redis down, licensebot still answers Slack within its 3 seconds, says nothing was
// changed, and is not ready; with Redis back, the same process works again.
func TestServeWithRedisDownFailsClosedAndRecovers(t *testing.T) {
	t.Parallel()
	w := startServe(t, nil)
	w.redis.Stop()

	start := time.Now()
	cmd := w.command("U0ADELE", `alice@contoso.example --product "Office 365 E3"`)
	if ack := time.Since(start); ack > 3*time.Second {
		t.Fatalf("acknowledged after %s, Slack gives up at 3 s", ack)
	}
	answer := w.slack.WaitResponses(t, cmd, 1)[0]
	if body := string(answer.Body); !strings.Contains(body, "temporarily unavailable") || !strings.Contains(body, "nothing was changed") {
		t.Fatalf("answer with Redis down: %s", body)
	}
	resp, err := http.Get(w.base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz answered %d with Redis down, want 503", resp.StatusCode)
	}

	w.redis.Restart(t)
	waitFor(t, "readiness with Redis back", func() bool {
		resp, err := http.Get(w.base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	cmd = w.command("U0ADELE", `alice@contoso.example --product "Office 365 E3"`)
	plan := w.slack.WaitResponses(t, cmd, 1)[0]
	if !strings.Contains(blocksText(plan.Blocks()), "Office 365 E3") || buttonValue(t, plan.Blocks(), "confirm") == "" {
		t.Fatalf("no plan with Redis back: %s", plan.Body)
	}
	alice, _ := w.tenant.User("alice@contoso.example")
	if n := w.tenant.Removals(alice.ID, skuOffice365E3); n != 0 {
		t.Fatalf("%d removals without any approval", n)
	}
}
