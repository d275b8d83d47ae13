package teamsfake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
)

// Teams sending activities to the bot, as its pages show them: "Messages in bot
// conversations" (a 1:1 message, its clientInfo entity and channelData,
// https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/conversation-messages),
// "Channel and group chat conversations with a bot" (a channel message @mentioning the bot,
// https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/channel-and-group-conversations),
// "Conversation events" (installationUpdate,
// https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/subscribe-to-conversation-events)
// and Universal Actions (the adaptiveCard/action invoke of an Action.Execute, "Universal
// Action Model", https://learn.microsoft.com/adaptive-cards/authoring-cards/universal-action-model).

// Activity is a Bot Framework activity as Teams sends it to a bot ("API reference", Activity
// object), with the fake's own types: it never shares the bot's.
type Activity struct {
	Type           string        `json:"type"`
	ID             string        `json:"id,omitempty"`
	Timestamp      string        `json:"timestamp,omitempty"`
	LocalTimestamp string        `json:"localTimestamp,omitempty"`
	ServiceURL     string        `json:"serviceUrl,omitempty"`
	ChannelID      string        `json:"channelId,omitempty"`
	From           *Account      `json:"from,omitempty"`
	Recipient      *Account      `json:"recipient,omitempty"`
	Conversation   *Conversation `json:"conversation,omitempty"`
	ReplyToID      string        `json:"replyToId,omitempty"`
	Text           string        `json:"text,omitempty"`
	TextFormat     string        `json:"textFormat,omitempty"`
	Locale         string        `json:"locale,omitempty"`
	Name           string        `json:"name,omitempty"`
	Value          any           `json:"value,omitempty"`
	Action         string        `json:"action,omitempty"`
	Attachments    []Attachment  `json:"attachments,omitempty"`
	Entities       []Entity      `json:"entities,omitempty"`
	ChannelData    *ChannelData  `json:"channelData,omitempty"`
	MembersAdded   []Account     `json:"membersAdded,omitempty"`
	MembersRemoved []Account     `json:"membersRemoved,omitempty"`
}

// Account is a ChannelAccount: a person ("29:…") or the bot ("28:<app id>").
type Account struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	AADObjectID string `json:"aadObjectId,omitempty"`
	Role        string `json:"role,omitempty"`
}

// Conversation is a ConversationAccount.
type Conversation struct {
	ID               string `json:"id"`
	ConversationType string `json:"conversationType,omitempty"`
	TenantID         string `json:"tenantId,omitempty"`
	IsGroup          bool   `json:"isGroup,omitempty"`
	Name             string `json:"name,omitempty"`
}

// ChannelData is Teams' channelData.
type ChannelData struct {
	EventType      string `json:"eventType,omitempty"`
	TeamsChannelID string `json:"teamsChannelId,omitempty"`
	TeamsTeamID    string `json:"teamsTeamId,omitempty"`
	Tenant         *IDRef `json:"tenant,omitempty"`
	Team           *IDRef `json:"team,omitempty"`
	Channel        *IDRef `json:"channel,omitempty"`
	Source         *IDRef `json:"source,omitempty"` // {"name":"message"} on an invoke from a card
}

// IDRef is a tenant, team, channel or source, by id or name.
type IDRef struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// Attachment is an activity's attachment.
type Attachment struct {
	ContentType string `json:"contentType"`
	Content     any    `json:"content,omitempty"`
}

// Entity is a mention (Mentioned, Text) or Teams' clientInfo (Locale, Country, Platform,
// Timezone).
type Entity struct {
	Type      string   `json:"type"`
	Mentioned *Account `json:"mentioned,omitempty"`
	Text      string   `json:"text,omitempty"`
	Locale    string   `json:"locale,omitempty"`
	Country   string   `json:"country,omitempty"`
	Platform  string   `json:"platform,omitempty"`
	Timezone  string   `json:"timezone,omitempty"`
}

// Mention is the text Teams puts in a message for an @mention of the bot.
const Mention = "<at>" + BotName + "</at>"

func (f *Fake) botAccount() *Account { return &Account{ID: f.BotID(), Name: BotName} }

// known is the person as the fake knows them (u itself when it doesn't); it needs f.mu.
func (f *Fake) known(u User) User {
	if r, ok := f.users[u.ID]; ok {
		return r.User
	}
	return u
}

