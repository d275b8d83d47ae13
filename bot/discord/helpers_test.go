package discord

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/bottest"
	"github.com/licensebot/licensebot/bot/discord/discordfake"
)

// testNow is the clock of the tests: requests are signed at it and checked against it.
var testNow = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// testKey is the application's key pair in the tests (a fixed seed, so runs are repeatable).
var testKey = ed25519.NewKeyFromSeed([]byte("licensebot-discord-test-seed-32b"))

func testPublicKey() string { return hex.EncodeToString(testKey.Public().(ed25519.PublicKey)) }

// The people and places of the tests. Mason is the user of Discord's example payloads.
const (
	masonID         = "53908232506183680"
	approverID      = "80000000000000001"
	otherApproverID = "80000000000000002"
	strangerID      = "80000000000000003"
	approvalChannel = "70000000000000001"
	approverRole    = "70000000000000010"
	otherRole       = "70000000000000011"
	guildID         = "290926798626357999"
	channelID       = "645027906669510667"
)

// world is a platform wired to a fake Discord.
type world struct {
	discord  *discordfake.Server
	platform *Platform
	handler  *bottest.Recorder
	sleeps   *bottest.Sleeps
}

func newWorld(t *testing.T, configure ...func(*Config)) *world {
	t.Helper()
	fake := discordfake.New(t)
	fake.AddChannel(approvalChannel)
	fake.AddChannel(channelID)
	h := &bottest.Recorder{Command: bot.Reply{Message: bot.Message{Text: "Here is the plan."}}}
	sl := &bottest.Sleeps{}
	cfg := Config{
		BotToken:          discordfake.BotToken,
		PublicKey:         testPublicKey(),
		ApplicationID:     discordfake.AppID,
		GuildIDs:          []string{guildID},
		ApprovalChannelID: approvalChannel,
		ApproverRoleIDs:   []string{approverRole},
		APIURL:            fake.APIURL(),
		Options:           bot.Options{Now: func() time.Time { return testNow }, Sleep: sl.Sleep},
	}
	p := bottest.NewPlatform(t, cfg, configure, New, h)
	return &world{discord: fake, platform: p, handler: h, sleeps: sl}
}

// flushWriter is the HTTP response as Discord takes it: when the endpoint flushes its
// response (before it starts the work), the fake takes the response as Discord would.
type flushWriter struct {
	*httptest.ResponseRecorder
	onFlush func(body []byte)
	flushed bool
}

func (w *flushWriter) Flush() {
	if !w.flushed && w.Code == http.StatusOK {
		w.flushed = true
		w.onFlush(w.Body.Bytes())
	}
	w.ResponseRecorder.Flush()
}

// deliver sends an interaction to the HTTP endpoint, signed with the test key at testNow,
// as Discord does: the fake knows its token first, and takes the endpoint's response.
func (w *world) deliver(t *testing.T, payload []byte) *httptest.ResponseRecorder {
	t.Helper()
	var in struct {
		ID, Token string
		Message   *struct{ ID string }
	}
	if err := json.Unmarshal(payload, &in); err != nil {
		t.Fatal(err)
	}
	clicked := ""
	if in.Message != nil {
		clicked = in.Message.ID
	}
	if in.Token != "" {
		w.discord.AddInteraction(in.ID, in.Token, clicked)
	}
	rec := &flushWriter{ResponseRecorder: httptest.NewRecorder(), onFlush: func(body []byte) {
		var ack struct{ Type int }
		if json.Unmarshal(body, &ack) == nil && ack.Type != 1 && ack.Type != 8 {
			w.discord.Respond(t, in.Token, body)
		}
	}}
	w.platform.InteractionsHandler().ServeHTTP(rec, signed(t, payload))
	return rec.ResponseRecorder
}

func signed(t *testing.T, payload []byte) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/discord/interactions", strings.NewReader(string(payload)))
	r.Header.Set("Content-Type", "application/json")
	ts, sig := Sign(payload, testKey, testNow)
	r.Header.Set("X-Signature-Timestamp", ts)
	r.Header.Set("X-Signature-Ed25519", sig)
	return r
}

// fixture reads a payload from testdata and changes it for a test.
func fixture(t *testing.T, name string, change func(p map[string]any)) []byte {
	return bottest.Fixture(t, name, change)
}

// member is the member object of a payload.
func member(id, name string, roles ...string) map[string]any {
	if roles == nil {
		roles = []string{}
	}
	return map[string]any{
		"user":  map[string]any{"id": id, "username": name, "discriminator": "0", "global_name": strings.ToUpper(name[:1]) + name[1:]},
		"roles": roles, "permissions": "2147483647", "nick": nil,
	}
}

// command is an /unassign interaction from the slash command fixture.
func command(t *testing.T, id, user string, roles []string, sub string, opts ...map[string]any) []byte {
	t.Helper()
	if opts == nil {
		opts = []map[string]any{}
	}
	return fixture(t, "slash-command-interaction.json", func(p map[string]any) {
		p["id"], p["token"] = id, "token-"+id
		p["member"] = member(user, "user"+user[len(user)-2:], roles...)
		if user == masonID {
			p["member"] = member(user, "mason", roles...)
		}
		p["data"] = map[string]any{"id": "771825006014889984", "name": "unassign", "type": 1,
			"options": []any{map[string]any{"type": 1, "name": sub, "options": opts}}}
	})
}

func opt(name string, value any) map[string]any {
	typ := 3
	if _, ok := value.(bool); ok {
		typ = 5
	}
	return map[string]any{"type": typ, "name": name, "value": value}
}

// click is a button press from the component fixture, on message msgID in channel.
func click(t *testing.T, id, user string, roles []string, customID, channel, msgID string, ephemeral bool) []byte {
	t.Helper()
	return fixture(t, "message-component-interaction.json", func(p map[string]any) {
		p["id"], p["token"] = id, "token-"+id
		p["member"] = member(user, "user"+user[len(user)-2:], roles...)
		p["channel_id"] = channel
		p["data"] = map[string]any{"custom_id": customID, "component_type": 2}
		m := p["message"].(map[string]any)
		m["id"], m["channel_id"] = msgID, channel
		if ephemeral {
			m["flags"] = 64
		}
	})
}

// ack decodes the endpoint's immediate response.
type ackBody struct {
	Type int `json:"type"`
	Data *struct {
		Flags   int    `json:"flags"`
		Content string `json:"content"`
		Choices []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"choices"`
	} `json:"data"`
}

func decodeAck(t *testing.T, rec *httptest.ResponseRecorder) ackBody {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var a ackBody
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatalf("ack %s: %v", rec.Body, err)
	}
	return a
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	bottest.WaitFor(t, what, 10*time.Second, cond)
}

// original waits for the interaction's @original to be filled in, and returns it.
func (w *world) original(t *testing.T, token string) discordfake.Message {
	t.Helper()
	w.platform.Wait()
	m, ok := w.discord.Original(token)
	if !ok || m.Deferred {
		t.Fatalf("@original of %s not edited: %+v (calls %d)", token, m, len(w.discord.Calls("")))
	}
	return m
}

func newTestKey(seed string) ed25519.PrivateKey { return ed25519.NewKeyFromSeed([]byte(seed)) }
