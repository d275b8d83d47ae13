package main

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot/teams/teamsfake"
	"github.com/licensebot/licensebot/graph/graphtest"
	"github.com/licensebot/licensebot/identity/entratest"
)

// teamsTenant is the simulated tenant's id (graphtest's sample): the Teams fake's tenant too.
const teamsTenant = "00000000-0000-4000-8000-00000000c0de"

// teamsWorld is serve with Microsoft Teams in front, against the fake Bot Framework: Adele
// (License Administrator), Megan (the approver, Alice's and Bob's manager) and Carol (no
// role) are Teams users with the app installed, by their Entra object ids in the sample
// tenant; the approvers' channel has the app installed in its team.
type teamsWorld struct {
	*slackWorld
	t                   *testing.T
	fake                *teamsfake.Fake
	adele, megan, carol teamsfake.User
	approvals           teamsfake.Channel
}

// sampleUserID is a sample tenant user's object id, known before the tenant runs.
func sampleUserID(t testing.TB, upn string) string {
	t.Helper()
	for _, u := range graphtest.SampleTenant().Users {
		if strings.EqualFold(u.UserPrincipalName, upn) {
			return u.ID
		}
	}
	t.Fatalf("no sample user %s", upn)
	return ""
}

// startTeamsServe runs serve with Teams; slackToo keeps the Slack app of the world (HTTP
// mode), else Teams is the only platform.
func startTeamsServe(t *testing.T, slackToo bool, extraEnv map[string]string) *teamsWorld {
	t.Helper()
	return startTeamsServeIn(t, teamsTenant, slackToo, extraEnv)
}

// startTeamsServeIn is startTeamsServe with the Teams tenant tenant.
func startTeamsServeIn(t *testing.T, tenant string, slackToo bool, extraEnv map[string]string) *teamsWorld {
	t.Helper()
	fake := teamsfake.New(t, teamsfake.Tenant(tenant))
	w := &teamsWorld{fake: fake, t: t}
	person := func(upn, name string) teamsfake.User {
		return fake.AddUser(teamsfake.User{Name: name, UPN: upn, AADObjectID: sampleUserID(t, upn), Installed: true})
	}
	w.adele, w.megan, w.carol = person("adele@contoso.example", "Adele Vance"), person("megan@contoso.example", "Megan Bowen"), person("carol@contoso.example", "Carol Diaz")
	w.approvals = fake.AddChannel("License approvals", w.adele, w.megan, w.carol)
	appID, secret, tenant := fake.Credentials()
	env := map[string]string{
		"TEAMS_APP_ID": appID, "TEAMS_APP_PASSWORD": secret, "TEAMS_TENANT_ID": tenant,
		"TEAMS_APPROVAL_CHANNEL":    w.approvals.ID,
		"TEAMS_OPENID_METADATA_URL": fake.OpenIDMetadataURL(),
		"TEAMS_TOKEN_URL":           fake.TokenURL(),
		"LICENSEBOT_APPROVERS":      "megan@contoso.example,U0MEGAN",
	}
	if !slackToo {
		env["SLACK_BOT_TOKEN"], env["SLACK_SIGNING_SECRET"] = "", ""
	}
	for k, v := range extraEnv {
		env[k] = v
	}
	w.slackWorld = startServe(t, env)
	return w
}

// send delivers an activity as Teams does, signed, and returns the status and body.
func (w *teamsWorld) send(a teamsfake.Activity, opts ...teamsfake.SendOption) (int, []byte) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	status, body, err := w.fake.Send(ctx, w.base+"/api/messages", a, opts...)
	if err != nil {
		w.t.Fatal(err)
	}
	return status, body
}

// say types text to the bot in u's 1:1 chat; it must be taken (200).
func (w *teamsWorld) say(u teamsfake.User, text string) {
	w.t.Helper()
	if status, body := w.send(w.fake.Personal(u, text)); status != http.StatusOK {
		w.t.Fatalf("a message answered %d: %s", status, body)
	}
}

