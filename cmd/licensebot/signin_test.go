package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot/slack/slackfake"
	"github.com/licensebot/licensebot/identity/entratest"
)

// The tenant and app registration people sign in to, at the fake Entra.
const (
	signInTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	signInApp    = "535fb089-9ff3-47b6-9bfb-4f1264799865"
)

var (
	deviceCodeIn = regexp.MustCompile(`enter the code ([A-Z0-9-]+)`)
	signInLinkIn = regexp.MustCompile(`(http://127\.0\.0\.1:\d+/` + signInTenant + `/oauth2/v2\.0/authorize\?[^\s"<>|]+)`)
)

// signInWorld is serve under LICENSEBOT_IDENTITY=entra, with a fake Entra to sign in at and
// a public URL (the sign-in link's callback) on serve's own port.
type signInWorld struct {
	*slackWorld
	entra *entratest.Provider
}

// freeLoopbackAddr is a loopback address no one listens on now, for a server whose public
// URL must be known before it starts.
func freeLoopbackAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func startSignInServe(t *testing.T, extraEnv map[string]string) *signInWorld {
	t.Helper()
	entra := entratest.New(signInTenant, signInApp)
	t.Cleanup(entra.Close)
	addr := freeLoopbackAddr(t)
	entra.RedirectURL = "http://" + addr + "/auth/callback"
	env := map[string]string{
		"LICENSEBOT_IDENTITY":                "entra",
		"AZURE_TENANT_ID":                    signInTenant,
		"AZURE_CLIENT_ID":                    signInApp,
		"LICENSEBOT_SIGNIN_AUTHORITY":        entra.URL,
		"LICENSEBOT_PUBLIC_URL":              "http://" + addr,
		"LICENSEBOT_HTTP_ADDR":               addr,
		"LICENSEBOT_APPROVAL_SIGNIN_MAX_AGE": "8h",
	}
	for k, v := range extraEnv {
		env[k] = v
	}
	return &signInWorld{slackWorld: startServe(t, env), entra: entra}
}

// entraUser is the fake Entra's account of a sample tenant user, last signed in at authTime.
func (w *signInWorld) entraUser(upn string, authTime time.Time) entratest.User {
	w.t.Helper()
	u, ok := w.tenant.User(upn)
	if !ok {
		w.t.Fatalf("no user %s", upn)
	}
	return entratest.User{ObjectID: u.ID, Username: upn, Name: u.DisplayName, AuthTime: authTime}
}

// signInStep reads the device code and the sign-in link out of an answer.
func signInStep(t *testing.T, c slackfake.Call) (code, link string) {
	t.Helper()
	text := string(c.Body)
	if m := deviceCodeIn.FindStringSubmatch(text); m != nil {
		code = m[1]
	}
	if m := signInLinkIn.FindStringSubmatch(text); m != nil {
		link = strings.NewReplacer(`\u0026amp;`, "&", `\u0026`, "&", "&amp;", "&").Replace(m[1])
	}
	if code == "" || !strings.Contains(text, "If anyone sends you one, don't use it") {
		t.Fatalf("no sign-in step (code, phishing warning) in %s", text)
	}
	return code, link
}

// dmWith waits for a message of the bot outside the approval channel that says want.
func (w *signInWorld) dmWith(t *testing.T, want string) {
	t.Helper()
	waitFor(t, "a private message saying "+want, func() bool {
		for _, c := range w.slack.Calls("chat.postMessage") {
			if c.Param("channel") != approvalChannel && strings.Contains(c.Param("text")+blocksText(c.Blocks()), want) {
				return true
			}
		}
		return false
	}, func() string { return lastBytes(w.stderr.String(), 4000) })
}

// linkByDevice runs /unassign link for user and signs in with the code as who.
func (w *signInWorld) linkByDevice(t *testing.T, user string, who entratest.User) {
	t.Helper()
	answer := w.slack.WaitResponses(t, w.command(user, "link"), 1)[0]
	code, _ := signInStep(t, answer)
	if err := w.entra.Approve(code, who); err != nil {
		t.Fatal(err)
	}
}

