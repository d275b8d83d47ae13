package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot/discord"
	"github.com/licensebot/licensebot/bot/discord/discordfake"
	"github.com/licensebot/licensebot/graph/graphtest"
	"github.com/licensebot/licensebot/store"
)

const (
	discordAdele    = "100000000000000001"
	discordMegan    = "100000000000000002"
	discordApprover = "200000000000000001" // the approver role
	discordApproval = "300000000000000001" // the approval channel
	discordGeneral  = "300000000000000009"
	discordGuild    = "400000000000000001"
)

var discordKey = ed25519.NewKeyFromSeed([]byte("licensebot-e2e-discord-seed-32by"))

type discordWorld struct {
	*slackWorld
	fake *discordfake.Server
	seq  int
}

func startDiscordServe(t *testing.T, tenantOpts ...graphtest.Option) *discordWorld {
	// Discord alone: no Slack app.
	return startChatServe(t, map[string]string{"SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": "", "LICENSEBOT_APPROVERS": ""}, tenantOpts...)
}

func startChatServe(t *testing.T, slackEnv map[string]string, tenantOpts ...graphtest.Option) *discordWorld {
	t.Helper()
	fake := discordfake.New(t)
	fake.AddChannel(discordApproval)
	fake.AddChannel(discordGeneral)
	env := map[string]string{
		"DISCORD_BOT_TOKEN":           discordfake.BotToken,
		"DISCORD_PUBLIC_KEY":          hex.EncodeToString(discordKey.Public().(ed25519.PublicKey)),
		"DISCORD_APPLICATION_ID":      discordfake.AppID,
		"DISCORD_GUILD_IDS":           discordGuild,
		"DISCORD_APPROVAL_CHANNEL_ID": discordApproval,
		"DISCORD_APPROVER_ROLE_IDS":   discordApprover,
		"DISCORD_USER_MAP":            discordAdele + "=adele@contoso.example," + discordMegan + "=megan@contoso.example",
		"DISCORD_API_URL":             fake.APIURL(),
	}
	for k, v := range slackEnv {
		env[k] = v
	}
	w := startServe(t, env, append([]graphtest.Option{graphtest.WithLatency(20 * time.Millisecond)}, tenantOpts...)...)
	return &discordWorld{slackWorld: w, fake: fake}
}

func discordMember(id string, roles ...string) map[string]any {
	if roles == nil {
		roles = []string{}
	}
	return map[string]any{"user": map[string]any{"id": id, "username": "u" + id[len(id)-2:], "discriminator": "0"}, "roles": roles, "permissions": "0"}
}

