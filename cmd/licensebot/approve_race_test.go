package main

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/graph"
	"github.com/licensebot/licensebot/graph/graphtest"
	"github.com/licensebot/licensebot/handlers"
	"github.com/licensebot/licensebot/store"
	"github.com/licensebot/licensebot/store/storetest"
)

// recorder is a platform that keeps what it is sent.
type recorder struct {
	mu    sync.Mutex
	posts []bot.Message
}

func (r *recorder) Post(_ context.Context, _ bot.Destination, m bot.Message) (bot.MessageRef, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.posts = append(r.posts, m)
	return bot.MessageRef{Platform: "test", ID: strings.Repeat("m", len(r.posts))}, nil
}

func (r *recorder) Update(context.Context, bot.MessageRef, bot.Message) error { return nil }

// The core's promise, end to end with the real parts: a real redis-server, the real Graph SDK
// and the simulated tenant. 50 Approve clicks at once on one request make exactly one removal.
func TestConcurrentApprovalsOnRealRedisRemoveOnce(t *testing.T) {
	t.Parallel()
	redisSrv := storetest.Start(t)
	rdb := redisSrv.Client(t)
	tenant, err := graphtest.NewServer(graphtest.SampleTenant(), graphtest.WithToken("t0ken"), graphtest.WithLatency(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer tenant.Close()
	directory, err := graph.New(graph.Config{BaseURL: tenant.URL, AccessToken: "t0ken"})
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(rdb, "licensebot-test")
	out := &recorder{}
	svc, err := handlers.New(handlers.Deps{
		Directory: directory, Remover: directory, Requests: requestStore{st}, Audit: requestStore{st}, RoleCache: st,
		Notifier: out, NewID: store.NewID,
	}, handlers.Options{Approvers: []string{"megan@contoso.example", "hal@contoso.example"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	as := func(name string) bot.Actor {
		return bot.Actor{Platform: "test", ChatID: name, Name: name, Email: name + "@contoso.example"}
	}
	plan := svc.HandleCommand(ctx, bot.Command{Actor: as("adele"), Text: `alice@contoso.example --product "Office 365 E3"`}).Message
	if len(plan.Buttons) == 0 {
		t.Fatalf("no plan: %+v", plan)
	}
	id := plan.Buttons[0].Value
	if r := svc.HandleClick(ctx, bot.Click{Actor: as("adele"), Action: handlers.ActionConfirm, Value: id}); !strings.Contains(r.Message.Text, "Confirmed") {
		t.Fatalf("confirm: %+v", r.Message)
	}

	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			who := "megan"
			if i%2 == 0 {
				who = "hal"
			}
			<-start
			svc.HandleClick(ctx, bot.Click{Actor: as(who), Action: handlers.ActionApprove, Value: id})
		}()
	}
	close(start)
	wg.Wait()

	alice, _ := tenant.User("alice@contoso.example")
	if n := tenant.Removals(alice.ID, "6fd2c87f-b296-42f0-b197-1e91e994b900"); n != 1 {
		t.Fatalf("Office 365 E3 removed %d times from Alice, want exactly 1", n)
	}
	if n := tenant.Calls("POST", "/users/"); n != 1 {
		t.Fatalf("%d assignLicense calls, want 1", n)
	}
	events, err := st.AuditLog(ctx, id, 100)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range events {
		actions = append(actions, e.Action)
	}
	got := strings.Join(actions, ",")
	for _, want := range []string{"requested", "confirmed", "approved", "removed", "finished"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit %s lacks %s", got, want)
		}
	}
	if strings.Count(got, "approved") != 1 {
		t.Errorf("audit has %d approvals, want 1: %s", strings.Count(got, "approved"), got)
	}
}