// Linking by signing in, and approving with a fresh sign-in, on Slack: the chat profile's
// address alone is no longer anyone's proof; a stale sign-in makes the approval wait for a
// new one; an approver who unlinked, or who signs in to another tenant, or as someone else,
// decides nothing.
func TestSlackSignInLinksAndFreshApproval(t *testing.T) {
	t.Parallel()
	w := startSignInServe(t, nil)
	sl := w.slack
	now := w.now()

	// 1. Unlinked: the profile's address is not enough.
	refused := sl.WaitResponses(t, w.command("U0ADELE", `alice@contoso.example --product "Office 365 E3"`), 1)[0]
	if !strings.Contains(string(refused.Body), "Sign in with Microsoft once: run /unassign link") {
		t.Fatalf("an unlinked requester was answered %s", refused.Body)
	}

	// 2. Adele links with the device code.
	w.linkByDevice(t, "U0ADELE", w.entraUser("adele@contoso.example", now))
	w.dmWith(t, "Signed in: your chat account is now linked to adele@contoso.example")

	// 3. Megan links with the one-time link, from a sign-in 10 hours old (auth_time).
	answer := sl.WaitResponses(t, w.command("U0MEGAN", "link"), 1)[0]
	_, link := signInStep(t, answer)
	if link == "" {
		t.Fatalf("no sign-in link with a public URL: %s", answer.Body)
	}
	redirect, err := w.entra.SignIn(link, w.entraUser("megan@contoso.example", now.Add(-10*time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	page := getPage(t, redirect.String())
	if page.code != http.StatusOK || !strings.Contains(page.body, "now linked to megan@contoso.example") || !strings.Contains(page.body, "close this tab") {
		t.Fatalf("callback page %d %s", page.code, page.body)
	}
	// The same redirect again (a replay, a reload): the state works once.
	if again := getPage(t, redirect.String()); again.code != http.StatusBadRequest || !strings.Contains(again.body, "unknown, was used already") {
		t.Fatalf("a replayed redirect answered %d %s", again.code, again.body)
	}
	if forged := getPage(t, w.base+"/auth/callback?state=nope&code=x"); forged.code != http.StatusBadRequest {
		t.Fatalf("an unknown state answered %d", forged.code)
	}

	// 4. Adele asks, confirms; the approval request goes out.
	plan := sl.WaitResponses(t, w.command("U0ADELE", `alice@contoso.example --product "Office 365 E3" --reason "left"`), 1)[0]
	id := buttonValue(t, plan.Blocks(), "confirm")
	sl.WaitResponses(t, w.click("U0ADELE", "confirm", id, "C0GENERAL", "1700000000.000001", true, ""), 1)
	sl.WaitCalls(t, "chat.postMessage", 1)
	approvalTS := ""
	waitFor(t, "the approval request", func() bool {
		for _, m := range sl.SortedMessages(approvalChannel) {
			if strings.Contains(string(m.Blocks), id) {
				approvalTS = m.TS
				return true
			}
		}
		return false
	})

	// 5. Megan's Approve on a stale sign-in: the sign-in step, and nothing removed.
	stale := sl.WaitResponses(t, w.click("U0MEGAN", "approve", id, approvalChannel, approvalTS, false, ""), 1)[0]
	if !strings.Contains(string(stale.Body), "within the last 8 hours; yours was at") || !strings.Contains(string(stale.Body), "Your click waits") {
		t.Fatalf("a stale approver was answered %s", stale.Body)
	}
	code, _ := signInStep(t, stale)
	alice, _ := w.tenant.User("alice@contoso.example")
	time.Sleep(300 * time.Millisecond)
	if n := w.tenant.Removals(alice.ID, skuOffice365E3); n != 0 {
		t.Fatalf("removed %d times on a stale approval", n)
	}

	// 6. She signs in now: the click waiting is decided; removed once.
	if err := w.entra.Approve(code, w.entraUser("megan@contoso.example", now)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the removal after signing in", func() bool { return w.tenant.Removals(alice.ID, skuOffice365E3) == 1 },
		func() string { return lastBytes(w.stderr.String(), 6000) })
	waitFor(t, "the approval message updated", func() bool {
		m, ok := sl.Message(approvalChannel, approvalTS)
		return ok && m.Updates > 0 && strings.Contains(string(m.Blocks), "Approved by Megan Bowen")
	})

	// The request's story, from the audit record, in /unassign status.
	waitFor(t, "the story told by status", func() bool {
		st := sl.WaitResponses(t, w.command("U0ADELE", "status "+id), 1)[0]
		story := string(st.Body)
		return strings.Contains(story, "What happened (from the audit record)") &&
			strings.Contains(story, "asked by adele@contoso.example (plan ") &&
			strings.Contains(story, "confirmed by adele@contoso.example") &&
			strings.Contains(story, "approved by megan@contoso.example (plan ") &&
			strings.Contains(story, "signed in with Microsoft at") && strings.Contains(story, "by the token's auth_time; second factor: none shown") &&
			strings.Contains(story, "Office 365 E3 removed from alice@contoso.example (Graph request-id ")
	}, func() string { return string(sl.WaitResponses(t, w.command("U0ADELE", "status "+id), 1)[0].Body) })

	// 7. A second request; Megan removes her link before deciding: her click decides nothing.
	plan2 := sl.WaitResponses(t, w.command("U0ADELE", `bob@contoso.example --product "Office 365 E3" --reason "left"`), 1)[0]
	id2 := buttonValue(t, plan2.Blocks(), "confirm")
	sl.WaitResponses(t, w.click("U0ADELE", "confirm", id2, "C0GENERAL", "1700000000.000002", true, ""), 1)
	unlinked := sl.WaitResponses(t, w.command("U0MEGAN", "unlink"), 1)[0]
	if !strings.Contains(string(unlinked.Body), "no longer linked to megan@contoso.example") {
		t.Fatalf("unlink answered %s", unlinked.Body)
	}
	gone := sl.WaitResponses(t, w.click("U0MEGAN", "approve", id2, approvalChannel, "1700000000.000009", false, ""), 1)[0]
	if !strings.Contains(string(gone.Body), "I don't know which work account is yours yet") {
		t.Fatalf("an unlinked approver was answered %s", gone.Body)
	}

	// 8. A sign-in to another tenant links nothing, and says so.
	w.entra.Forge(entratest.OtherTenant)
	w.linkByDevice(t, "U0MEGAN", w.entraUser("megan@contoso.example", now))
	w.dmWith(t, "another organisation's directory, so nothing was linked")
	w.entra.Forge(entratest.Genuine)

	// 9. A code used by someone else (Carol's code, Megan at the keyboard): the profile
	// shows Carol, the sign-in is Megan's: nothing linked.
	w.linkByDevice(t, "U0CAROL", w.entraUser("megan@contoso.example", now))
	w.dmWith(t, "You signed in as megan@contoso.example, but your chat profile's address is carol@contoso.example")
	status := sl.WaitResponses(t, w.command("U0CAROL", "link status"), 1)[0]
	if !strings.Contains(string(status.Body), "isn't linked") {
		t.Fatalf("Carol's link status %s", status.Body)
	}
	if n := w.tenant.Calls("POST", "/users/"); n != 1 {
		t.Fatalf("%d assignLicense calls, want the one approved", n)
	}

	// 10. The audit record tells who signed in, and the approval's sign-in evidence.
	if err := w.stop(); err != nil {
		t.Fatal(err)
	}
	out, _, err := runAuditCmd(t, map[string]string{"REDIS_URL": w.redis.URL}, w.now, "export", "--since", "1h", "--format", "jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var linked, approvedFresh, failed int
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var e struct {
			Action, Request string
			Fields          map[string]string
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		switch {
		case e.Action == "linked" && e.Fields["method"] == "signin" && e.Fields["evidence"] == "auth_time" && e.Fields["mfa"] == "none shown":
			linked++
		case e.Action == "approved" && e.Fields["signin_evidence"] == "auth_time" && e.Fields["signed_in_at"] == now.UTC().Truncate(time.Second).Format(time.RFC3339):
			approvedFresh++
		case e.Action == "signin_failed":
			failed++
		}
	}
	if linked != 3 || approvedFresh != 1 || failed != 2 {
		t.Fatalf("audit: %d links by sign-in (want 3), %d approvals with fresh evidence (want 1), %d failed sign-ins (want 2):\n%s", linked, approvedFresh, failed, out)
	}
	for _, secret := range []string{code, "client_secret"} {
		if strings.Contains(w.stderr.String(), secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
}

type page struct {
	code int
	body string
}

func getPage(t *testing.T, u string) page {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return page{code: resp.StatusCode, body: string(b)}
}

// Linking by signing in on Discord, which shows bots no address: the device code, privately;
// an approval from a stale sign-in waits for a fresh one; link status and unlink.
func TestDiscordSignInLinksAndFreshApproval(t *testing.T) {
	t.Parallel()
	entra := entratest.New(signInTenant, signInApp)
	t.Cleanup(entra.Close)
	w := startChatServe(t, map[string]string{
		"SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": "", "LICENSEBOT_APPROVERS": "",
		"DISCORD_USER_MAP":    "",
		"LICENSEBOT_IDENTITY": "entra", "AZURE_TENANT_ID": signInTenant, "AZURE_CLIENT_ID": signInApp,
		"LICENSEBOT_SIGNIN_AUTHORITY": entra.URL, "LICENSEBOT_APPROVAL_SIGNIN_MAX_AGE": "8h",
	})
	now := w.now()
	user := func(upn string, authTime time.Time) entratest.User {
		u, _ := w.tenant.User(upn)
		return entratest.User{ObjectID: u.ID, Username: upn, Name: u.DisplayName, AuthTime: authTime}
	}
	answer := func(token string) string {
		t.Helper()
		var got string
		waitFor(t, "the answer to "+token, func() bool {
			m, ok := w.fake.Original(token)
			got = messageText(m)
			return ok && !m.Deferred
		})
		return got
	}
	dm := func(id, want string) {
		t.Helper()
		waitFor(t, "a DM saying "+want, func() bool {
			for _, m := range w.fake.Messages(w.fake.DMChannel(id)) {
				if strings.Contains(messageText(m), want) {
					return true
				}
			}
			return false
		}, func() string { return lastBytes(w.stderr.String(), 4000) })
	}
	code := func(text string) string {
		t.Helper()
		m := deviceCodeIn.FindStringSubmatch(text)
		if m == nil || !strings.Contains(text, "don't use it") {
			t.Fatalf("no sign-in step in %q", text)
		}
		return m[1]
	}
	link := func(id string, who entratest.User) {
		t.Helper()
		token, _, _ := w.command(id, nil, "link", nil)
		if err := entra.Approve(code(answer(token)), who); err != nil {
			t.Fatal(err)
		}
		dm(id, "now linked to "+who.Username)
	}

	// An administrator's word is not how links are made here.
	token, _, _ := w.command(discordHal, nil, "link", map[string]any{"upn": "hal@contoso.example"})
	if got := answer(token); !strings.Contains(got, "by signing in with Microsoft here") {
		t.Fatalf("a link by address was answered %q", got)
	}
	link(discordAdele, user("adele@contoso.example", now))
	link(discordMegan, user("megan@contoso.example", now.Add(-9*time.Hour)))
	token, _, _ = w.command(discordMegan, nil, "link_status", nil)
	if got := answer(token); !strings.Contains(got, "you signed in with Microsoft as that account") {
		t.Fatalf("link status %q", got)
	}

	// Adele asks; Megan's approval on a 9-hour-old sign-in waits for a new one.
	token, _, _ = w.command(discordAdele, nil, "remove", map[string]any{"users": "bob@contoso.example", "product": "Power BI Pro"})
	plan := w.plan(t, token)
	approval := w.confirmed(t, discordAdele, plan)
	mtoken, _ := w.click(discordMegan, []string{discordApprover}, buttonID(t, approval, "approve"), discordApproval, approval.ID, false)
	var step string
	waitFor(t, "the sign-in step", func() bool {
		for _, f := range w.fake.Followups(mtoken) {
			if strings.Contains(messageText(f), "Your click waits") && f.Ephemeral() {
				step = messageText(f)
				return true
			}
		}
		return false
	}, func() string { return lastBytes(w.stderr.String(), 4000) })
	bob, _ := w.tenant.User("bob@contoso.example")
	const powerBIPro = "f8a1db68-be16-40ed-86d5-cb42ce701560"
	if n := w.tenant.Removals(bob.ID, powerBIPro); n != 0 {
		t.Fatalf("removed on a stale sign-in")
	}
	if err := entra.Approve(code(step), user("megan@contoso.example", now)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the removal once Megan signed in", func() bool { return w.tenant.Removals(bob.ID, powerBIPro) == 1 })
	waitFor(t, "the approval request decided", func() bool {
		m, ok := w.fake.Message(approval.ID)
		return ok && len(m.Buttons()) == 0
	})

	// Megan removes her link; asking about it again says there is none.
	token, _, _ = w.command(discordMegan, nil, "unlink", nil)
	if got := answer(token); !strings.Contains(got, "no longer linked to megan@contoso.example") {
		t.Fatalf("unlink answered %q", got)
	}
	token, _, _ = w.command(discordMegan, nil, "link_status", nil)
	if got := answer(token); !strings.Contains(got, "isn't linked") {
		t.Fatalf("link status after unlink %q", got)
	}
	if err := w.stop(); err != nil {
		t.Fatal(err)
	}
}