// deliver posts a signed interaction as Discord does, and gives the fake the endpoint's
// response, as Discord takes it. It returns the response's type.
func (w *discordWorld) deliver(payload map[string]any, sign func(body []byte) (string, string)) (int, int) {
	w.t.Helper()
	body, _ := json.Marshal(payload)
	if sign == nil {
		sign = func(b []byte) (string, string) { return discord.Sign(b, discordKey, w.now()) }
	}
	ts, sig := sign(body)
	req, _ := http.NewRequest(http.MethodPost, w.base+"/discord/interactions", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-Timestamp", ts)
	req.Header.Set("X-Signature-Ed25519", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	var ack struct{ Type int }
	_ = json.Unmarshal(out, &ack)
	if resp.StatusCode == http.StatusOK && ack.Type != 1 {
		w.fake.Respond(w.t, payload["token"].(string), out)
	}
	return resp.StatusCode, ack.Type
}

// plan waits for the answer to the command whose interaction token is token to be a plan
// (a message with buttons) and returns it.
func (w *discordWorld) plan(t *testing.T, token string) discordfake.Message {
	t.Helper()
	var plan discordfake.Message
	waitFor(t, "the plan", func() bool {
		m, ok := w.fake.Original(token)
		plan = m
		return ok && !m.Deferred && len(m.Buttons()) > 0
	}, func() string { return lastBytes(w.stderr.String(), 3000) })
	return plan
}

func (w *discordWorld) next() (id, token string) {
	w.seq++
	id = "5000000000000000" + string(rune('0'+w.seq/10)) + string(rune('0'+w.seq%10))
	return id, "token-" + id
}

func (w *discordWorld) command(user string, roles []string, sub string, opts map[string]any) (token string, status, typ int) {
	id, token := w.next()
	var options []any
	for k, v := range opts {
		options = append(options, map[string]any{"type": 3, "name": k, "value": v})
	}
	w.fake.AddInteraction(id, token, "")
	status, typ = w.deliver(map[string]any{
		"id": id, "application_id": discordfake.AppID, "type": 2, "token": token, "version": 1,
		"guild_id": discordGuild, "channel_id": discordGeneral, "locale": "en-US", "member": discordMember(user, roles...),
		"data": map[string]any{"id": "600000000000000001", "name": "unassign", "type": 1,
			"options": []any{map[string]any{"type": 1, "name": sub, "options": options}}},
	}, nil)
	return token, status, typ
}

func (w *discordWorld) click(user string, roles []string, customID, channel, msgID string, ephemeral bool) (token string, typ int) {
	id, token := w.next()
	flags := 0
	if ephemeral {
		flags = 64
	}
	w.fake.AddInteraction(id, token, msgID)
	_, typ = w.deliver(map[string]any{
		"id": id, "application_id": discordfake.AppID, "type": 3, "token": token, "version": 1,
		"guild_id": discordGuild, "channel_id": channel, "locale": "en-US", "member": discordMember(user, roles...),
		"data":    map[string]any{"custom_id": customID, "component_type": 2},
		"message": map[string]any{"id": msgID, "channel_id": channel, "flags": flags, "content": "", "type": 0},
	}, nil)
	return token, typ
}

func buttonID(t *testing.T, m discordfake.Message, prefix string) string {
	t.Helper()
	for _, b := range m.Buttons() {
		if strings.HasPrefix(b, prefix+":") {
			return b
		}
	}
	t.Fatalf("no %s button in %+v", prefix, m.Buttons())
	return ""
}

func messageText(m discordfake.Message) string { return m.Content + string(m.Embeds) }

// tenantModes are the simulated tenant as the sample answers and as Microsoft documents the
// worst case for an app-only token (licenseDetails refused, every subscription owned by a
// "User"): the whole flow passes in both, without reading licenseDetails.
var tenantModes = []struct {
	name string
	opts []graphtest.Option
}{
	{"sample tenant", nil},
	{"documented worst case", []graphtest.Option{graphtest.WithDocumentedWorstCase()}},
}

func TestServeDiscordEndToEnd(t *testing.T) {
	t.Parallel()
	for _, mode := range tenantModes {
		t.Run(mode.name, func(t *testing.T) { testServeDiscordEndToEnd(t, mode.opts...) })
	}
}

func testServeDiscordEndToEnd(t *testing.T, tenantOpts ...graphtest.Option) {
	w := startDiscordServe(t, tenantOpts...)
	if len(w.fake.Commands(discordGuild)) == 0 {
		t.Fatal("/unassign was not registered in the guild")
	}

	// A signed /unassign: deferred (ephemeral) at once, then the plan with buttons.
	token, status, typ := w.command(discordAdele, nil, "remove", map[string]any{"users": "alice@contoso.example", "product": "Office 365 E3", "reason": "left the company"})
	if status != 200 || typ != 5 {
		t.Fatalf("command answered %d type %d, want 200 type 5", status, typ)
	}
	plan := w.plan(t, token)
	if !plan.Ephemeral() || !strings.Contains(messageText(plan), "Office 365 E3") || !strings.Contains(messageText(plan), "deleted for good") {
		t.Fatalf("plan: %+v", plan)
	}
	confirm := buttonID(t, plan, "confirm")
	if len(confirm) > 100 {
		t.Fatalf("custom_id of %d characters", len(confirm))
	}

	// Confirm: the plan loses its buttons; the approval request appears in the channel.
	ctoken, ctyp := w.click(discordAdele, nil, confirm, discordGeneral, plan.ID, true)
	if ctyp != 6 {
		t.Fatalf("click answered type %d, want 6", ctyp)
	}
	waitFor(t, "the confirmed plan without buttons", func() bool {
		m, ok := w.fake.Original(ctoken)
		return ok && len(m.Buttons()) == 0 && strings.Contains(messageText(m), "Confirmed")
	})
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
	if !strings.Contains(messageText(approval), "<@&"+discordApprover+">") {
		t.Fatalf("the approval doesn't mention the approver role: %s", messageText(approval))
	}
	approve := buttonID(t, approval, "approve")

	// The requester's own Approve is refused, privately.
	otoken, _ := w.click(discordAdele, []string{discordApprover}, approve, discordApproval, approval.ID, false)
	waitFor(t, "the refusal of a self-approval", func() bool {
		for _, f := range w.fake.Followups(otoken) {
			if strings.Contains(messageText(f), "your own request") && f.Ephemeral() {
				return true
			}
		}
		return false
	})

	// The approver's Approve: removed once, buttons gone, outcome posted.
	w.click(discordMegan, []string{discordApprover}, approve, discordApproval, approval.ID, false)
	waitFor(t, "the approval message decided, without buttons", func() bool {
		m, ok := w.fake.Message(approval.ID)
		return ok && len(m.Buttons()) == 0 && strings.Contains(messageText(m), "Approved by Megan Bowen")
	})
	waitFor(t, "the outcome in the channel", func() bool {
		for _, m := range w.fake.Messages(discordApproval) {
			if m.ReplyTo == approval.ID && strings.Contains(messageText(m), "removed Office 365 E3") {
				return true
			}
		}
		return false
	})
	alice, _ := w.tenant.User("alice@contoso.example")
	if n := w.tenant.Removals(alice.ID, skuOffice365E3); n != 1 {
		t.Fatalf("removed %d times, want 1", n)
	}
	// A second press changes nothing.
	w.click(discordMegan, []string{discordApprover}, approve, discordApproval, approval.ID, false)
	time.Sleep(200 * time.Millisecond)
	if n := w.tenant.Calls("POST", "/users/"); n != 1 {
		t.Fatalf("%d assignLicense calls after a second press, want 1", n)
	}
	if n := w.tenant.LicenseDetailsCalls(); n != 0 {
		t.Errorf("%d licenseDetails reads, want none", n)
	}
	if err := w.stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(w.stderr.String(), discordfake.BotToken) {
		t.Error("the log contains the bot token")
	}
}

func TestServeDiscordRefusesBadSignatures(t *testing.T) {
	t.Parallel()
	w := startDiscordServe(t)
	ping := map[string]any{"id": "1", "application_id": discordfake.AppID, "type": 1, "token": "t", "version": 1}
	if status, typ := w.deliver(ping, nil); status != 200 || typ != 1 {
		t.Fatalf("PING answered %d type %d", status, typ)
	}
	other := ed25519.NewKeyFromSeed([]byte("someone-else-entirely-32-bytes!!"))
	for name, sign := range map[string]func([]byte) (string, string){
		"wrong key":     func(b []byte) (string, string) { return discord.Sign(b, other, time.Now()) },
		"old timestamp": func(b []byte) (string, string) { return discord.Sign(b, discordKey, time.Now().Add(-10*time.Minute)) },
		"changed body":  func(b []byte) (string, string) { return discord.Sign(append(b, ' '), discordKey, time.Now()) },
		"no signature":  func([]byte) (string, string) { return "", "" },
	} {
		if status, _ := w.deliver(ping, sign); status != http.StatusUnauthorized {
			t.Errorf("%s: answered %d, want 401", name, status)
		}
	}
}

// A request made in Slack is approved from Discord: the approval request is on both
// platforms, either may decide, and the other copy loses its buttons.
func TestServeSlackRequestApprovedFromDiscord(t *testing.T) {
	t.Parallel()
	w := startChatServe(t, nil) // Slack (HTTP mode) and Discord together
	sl := w.slack
	cmd := w.slackWorld.command("U0ADELE", `bob@contoso.example --product "Power BI Pro"`)
	plan := sl.WaitResponses(t, cmd, 1)[0]
	id := buttonValue(t, plan.Blocks(), "confirm")
	w.slackWorld.click("U0ADELE", "confirm", id, "C0GENERAL", "1700000000.000001", true, "")

	var onDiscord discordfake.Message
	waitFor(t, "the approval request on Discord", func() bool {
		for _, m := range w.fake.Messages(discordApproval) {
			if len(m.Buttons()) > 0 {
				onDiscord = m
				return true
			}
		}
		return false
	})
	waitFor(t, "the approval request on Slack", func() bool { return len(sl.SortedMessages(approvalChannel)) > 0 })
	onSlack := sl.SortedMessages(approvalChannel)[0]

	w.click(discordMegan, []string{discordApprover}, buttonID(t, onDiscord, "approve"), discordApproval, onDiscord.ID, false)
	bob, _ := w.tenant.User("bob@contoso.example")
	waitFor(t, "the removal", func() bool { return w.tenant.Removals(bob.ID, "f8a1db68-be16-40ed-86d5-cb42ce701560") == 1 })
	waitFor(t, "the Slack copy decided, without buttons", func() bool {
		m, ok := sl.Message(approvalChannel, onSlack.TS)
		return ok && m.Updates > 0 && !strings.Contains(string(m.Blocks), `"actions"`) && strings.Contains(string(m.Blocks), "Approved by Megan Bowen")
	})
	waitFor(t, "the outcome to the requester on Slack", func() bool {
		for _, c := range sl.Calls("chat.postMessage") {
			if c.Param("channel") != approvalChannel && strings.Contains(blocksText(c.Blocks()), "removed Power BI Pro") {
				return true
			}
		}
		return false
	})
}

// discordHal is Hal (a User Administrator through a group) on Discord: in no user map, so
// licensebot knows him only once his account is linked.
const discordHal = "100000000000000003"

// On Discord, where a bot sees nobody's address: Hal asks to link his account, an Entra
// administrator approves it in the approval channel, and Hal then makes a removal with his
// linked account, approved and carried out; every step of the link is in the audit trail.
func TestServeDiscordLinkApprovedThenTheLinkedPersonActs(t *testing.T) {
	t.Parallel()
	w := startDiscordServe(t)
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
	followedUp := func(token, want string) {
		t.Helper()
		var seen []string
		waitFor(t, "a private "+want, func() bool {
			seen = seen[:0]
			for _, f := range w.fake.Followups(token) {
				seen = append(seen, messageText(f))
				if strings.Contains(messageText(f), want) && f.Ephemeral() {
					return true
				}
			}
			if orig, ok := w.fake.Original(token); ok {
				seen = append(seen, "original: "+messageText(orig))
			}
			return false
		}, func() string { return fmt.Sprintf("followups so far: %q\nlog:\n%s", seen, w.stderr.String()) })
	}

	// Unknown: told how to link.
	token, _, _ := w.command(discordHal, nil, "show", map[string]any{"user": "alice@contoso.example"})
	if got := answer(token); !strings.Contains(got, "isn't linked to one. Run /unassign link") {
		t.Fatalf("an unlinked person was told %q", got)
	}
	token, _, _ = w.command(discordHal, nil, "link", map[string]any{"upn": "hal@contoso.example"})
	if got := answer(token); !strings.Contains(got, "confirm that you are hal@contoso.example") {
		t.Fatalf("the link was answered %q", got)
	}
	var request discordfake.Message
	waitFor(t, "the link request in the approval channel", func() bool {
		for _, m := range w.fake.Messages(discordApproval) {
			if len(m.Buttons()) > 0 {
				request = m
				return true
			}
		}
		return false
	})
	if text := messageText(request); !strings.Contains(text, "<@&"+discordApprover+">") || !strings.Contains(text, "hal@contoso.example") || !strings.Contains(text, discordHal) {
		t.Fatalf("link request %s", text)
	}
	approve := buttonID(t, request, "approve")

	// Megan has the approver role but no Entra admin role; Hal can't vouch for himself.
	mtoken, _ := w.click(discordMegan, []string{discordApprover}, approve, discordApproval, request.ID, false)
	followedUp(mtoken, "can't decide link requests")
	htoken, _ := w.click(discordHal, []string{discordApprover}, approve, discordApproval, request.ID, false)
	followedUp(htoken, "/unassign link")

	// Adele, a License Administrator, approves: Hal is told, and the request loses its buttons.
	w.click(discordAdele, nil, approve, discordApproval, request.ID, false)
	waitFor(t, "the link request decided", func() bool {
		m, ok := w.fake.Message(request.ID)
		return ok && len(m.Buttons()) == 0 && strings.Contains(messageText(m), "approved by Adele Vance")
	})
	waitFor(t, "Hal told in a DM", func() bool {
		for _, m := range w.fake.Messages(w.fake.DMChannel(discordHal)) {
			if strings.Contains(messageText(m), "now linked to hal@contoso.example") {
				return true
			}
		}
		return false
	})

	// Hal acts with his linked account: a removal, confirmed, approved by Megan, done once.
	token, _, _ = w.command(discordHal, nil, "remove", map[string]any{"users": "bob@contoso.example", "product": "Power BI Pro"})
	plan := w.plan(t, token)
	w.click(discordHal, nil, buttonID(t, plan, "confirm"), discordGeneral, plan.ID, true)
	var approval discordfake.Message
	waitFor(t, "the approval request", func() bool {
		for _, m := range w.fake.Messages(discordApproval) {
			if m.ID != request.ID && len(m.Buttons()) > 0 {
				approval = m
				return true
			}
		}
		return false
	})
	if !strings.Contains(messageText(approval), "Hal") {
		t.Fatalf("the approval request doesn't name Hal: %s", messageText(approval))
	}
	w.click(discordMegan, []string{discordApprover}, buttonID(t, approval, "approve"), discordApproval, approval.ID, false)
	bob, _ := w.tenant.User("bob@contoso.example")
	waitFor(t, "the removal", func() bool { return w.tenant.Removals(bob.ID, "f8a1db68-be16-40ed-86d5-cb42ce701560") == 1 })

	// The link's story in the audit trail: who asked (by their Discord account), who
	// decided, which account and which Entra user.
	id := strings.TrimPrefix(approve, "approve:")
	events, err := store.New(w.redis.Client(t), "licensebot").AuditLog(context.Background(), id, 100)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range events {
		actions = append(actions, e.Action+" by "+e.Actor)
		if e.Fields["account"] != "discord:"+discordGuild+":"+discordHal || e.Fields["user"] != "hal@contoso.example" {
			t.Errorf("%s: fields %v", e.Action, e.Fields)
		}
	}
	want := []string{"link_requested by discord:" + discordGuild + ":" + discordHal, "link_approved by adele@contoso.example", "linked by adele@contoso.example"}
	if !slices.Equal(actions, want) {
		t.Fatalf("audit %v, want %v", actions, want)
	}
	if err := w.stop(); err != nil {
		t.Fatal(err)
	}
}
