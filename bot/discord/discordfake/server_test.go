package discordfake

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// The fake speaks API v10 only: another version's REST path is a 404 recorded as
// RouteUnknown, and another version's gateway is closed with 4012.
func TestFakeServesAPIv10Only(t *testing.T) {
	s := New(t)
	t.Run("REST", func(t *testing.T) {
		for _, tt := range []struct {
			path  string
			want  int
			route string
		}{
			{"/api/v10/users/@me", http.StatusOK, RouteCurrentUser},
			{"/api/v9/users/@me", http.StatusNotFound, RouteUnknown},
			{"/api/users/@me", http.StatusNotFound, RouteUnknown},
		} {
			before := len(s.Calls(tt.route))
			req, _ := http.NewRequest(http.MethodGet, s.URL+tt.path, nil)
			req.Header.Set("Authorization", "Bot "+BotToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("GET %s: %d, want %d", tt.path, resp.StatusCode, tt.want)
			}
			if calls := s.Calls(tt.route); len(calls) != before+1 || calls[len(calls)-1].Path != tt.path {
				t.Errorf("GET %s not recorded as %s", tt.path, tt.route)
			}
		}
	})
	t.Run("gateway", func(t *testing.T) {
		for _, tt := range []struct {
			query     string
			wantClose int // 0: HELLO
		}{
			{"?v=10&encoding=json", 0},
			{"?v=9&encoding=json", 4012},
			{"?encoding=json", 4012},
		} {
			ws := "ws" + strings.TrimPrefix(s.URL, "http") + "/gateway-ws/" + tt.query
			conn, _, err := websocket.DefaultDialer.Dial(ws, nil)
			if err != nil {
				t.Fatal(err)
			}
			var hello struct {
				Op int `json:"op"`
			}
			err = conn.ReadJSON(&hello)
			conn.Close()
			var closed *websocket.CloseError
			switch {
			case tt.wantClose == 0 && (err != nil || hello.Op != 10):
				t.Errorf("%s: op %d, %v; want HELLO (10)", tt.query, hello.Op, err)
			case tt.wantClose != 0 && (!errors.As(err, &closed) || closed.Code != tt.wantClose):
				t.Errorf("%s: %v, want close %d", tt.query, err, tt.wantClose)
			}
		}
		if urls := s.GatewayURLs(); len(urls) != 3 || urls[0] != "/gateway-ws/?v=10&encoding=json" {
			t.Errorf("gateway URLs %q", urls)
		}
	})
}

// An edit body carries only the fields Discord's OpenAPI documents for its request
// (MessageEditRequestPartial for Edit Message, IncomingWebhookUpdateRequestPartial for
// Edit Original Interaction Response); the names are Discord's, exactly.
func TestValidateEditRefusesUndocumentedFields(t *testing.T) {
	content := "Approved."
	discordgoEdit, err := json.Marshal(&discordgo.MessageEdit{ID: "1", Channel: "2", Content: &content})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, route, body string
		want              []string // in the error; none: accepted
	}{
		{"a full edit of a message", RouteEditMessage, `{"content":"x","embeds":[],"components":[],"allowed_mentions":{"parse":[]}}`, nil},
		{"a full edit of @original", RouteEditOriginal, `{"content":"x","embeds":[],"components":[],"allowed_mentions":{"parse":[]}}`, nil},
		{"discordgo's MessageEdit", RouteEditMessage, string(discordgoEdit), []string{"ID: not a field", "Channel: not a field"}},
		{"id and channel_id", RouteEditMessage, `{"id":"1","channel_id":"2","content":"x"}`, []string{"channel_id: not a field", "id: not a field"}},
		{"a name in another case", RouteEditOriginal, `{"Content":"x"}`, []string{"Content: not a field"}},
		{"sticker_ids on a message", RouteEditMessage, `{"sticker_ids":[]}`, nil},
		{"sticker_ids on @original", RouteEditOriginal, `{"sticker_ids":[]}`, []string{"sticker_ids: not a field"}},
		{"a poll on @original", RouteEditOriginal, `{"poll":null}`, nil},
		{"a poll on a message", RouteEditMessage, `{"poll":null}`, []string{"poll: not a field"}},
		{"Discord's limits still apply", RouteEditMessage, `{"content":"` + strings.Repeat("x", 2001) + `"}`, []string{"content: 2001 characters"}},
		{"not an edit route", RouteCreateMessage, `{"content":"x"}`, []string{"not an edit route"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateEdit(tt.route, []byte(tt.body))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// The edit routes answer 400 Invalid Form Body (50035) to a body with undocumented fields.
func TestEditRoutesRefuseUndocumentedFields(t *testing.T) {
	s := New(t)
	id := s.AddMessage("70000000000000001", Message{Content: "Approve?"})
	s.AddInteraction("1", "token-1", id)
	for _, tt := range []struct {
		route, path string
	}{
		{RouteEditMessage, "/api/v10/channels/70000000000000001/messages/" + id},
		{RouteEditOriginal, "/api/v10/webhooks/" + AppID + "/token-1/messages/@original"},
	} {
		for body, want := range map[string]int{
			`{"content":"Approved.","ID":"` + id + `"}`: http.StatusBadRequest,
			`{"content":"Approved."}`:                   http.StatusOK,
		} {
			req, _ := http.NewRequest(http.MethodPatch, s.URL+tt.path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bot "+BotToken)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var answer struct{ Code int }
			json.NewDecoder(resp.Body).Decode(&answer)
			resp.Body.Close()
			if resp.StatusCode != want || (want == http.StatusBadRequest && answer.Code != 50035) {
				t.Errorf("%s %s: %d (code %d), want %d", tt.route, body, resp.StatusCode, answer.Code, want)
			}
		}
	}
}
