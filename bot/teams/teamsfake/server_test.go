package teamsfake

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// clock is a fake clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// accessToken asks the token endpoint for a Bot Framework token with the fake's credentials.
func accessToken(t *testing.T, f *Fake) string {
	t.Helper()
	id, secret, _ := f.Credentials()
	status, answer := postForm(t, f.TokenURL(), url.Values{
		"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}, "scope": {Scope},
	}, "")
	if status != http.StatusOK {
		t.Fatalf("token: %d %v", status, answer)
	}
	return answer["access_token"].(string)
}

func postForm(t *testing.T, endpoint string, form url.Values, basic string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic != "" {
		req.Header.Set("Authorization", "Basic "+basic)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&answer)
	return resp.StatusCode, answer
}

// call makes a connector call: path is relative to ServiceURL; body is a string sent as is,
// or a value sent as JSON.
func call(t *testing.T, f *Fake, token, method, path string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = strings.NewReader(string(raw))
	}
	req, _ := http.NewRequest(method, f.ServiceURL()+path, r)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var answer map[string]any
	_ = json.Unmarshal(raw, &answer)
	return resp.StatusCode, resp.Header, answer
}

func activities(conv string) string {
	return "v3/conversations/" + url.PathEscape(conv) + "/activities"
}

func errorCode(answer map[string]any) string {
	e, _ := answer["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func card(version string, body ...any) map[string]any {
	return map[string]any{"type": "AdaptiveCard", "version": version, "body": body}
}

func text(s string) map[string]any {
	return map[string]any{"type": "TextBlock", "text": s, "wrap": true}
}

func withCard(c map[string]any) map[string]any {
	return map[string]any{"type": "message", "attachments": []any{
		map[string]any{"contentType": ContentTypeAdaptiveCard, "content": c},
	}}
}

func TestTokenEndpoint(t *testing.T) {
	f := New(t)
	id, secret, _ := f.Credentials()
	basic := func(id, secret string) string {
		return base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret)))
	}
	form := func(edit func(url.Values)) url.Values {
		v := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}, "scope": {Scope}}
		if edit != nil {
			edit(v)
		}
		return v
	}
	tests := []struct {
		name     string
		endpoint string
		form     url.Values
		basic    string
		status   int
		err      string
		aadsts   string
	}{
		{"the app's credentials in the form", f.TokenURL(), form(nil), "", 200, "", ""},
		{"the app's credentials by HTTP Basic", f.TokenURL(), form(func(v url.Values) { v.Del("client_id"); v.Del("client_secret") }), basic(id, secret), 200, "", ""},
		{"a wrong secret", f.TokenURL(), form(func(v url.Values) { v.Set("client_secret", "nope") }), "", 401, "invalid_client", "AADSTS7000215"},
		{"a wrong secret by HTTP Basic", f.TokenURL(), form(func(v url.Values) { v.Del("client_id"); v.Del("client_secret") }), basic(id, "nope"), 401, "invalid_client", "AADSTS7000215"},
		{"no secret", f.TokenURL(), form(func(v url.Values) { v.Del("client_secret") }), "", 401, "invalid_client", "AADSTS7000218"},
		{"an unknown client", f.TokenURL(), form(func(v url.Values) { v.Set("client_id", "00000000-0000-0000-0000-000000000001") }), "", 400, "unauthorized_client", "AADSTS700016"},
		{"the multi-tenant authority for a single-tenant app", f.URL + "/botframework.com/oauth2/v2.0/token", form(nil), "", 400, "unauthorized_client", "AADSTS700016"},
		{"the resource without /.default", f.TokenURL(), form(func(v url.Values) { v.Set("scope", "https://api.botframework.com") }), "", 400, "invalid_scope", "AADSTS1002012"},
		{"Graph's scope", f.TokenURL(), form(func(v url.Values) { v.Set("scope", "https://graph.microsoft.com/.default") }), "", 400, "invalid_scope", "AADSTS70011"},
		{"another grant", f.TokenURL(), form(func(v url.Values) { v.Set("grant_type", "authorization_code") }), "", 400, "unsupported_grant_type", "AADSTS70003"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, answer := postForm(t, tt.endpoint, tt.form, tt.basic)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %v", status, tt.status, answer)
			}
			if tt.err == "" {
				if answer["token_type"] != "Bearer" || answer["expires_in"] != 3599.0 || answer["access_token"] == "" {
					t.Errorf("answer %v", answer)
				}
				return
			}
			if answer["error"] != tt.err || !strings.HasPrefix(answer["error_description"].(string), tt.aadsts+": ") {
				t.Errorf("answer %v, want %s with %s", answer, tt.err, tt.aadsts)
			}
		})
	}
	if n := f.TokensIssued(); n != 2 {
		t.Errorf("TokensIssued %d, want 2", n)
	}
}