// press presses the button titled title on m as u, and returns the invoke's answer.
func (w *teamsWorld) press(u teamsfake.User, m teamsfake.Message, title string) teamsfake.InvokeResponse {
	w.t.Helper()
	a, err := w.fake.Press(u, m, title)
	if err != nil {
		w.t.Fatal(err)
	}
	status, body := w.send(a)
	if status != http.StatusOK {
		w.t.Fatalf("a press answered %d: %s", status, body)
	}
	r, err := teamsfake.ParseInvokeResponse(body)
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

// waitCard waits for a message in conversation whose text says want (and, if buttons, has
// a button titled so).
func (w *teamsWorld) waitCard(conversation, want, button string) teamsfake.Message {
	w.t.Helper()
	var found teamsfake.Message
	waitFor(w.t, "a card saying "+want, func() bool {
		for _, m := range w.fake.Posted(conversation) {
			if strings.Contains(m.Text(), want) && (button == "" || slices.Contains(m.Buttons(), button)) {
				found = m
				return true
			}
		}
		return false
	}, func() string { return lastBytes(w.stderr.String(), 4000) })
	return found
}

// The whole path in Teams: a command in a 1:1 chat, the plan as a card, Confirm (answered
// at once, the card replaced in place), the approval request in the approvers' channel, the
// requester's own Approve refused, the approver's carried out once, the card decided and
// the outcome in its thread; a command in a channel answered privately; a message that
// isn't a command answered with a hint.
func TestServeTeamsEndToEnd(t *testing.T) {
	t.Parallel()
	w := startTeamsServe(t, false, nil)
	alice, _ := w.tenant.User("alice@contoso.example")

	w.say(w.adele, `unassign alice@contoso.example --product "Office 365 E3" --reason "left the company"`)
	plan := w.waitCard(w.adele.Conversation, "Office 365 E3", "Confirm")
	if !strings.Contains(plan.Text(), "deleted for good") {
		t.Fatalf("plan: %s", plan.Text())
	}
	if r := w.press(w.adele, plan, "Confirm"); r.StatusCode != 200 || !strings.Contains(string(r.Value), "Working on it") {
		t.Fatalf("Confirm answered %+v", r)
	}
	waitFor(t, "the plan replaced in place, confirmed", func() bool {
		m, ok := w.fake.Message(plan.ID)
		return ok && m.Updates > 0 && len(m.Buttons()) == 0 && strings.Contains(m.Text(), "Confirmed")
	})
	approval := w.waitCard(w.approvals.ID, "Office 365 E3", "Approve")

	// The requester's own Approve: refused, privately.
	w.press(w.adele, approval, "Approve")
	w.waitCard(w.adele.Conversation, "your own request", "")
	if n := w.tenant.Calls("POST", "/users/"); n != 0 {
		t.Fatalf("%d assignLicense calls before the approval", n)
	}

	// Megan approves: removed once, the card decided in place, the outcome in its thread.
	w.press(w.megan, approval, "Approve")
	waitFor(t, "the approval card decided", func() bool {
		m, ok := w.fake.Message(approval.ID)
		return ok && len(m.Buttons()) == 0 && strings.Contains(m.Text(), "Approved by Megan Bowen")
	})
	waitFor(t, "the outcome in the approval's thread", func() bool {
		for _, m := range w.fake.Posted(w.approvals.ID) {
			if m.ReplyToID == approval.ID && strings.Contains(m.Text(), "removed Office 365 E3") {
				return true
			}
		}
		return false
	})
	if n := w.tenant.Removals(alice.ID, skuOffice365E3); n != 1 {
		t.Fatalf("removed %d times, want 1", n)
	}
	// A second press on the stale card changes nothing.
	if _, err := w.fake.Press(w.megan, approval, "Approve"); err == nil {
		t.Fatal("the decided card still has its Approve")
	}
	if a, err := w.fake.Press(w.megan, approval, "Approve"); err == nil {
		w.send(a)
	}
	time.Sleep(200 * time.Millisecond)
	if n := w.tenant.Calls("POST", "/users/"); n != 1 {
		t.Fatalf("%d assignLicense calls, want 1", n)
	}

	// In a channel: the answer goes to the 1:1 chat, a note stays in the thread.
	if status, _ := w.send(w.fake.ChannelMention(w.adele, w.approvals, "unassign help")); status != http.StatusOK {
		t.Fatalf("a channel command answered %d", status)
	}
	w.waitCard(w.approvals.ID, "answered you in our 1:1 chat", "")
	w.waitCard(w.adele.Conversation, "unassign", "")
	// Not a command: a hint.
	w.say(w.carol, "hello there")
	w.waitCard(w.carol.Conversation, "unassign help", "")

	if err := w.stop(); err != nil {
		t.Fatal(err)
	}
	_, secret, _ := w.fake.Credentials()
	if strings.Contains(w.stderr.String(), secret) {
		t.Error("the log contains the bot's secret")
	}
}

// Activities that aren't Teams' as Microsoft signs them are refused before anything in them
// is read: nothing is recorded, nobody is looked up, nothing is posted. A token signed for
// real passes whatever the case of its service URL claim's name, and within the 5 minutes'
// skew of its expiry.
func TestServeTeamsRefusesForgedActivities(t *testing.T) {
	t.Parallel()
	w := startTeamsServe(t, false, nil)
	text := `unassign alice@contoso.example --product "Office 365 E3"`
	for _, c := range []struct {
		name   string
		opts   []teamsfake.SendOption
		status int
	}{
		{"no token", []teamsfake.SendOption{teamsfake.NoToken()}, 401},
		{"unsigned", []teamsfake.SendOption{teamsfake.Unsigned()}, 401},
		{"signed by a stranger", []teamsfake.SendOption{teamsfake.SignedByStranger()}, 401},
		{"unknown key", []teamsfake.SendOption{teamsfake.UnknownKid()}, 401},
		{"key not endorsed for Teams", []teamsfake.SendOption{teamsfake.Unendorsed()}, 401},
		{"expired", []teamsfake.SendOption{teamsfake.Expired(10 * time.Minute)}, 401},
		{"not yet valid", []teamsfake.SendOption{teamsfake.NotBefore(time.Now().Add(time.Hour))}, 401},
		{"wrong audience", []teamsfake.SendOption{teamsfake.Audience("11111111-2222-3333-4444-555555555555")}, 401},
		{"wrong issuer", []teamsfake.SendOption{teamsfake.Issuer("https://sts.windows.net/evil/")}, 401},
		{"wrong service URL", []teamsfake.SendOption{teamsfake.ServiceURLClaim("https://evil.example/teams/")}, 401},
		{"other tenant", []teamsfake.SendOption{teamsfake.FromTenant("99999999-8888-7777-6666-555555555555")}, 403},
	} {
		if status, body := w.send(w.fake.Personal(w.adele, text), c.opts...); status != c.status {
			t.Errorf("%s: answered %d (%s), want %d", c.name, status, body, c.status)
		}
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(w.fake.Posted(w.adele.Conversation)); n != 0 {
		t.Fatalf("%d messages posted after forged activities", n)
	}
	if n := w.tenant.Calls("GET", "/"); n != 0 {
		t.Fatalf("%d Graph reads after forged activities", n)
	}

	// Signed for real: the claim's name in another case, an expiry 3 minutes past.
	for name, opts := range map[string][]teamsfake.SendOption{
		"serviceUrl claim": {teamsfake.ServiceURLClaimName("serviceUrl")},
		"within the skew":  {teamsfake.Expired(3 * time.Minute)},
	} {
		if status, body := w.send(w.fake.Personal(w.carol, "unassign help"), opts...); status != 200 {
			t.Errorf("%s: answered %d (%s), want 200", name, status, body)
		}
	}
	waitFor(t, "two answers to Carol", func() bool { return len(w.fake.Posted(w.carol.Conversation)) == 2 })
}

// A request made in Teams is approved in Slack, and one made in Slack is approved in Teams:
// the approval request is on both, either decides, the other copy is decided in place.
func TestServeTeamsAndSlackApproveEachOther(t *testing.T) {
	t.Parallel()
	w := startTeamsServe(t, true, nil)
	sl := w.slack

	// Teams → Slack.
	w.say(w.adele, `unassign bob@contoso.example --product "Power BI Pro"`)
	plan := w.waitCard(w.adele.Conversation, "Power BI Pro", "Confirm")
	w.press(w.adele, plan, "Confirm")
	onTeams := w.waitCard(w.approvals.ID, "Power BI Pro", "Approve")
	waitFor(t, "the approval request on Slack", func() bool { return len(sl.SortedMessages(approvalChannel)) > 0 })
	onSlack := sl.SortedMessages(approvalChannel)[0]
	var blocks []map[string]any
	if err := json.Unmarshal(onSlack.Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	id := buttonValue(t, blocks, "approve")
	w.slackWorld.click("U0MEGAN", "approve", id, approvalChannel, onSlack.TS, false, "")
	bob, _ := w.tenant.User("bob@contoso.example")
	waitFor(t, "Bob's removal", func() bool { return w.tenant.Removals(bob.ID, "f8a1db68-be16-40ed-86d5-cb42ce701560") == 1 })
	waitFor(t, "the Teams copy decided in place", func() bool {
		m, ok := w.fake.Message(onTeams.ID)
		return ok && m.Updates > 0 && len(m.Buttons()) == 0 && strings.Contains(m.Text(), "Approved by Megan Bowen")
	})
	w.waitCard(w.adele.Conversation, "removed Power BI Pro", "")

	// Slack → Teams.
	cmd := w.slackWorld.command("U0ADELE", `alice@contoso.example --product "Office 365 E3"`)
	splan := sl.WaitResponses(t, cmd, 1)[0]
	sid := buttonValue(t, splan.Blocks(), "confirm")
	w.slackWorld.click("U0ADELE", "confirm", sid, "C0GENERAL", "1700000000.000001", true, "")
	second := w.waitCard(w.approvals.ID, "Office 365 E3", "Approve")
	w.press(w.megan, second, "Approve")
	alice, _ := w.tenant.User("alice@contoso.example")
	waitFor(t, "Alice's removal", func() bool { return w.tenant.Removals(alice.ID, skuOffice365E3) == 1 })
	waitFor(t, "the Slack copy decided", func() bool {
		for _, m := range sl.SortedMessages(approvalChannel) {
			if m.Updates > 0 && strings.Contains(string(m.Blocks), sid) && !strings.Contains(string(m.Blocks), `"actions"`) {
				return true
			}
		}
		return false
	})
}

// Under the manager policy, the approval request goes to the user's Entra manager in their
// 1:1 chat with the bot, found by object id, and Megan approves it there.
func TestServeTeamsManagerApprovesInPersonalChat(t *testing.T) {
	t.Parallel()
	w := startTeamsServe(t, false, map[string]string{"LICENSEBOT_APPROVAL_POLICY": "manager", "TEAMS_APPROVAL_CHANNEL": ""})
	w.say(w.adele, `unassign alice@contoso.example --product "Office 365 E3"`)
	plan := w.waitCard(w.adele.Conversation, "Office 365 E3", "Confirm")
	w.press(w.adele, plan, "Confirm")
	approval := w.waitCard(w.megan.Conversation, "Office 365 E3", "Approve")
	w.press(w.megan, approval, "Approve")
	alice, _ := w.tenant.User("alice@contoso.example")
	waitFor(t, "the removal", func() bool { return w.tenant.Removals(alice.ID, skuOffice365E3) == 1 })
}

// Teams vouches for who people are, and the fresh sign-in rule for approvals still holds:
// Megan's Approve waits for a sign-in with Microsoft (a code in her 1:1 chat) and is carried
// out once she has signed in; a code signed in by someone other than the Teams account's
// Entra user links nothing.
func TestServeTeamsApprovalNeedsAFreshSignIn(t *testing.T) {
	t.Parallel()
	entra := entratest.New(signInTenant, signInApp)
	t.Cleanup(entra.Close)
	w := startTeamsServeIn(t, signInTenant, false, map[string]string{
		"LICENSEBOT_APPROVERS": "megan@contoso.example",
		"LICENSEBOT_IDENTITY":  "entra", "AZURE_TENANT_ID": signInTenant, "AZURE_CLIENT_ID": signInApp,
		"LICENSEBOT_SIGNIN_AUTHORITY": entra.URL, "LICENSEBOT_APPROVAL_SIGNIN_MAX_AGE": "8h",
	})
	fake := w.fake
	entraUser := func(upn string) entratest.User {
		u, _ := w.tenant.User(upn)
		return entratest.User{ObjectID: u.ID, Username: upn, Name: u.DisplayName, AuthTime: w.now()}
	}
	codeIn := func(conversation string) string {
		var code string
		waitFor(t, "a sign-in code", func() bool {
			for _, m := range fake.Posted(conversation) {
				if c := deviceCodeIn.FindStringSubmatch(m.Text()); c != nil && strings.Contains(m.Text(), "If anyone sends you one, don't use it") {
					code = c[1]
				}
			}
			return code != ""
		}, func() string { return lastBytes(w.stderr.String(), 3000) })
		return code
	}

	// Adele asks without linking anything: Teams vouches for her.
	w.say(w.adele, `unassign alice@contoso.example --product "Office 365 E3"`)
	plan := w.waitCard(w.adele.Conversation, "Office 365 E3", "Confirm")
	w.press(w.adele, plan, "Confirm")
	approval := w.waitCard(w.approvals.ID, "Office 365 E3", "Approve")

	// Megan's Approve waits for a sign-in.
	w.press(w.megan, approval, "Approve")
	code := codeIn(w.megan.Conversation)
	alice, _ := w.tenant.User("alice@contoso.example")
	if n := w.tenant.Removals(alice.ID, skuOffice365E3); n != 0 {
		t.Fatalf("removed before the approver signed in")
	}
	if err := entra.Approve(code, entraUser("megan@contoso.example")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the removal once Megan signed in", func() bool { return w.tenant.Removals(alice.ID, skuOffice365E3) == 1 },
		func() string { return lastBytes(w.stderr.String(), 3000) })

	// Carol's code, signed in as Megan: nothing linked.
	w.say(w.carol, "unassign link")
	if err := entra.Approve(codeIn(w.carol.Conversation), entraUser("megan@contoso.example")); err != nil {
		t.Fatal(err)
	}
	w.waitCard(w.carol.Conversation, "your chat account belongs to another Microsoft Entra user", "")
}

// A whole group in Teams: the plan of 500 users fits one card, the removal's progress is
// edited into the requester's card and the outcome posted, and the bot keeps within Teams'
// rate limits all along (the fake answers 429 past them: it never had to).
func TestServeTeamsRemovesAWholeGroupWithinLimits(t *testing.T) {
	t.Parallel()
	const staff = 500
	srv := salesEMEA(t, staff)
	w := startTeamsServe(t, false, map[string]string{"GRAPH_BASE_URL": srv.URL, "LICENSEBOT_MAX_TARGETS": "500"})
	w.tenant = srv

	w.say(w.adele, `unassign --group "Sales EMEA" --product "Office 365 E3" --reason "team closed"`)
	plan := w.waitCard(w.adele.Conversation, "From the group Sales EMEA", "Confirm")
	w.press(w.adele, plan, "Confirm")
	approval := w.waitCard(w.approvals.ID, "From the group Sales EMEA", "Approve")
	w.press(w.megan, approval, "Approve")
	waitStaffRemovedOnce(t, srv, staff, w.stderr)
	w.waitCard(w.adele.Conversation, "removed Office 365 E3", "")
	// The approval card is where the progress goes: approved, then the counts or the end
	// (edited after the outcome is posted, so waited for).
	waitFor(t, "the approval card edited past its approval", func() bool {
		m, _ := w.fake.Message(approval.ID)
		return m.Updates >= 2
	}, func() string { m, _ := w.fake.Message(approval.ID); return m.Text() })
	for _, c := range w.fake.Calls() {
		if c.Status == http.StatusTooManyRequests || c.Status == http.StatusRequestEntityTooLarge {
			t.Errorf("Teams answered %d to %s %s", c.Status, c.Method, c.Path)
		}
	}
}
