package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/licensebot/licensebot/graph/graphtest"
)

// A Graph that answers 200 with an empty, null, HTML, truncated, huge or endlessly paged
// body, on each read a command makes: under serve, every command is still answered (with a
// sentence, nothing changed), quick commands aren't held up, nothing panics, the replica stays
// up, and /readyz says whether it can work.
func TestServeSurvivesAMisbehavingGraph(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs every fault on every read under serve")
	}
	w := startServe(t, map[string]string{"GRAPH_TIMEOUT": "5s"})
	rdb := w.redis.Client(t)
	routes := []string{
		"GET users",          // the target and the caller by address ($filter)
		"GET subscribedSkus", // the products
		"GET directory/subscriptions",
		"GET users/*/transitiveMemberOf/microsoft.graph.directoryRole|graph.directoryRole", // the caller's roles
	}
	faults := []graphtest.AnswerFault{
		graphtest.AnswerEmpty, graphtest.AnswerNull, graphtest.AnswerHTML, graphtest.AnswerTruncated,
		graphtest.AnswerHuge, graphtest.AnswerEndlessPages, graphtest.AnswerPagesLoop, graphtest.AnswerEmptyObject,
		graphtest.AnswerNullItems,
	}
	n := 0
	for _, route := range routes {
		for _, f := range faults {
			n++
			// The role cache would hide the roles read: start each case without it.
			if err := rdb.FlushAll(context.Background()).Err(); err != nil {
				t.Fatal(err)
			}
			w.tenant.SetAnswerFault(route, f)
			start := time.Now()
			cmd := w.command("U0ADELE", `alice@contoso.example --product "Office 365 E3" --dry-run`)
			answer := string(w.slack.WaitResponses(t, cmd, 1)[0].Body)
			took := time.Since(start)
			if !strings.Contains(answer, "nothing was changed") && !strings.Contains(answer, "Dry run") && !strings.Contains(answer, "Nothing was stored") {
				t.Errorf("%s on %s: the answer says nothing useful: %.300s", f, route, answer)
			}
			if strings.Contains(answer, "Something went wrong") {
				t.Errorf("%s on %s: answered as an internal error: %.300s", f, route, answer)
			}
			if took > 15*time.Second {
				t.Errorf("%s on %s: answered after %s", f, route, took)
			}
			help := w.command("U0CAROL", "help")
			if r := string(w.slack.WaitResponses(t, help, 1)[0].Body); !strings.Contains(r, "licensebot removes Microsoft 365 licenses") {
				t.Errorf("%s on %s: help answered %.200s", f, route, r)
			}
			w.tenant.ClearAnswerFaults()
		}
	}
	resp, err := http.Get(w.base + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz after %d misbehaving answers: %v %v", n, resp, err)
	}
	resp.Body.Close()
	if m := scrape(t, w); strings.Contains(m, "licensebot_panics_total{") {
		t.Errorf("panics while Graph misbehaved:\n%s", grepLines(m, "licensebot_panics_total", 20))
	}

	// Readiness tells the truth: not ready while the products can't be read, ready again after.
	w.tenant.SetAnswerFault("GET subscribedSkus", graphtest.AnswerNull)
	waitFor(t, "/readyz 503 while subscribedSkus answers null", func() bool { return readyz(t, w) == http.StatusServiceUnavailable })
	w.tenant.ClearAnswerFaults()
	waitFor(t, "/readyz 200 once Graph answers again", func() bool { return readyz(t, w) == http.StatusOK })

	// And the replica still plans.
	cmd := w.command("U0ADELE", `alice@contoso.example --product "Office 365 E3" --dry-run`)
	if r := string(w.slack.WaitResponses(t, cmd, 1)[0].Body); !strings.Contains(r, "Dry run") {
		t.Fatalf("after the faults: %.300s", r)
	}
}

func readyz(t *testing.T, w *slackWorld) int {
	t.Helper()
	resp, err := http.Get(w.base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func scrape(t *testing.T, w *slackWorld) string {
	t.Helper()
	resp, err := http.Get(w.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
