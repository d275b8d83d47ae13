package main

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licensebot/licensebot/handlers"
)

// When Graph can't be read while checking (the caller's roles, a user's licenses), the
// request is refused with the reason and nothing is stored: never planned on stale or
// partial data. Through serve, with the real SDK against the simulated tenant.
func TestServeFailsClosedWhenGraphFailsDuringChecks(t *testing.T) {
	t.Parallel()
	w := startServe(t, nil)
	w.tenant.SetFailureRate(1)
	cmd := w.command("U0ADELE", `alice@contoso.example --product "Office 365 E3"`)
	got := blocksText(w.slack.WaitResponses(t, cmd, 1)[0].Blocks())
	if !strings.Contains(got, "isn't answering") || !strings.Contains(got, "nothing was changed") {
		t.Fatalf("answer while Graph fails: %s", got)
	}
	keys, err := w.redis.Client(t).Keys(context.Background(), "licensebot:req:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 0 {
		t.Fatalf("a request was stored while Graph failed: %v", keys)
	}
	// Graph back: the same command plans.
	w.tenant.SetFailureRate(0)
	cmd = w.command("U0ADELE", `alice@contoso.example --product "Office 365 E3"`)
	if got := blocksText(w.slack.WaitResponses(t, cmd, 1)[0].Blocks()); !strings.Contains(got, "Please check and confirm") {
		t.Fatalf("answer once Graph is back: %s", got)
	}
}

// A request that expires while waiting for approval has its approval message edited to
// "expired" by the sweepers of several replicas on one real Redis, exactly once.
func TestExpiredRequestIsEditedOnceByManyReplicas(t *testing.T) {
	t.Parallel()
	w := newBulkWorld(t, 5, handlers.Options{ApprovalTTL: 300 * time.Millisecond})
	replicas := []*handlers.Service{w.replica(), w.replica(), w.replica()}
	ids := []string{w.confirmed(replicas[0], 2), w.confirmed(replicas[1], 3)}
	time.Sleep(400 * time.Millisecond)
	var wg sync.WaitGroup
	for range 5 { // every replica sweeps, several times, at once
		for _, r := range replicas {
			wg.Go(func() { _, _ = r.SweepExpired(context.Background()) })
		}
	}
	wg.Wait()
	for _, id := range ids {
		if r := w.request(id); r.State != handlers.StateExpired {
			t.Errorf("request %s is %s, want expired", id, r.State)
		}
		// An approve arriving now changes nothing.
		reply := w.approve(replicas[2], id)
		if !strings.Contains(reply.Message.Text, "expired") {
			t.Errorf("a late approve: %s", reply.Message.Text)
		}
	}
	w.out.mu.Lock()
	defer w.out.mu.Unlock()
	expiredEdits := 0
	for _, edits := range w.out.edits {
		for _, m := range edits {
			if strings.Contains(m.Text, "expired") {
				expiredEdits++
			}
		}
	}
	if expiredEdits != len(ids) {
		t.Fatalf("%d approval messages edited to expired, want %d (one each)", expiredEdits, len(ids))
	}
	if n := w.tenant.Calls("POST", "/users/"); n != 0 {
		t.Fatalf("%d assignLicense calls for expired requests", n)
	}
}
