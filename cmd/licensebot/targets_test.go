package main

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot/discord/discordfake"
	"github.com/licensebot/licensebot/bot/slack/slackfake"
	"github.com/licensebot/licensebot/graph"
	"github.com/licensebot/licensebot/graph/graphtest"
)

// A whole group on Slack: /unassign --group "Sales EMEA" --product "Office 365 E3" expands
// to the group's 500 users (a nested group's too, devices left out), says so in the plan
// and in the approval request, and removes each user's license once. --holders of a
// product, and a group over the limit, are refused before anything is asked.
func TestServeSlackRemovesAWholeGroup(t *testing.T) {
	t.Parallel()
	const staff = 500
	tenant := graphtest.StaffedTenant(staff)
	var members, nested []string
	for i := 1; i <= staff; i++ {
		if i <= 450 {
			members = append(members, graphtest.StaffUPN(i))
		} else {
			nested = append(nested, graphtest.StaffUPN(i))
		}
	}
	tenant.Groups = append(tenant.Groups,
		graphtest.Group{ID: "a1000000-0000-4000-8000-000000000001", DisplayName: "Sales EMEA", Members: members,
			NestedGroups: []string{"a1000000-0000-4000-8000-000000000002"}, Devices: []string{"d1000000-0000-4000-8000-000000000001"}},
		graphtest.Group{ID: "a1000000-0000-4000-8000-000000000002", DisplayName: "Sales Istanbul", Members: nested},
	)
	srv, err := graphtest.NewServer(tenant, graphtest.WithToken("graph-t0ken"), graphtest.WithLatency(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	w := startServe(t, map[string]string{"GRAPH_BASE_URL": srv.URL, "LICENSEBOT_MAX_TARGETS": "500"})
	w.tenant = srv
	sl := w.slack

	// Everyone holding E3 directly: the 500 staff and the sample's own, over the limit.
	over := string(sl.WaitResponses(t, w.command("U0ADELE", `--holders --product "Office 365 E3"`), 1)[0].Body)
	if !strings.Contains(over, "The direct holders of Office 365 E3 gave 5") || !strings.Contains(over, "more than one request may hold (500, LICENSEBOT_MAX_TARGETS)") {
		t.Fatalf("over the limit: %.500s", over)
	}

	plan := sl.WaitResponses(t, w.command("U0ADELE", `--group "Sales EMEA" --product "Office 365 E3" --reason "team closed"`), 1)[0]
	body := string(plan.Body)
	if !strings.Contains(body, "From the group Sales EMEA (members of nested groups too): 500 users; 2 members that aren't users (devices, groups, contacts) left out.") {
		t.Fatalf("the plan doesn't say how the group was expanded: %.600s", body)
	}
	id, approvalTS := w.confirmed(t, "U0ADELE", plan)
	if m, _ := sl.Message(approvalChannel, approvalTS); !strings.Contains(string(m.Blocks), "From the group Sales EMEA") {
		t.Fatalf("the approval request doesn't say %q: %.800s", "From the group Sales EMEA", m.Blocks)
	}
	w.click("U0MEGAN", "approve", id, approvalChannel, approvalTS, false, "")
	waitStaffRemovedOnce(t, srv, staff, w.stderr)

	// Refused before anything is asked: over the limit, a group nobody has, bad combinations.
	for _, tt := range []struct{ text, want string }{
		{`--holders --product "Office 365 E3"`, "Everyone holding Office 365 E3 directly: "},
		{`--group "Nobody's team" --product "Office 365 E3"`, "No group is called Nobody's team"},
		{`alice@contoso.example --group "Sales EMEA" --product "Office 365 E3"`, "can't be named together with --group"},
		{`--holders --all`, "needs exactly one --product"},
	} {
		got := string(sl.WaitResponses(t, w.command("U0ADELE", tt.text), 1)[0].Body)
		if !strings.Contains(got, tt.want) {
			t.Errorf("%s: answered %.400s, want %q", tt.text, got, tt.want)
		}
	}
}

// A user who gets a mailbox from two products is told so in the plan: one may be redundant.
func TestServeSlackPlanSaysWhereProductsOverlap(t *testing.T) {
	t.Parallel()
	w := startServe(t, nil)
	got := string(w.slack.WaitResponses(t, w.command("U0ADELE", `patti@contoso.example --product "Exchange Online (Plan 1)" --dry-run`), 1)[0].Body)
	if !strings.Contains(got, "An Exchange mailbox comes from Microsoft 365 E3 and Exchange Online (Plan 1): one of them may be redundant.") {
		t.Fatalf("no overlap in %.1500s", got)
	}
}

// With prices configured, the plan says what the seats it frees cost a month, and which
// seats have no price; without, counts only (every other test).
func TestServeSlackPlanSaysTheMoney(t *testing.T) {
	t.Parallel()
	w := startServe(t, map[string]string{"LICENSEBOT_PRICES": "ENTERPRISEPACK=23.00", "LICENSEBOT_CURRENCY": "EUR"})
	got := string(w.slack.WaitResponses(t, w.command("U0ADELE", `alice@contoso.example bob@contoso.example --all --dry-run`), 1)[0].Body)
	if !strings.Contains(got, "At your configured prices this frees € 46.00 a month, once the seats are reduced. (1 seat without a configured price not counted.)") {
		t.Fatalf("no money in %.1500s", got)
	}
}

// The same on Discord: /unassign remove group:"Sales EMEA" product:"Office 365 E3", typed
// options all the way, 500 users removed once each.
func TestServeDiscordRemovesAWholeGroup(t *testing.T) {
	t.Parallel()
	const staff = 500
	srv := salesEMEA(t, staff)
	w := startChatServe(t, map[string]string{"SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": "", "LICENSEBOT_APPROVERS": "",
		"GRAPH_BASE_URL": srv.URL, "LICENSEBOT_MAX_TARGETS": "500"})
	token, _, _ := w.command(discordAdele, nil, "remove", map[string]any{"group": "Sales EMEA", "product": "Office 365 E3"})
	plan := w.plan(t, token)
	if !strings.Contains(messageText(plan), "From the group Sales EMEA (members of nested groups too): 500 users.") {
		t.Fatalf("plan %.500s", messageText(plan))
	}
	approval := w.confirmed(t, discordAdele, plan)
	w.click(discordMegan, []string{discordApprover}, buttonID(t, approval, "approve"), discordApproval, approval.ID, false)
	waitStaffRemovedOnce(t, srv, staff, w.stderr)
}

// salesEMEA is a simulated tenant of staff users (graphtest.StaffedTenant), all of them in
// the group "Sales EMEA", answering in 5 ms.
func salesEMEA(t *testing.T, staff int) *graphtest.Server {
	t.Helper()
	tenant := graphtest.StaffedTenant(staff)
	var members []string
	for i := 1; i <= staff; i++ {
		members = append(members, graphtest.StaffUPN(i))
	}
	tenant.Groups = append(tenant.Groups, graphtest.Group{ID: "a1000000-0000-4000-8000-000000000001", DisplayName: "Sales EMEA", Members: members})
	srv, err := graphtest.NewServer(tenant, graphtest.WithToken("graph-t0ken"), graphtest.WithLatency(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// waitStaffRemovedOnce waits until each of the staff has lost Office 365 E3 exactly once;
// log is serve's log, shown when it doesn't happen.
func waitStaffRemovedOnce(t *testing.T, srv *graphtest.Server, staff int, log *syncBuffer) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d removals, once each", staff), func() bool {
		for i := 1; i <= staff; i++ {
			u, _ := srv.User(graphtest.StaffUPN(i))
			if srv.Removals(u.ID, skuOffice365E3) != 1 {
				return false
			}
		}
		return true
	}, func() string { return lastBytes(log.String(), 3000) })
}

// An inactive sweep on Slack: the direct holders of Power BI Pro who haven't signed in for
// 90 days (or ever), without those created or licensed since, nor the account the
// organisation keeps on purpose; removed once approved. A tenant without Entra ID P1 is told
// why nothing can be found.
func TestServeSlackRemovesInactiveHolders(t *testing.T) {
	t.Parallel()
	const skuPowerBIPro = "f8a1db68-be16-40ed-86d5-cb42ce701560"
	tenant := graphtest.SampleTenant()
	add := func(name string, created, lastSignIn, assigned int, never bool) string {
		id := fmt.Sprintf("c0000000-0000-4000-8000-%012d", len(tenant.Users))
		tenant.Users = append(tenant.Users, graphtest.User{ID: id, DisplayName: name, UserPrincipalName: name + "@contoso.example",
			AccountEnabled: true, UsageLocation: "US", CreatedDaysAgo: created, LastSignInDaysAgo: lastSignIn, NeverSignedIn: never,
			Licenses: []graphtest.License{{SKUID: skuPowerBIPro, DisabledPlans: []string{}, AssignedDaysAgo: assigned}}})
		return id
	}
	var inactive []string
	for i := range 8 {
		inactive = append(inactive, add(fmt.Sprintf("idle%d", i), 500, 120+i, 300, false))
	}
	inactive = append(inactive, add("ghost", 500, 0, 300, true))
	for i := range 4 {
		add(fmt.Sprintf("busy%d", i), 500, i, 300, false)
	}
	add("newhire", 20, 0, 20, true)
	breakGlass := add("breakglass", 900, 400, 800, false)
	for i := range tenant.SKUs {
		if tenant.SKUs[i].SKUID == skuPowerBIPro {
			tenant.SKUs[i].PrepaidUnits += 20
		}
	}
	srv, err := graphtest.NewServer(tenant, graphtest.WithToken("graph-t0ken"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	w := startServe(t, map[string]string{"GRAPH_BASE_URL": srv.URL, "LICENSEBOT_INACTIVE_EXCLUDE": breakGlass})
	sl := w.slack

	planCall := sl.WaitResponses(t, w.command("U0ADELE", `inactive 90 --product "Power BI Pro" --reason "unused seats"`), 1)[0]
	plan := string(planCall.Body)
	// The nine, and the sample's Bob (last signed in 120 days ago); left out: the new hire.
	for _, want := range []string{"Direct holders of Power BI Pro who haven't signed in for 90 days (Microsoft Entra sign-in activity): 10 users.",
		"created or given the product within those days left out.", "1 user on the organisation's list of accounts kept on purpose"} {
		if !strings.Contains(plan, want) {
			t.Fatalf("plan lacks %q: %.800s", want, plan)
		}
	}
	id, approvalTS := w.confirmed(t, "U0ADELE", planCall)
	w.click("U0MEGAN", "approve", id, approvalChannel, approvalTS, false, "")
	waitFor(t, "the inactive holders' licenses removed", func() bool {
		for _, u := range inactive {
			if srv.Removals(u, skuPowerBIPro) != 1 {
				return false
			}
		}
		return true
	}, func() string { return lastBytes(w.stderr.String(), 3000) })
	if srv.Removals(breakGlass, skuPowerBIPro) != 0 {
		t.Fatal("the excluded account lost its license")
	}

	// Without Entra ID P1: Microsoft 365's activity report, and said so; concealed names refused.
	noP1, err := graphtest.NewServer(tenant, graphtest.WithToken("graph-t0ken"), graphtest.WithoutPremium())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(noP1.Close)
	w2 := startServe(t, map[string]string{"GRAPH_BASE_URL": noP1.URL})
	got := string(w2.slack.WaitResponses(t, w2.command("U0ADELE", `inactive 90 --product "Power BI Pro" --dry-run`), 1)[0].Body)
	// Eleven: the break-glass account too, with no exclusion list here.
	if !strings.Contains(got, "with no activity for 90 days (Microsoft 365 activity report, the last 180 days: this tenant has no Entra ID P1 for sign-in activity): 11 users.") {
		t.Fatalf("a tenant without P1: %.600s", got)
	}
	concealed, err := graphtest.NewServer(tenant, graphtest.WithToken("graph-t0ken"), graphtest.WithoutPremium(), graphtest.WithConcealedReports())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(concealed.Close)
	w3 := startServe(t, map[string]string{"GRAPH_BASE_URL": concealed.URL})
	got = string(w3.slack.WaitResponses(t, w3.command("U0ADELE", `inactive 90 --product "Power BI Pro"`), 1)[0].Body)
	if !strings.Contains(got, "activity report hides users' names") {
		t.Fatalf("concealed names: %.500s", got)
	}
}

// A leaver on Slack: one approval, then Microsoft's order: sign-in blocked (read back),
// signed out of every session, every direct license removed; each step in the outcome and
// the audit.
func TestServeSlackLeaver(t *testing.T) {
	t.Parallel()
	w := startServe(t, nil)
	sl := w.slack
	planCall := sl.WaitResponses(t, w.command("U0ADELE", `leaver bob@contoso.example --reason "last day Friday"`), 1)[0]
	plan := string(planCall.Body)
	if !strings.Contains(plan, "As a leaver, in Microsoft's order: 1. sign-in blocked, 2. signed out of every session, 3. the licenses below removed.") || strings.Contains(plan, "Sign-in is NOT blocked") ||
		!strings.Contains(plan, "This is still a user mailbox: its data is deleted 30 days after the license goes.") {
		t.Fatalf("leaver plan %.1200s", plan)
	}
	id, approvalTS := w.confirmed(t, "U0ADELE", planCall)
	if m, _ := sl.Message(approvalChannel, approvalTS); !strings.Contains(string(m.Blocks), "As a leaver") {
		t.Fatalf("the approval request doesn't say %q: %.800s", "As a leaver", m.Blocks)
	}
	w.click("U0MEGAN", "approve", id, approvalChannel, approvalTS, false, "")
	bob, _ := w.tenant.User("bob@contoso.example")
	waitFor(t, "the leaver's sequence", func() bool {
		u, _ := w.tenant.User("bob@contoso.example")
		return !u.AccountEnabled && len(w.tenant.Revocations(bob.ID)) == 1 &&
			w.tenant.Removals(bob.ID, skuOffice365E3) == 1 && w.tenant.Removals(bob.ID, "f8a1db68-be16-40ed-86d5-cb42ce701560") == 1
	}, func() string { return lastBytes(w.stderr.String(), 3000) })
	waitFor(t, "the outcome with each step", func() bool {
		for _, m := range sl.SortedMessages(approvalChannel) {
			b := string(m.Blocks)
			if m.ThreadTS == approvalTS && strings.Contains(b, "sign-in blocked (read back: the account is disabled)") && strings.Contains(b, "signed out of every session") {
				return true
			}
		}
		return false
	}, func() string {
		var b strings.Builder
		for _, m := range sl.SortedMessages(approvalChannel) {
			b.WriteString(m.ThreadTS + " " + string(m.Blocks) + "\n")
		}
		return b.String()
	})
	if got := string(sl.WaitResponses(t, w.command("U0ADELE", "leaver ghost@contoso.example"), 1)[0].Body); !strings.Contains(got, "No Microsoft Entra user is ghost@contoso.example") {
		t.Fatalf("an unknown leaver: %.300s", got)
	}
}

// With LICENSEBOT_SEAT_REMINDER_DAYS, serve names the products with unused seats whose
// subscription moves on soon to the approvers, once: the sample's Visio trial ends in 7 days.
func TestServeRemindsOfUnusedSeats(t *testing.T) {
	t.Parallel()
	w := startServe(t, map[string]string{"LICENSEBOT_SEAT_REMINDER_DAYS": "10"})
	waitFor(t, "the reminder in the approval channel", func() bool {
		for _, m := range w.slack.SortedMessages(approvalChannel) {
			if strings.Contains(string(m.Blocks), "unused, and its subscription moves to its next state on") {
				return true
			}
		}
		return false
	}, func() string { return lastBytes(w.stderr.String(), 3000) })
}

// A removal at a date on Slack, across a restart: approved now, it waits in Redis; the
// replica that served the approval stops; the next one, at the time, reads the plan again
// and removes the license, once.
func TestServeSlackScheduledRemovalSurvivesARestart(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	w := startServeAt(t, now, map[string]string{"LICENSEBOT_SWEEP_INTERVAL": "100ms"})
	sl := w.slack
	ist, _ := time.LoadLocation("Europe/Istanbul")
	runAt := now().Add(20 * time.Minute).In(ist).Truncate(time.Minute)
	planCall := sl.WaitResponses(t, w.command("U0ADELE", fmt.Sprintf(`alice@contoso.example --product "Office 365 E3" --at "%s"`, runAt.Format("2006-01-02 15:04"))), 1)[0]
	if !strings.Contains(string(planCall.Body), "Scheduled: once approved, this runs on") {
		t.Fatalf("plan %.600s", planCall.Body)
	}
	id, approvalTS := w.confirmed(t, "U0ADELE", planCall)
	w.click("U0MEGAN", "approve", id, approvalChannel, approvalTS, false, "")
	waitFor(t, "the approval message saying when it runs", func() bool {
		m, ok := sl.Message(approvalChannel, approvalTS)
		return ok && strings.Contains(string(m.Blocks), "Approved by Megan Bowen; it runs on")
	})
	alice, _ := w.tenant.User("alice@contoso.example")
	time.Sleep(300 * time.Millisecond)
	if n := w.tenant.Removals(alice.ID, skuOffice365E3); n != 0 {
		t.Fatalf("removed %d times before its time", n)
	}
	if err := w.stop(); err != nil {
		t.Fatal(err)
	}
	offset.Store(int64(21 * time.Minute))
	w.launch()
	waitFor(t, "the removal at its time, by the next replica", func() bool { return w.tenant.Removals(alice.ID, skuOffice365E3) == 1 },
		func() string { return lastBytes(w.stderr.String(), 3000) })
	time.Sleep(500 * time.Millisecond)
	if n := w.tenant.Removals(alice.ID, skuOffice365E3); n != 1 {
		t.Fatalf("removed %d times, want once", n)
	}
}

// A leaver at a date whose licenses change before the time: nothing is done at the time (sign-in
// not blocked, nothing removed), and the requester is told what changed, to ask again.
func TestServeSlackScheduledLeaverWhosePlanChangedAsksAgain(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	w := startServeAt(t, now, map[string]string{"LICENSEBOT_SWEEP_INTERVAL": "100ms"})
	sl := w.slack
	ist, _ := time.LoadLocation("Europe/Istanbul")
	runAt := now().Add(30 * time.Minute).In(ist).Truncate(time.Minute)
	planCall := sl.WaitResponses(t, w.command("U0ADELE", fmt.Sprintf(`leaver bob@contoso.example --at "%s"`, runAt.Format("2006-01-02 15:04"))), 1)[0]
	id, approvalTS := w.confirmed(t, "U0ADELE", planCall)
	w.click("U0MEGAN", "approve", id, approvalChannel, approvalTS, false, "")
	waitFor(t, "the approval message saying when it runs", func() bool {
		m, ok := sl.Message(approvalChannel, approvalTS)
		return ok && strings.Contains(string(m.Blocks), "it runs on")
	})
	// Someone takes Power BI Pro off Bob by hand in the meantime.
	client, err := graph.New(graph.Config{BaseURL: w.tenant.URL, AccessToken: "graph-t0ken", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	bob, _ := w.tenant.User("bob@contoso.example")
	const powerBIPro = "f8a1db68-be16-40ed-86d5-cb42ce701560"
	if _, err := client.RemoveLicenses(context.Background(), bob.ID, []string{powerBIPro}); err != nil {
		t.Fatal(err)
	}
	offset.Store(int64(31 * time.Minute))
	waitFor(t, "the requester told the plan changed", func() bool {
		for _, c := range sl.Calls("chat.postMessage") {
			if strings.Contains(c.Param("text")+blocksText(c.Blocks()), "changed since it was approved, so nothing was done") {
				return true
			}
		}
		return false
	}, func() string { return lastBytes(w.stderr.String(), 3000) })
	if u, _ := w.tenant.User("bob@contoso.example"); !u.AccountEnabled || len(w.tenant.Revocations(bob.ID)) != 0 || w.tenant.Removals(bob.ID, skuOffice365E3) != 0 {
		t.Fatal("the leaver's steps ran on a changed plan")
	}
}

// An inactive sweep on Discord: /unassign inactive days:90 product:"Power BI Pro", approved,
// removed once each from the idle holders.
func TestServeDiscordRemovesInactiveHolders(t *testing.T) {
	t.Parallel()
	const powerBIPro = "f8a1db68-be16-40ed-86d5-cb42ce701560"
	tenant := graphtest.SampleTenant()
	var idle []string
	for i := range 5 {
		id := fmt.Sprintf("c2000000-0000-4000-8000-%012d", i)
		idle = append(idle, id)
		tenant.Users = append(tenant.Users, graphtest.User{ID: id, DisplayName: fmt.Sprintf("Idle %d", i), UserPrincipalName: fmt.Sprintf("idle%d@contoso.example", i),
			AccountEnabled: true, UsageLocation: "US", LastSignInDaysAgo: 150, Licenses: []graphtest.License{{SKUID: powerBIPro, DisabledPlans: []string{}}}})
	}
	for i := range tenant.SKUs {
		if tenant.SKUs[i].SKUID == powerBIPro {
			tenant.SKUs[i].PrepaidUnits += 5
		}
	}
	srv, err := graphtest.NewServer(tenant, graphtest.WithToken("graph-t0ken"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	w := startChatServe(t, map[string]string{"SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": "", "LICENSEBOT_APPROVERS": "", "GRAPH_BASE_URL": srv.URL})
	token, _, _ := w.command(discordAdele, nil, "inactive", map[string]any{"days": 90, "product": "Power BI Pro"})
	plan := w.plan(t, token)
	// The five, and the sample's Bob (120 days).
	if !strings.Contains(messageText(plan), "who haven't signed in for 90 days (Microsoft Entra sign-in activity): 6 users.") {
		t.Fatalf("plan %.600s", messageText(plan))
	}
	approval := w.confirmed(t, discordAdele, plan)
	w.click(discordMegan, []string{discordApprover}, buttonID(t, approval, "approve"), discordApproval, approval.ID, false)
	waitFor(t, "the idle holders' licenses removed once each", func() bool {
		for _, id := range idle {
			if srv.Removals(id, powerBIPro) != 1 {
				return false
			}
		}
		return true
	}, func() string { return lastBytes(w.stderr.String(), 3000) })
}

// confirmed confirms the plan as user and waits for its approval request in the channel: the
// request's id and the approval message's ts.
func (w *slackWorld) confirmed(t *testing.T, user string, plan slackfake.Call) (id, approvalTS string) {
	t.Helper()
	id = buttonValue(t, plan.Blocks(), "confirm")
	w.slack.WaitResponses(t, w.click(user, "confirm", id, "C0GENERAL", "1700000000.000001", true, ""), 1)
	waitFor(t, "the approval request", func() bool {
		for _, m := range w.slack.SortedMessages(approvalChannel) {
			if strings.Contains(string(m.Blocks), id) {
				approvalTS = m.TS
				return true
			}
		}
		return false
	})
	return id, approvalTS
}

// confirmed confirms the plan as user and waits for the approval request in the approval
// channel.
func (w *discordWorld) confirmed(t *testing.T, user string, plan discordfake.Message) discordfake.Message {
	t.Helper()
	w.click(user, nil, buttonID(t, plan, "confirm"), discordGeneral, plan.ID, true)
	var approval discordfake.Message
	waitFor(t, "the approval request", func() bool {
		for _, m := range w.fake.Messages(discordApproval) {
			if len(m.Buttons()) > 0 {
				approval = m
				return true
			}
		}
		return false
	})
	return approval
}