// golang.org/x/oauth2's client credentials, in either auth style, gets a token, and its
// client reaches the connector with it.
func TestOAuth2ClientReachesTheConnector(t *testing.T) {
	f := New(t)
	u := f.AddUser(User{Name: "Alex Wilber", UPN: "alexw@contoso.com", Installed: true})
	id, secret, _ := f.Credentials()
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams, oauth2.AuthStyleAutoDetect} {
		cfg := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: f.TokenURL(), Scopes: []string{Scope}, AuthStyle: style}
		client := cfg.Client(context.Background())
		resp, err := client.Post(f.ServiceURL()+activities(u.Conversation), "application/json", strings.NewReader(`{"type":"message","text":"hello"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Errorf("auth style %v: %d", style, resp.StatusCode)
		}
	}
	if got := len(f.Posted(u.Conversation)); got != 3 {
		t.Errorf("%d messages posted, want 3", got)
	}
}

func TestConnectorRefusesWithoutAValidToken(t *testing.T) {
	clk := newClock()
	f := New(t, Now(clk.Now), TokenLifetime(10*time.Minute))
	u := f.AddUser(User{Name: "Alex Wilber", Installed: true})
	stale := accessToken(t, f)
	clk.Advance(10 * time.Minute)
	fresh := accessToken(t, f)
	inbound, err := f.SignToken(f.ServiceURL())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, header string
		want         int
	}{
		{"no Authorization header", "", 401},
		{"another scheme", "Basic " + fresh, 401},
		{"a token the endpoint never issued", "Bearer fake-bf-token.made-up", 401},
		{"an expired token", "Bearer " + stale, 401},
		{"the connector's own token to the bot", "Bearer " + inbound, 401},
		{"a fresh token", "Bearer " + fresh, 201},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, _, answer := call(t, f, tt.header, http.MethodPost, activities(u.Conversation), map[string]any{"type": "message", "text": "hi"})
			if status != tt.want {
				t.Fatalf("status %d, want %d", status, tt.want)
			}
			if status == 401 && answer["message"] != "Authorization has been denied for this request." {
				t.Errorf("401 answer %v", answer)
			}
		})
	}
}

func TestSendRefusesWhatTeamsRefuses(t *testing.T) {
	clk := newClock()
	f := New(t, Now(clk.Now))
	tok := "Bearer " + accessToken(t, f)
	installed := f.AddUser(User{Name: "Alex Wilber", Installed: true})
	without := f.AddUser(User{Name: "Megan Bowen"})
	showCard := func(inner ...any) map[string]any {
		c := card("1.5", text("Remove Office 365 E3 from 2 people?"))
		c["actions"] = []any{map[string]any{"type": "Action.ShowCard", "title": "Remove…", "card": map[string]any{"type": "AdaptiveCard", "body": inner}}}
		return c
	}
	tests := []struct {
		name string
		conv string
		body any
		want int
		code string
	}{
		{"a text message", installed.Conversation, map[string]any{"type": "message", "text": "hello"}, 201, ""},
		{"a card of version 1.5", installed.Conversation, withCard(card("1.5", text("hello"))), 201, ""},
		{"a card of version 1.6", installed.Conversation, withCard(card("1.6", text("hello"))), 400, "BadArgument"},
		{"a card without a version", installed.Conversation, withCard(map[string]any{"type": "AdaptiveCard", "body": []any{text("x")}}), 400, "BadArgument"},
		{"a card of another type", installed.Conversation, withCard(map[string]any{"type": "HeroCard", "version": "1.0"}), 400, "BadArgument"},
		{"an element the fake doesn't know", installed.Conversation, withCard(card("1.5", map[string]any{"type": "Table"})), 400, "BadArgument"},
		{"an action the fake doesn't know", installed.Conversation, withCard(card("1.5", map[string]any{"type": "ActionSet", "actions": []any{map[string]any{"type": "Action.ToggleVisibility"}}})), 400, "BadArgument"},
		{"a bad element inside a ShowCard", installed.Conversation, withCard(showCard(map[string]any{"type": "Input.Text"})), 400, "BadArgument"},
		{"a good ShowCard", installed.Conversation, withCard(showCard(text("Sure?"))), 201, ""},
		{"a RichTextBlock of TextRuns", installed.Conversation, withCard(card("1.5", map[string]any{"type": "RichTextBlock", "inlines": []any{map[string]any{"type": "TextRun", "text": "bold", "weight": "bolder"}, "plain"}})), 201, ""},
		{"a RichTextBlock with another inline", installed.Conversation, withCard(card("1.5", map[string]any{"type": "RichTextBlock", "inlines": []any{map[string]any{"type": "Image"}}})), 400, "BadArgument"},
		{"not JSON", installed.Conversation, `{"type":`, 400, "BadSyntax"},
		{"an event", installed.Conversation, map[string]any{"type": "event", "name": "x"}, 400, "BadArgument"},
		{"an empty message", installed.Conversation, map[string]any{"type": "message"}, 400, "BadArgument"},
		{"typing", installed.Conversation, map[string]any{"type": "typing"}, 200, ""},
		// é is one UTF-16 code unit (two bytes of UTF-8): 60,000 of them fit in 100 KB.
		{"60,000 é", installed.Conversation, map[string]any{"type": "message", "text": strings.Repeat("é", 60000)}, 201, ""},
		// 😀 is two code units (a surrogate pair): 60,000 of them don't.
		{"60,000 😀", installed.Conversation, map[string]any{"type": "message", "text": strings.Repeat("😀", 60000)}, 413, "MessageSizeTooBig"},
		{"an unknown conversation", "a:1nobody", map[string]any{"type": "message", "text": "hello"}, 404, "ConversationNotFound"},
		{"a person without the app", without.Conversation, map[string]any{"type": "message", "text": "hello"}, 403, "BotNotInConversationRoster"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.Advance(time.Minute) // out of every rate-limit window but the hour's
			before := len(f.Posted(tt.conv))
			status, _, answer := call(t, f, tok, http.MethodPost, activities(tt.conv), tt.body)
			if status != tt.want || errorCode(answer) != tt.code {
				t.Fatalf("%d %v, want %d %s", status, answer, tt.want, tt.code)
			}
			posted := len(f.Posted(tt.conv)) - before
			if wantPosted := map[bool]int{true: 1}[status == 201]; posted != wantPosted {
				t.Errorf("%d messages recorded, want %d", posted, wantPosted)
			}
			if status == 201 && answer["id"] == "" {
				t.Errorf("no id in %v", answer)
			}
		})
	}
	if err := ValidateCard(card("1.6", text("x"))); err == nil || !strings.Contains(err.Error(), "up to 1.5") {
		t.Errorf("ValidateCard(1.6) = %v", err)
	}
}

func TestRateLimitsPerBotPerConversation(t *testing.T) {
	clk := newClock()
	f := New(t, Now(clk.Now), TokenLifetime(24*time.Hour))
	tok := "Bearer " + accessToken(t, f)
	send := func(conv string) (int, string) {
		t.Helper()
		status, h, _ := call(t, f, tok, http.MethodPost, activities(conv), map[string]any{"type": "message", "text": "hi"})
		return status, h.Get("Retry-After")
	}
	t.Run("7 a second, 8 in 2 seconds", func(t *testing.T) {
		u := f.AddUser(User{Name: "Alex Wilber", Installed: true})
		for i := range 7 {
			if status, _ := send(u.Conversation); status != 201 {
				t.Fatalf("send %d: %d", i+1, status)
			}
		}
		if status, after := send(u.Conversation); status != 429 || after != "1" {
			t.Fatalf("8th send in a second: %d, Retry-After %q; want 429, 1", status, after)
		}
		other := f.AddUser(User{Name: "Megan Bowen", Installed: true})
		if status, _ := send(other.Conversation); status != 201 {
			t.Fatalf("another conversation: %d", status)
		}
		clk.Advance(time.Second)
		if status, _ := send(u.Conversation); status != 201 {
			t.Fatalf("8th send in 2 seconds: %d", status)
		}
		if status, after := send(u.Conversation); status != 429 || after != "1" {
			t.Fatalf("9th send in 2 seconds: %d, Retry-After %q; want 429, 1", status, after)
		}
		clk.Advance(time.Second)
		if status, _ := send(u.Conversation); status != 201 {
			t.Fatalf("after 2 seconds: %d", status)
		}
	})
	t.Run("60 in 30 seconds", func(t *testing.T) {
		u := f.AddUser(User{Name: "Adele Vance", Installed: true})
		for range 15 {
			for range 4 {
				if status, _ := send(u.Conversation); status != 201 {
					t.Fatalf("%d", status)
				}
			}
			clk.Advance(time.Second)
		}
		if status, after := send(u.Conversation); status != 429 || after != "15" {
			t.Fatalf("61st send in 30 seconds: %d, Retry-After %q; want 429, 15", status, after)
		}
	})
	t.Run("1800 in an hour", func(t *testing.T) {
		start := clk.Now()
		for i := range 1800 {
			if _, ok := f.admit("send", "a:hour", start.Add(time.Duration(i)*2*time.Second)); !ok {
				t.Fatalf("operation %d refused", i+1)
			}
		}
		wait, ok := f.admit("send", "a:hour", start.Add(3599*time.Second))
		if ok || wait != time.Second {
			t.Fatalf("1801st in the hour: admitted %v, wait %v; want refused, 1s", ok, wait)
		}
		if _, ok := f.admit("send", "a:hour", start.Add(3600*time.Second)); !ok {
			t.Fatal("refused once the first is an hour old")
		}
	})
	t.Run("members: 14 a second", func(t *testing.T) {
		clk.Advance(time.Hour)
		u := f.AddUser(User{Name: "Lee Gu", Installed: true})
		path := "v3/conversations/" + url.PathEscape(u.Conversation) + "/members"
		for i := range 14 {
			if status, _, _ := call(t, f, tok, http.MethodGet, path, nil); status != 200 {
				t.Fatalf("get members %d: %d", i+1, status)
			}
		}
		if status, _, answer := call(t, f, tok, http.MethodGet, path, nil); status != 429 || errorCode(answer) != "Throttled" {
			t.Fatalf("15th: %d %v", status, answer)
		}
	})
	t.Run("Fail429 and FailNext", func(t *testing.T) {
		clk.Advance(time.Hour)
		u := f.AddUser(User{Name: "Nestor Wilke", Installed: true})
		f.Fail429(2, 3*time.Second)
		f.FailNext(http.StatusForbidden, "ConversationBlockedByUser")
		for _, want := range []struct {
			status int
			after  string
		}{{429, "3"}, {429, "3"}, {403, ""}, {201, ""}} {
			if status, after := send(u.Conversation); status != want.status || after != want.after {
				t.Fatalf("%d, Retry-After %q; want %d, %q", status, after, want.status, want.after)
			}
		}
		// A call without a token is refused for that, not for a forced failure.
		f.FailNext(http.StatusBadGateway, "BadGateway")
		if status, _, _ := call(t, f, "", http.MethodPost, activities(u.Conversation), map[string]any{"type": "message", "text": "x"}); status != 401 {
			t.Fatalf("without a token: %d", status)
		}
		if status, _ := send(u.Conversation); status != http.StatusBadGateway {
			t.Fatalf("forced failure after the refused call: %d", status)
		}
	})
}

func TestCreateConversation(t *testing.T) {
	f := New(t)
	tok := "Bearer " + accessToken(t, f)
	installed := f.AddUser(User{Name: "Alex Wilber", UPN: "alexw@contoso.com", Installed: true})
	stranger := f.AddUser(User{Name: "Megan Bowen", UPN: "meganb@contoso.com"})
	teammate := f.AddUser(User{Name: "Adele Vance", UPN: "adelev@contoso.com"})
	ch := f.AddChannel("License approvals", teammate)
	params := func(member string, edit func(map[string]any)) map[string]any {
		p := map[string]any{
			"bot": map[string]any{"id": f.BotID()}, "members": []any{map[string]any{"id": member}},
			"isGroup": false, "tenantId": DefaultTenant, "channelData": map[string]any{"tenant": map[string]any{"id": DefaultTenant}},
		}
		if edit != nil {
			edit(p)
		}
		return p
	}
	tests := []struct {
		name   string
		body   map[string]any
		status int
		want   string // the id, or the error code
	}{
		{"by Teams id", params(installed.ID, nil), 201, installed.Conversation},
		{"by Entra object id, the same conversation", params(installed.AADObjectID, nil), 201, installed.Conversation},
		{"the tenant in channelData only", params(installed.ID, func(p map[string]any) { delete(p, "tenantId") }), 201, installed.Conversation},
		{"a person without the app", params(stranger.ID, nil), 403, "BotNotInConversationRoster"},
		{"a person in a team with the app", params(teammate.AADObjectID, nil), 201, teammate.Conversation},
		{"an unknown Teams id", params("29:1unknown", nil), 400, "BadArgument"},
		{"an unknown object id", params("11111111-2222-3333-4444-555555555555", nil), 404, "NotFound"},
		{"a UPN", params(installed.UPN, nil), 404, "NotFound"},
		{"another tenant", params(installed.ID, func(p map[string]any) {
			p["tenantId"] = "99999999-8888-7777-6666-555555555555"
			p["channelData"] = map[string]any{"tenant": map[string]any{"id": "99999999-8888-7777-6666-555555555555"}}
		}), 403, "Forbidden"},
		{"no tenant", params(installed.ID, func(p map[string]any) { delete(p, "tenantId"); delete(p, "channelData") }), 400, "BadArgument"},
		{"another bot", params(installed.ID, func(p map[string]any) { p["bot"] = map[string]any{"id": "28:someone-else"} }), 400, "BadArgument"},
		{"a group chat", params(installed.ID, func(p map[string]any) { p["isGroup"] = true }), 400, "BadArgument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, answer := call(t, f, tok, http.MethodPost, "v3/conversations", tt.body)
			got, _ := answer["id"].(string)
			if status != 201 {
				got = errorCode(answer)
			}
			if status != tt.status || got != tt.want {
				t.Fatalf("%d %v, want %d %s", status, answer, tt.status, tt.want)
			}
		})
	}
	// The teammate's conversation now has the bot: a message goes through.
	if status, _, _ := call(t, f, tok, http.MethodPost, activities(teammate.Conversation), map[string]any{"type": "message", "text": "hi"}); status != 201 {
		t.Errorf("send to the teammate: %d", status)
	}
	t.Run("a new thread in a channel", func(t *testing.T) {
		status, _, answer := call(t, f, tok, http.MethodPost, "v3/conversations", map[string]any{
			"bot": map[string]any{"id": f.BotID()}, "isGroup": true, "tenantId": DefaultTenant,
			"channelData": map[string]any{"channel": map[string]any{"id": ch.ID}},
			"activity":    withCard(card("1.5", text("Approve?"))),
		})
		if status != 201 {
			t.Fatalf("%d %v", status, answer)
		}
		id, activityID := answer["id"].(string), answer["activityId"].(string)
		if id != ch.ID+";messageid="+activityID {
			t.Errorf("id %q, activityId %q", id, activityID)
		}
		if posted := f.Posted(id); len(posted) != 1 || posted[0].Thread != activityID || posted[0].Text() != "Approve?" {
			t.Errorf("posted %+v", posted)
		}
	})
}

func TestMembers(t *testing.T) {
	f := New(t)
	tok := "Bearer " + accessToken(t, f)
	alex := f.AddUser(User{Name: "Alex Wilber", UPN: "alexw@contoso.com", Installed: true})
	megan := f.AddUser(User{Name: "Megan Bowen", UPN: "meganb@contoso.com"})
	ch := f.AddChannel("IT", alex, megan)
	members := func(conv string) (int, []teamsMember) {
		req, _ := http.NewRequest(http.MethodGet, f.ServiceURL()+"v3/conversations/"+url.PathEscape(conv)+"/members", nil)
		req.Header.Set("Authorization", tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out []teamsMember
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	if status, out := members(alex.Conversation); status != 200 || len(out) != 1 || out[0].ID != alex.ID ||
		out[0].AADObjectID != alex.AADObjectID || out[0].UserPrincipalName != "alexw@contoso.com" || out[0].TenantID != DefaultTenant {
		t.Errorf("1:1 members: %d %+v", status, out)
	}
	if status, out := members(ch.ID + ";messageid=123"); status != 200 || len(out) != 2 || out[1].Name != "Megan Bowen" {
		t.Errorf("channel members: %d %+v", status, out)
	}
	if status, _ := members(megan.Conversation); status != 403 {
		t.Errorf("a person without the app: %d", status)
	}
	f.SetInstalled(ch.ID, false)
	if status, _ := members(ch.ID); status != 403 {
		t.Errorf("a team without the app: %d", status)
	}
	if status, _ := members("a:1unknown"); status != 404 {
		t.Errorf("an unknown conversation: %d", status)
	}
}

func TestRepliesThreadsAndUpdates(t *testing.T) {
	clk := newClock()
	f := New(t, Now(clk.Now))
	tok := "Bearer " + accessToken(t, f)
	alex := f.AddUser(User{Name: "Alex Wilber", Installed: true})
	ch := f.AddChannel("IT", alex)
	post := func(path string, method string, body any) string {
		t.Helper()
		clk.Advance(time.Second)
		status, _, answer := call(t, f, tok, method, path, body)
		if status != 201 && status != 200 {
			t.Fatalf("%s %s: %d %v", method, path, status, answer)
		}
		return answer["id"].(string)
	}
	root := post(activities(ch.ID), http.MethodPost, withCard(card("1.5", text("Approve removing E3?"))))
	reply := post(activities(ch.ID)+"/"+root, http.MethodPost, map[string]any{"type": "message", "text": "Reminder"})
	inThread := post(activities(ch.ID+";messageid="+root), http.MethodPost, map[string]any{"type": "message", "text": "Second reminder"})
	other := post(activities(ch.ID), http.MethodPost, map[string]any{"type": "message", "text": "Another post"})
	thread := f.Posted(ch.ID + ";messageid=" + root)
	if len(thread) != 3 || thread[1].ID != reply || thread[1].ReplyToID != root || thread[2].ID != inThread || thread[2].ReplyToID != root || thread[2].Thread != root {
		t.Errorf("thread %+v", thread)
	}
	if all := f.Posted(ch.ID); len(all) != 4 || all[3].ID != other || all[3].Thread != other {
		t.Errorf("channel %+v", all)
	}

	post(activities(ch.ID)+"/"+root, http.MethodPut, withCard(card("1.5", text("Approved by Alex"))))
	m, ok := f.Message(root)
	if !ok || m.Updates != 1 || len(m.History) != 1 || m.Text() != "Approved by Alex" || m.Card["version"] != "1.5" {
		t.Errorf("after the update: %+v", m)
	}
	for _, tt := range []struct {
		name, path string
		body       any
		want       int
	}{
		{"an unknown activity", activities(ch.ID) + "/999", map[string]any{"type": "message", "text": "x"}, 404},
		{"the bot's activity in another conversation", activities(alex.Conversation) + "/" + root, map[string]any{"type": "message", "text": "x"}, 404},
		{"a card Teams can't render", activities(ch.ID) + "/" + root, withCard(card("1.6", text("x"))), 400},
		{"typing", activities(ch.ID) + "/" + root, map[string]any{"type": "typing"}, 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk.Advance(time.Second)
			if status, _, answer := call(t, f, tok, http.MethodPut, tt.path, tt.body); status != tt.want {
				t.Errorf("%d %v, want %d", status, answer, tt.want)
			}
		})
	}
	if m, _ := f.Message(root); m.Updates != 1 {
		t.Errorf("a refused update was applied: %+v", m)
	}
}

// jwks reads the keys as a bot would: the metadata, then its jwks_uri; it returns go-jose's
// set and each kid's endorsements.
func jwks(t *testing.T, f *Fake) (jose.JSONWebKeySet, map[string][]string) {
	t.Helper()
	var meta struct {
		Issuer  string   `json:"issuer"`
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	get := func(u string, v any) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	get(f.OpenIDMetadataURL(), &meta)
	if meta.Issuer != TokenIssuer || !slices.Equal(meta.Algs, []string{"RS256"}) || meta.JWKSURI != f.KeysURL() {
		t.Fatalf("metadata %+v", meta)
	}
	var set jose.JSONWebKeySet
	get(meta.JWKSURI, &set)
	var raw struct {
		Keys []struct {
			Kid          string   `json:"kid"`
			Endorsements []string `json:"endorsements"`
		} `json:"keys"`
	}
	get(meta.JWKSURI, &raw)
	endorsements := map[string][]string{}
	for _, k := range raw.Keys {
		endorsements[k.Kid] = k.Endorsements
	}
	return set, endorsements
}

// A bot's endpoint that records what it received and answers an invoke.
type received struct {
	mu     sync.Mutex
	auth   string
	body   map[string]any
	answer string
}

func botEndpoint(t *testing.T) (*received, string) {
	rec := &received{answer: `{"statusCode":200,"type":"application/vnd.microsoft.activity.message","value":"Done."}`}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		rec.mu.Lock()
		rec.auth, rec.body = r.Header.Get("Authorization"), body
		answer := rec.answer
		rec.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return rec, srv.URL + "/api/messages"
}

func TestSendSignsTokensTheKeysVerify(t *testing.T) {
	clk := newClock()
	f := New(t, Now(clk.Now))
	u := f.AddUser(User{Name: "Alex Wilber", UPN: "alexw@contoso.com", Locale: "tr-TR", TimeZone: "Europe/Istanbul", Installed: true})
	rec, endpoint := botEndpoint(t)
	set, endorsements := jwks(t, f)
	if !slices.Contains(endorsements[f.SigningKeyID()], ChannelID) || slices.Contains(endorsements[f.WebChatKeyID()], ChannelID) {
		t.Fatalf("endorsements %v", endorsements)
	}

	type token struct {
		header map[string]any
		claims map[string]any
		valid  bool // the signature verifies with the key its kid names
	}
	decode := func(t *testing.T, auth string) token {
		t.Helper()
		raw, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok {
			t.Fatalf("Authorization %q", auth)
		}
		parts := strings.Split(raw, ".")
		var tok token
		for i, v := range []any{&tok.header, &tok.claims} {
			b, err := base64.RawURLEncoding.DecodeString(parts[i])
			if err != nil || json.Unmarshal(b, v) != nil {
				t.Fatalf("segment %d of %q", i, raw)
			}
		}
		if jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256}); err == nil {
			for _, k := range set.Key(tok.header["kid"].(string)) {
				if _, err := jws.Verify(k); err == nil {
					tok.valid = true
				}
			}
		}
		return tok
	}
	now := clk.Now().Unix()
	tests := []struct {
		name  string
		opts  []SendOption
		check func(t *testing.T, tok token, body map[string]any)
	}{
		{"as Teams signs it", nil, func(t *testing.T, tok token, body map[string]any) {
			c := tok.claims
			if !tok.valid || tok.header["alg"] != "RS256" || tok.header["kid"] != f.SigningKeyID() || tok.header["x5t"] != f.SigningKeyID() {
				t.Errorf("header %v, valid %v", tok.header, tok.valid)
			}
			if c["iss"] != TokenIssuer || c["aud"] != DefaultAppID || c["serviceurl"] != f.ServiceURL() ||
				c["exp"] != float64(now+3600) || c["nbf"] != float64(now-300) || c["iat"] != float64(now) {
				t.Errorf("claims %v", c)
			}
			if body["channelId"] != "msteams" || body["serviceUrl"] != f.ServiceURL() || body["locale"] != "tr-TR" {
				t.Errorf("activity %v", body)
			}
			if r := body["recipient"].(map[string]any); r["id"] != "28:"+DefaultAppID || r["name"] != BotName {
				t.Errorf("recipient %v", r)
			}
			if from := body["from"].(map[string]any); from["id"] != u.ID || from["aadObjectId"] != u.AADObjectID {
				t.Errorf("from %v", from)
			}
			if cd := body["channelData"].(map[string]any); cd["tenant"].(map[string]any)["id"] != DefaultTenant {
				t.Errorf("channelData %v", cd)
			}
			if conv := body["conversation"].(map[string]any); conv["tenantId"] != DefaultTenant || conv["conversationType"] != "personal" || conv["id"] != u.Conversation {
				t.Errorf("conversation %v", conv)
			}
			if !strings.HasSuffix(body["localTimestamp"].(string), "+03:00") {
				t.Errorf("localTimestamp %v", body["localTimestamp"])
			}
		}},
		{"signed by a stranger under the signing kid", []SendOption{SignedByStranger()}, func(t *testing.T, tok token, _ map[string]any) {
			if tok.valid || tok.header["kid"] != f.SigningKeyID() {
				t.Errorf("valid %v, kid %v", tok.valid, tok.header["kid"])
			}
		}},
		{"signed under a kid nobody publishes", []SendOption{UnknownKid()}, func(t *testing.T, tok token, _ map[string]any) {
			if tok.valid || len(set.Key(tok.header["kid"].(string))) != 0 {
				t.Errorf("valid %v, kid %v", tok.valid, tok.header["kid"])
			}
		}},
		{"signed by the key endorsed for Web Chat only", []SendOption{Unendorsed()}, func(t *testing.T, tok token, _ map[string]any) {
			if !tok.valid || slices.Contains(endorsements[tok.header["kid"].(string)], ChannelID) {
				t.Errorf("valid %v, endorsements %v", tok.valid, endorsements[tok.header["kid"].(string)])
			}
		}},
		{"unsigned", []SendOption{Unsigned()}, func(t *testing.T, tok token, _ map[string]any) {
			if tok.valid || tok.header["alg"] != "none" {
				t.Errorf("header %v", tok.header)
			}
		}},
		{"expired a minute ago", []SendOption{Expired(time.Minute)}, func(t *testing.T, tok token, _ map[string]any) {
			if !tok.valid || tok.claims["exp"] != float64(now-60) || tok.claims["nbf"].(float64) >= tok.claims["exp"].(float64) {
				t.Errorf("claims %v", tok.claims)
			}
		}},
		{"not valid for an hour", []SendOption{NotBefore(clk.Now().Add(time.Hour))}, func(t *testing.T, tok token, _ map[string]any) {
			if tok.claims["nbf"] != float64(now+3600) {
				t.Errorf("claims %v", tok.claims)
			}
		}},
		{"for another audience", []SendOption{Audience("https://api.botframework.com")}, func(t *testing.T, tok token, _ map[string]any) {
			if !tok.valid || tok.claims["aud"] != "https://api.botframework.com" {
				t.Errorf("claims %v", tok.claims)
			}
		}},
		{"from another issuer", []SendOption{Issuer("https://sts.windows.net/" + DefaultTenant + "/")}, func(t *testing.T, tok token, _ map[string]any) {
			if !tok.valid || tok.claims["iss"] != "https://sts.windows.net/"+DefaultTenant+"/" {
				t.Errorf("claims %v", tok.claims)
			}
		}},
		{"for another service URL", []SendOption{ServiceURLClaim("https://evil.example/teams/")}, func(t *testing.T, tok token, body map[string]any) {
			if !tok.valid || tok.claims["serviceurl"] != "https://evil.example/teams/" || body["serviceUrl"] != f.ServiceURL() {
				t.Errorf("claims %v, serviceUrl %v", tok.claims, body["serviceUrl"])
			}
		}},
		{"the claim named serviceUrl", []SendOption{ServiceURLClaimName("serviceUrl")}, func(t *testing.T, tok token, _ map[string]any) {
			if _, ok := tok.claims["serviceurl"]; ok || tok.claims["serviceUrl"] != f.ServiceURL() {
				t.Errorf("claims %v", tok.claims)
			}
		}},
		{"from another tenant", []SendOption{FromTenant("99999999-8888-7777-6666-555555555555")}, func(t *testing.T, tok token, body map[string]any) {
			cd := body["channelData"].(map[string]any)
			conv := body["conversation"].(map[string]any)
			if !tok.valid || cd["tenant"].(map[string]any)["id"] != "99999999-8888-7777-6666-555555555555" || conv["tenantId"] != "99999999-8888-7777-6666-555555555555" {
				t.Errorf("valid %v, activity %v", tok.valid, body)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, err := f.Send(context.Background(), endpoint, f.Personal(u, "/unassign alexw@contoso.com"), tt.opts...)
			if err != nil || status != 200 {
				t.Fatalf("Send: %d, %v", status, err)
			}
			rec.mu.Lock()
			auth, body := rec.auth, rec.body
			rec.mu.Unlock()
			tt.check(t, decode(t, auth), body)
		})
	}
	t.Run("no token", func(t *testing.T) {
		if _, _, err := f.Send(context.Background(), endpoint, f.Personal(u, "hi"), NoToken()); err != nil {
			t.Fatal(err)
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		if rec.auth != "" {
			t.Errorf("Authorization %q", rec.auth)
		}
	})
	t.Run("a channel message that mentions the bot", func(t *testing.T) {
		ch := f.AddChannel("IT", u)
		a := f.ChannelMention(u, ch, "unassign meganb@contoso.com")
		if _, _, err := f.Send(context.Background(), endpoint, a); err != nil {
			t.Fatal(err)
		}
		rec.mu.Lock()
		body := rec.body
		rec.mu.Unlock()
		mention := body["entities"].([]any)[0].(map[string]any)
		if body["text"] != "<at>licensebot</at> unassign meganb@contoso.com" || mention["type"] != "mention" ||
			mention["mentioned"].(map[string]any)["id"] != f.BotID() || mention["text"] != Mention {
			t.Errorf("activity %v", body)
		}
		conv := body["conversation"].(map[string]any)
		if conv["id"] != ch.ID+";messageid="+a.ID || conv["conversationType"] != "channel" {
			t.Errorf("conversation %v", conv)
		}
	})
}

func TestKeyRotation(t *testing.T) {
	f := New(t)
	old := f.SigningKeyID()
	_, _ = jwks(t, f)
	if n := f.KeyFetches(); n != 2 {
		t.Fatalf("KeyFetches %d, want 2", n)
	}
	if err := f.RotateKeys(); err != nil {
		t.Fatal(err)
	}
	set, endorsements := jwks(t, f)
	if f.SigningKeyID() == old || len(set.Keys) != 3 || len(set.Key(old)) != 1 || !slices.Contains(endorsements[f.SigningKeyID()], ChannelID) {
		t.Fatalf("after RotateKeys: signing %s, old %s, %d keys", f.SigningKeyID(), old, len(set.Keys))
	}
	f.RetireOldKeys()
	set, _ = jwks(t, f)
	if len(set.Keys) != 2 || len(set.Key(old)) != 0 || len(set.Key(f.SigningKeyID())) != 1 || len(set.Key(f.WebChatKeyID())) != 1 {
		t.Fatalf("after RetireOldKeys: %d keys", len(set.Keys))
	}
}

func TestPressFindsActionsInShowCards(t *testing.T) {
	f := New(t)
	tok := "Bearer " + accessToken(t, f)
	alex := f.AddUser(User{Name: "Alex Wilber", Installed: true})
	megan := f.AddUser(User{Name: "Megan Bowen", Installed: true})
	confirm := card("1.5",
		text("Remove Office 365 E3 from 2 people"),
		map[string]any{"type": "FactSet", "facts": []any{map[string]any{"title": "OneDrive kept until", "value": "14 April 2025"}}},
	)
	confirm["actions"] = []any{
		map[string]any{"type": "Action.ShowCard", "title": "Remove…", "card": map[string]any{
			"type": "AdaptiveCard",
			"body": []any{
				text("This can't be undone."),
				map[string]any{"type": "ActionSet", "actions": []any{
					map[string]any{"type": "Action.Execute", "title": "Confirm", "verb": "confirm", "data": map[string]any{"request": "r-1"}},
				}},
			},
		}},
		map[string]any{"type": "Action.OpenUrl", "title": "What happens to data", "url": "https://learn.microsoft.com/"},
	}
	status, _, answer := call(t, f, tok, http.MethodPost, activities(alex.Conversation), withCard(confirm))
	if status != 201 {
		t.Fatalf("%d %v", status, answer)
	}
	m := f.WaitPosted(t, alex.Conversation, nil)
	if want := "Remove Office 365 E3 from 2 people\nOneDrive kept until 14 April 2025\nThis can't be undone."; m.Text() != want {
		t.Errorf("Text %q, want %q", m.Text(), want)
	}
	if got := m.Buttons(); !slices.Equal(got, []string{"Remove…", "Confirm", "What happens to data"}) {
		t.Errorf("Buttons %q", got)
	}

	a, err := f.Press(alex, m, "Confirm")
	if err != nil {
		t.Fatal(err)
	}
	value := a.Value.(map[string]any)
	action := value["action"].(map[string]any)
	if a.Type != "invoke" || a.Name != "adaptiveCard/action" || a.ReplyToID != m.ID || a.Conversation.ID != alex.Conversation ||
		action["type"] != "Action.Execute" || action["verb"] != "confirm" || action["data"].(map[string]any)["request"] != "r-1" || value["trigger"] != "manual" {
		t.Errorf("invoke %+v", a)
	}
	for _, tt := range []struct {
		name  string
		who   User
		title string
		want  string
	}{
		{"an OpenUrl", alex, "What happens to data", "not an Action.Execute"},
		{"a title not on the card", alex, "Approve", "no action titled"},
		{"someone else's 1:1 message", megan, "Confirm", "is not in conversation"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.Press(tt.who, m, tt.title); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Press: %v, want %q", err, tt.want)
			}
		})
	}

	// Press reads the card as it stands: after an update, the new card's actions.
	approve := card("1.5", map[string]any{"type": "Container", "items": []any{
		map[string]any{"type": "ColumnSet", "columns": []any{map[string]any{"type": "Column", "items": []any{
			map[string]any{"type": "ActionSet", "actions": []any{map[string]any{"type": "Action.Execute", "title": "Approve", "verb": "approve"}}},
		}}}},
	}})
	if status, _, answer := call(t, f, tok, http.MethodPut, activities(alex.Conversation)+"/"+m.ID, withCard(approve)); status != 200 {
		t.Fatalf("update: %d %v", status, answer)
	}
	if _, err := f.Press(alex, m, "Confirm"); err == nil {
		t.Error("pressed an action the card no longer has")
	}
	if a, err := f.Press(alex, m, "Approve"); err != nil || a.Value.(map[string]any)["action"].(map[string]any)["verb"] != "approve" {
		t.Errorf("Press Approve: %+v, %v", a, err)
	}

	t.Run("in a channel, the post's thread", func(t *testing.T) {
		ch := f.AddChannel("IT", alex)
		status, _, answer := call(t, f, tok, http.MethodPost, activities(ch.ID), withCard(approve))
		if status != 201 {
			t.Fatalf("%d %v", status, answer)
		}
		m, _ := f.Message(answer["id"].(string))
		a, err := f.Press(alex, m, "Approve")
		if err != nil || a.Conversation.ID != ch.ID+";messageid="+m.ID || a.ChannelData.Team.ID != ch.TeamID {
			t.Errorf("%+v, %v", a, err)
		}
		if _, err := f.Press(megan, m, "Approve"); err == nil {
			t.Error("someone outside the team pressed")
		}
	})

	t.Run("Send returns the invoke response", func(t *testing.T) {
		rec, endpoint := botEndpoint(t)
		rec.answer = `{"statusCode":200,"type":"application/vnd.microsoft.card.adaptive","value":{"type":"AdaptiveCard","version":"1.5"}}`
		a, _ := f.Press(alex, m, "Approve")
		status, body, err := f.Send(context.Background(), endpoint, a)
		if err != nil || status != 200 {
			t.Fatalf("%d %v", status, err)
		}
		r, err := ParseInvokeResponse(body)
		if err != nil || r.Type != ContentTypeAdaptiveCard || !strings.Contains(string(r.Value), "AdaptiveCard") {
			t.Errorf("%+v, %v", r, err)
		}
	})
}

func TestWaitPosted(t *testing.T) {
	f := New(t)
	tok := "Bearer " + accessToken(t, f)
	u := f.AddUser(User{Name: "Alex Wilber", Installed: true})
	go func() { // no t here: a goroutine can't fail the test
		time.Sleep(20 * time.Millisecond)
		for _, text := range []string{"first", "second"} {
			req, _ := http.NewRequest(http.MethodPost, f.ServiceURL()+activities(u.Conversation), strings.NewReader(`{"type":"message","text":"`+text+`"}`))
			req.Header.Set("Authorization", tok)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}
	}()
	m := f.WaitPosted(t, u.Conversation, func(m Message) bool { return m.Text() == "second" })
	if m.Text() != "second" {
		t.Errorf("%+v", m)
	}
	var routes []string
	for _, c := range f.Calls() {
		routes = append(routes, c.Route)
	}
	if !slices.Contains(routes, RouteToken) || !slices.Contains(routes, RouteSend) {
		t.Errorf("routes %q", routes)
	}
}

func TestInstallationUpdates(t *testing.T) {
	f := New(t)
	alex := f.AddUser(User{Name: "Alex Wilber", Installed: true})
	ch := f.AddChannel("IT", alex)
	personal := f.InstallationUpdate(alex)
	if personal.Type != "installationUpdate" || personal.Action != "add" || personal.Conversation.ID != alex.Conversation ||
		personal.Conversation.ConversationType != "personal" || personal.From.ID != alex.ID || personal.ChannelData.Tenant.ID != DefaultTenant {
		t.Errorf("personal %+v", personal)
	}
	team := f.TeamInstallationUpdate(ch, alex)
	if team.Type != "installationUpdate" || team.Conversation.ID != ch.ID || team.Conversation.ConversationType != "channel" ||
		team.ChannelData.Team.ID != ch.TeamID || team.ChannelData.Channel.ID != ch.ID || team.Recipient.ID != f.BotID() {
		t.Errorf("team %+v", team)
	}
	if personal.ID == team.ID {
		t.Errorf("two activities with id %s", team.ID)
	}
}
