package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/licensebot/licensebot/graph/graphtest"
	"github.com/licensebot/licensebot/handlers"
)

// A replica SIGKILLed right after it acknowledged an Approve loses nothing: the click was
// recorded in Redis before its 200, and another replica takes it over once it has gone
// without a heartbeat for LICENSEBOT_JOB_IDLE, and carries the approval out, exactly once.
//
// The kill lands after the acknowledgement and before the work, every time: the victim
// reaches Slack through a proxy that holds users.info for the approver (the first thing the
// work on a click does: who clicked?) until the victim is dead.
func TestApprovalAcknowledgedByAKilledReplicaIsCarriedOutByAnother(t *testing.T) {
	t.Parallel()
	rs := newReplicaSet(t, 1, graphtest.WithLatency(5*time.Millisecond))
	held := make(chan struct{}, 1)
	proxy := holdingUsersInfo(t, rs.slack.URL, "U0MEGAN", held)

	_, survivor := rs.startSlack(t)
	victim, victimClient := rs.startSlack(t, "SLACK_API_URL="+proxy+"/api/")

	// Adele asks and confirms on the survivor.
	user := graphtest.StaffUPN(1)
	if err := survivor.command("U0ADELE", user+` --product "Office 365 E3"`, "inbox-kill"); err != nil {
		t.Fatal(err)
	}
	id := ""
	waitFor(t, "the plan", func() bool {
		for _, r := range rs.slack.Responses("inbox-kill") {
			id = killFindButton(r.Blocks(), handlers.ActionConfirm)
		}
		return id != ""
	})
	if err := survivor.click("U0ADELE", handlers.ActionConfirm, id, "C0GENERAL", "1", true); err != nil {
		t.Fatal(err)
	}
	rs.waitState(t, id, handlers.StateAwaitingApproval)
	approval := ""
	waitFor(t, "the approval request in the channel", func() bool {
		for _, m := range rs.slack.SortedMessages(approvalChannel) {
			if m.ThreadTS == "" && strings.Contains(string(m.Blocks), `"value":"`+id+`"`) {
				approval = m.TS
			}
		}
		return approval != ""
	})

	// Megan approves on the victim: acknowledged (200), then the victim dies at work.
	if err := victimClient.click("U0MEGAN", handlers.ActionApprove, id, approvalChannel, approval, false); err != nil {
		t.Fatalf("the victim did not acknowledge the approval: %v", err)
	}
	select {
	case <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("the victim never started the work on the approval")
	}
	if st := rs.w.request(id).State; st != handlers.StateAwaitingApproval {
		t.Fatalf("the request is %s before the kill; the kill would prove nothing", st)
	}
	if err := victim.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	rs.reap(victim)
	killed := time.Now()
	// What the victim held is in the inbox, and only that (the survivor's are done).
	waitFor(t, "the inbox holding the approval alone", func() bool {
		entries, err := rs.rdb.XRange(context.Background(), "licensebot-test:{inbox}:slack", "-", "+").Result()
		return err == nil && len(entries) == 1 && entries[0].Values["f.kind"] == "click"
	})

	// The survivor carries it out: the license removed once, one approval audited.
	r := rs.w.waitFinished(id, 60*time.Second)
	t.Logf("the approval was carried out %s after the kill", time.Since(killed).Round(time.Millisecond))
	rs.w.exactlyOnce(r, 1)
	approvals := 0
	for _, d := range r.Decisions {
		if d.Approved {
			approvals++
		}
	}
	if approvals != 1 {
		t.Errorf("the request has %d approvals, want 1: %+v", approvals, r.Decisions)
	}
	events, err := rs.w.st.AuditLog(context.Background(), id, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range events {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, ","); strings.Count(got, "approved") != 1 || strings.Count(got, "removed") != 1 {
		t.Errorf("audit %s: want one approval and one removal", got)
	}
	if !strings.Contains(rs.logs[0].String(), "took over a delivery another replica acknowledged and left") {
		t.Errorf("the survivor's log doesn't say it took the approval over")
	}
	waitFor(t, "the inbox emptied", func() bool {
		n, err := rs.rdb.XLen(context.Background(), "licensebot-test:{inbox}:slack").Result()
		return err == nil && n == 0
	})
}

// holdingUsersInfo is a proxy to the fake Slack at target that holds users.info for user
// until the caller goes away (the victim is killed), and says so on held.
func holdingUsersInfo(t *testing.T, target, user string, held chan<- struct{}) string {
	t.Helper()
	to, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	fwd := httputil.NewSingleHostReverseProxy(to)
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		if strings.HasSuffix(r.URL.Path, "/users.info") && (form.Get("user") == user || r.URL.Query().Get("user") == user) {
			select {
			case held <- struct{}{}:
			default:
			}
			select {
			case <-r.Context().Done():
			case <-stop:
			}
			return
		}
		fwd.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) }) // first: Close waits for the held request
	return srv.URL
}