// stamp sets a new activity's id and timestamps, in the person's time zone for
// localTimestamp; it needs f.mu.
func (f *Fake) stamp(a *Activity, u User) {
	now := f.now()
	a.ID = f.nextID()
	a.Timestamp = now.UTC().Format("2006-01-02T15:04:05.000Z")
	loc, err := time.LoadLocation(u.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	a.LocalTimestamp = now.In(loc).Format("2006-01-02T15:04:05.000-07:00")
	a.ServiceURL, a.ChannelID, a.Recipient, a.Locale = f.ServiceURL(), ChannelID, f.botAccount(), u.Locale
}

func clientInfo(u User) Entity {
	return Entity{Type: "clientInfo", Locale: u.Locale, Country: "US", Platform: "Web", Timezone: u.TimeZone}
}

func from(u User) *Account { return &Account{ID: u.ID, Name: u.Name, AADObjectID: u.AADObjectID} }

// Personal is a message u writes to the bot in their 1:1 conversation.
func (f *Fake) Personal(u User, text string) Activity {
	f.mu.Lock()
	defer f.mu.Unlock()
	u = f.known(u)
	a := Activity{
		Type: "message", From: from(u), Text: text, TextFormat: "plain",
		Conversation: &Conversation{ID: u.Conversation, ConversationType: "personal", TenantID: f.tenant},
		Entities:     []Entity{clientInfo(u)},
		ChannelData:  &ChannelData{Tenant: &IDRef{ID: f.tenant}},
	}
	f.stamp(&a, u)
	return a
}

// ChannelMention is a new post by u in the channel that @mentions the bot: its text starts
// with Mention, a mention entity names the bot, and the conversation is the post's thread
// ("19:…;messageid=<its own id>").
func (f *Fake) ChannelMention(u User, ch Channel, text string) Activity {
	f.mu.Lock()
	defer f.mu.Unlock()
	u = f.known(u)
	a := Activity{
		Type: "message", From: from(u), Text: Mention + " " + text, TextFormat: "plain",
		Entities: []Entity{{Type: "mention", Mentioned: f.botAccount(), Text: Mention}, clientInfo(u)},
	}
	f.stamp(&a, u)
	a.Conversation = &Conversation{ID: ch.ID + ";messageid=" + a.ID, ConversationType: "channel", IsGroup: true, TenantID: f.tenant}
	a.ChannelData = channelData(ch, f.tenant)
	return a
}

func channelData(ch Channel, tenant string) *ChannelData {
	return &ChannelData{
		TeamsChannelID: ch.ID, TeamsTeamID: ch.TeamID,
		Channel: &IDRef{ID: ch.ID}, Team: &IDRef{ID: ch.TeamID}, Tenant: &IDRef{ID: tenant},
	}
}

// InstallationUpdate is the installationUpdate (action "add") Teams sends when u installs
// the app in their personal scope; set Action to "remove" for an uninstall.
func (f *Fake) InstallationUpdate(u User) Activity {
	f.mu.Lock()
	defer f.mu.Unlock()
	u = f.known(u)
	a := Activity{
		Type: "installationUpdate", Action: "add", From: from(u),
		Conversation: &Conversation{ID: u.Conversation, ConversationType: "personal", TenantID: f.tenant},
		ChannelData:  &ChannelData{Tenant: &IDRef{ID: f.tenant}},
	}
	f.stamp(&a, u)
	return a
}

// TeamInstallationUpdate is the installationUpdate (action "add") Teams sends when by adds
// the app to the channel's team.
func (f *Fake) TeamInstallationUpdate(ch Channel, by User) Activity {
	f.mu.Lock()
	defer f.mu.Unlock()
	by = f.known(by)
	a := Activity{Type: "installationUpdate", Action: "add", From: from(by)}
	f.stamp(&a, by)
	a.Conversation = &Conversation{ID: ch.ID, ConversationType: "channel", IsGroup: true, TenantID: f.tenant}
	a.ChannelData = channelData(ch, f.tenant)
	return a
}

// Press is the adaptiveCard/action invoke Teams sends when u presses the Action.Execute
// titled title on the message as it stands now (inside an Action.ShowCard's card too):
// value {"action":{"type":"Action.Execute","id","verb","data"},"trigger":"manual"}, replyToId
// the message, in the message's conversation (its thread, in a channel). It fails when the
// message isn't one the bot posted, u can't see it, or no Action.Execute has that title.
func (f *Fake) Press(u User, m Message, title string) (Activity, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, ok := f.messages[m.ID]
	if !ok {
		return Activity{}, fmt.Errorf("teamsfake: the bot posted no message %q", m.ID)
	}
	c := f.convs[cur.conv]
	u = f.known(u)
	if !slices.Contains(c.members, u.ID) {
		return Activity{}, fmt.Errorf("teamsfake: %s (%s) is not in conversation %s", u.Name, u.ID, c.id)
	}
	action, ok := findAction(cur.Card, title)
	if !ok {
		return Activity{}, fmt.Errorf("teamsfake: no action titled %q on message %s; its actions: %q", title, m.ID, cur.Buttons())
	}
	if action["type"] != "Action.Execute" {
		return Activity{}, fmt.Errorf("teamsfake: %q on message %s is an %v, not an Action.Execute", title, m.ID, action["type"])
	}
	pressed := map[string]any{"type": "Action.Execute"}
	for _, k := range []string{"id", "verb", "data"} {
		if v, ok := action[k]; ok {
			pressed[k] = v
		}
	}
	a := Activity{
		Type: "invoke", Name: "adaptiveCard/action", From: from(u), ReplyToID: cur.ID,
		Value:    map[string]any{"action": pressed, "trigger": "manual"},
		Entities: []Entity{clientInfo(u)},
	}
	f.stamp(&a, u)
	if c.kind == "channel" {
		a.Conversation = &Conversation{ID: c.id + ";messageid=" + cur.Thread, ConversationType: "channel", IsGroup: true, TenantID: f.tenant}
		a.ChannelData = channelData(*c.team, f.tenant)
	} else {
		a.Conversation = &Conversation{ID: c.id, ConversationType: "personal", TenantID: f.tenant}
		a.ChannelData = &ChannelData{Tenant: &IDRef{ID: f.tenant}}
	}
	a.ChannelData.Source = &IDRef{Name: "message"}
	return a, nil
}

// Send posts the activity to the bot's messaging endpoint (its /api/messages URL) as the
// Bot Connector does: JSON, with Authorization: Bearer and an RS256 JWT signed with the
// msteams-endorsed key (kid and x5t in its header; iss https://api.botframework.com, aud
// the app id, exp an hour ahead, nbf five minutes back, iat, serviceurl the activity's
// serviceUrl), made wrong in the ways opts say. What the activity leaves empty is filled as
// Teams fills it (channelId, serviceUrl, id, timestamp, recipient, the tenant, locale). It
// returns the bot's answer: for an invoke, the body is the invoke response.
func (f *Fake) Send(ctx context.Context, endpoint string, a Activity, opts ...SendOption) (status int, body []byte, err error) {
	var c sendConfig
	for _, o := range opts {
		o(&c)
	}
	f.fill(&a, c.tenant)
	payload, err := json.Marshal(a)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(payload))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if !c.noToken {
		tok, err := f.signToken(a.ServiceURL, c)
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return resp.StatusCode, body, err
}

// fill completes an activity as Teams would send it, from tenant when not "".
func (f *Fake) fill(a *Activity, tenant string) {
	f.mu.Lock()
	if a.ID == "" {
		a.ID = f.nextID()
	}
	now := f.now()
	f.mu.Unlock()
	if a.Timestamp == "" {
		a.Timestamp = now.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	if a.ChannelID == "" {
		a.ChannelID = ChannelID
	}
	if a.ServiceURL == "" {
		a.ServiceURL = f.ServiceURL()
	}
	if a.Recipient == nil {
		a.Recipient = f.botAccount()
	}
	if a.Locale == "" {
		a.Locale = "en-US"
	}
	// Copies, so that the caller's activity keeps its own.
	cd := ChannelData{}
	if a.ChannelData != nil {
		cd = *a.ChannelData
	}
	conv := Conversation{}
	if a.Conversation != nil {
		conv = *a.Conversation
	}
	switch {
	case tenant != "":
		cd.Tenant, conv.TenantID = &IDRef{ID: tenant}, tenant
	default:
		if cd.Tenant == nil {
			cd.Tenant = &IDRef{ID: f.tenant}
		}
		if conv.TenantID == "" {
			conv.TenantID = f.tenant
		}
	}
	a.ChannelData, a.Conversation = &cd, &conv
}

// InvokeResponse is the body a bot answers an adaptiveCard/action invoke with ("Universal
// Action Model", Response format).
type InvokeResponse struct {
	StatusCode int             `json:"statusCode"`
	Type       string          `json:"type"`
	Value      json.RawMessage `json:"value"`
}

// ParseInvokeResponse reads a bot's answer to an invoke, as Teams does: a missing statusCode
// means 200.
func ParseInvokeResponse(body []byte) (InvokeResponse, error) {
	var r InvokeResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return r, fmt.Errorf("teamsfake: invoke response: %w", err)
	}
	if r.StatusCode == 0 {
		r.StatusCode = http.StatusOK
	}
	if r.Type != ContentTypeMessage && r.Type != ContentTypeAdaptiveCard && r.StatusCode < 300 {
		return r, errors.New("teamsfake: invoke response type " + r.Type + " is neither a message nor a card")
	}
	return r, nil
}
