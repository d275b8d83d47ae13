package teamsfake

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// The Bot Connector as Teams serves it: "API reference for the Bot Framework Connector
// service" (https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-api-reference)
// for the operations and their objects, Teams' "Proactive messages"
// (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/send-proactive-messages)
// for creating a 1:1 conversation, and Teams' status codes ("Messages in bot conversations",
// https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/conversation-messages#status-code-responses)
// for what it refuses.

// MaxMessageUnits is the largest activity request body the connector takes by default, in
// UTF-16 code units: "The bot message size limit is 100 KB … encoded as UTF-16", past which
// the bot receives 413 MessageSizeTooBig ("Format your bot messages",
// https://learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages;
// older revisions of the page said 40 KB, and it recommends staying within 80 KB). The page
// calls 100 KB approximate; the fake reads it as 100 × 1024 code units of the whole body.
const MaxMessageUnits = 100 * 1024

// User is a person in the fake tenant.
type User struct {
	// ID is the person's Teams id for this bot ("29:…"), set by AddUser.
	ID          string
	Name        string
	UPN         string // userPrincipalName
	AADObjectID string // Entra object id; AddUser makes one when empty
	Email       string // "" for the UPN
	Locale      string // e.g. "tr-TR"; "" for en-US
	TimeZone    string // IANA, for the clientInfo entity; "" for UTC
	// Installed says the app is installed in the person's personal scope: the bot is in
	// their 1:1 conversation.
	Installed bool
	// Conversation is the person's 1:1 conversation with the bot ("a:…"), set by AddUser.
	Conversation string
}

// Channel is a team's channel with the app installed in the team.
type Channel struct {
	Name     string
	ID       string // the channel's conversation id, "19:…@thread.tacv2"
	TeamID   string // the team's id: the General channel's, as Teams has it
	TeamName string
	TenantID string
	Members  []User
}

type userRecord struct{ User }

// conversation is a 1:1 chat with a person or a team's channel.
type conversation struct {
	id      string
	kind    string // "personal" or "channel"
	user    string // personal: the person's Teams id
	members []string
	team    *Channel
	botIn   bool // the app is installed there: the bot is in the roster
}

// AddUser adds a person to the tenant, with their Teams id and 1:1 conversation, and returns
// them as the fake knows them.
func (f *Fake) AddUser(u User) User {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addUser(u)
}

// addUser needs f.mu.
func (f *Fake) addUser(u User) User {
	if u.ID != "" {
		if known, ok := f.users[u.ID]; ok {
			return known.User
		}
	}
	u.ID = "29:1" + randomText(60)
	if u.AADObjectID == "" {
		u.AADObjectID = newGUID()
	}
	if u.Email == "" {
		u.Email = u.UPN
	}
	if u.Locale == "" {
		u.Locale = "en-US"
	}
	if u.TimeZone == "" {
		u.TimeZone = "UTC"
	}
	u.Conversation = "a:1" + randomText(80)
	f.users[u.ID] = &userRecord{u}
	f.convs[u.Conversation] = &conversation{id: u.Conversation, kind: "personal", user: u.ID, members: []string{u.ID}, botIn: u.Installed}
	return u
}

// AddChannel adds a team with the app installed and its General channel, whose members are
// members (added to the tenant when they have no ID yet).
func (f *Fake) AddChannel(name string, members ...User) Channel {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := "19:" + hex.EncodeToString(randomBytes(16)) + "@thread.tacv2"
	ch := Channel{Name: name, ID: id, TeamID: id, TeamName: name, TenantID: f.tenant}
	var ids []string
	for _, m := range members {
		m = f.addUser(m)
		ch.Members = append(ch.Members, m)
		ids = append(ids, m.ID)
	}
	f.convs[id] = &conversation{id: id, kind: "channel", members: ids, team: &ch, botIn: true}
	return ch
}

// SetInstalled installs or removes the app where a conversation is: a person's 1:1
// conversation (their personal scope) or a team's channel. Without it the bot is not in the
// conversation's roster, and the connector answers 403 BotNotInConversationRoster.
func (f *Fake) SetInstalled(conversationID string, installed bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	base, _ := splitThread(conversationID)
	if c, ok := f.convs[base]; ok {
		c.botIn = installed
		if c.kind == "personal" {
			f.users[c.user].Installed = installed
		}
	}
}

// User returns the person with that Teams id, AAD object id or UPN as the fake knows them.
func (f *Fake) User(id string) (User, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.findUser(id)
	if u == nil {
		return User{}, false
	}
	return u.User, true
}

// findUser needs f.mu.
func (f *Fake) findUser(id string) *userRecord {
	if u, ok := f.users[id]; ok {
		return u
	}
	for _, u := range f.users {
		if strings.EqualFold(u.AADObjectID, id) || (u.UPN != "" && strings.EqualFold(u.UPN, id)) {
			return u
		}
	}
	return nil
}

// Message is a message the bot posted, as it stands now.
type Message struct {
	ID string
	// ConversationID is the conversation it is in, without a thread's ";messageid=".
	ConversationID string
	// ReplyToID is the activity it replies to: the reply route's {activityId}, the thread
	// of a ";messageid=" conversation id, or the activity's replyToId; "" for none.
	ReplyToID string
	// Thread is the root post of its thread in a channel (its own ID for a new post), "" in
	// a 1:1 conversation.
	Thread string
	// Activity is the activity as the bot last sent it (after its updates).
	Activity json.RawMessage
	// Card is the content of its first Adaptive Card attachment (nil: none).
	Card map[string]any
	// History is the activity as it was before each update, oldest first.
	History        []json.RawMessage
	Updates        int
	Posted, Edited time.Time
}

// Text is what the message says, for assertions: its text and summary, then every
// TextBlock, TextRun and fact (title and value) of its Adaptive Cards, Action.ShowCard cards
// included, one per line.
func (m Message) Text() string {
	var a struct {
		Text        string `json:"text"`
		Summary     string `json:"summary"`
		Attachments []struct {
			ContentType string         `json:"contentType"`
			Content     map[string]any `json:"content"`
		} `json:"attachments"`
	}
	_ = json.Unmarshal(m.Activity, &a)
	var lines []string
	for _, s := range []string{a.Text, a.Summary} {
		if s != "" {
			lines = append(lines, s)
		}
	}
	for _, at := range a.Attachments {
		if at.ContentType == ContentTypeAdaptiveCard {
			lines = append(lines, cardText(at.Content)...)
		}
	}
	return strings.Join(lines, "\n")
}

// Buttons lists the titles of the card's actions, in order, ShowCard cards' included.
func (m Message) Buttons() []string {
	var titles []string
	walkActions(m.Card, func(a map[string]any) bool {
		t, _ := a["title"].(string)
		titles = append(titles, t)
		return false
	})
	return titles
}

type message struct {
	Message
	conv string
}

// Posted lists the messages the bot posted in a conversation, in order, as they stand now.
// A channel's id with ";messageid=" lists that thread only.
func (f *Fake) Posted(conversationID string) []Message {
	base, thread := splitThread(conversationID)
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Message
	for _, id := range f.order {
		m := f.messages[id]
		if m.conv == base && (thread == "" || m.Thread == thread) {
			out = append(out, m.copy())
		}
	}
	return out
}

// Message returns the message the bot posted with that activity id, as it stands now.
func (f *Fake) Message(id string) (Message, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.messages[id]
	if !ok {
		return Message{}, false
	}
	return m.copy(), true
}

// copy is the message for a caller, sharing nothing with the fake's.
func (m *message) copy() Message {
	c := m.Message
	c.History = slices.Clone(m.History)
	var a outgoing
	_ = json.Unmarshal(m.Activity, &a)
	c.Card = a.card()
	return c
}

// splitThread cuts a channel thread's conversation id ("19:…@thread.tacv2;messageid=…")
// into the channel's and the thread's root post id.
func splitThread(id string) (base, thread string) {
	base, rest, ok := strings.Cut(id, ";messageid=")
	if !ok {
		return id, ""
	}
	return base, rest
}

// nextID is a new activity id: Teams' are the epoch milliseconds of the post; it needs f.mu.
func (f *Fake) nextID() string {
	id := max(f.now().UnixMilli(), f.lastID+1)
	f.lastID = id
	return strconv.FormatInt(id, 10)
}

// connector checks what every connector call needs: a valid bearer token (else 401 with
// ASP.NET's sentence, as the service answers), then any forced failure.
func (f *Fake) connector(route string, h func(http.ResponseWriter, *http.Request, []byte)) func(http.ResponseWriter, *http.Request, []byte) {
	return func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("X-Correlating-OperationId", randomText(16))
		f.mu.Lock()
		ok := f.authorized(r)
		var forced *failure
		if ok && len(f.fails) > 0 {
			forced = &f.fails[0]
			f.fails = f.fails[1:]
		}
		f.mu.Unlock()
		switch {
		case !ok:
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Authorization has been denied for this request."})
		case forced != nil:
			if forced.status == http.StatusTooManyRequests {
				retryAfter(w, forced.retryAfter)
			}
			writeError(w, forced.status, forced.code, errorMessage(forced.code))
		default:
			h(w, r, body)
		}
	}
}

// conversationParameters is the body of Create Conversation ("API reference",
// ConversationParameters object).
type conversationParameters struct {
	Bot         *Account        `json:"bot"`
	Members     []Account       `json:"members"`
	IsGroup     bool            `json:"isGroup"`
	TenantID    string          `json:"tenantId"`
	TopicName   string          `json:"topicName"`
	ChannelData *channelDataIn  `json:"channelData"`
	Activity    json.RawMessage `json:"activity"`
}

type channelDataIn struct {
	Tenant  *struct{ ID string } `json:"tenant"`
	Channel *struct{ ID string } `json:"channel"`
}

// createConversation creates (or finds: the same one each time) a person's 1:1 conversation
// with the bot, or starts a thread in a channel (isGroup with channelData.channel, as Teams'
// "start a new thread in a channel" does). Teams needs the tenant and the member, and
// reaches only people who installed the app or share a team with it ("Proactive messages":
// "For a user to receive proactive messages, install the app for the user or make the user
// a part of a team in which the app is installed"); it can't create a group chat.
func (f *Fake) createConversation(w http.ResponseWriter, r *http.Request, body []byte) {
	var p conversationParameters
	if err := json.Unmarshal(body, &p); err != nil {
		writeError(w, http.StatusBadRequest, "BadSyntax", "Invalid JSON: "+err.Error())
		return
	}
	tenant := p.TenantID
	if tenant == "" && p.ChannelData != nil && p.ChannelData.Tenant != nil {
		tenant = p.ChannelData.Tenant.ID
	}
	switch {
	case p.Bot == nil || p.Bot.ID != f.BotID():
		writeError(w, http.StatusBadRequest, "BadArgument", "The bot's id must be "+f.BotID()+".")
		return
	case tenant == "":
		writeError(w, http.StatusBadRequest, "BadArgument", "A tenant id is required (tenantId or channelData.tenant.id).")
		return
	case tenant != f.tenant:
		writeError(w, http.StatusForbidden, "Forbidden", "The bot can't create conversations in tenant "+tenant+".")
		return
	}
	if p.IsGroup {
		if p.ChannelData == nil || p.ChannelData.Channel == nil || p.ChannelData.Channel.ID == "" {
			writeError(w, http.StatusBadRequest, "BadArgument", "Creating group chats is not supported; a new thread needs channelData.channel.id.")
			return
		}
		f.startThread(w, p)
		return
	}
	if len(p.Members) != 1 {
		writeError(w, http.StatusBadRequest, "BadArgument", "A 1:1 conversation needs exactly one member.")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	who := p.Members[0].ID
	u := f.findUser(who)
	if u == nil || (!strings.HasPrefix(who, "29:") && !strings.EqualFold(who, u.AADObjectID)) {
		if strings.HasPrefix(who, "29:") {
			writeError(w, http.StatusBadRequest, "BadArgument", "Failed to decrypt pairwise id")
		} else {
			writeError(w, http.StatusNotFound, "NotFound", "User not found in tenant "+f.tenant+".")
		}
		return
	}
	c := f.convs[u.Conversation]
	if !c.botIn && !f.sharesTeam(u.ID) {
		writeError(w, http.StatusForbidden, "BotNotInConversationRoster", errorMessage("BotNotInConversationRoster"))
		return
	}
	if wait, ok := f.admit("create", c.id, f.now()); !ok {
		throttle(w, wait)
		return
	}
	c.botIn = true
	answer := map[string]any{"id": c.id}
	if len(p.Activity) > 0 && string(p.Activity) != "null" {
		m, status, code, msg := f.post(c, "", "", p.Activity)
		if status != 0 {
			writeError(w, status, code, msg)
			return
		}
		answer["activityId"] = m.ID
	}
	writeJSON(w, http.StatusCreated, answer)
}

// sharesTeam says whether the person is in a team with the app; it needs f.mu.
func (f *Fake) sharesTeam(userID string) bool {
	for _, c := range f.convs {
		if c.kind == "channel" && c.botIn && slices.Contains(c.members, userID) {
			return true
		}
	}
	return false
}

// startThread posts p.Activity as a new thread in a channel: the answer's id is the
// thread's conversation id.
func (f *Fake) startThread(w http.ResponseWriter, p conversationParameters) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.convs[p.ChannelData.Channel.ID]
	switch {
	case !ok || c.kind != "channel":
		writeError(w, http.StatusNotFound, "ConversationNotFound", errorMessage("ConversationNotFound"))
		return
	case !c.botIn:
		writeError(w, http.StatusForbidden, "BotNotInConversationRoster", errorMessage("BotNotInConversationRoster"))
		return
	case len(p.Activity) == 0 || string(p.Activity) == "null":
		writeError(w, http.StatusBadRequest, "BadArgument", "A new thread needs an activity.")
		return
	}
	if wait, ok := f.admit("create", c.id, f.now()); !ok {
		throttle(w, wait)
		return
	}
	m, status, code, msg := f.post(c, "", "", p.Activity)
	if status != 0 {
		writeError(w, status, code, msg)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": c.id + ";messageid=" + m.ID, "activityId": m.ID})
}

// reachable is the conversation a connector call names (a channel's thread: the channel,
// and the thread's root), when the bot is in it and the call is within the scenario's rate
// limits; otherwise the call is answered as the connector does and ok is false. It needs
// f.mu.
func (f *Fake) reachable(w http.ResponseWriter, conversationID, scenario string) (c *conversation, thread string, ok bool) {
	base, thread := splitThread(conversationID)
	c, ok = f.convs[base]
	switch {
	case !ok:
		writeError(w, http.StatusNotFound, "ConversationNotFound", errorMessage("ConversationNotFound"))
		return nil, "", false
	case !c.botIn:
		writeError(w, http.StatusForbidden, "BotNotInConversationRoster", errorMessage("BotNotInConversationRoster"))
		return nil, "", false
	}
	if wait, ok := f.admit(scenario, c.id, f.now()); !ok {
		throttle(w, wait)
		return nil, "", false
	}
	return c, thread, true
}

// sendActivity serves Send to conversation, Reply to activity and Update activity.
func (f *Fake) sendActivity(w http.ResponseWriter, r *http.Request, body []byte) {
	activityID := r.PathValue("activityId")
	f.mu.Lock()
	defer f.mu.Unlock()
	// "Send to conversation" in the rate-limit table; an update is a write to the same
	// thread and is counted with it. It is counted before the body is read: the limits are
	// on requests, good or bad.
	c, thread, ok := f.reachable(w, r.PathValue("conversationId"), "send")
	if !ok {
		return
	}
	if r.Method == http.MethodPut {
		f.update(w, c, activityID, body)
		return
	}
	m, status, code, msg := f.post(c, activityID, thread, body)
	switch {
	case status != 0:
		writeError(w, status, code, msg)
	case m == nil: // typing
		writeJSON(w, http.StatusOK, map[string]any{})
	default:
		writeJSON(w, http.StatusCreated, map[string]string{"id": m.ID})
	}
}

// post validates and records an activity the bot sends to c; replyTo is the reply route's
// activity id, thread a ";messageid=" thread. It returns an error's status, code and message
// instead (status 0: none), and a nil message for a typing activity. It needs f.mu.
func (f *Fake) post(c *conversation, replyTo, thread string, body []byte) (*message, int, string, string) {
	act, status, code, msg := f.validateActivity(body)
	if status != 0 {
		return nil, status, code, msg
	}
	if act.Type == "typing" {
		return nil, 0, "", ""
	}
	if replyTo == "" {
		replyTo = thread
	}
	if replyTo == "" {
		replyTo = act.ReplyToID
	}
	now := f.now()
	m := &message{conv: c.id, Message: Message{
		ID: f.nextID(), ConversationID: c.id, ReplyToID: replyTo,
		Activity: json.RawMessage(slices.Clone(body)), Card: act.card(), Posted: now,
	}}
	if c.kind == "channel" {
		m.Thread = m.ID
		if replyTo != "" {
			m.Thread = replyTo
			if root, ok := f.messages[replyTo]; ok && root.conv == c.id {
				m.Thread = root.Thread
			}
		}
	}
	f.messages[m.ID] = m
	f.order = append(f.order, m.ID)
	return m, 0, "", ""
}

// update replaces a message the bot posted in c; another id is 404. It needs f.mu.
func (f *Fake) update(w http.ResponseWriter, c *conversation, id string, body []byte) {
	m, ok := f.messages[id]
	if !ok || m.conv != c.id {
		writeError(w, http.StatusNotFound, "NotFound", "Activity "+id+" not found in the conversation, or not the bot's.")
		return
	}
	act, status, code, msg := f.validateActivity(body)
	if status == 0 && act.Type != "message" {
		status, code, msg = http.StatusBadRequest, "BadArgument", "Only a message can be updated."
	}
	if status != 0 {
		writeError(w, status, code, msg)
		return
	}
	m.History = append(m.History, m.Activity)
	m.Activity = json.RawMessage(slices.Clone(body))
	m.Card = act.card()
	m.Updates++
	m.Edited = f.now()
	writeJSON(w, http.StatusOK, map[string]string{"id": m.ID})
}

// outgoing is what the fake reads of an activity the bot sends.
type outgoing struct {
	Type        string `json:"type"`
	Text        string `json:"text"`
	ReplyToID   string `json:"replyToId"`
	Attachments []struct {
		ContentType string          `json:"contentType"`
		Content     json.RawMessage `json:"content"`
	} `json:"attachments"`
}

func (a outgoing) card() map[string]any {
	for _, at := range a.Attachments {
		if at.ContentType == ContentTypeAdaptiveCard {
			var m map[string]any
			_ = json.Unmarshal(at.Content, &m)
			return m
		}
	}
	return nil
}

// validateActivity checks an activity the bot sends as the service does: the body's size in
// UTF-16 code units (413 MessageSizeTooBig), valid JSON (400 BadSyntax), a message (or
// typing) with something in it, and Adaptive Cards Teams can render (400 BadArgument).
func (f *Fake) validateActivity(body []byte) (outgoing, int, string, string) {
	var a outgoing
	if n := utf16Len(body); n > f.maxUnits {
		return a, http.StatusRequestEntityTooLarge, "MessageSizeTooBig",
			fmt.Sprintf("%s (%d UTF-16 code units, at most %d)", errorMessage("MessageSizeTooBig"), n, f.maxUnits)
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return a, http.StatusBadRequest, "BadSyntax", "Invalid JSON: " + err.Error()
	}
	switch a.Type {
	case "message":
	case "typing":
		return a, 0, "", ""
	default:
		return a, http.StatusBadRequest, "BadArgument", fmt.Sprintf("Unknown activity type %q.", a.Type)
	}
	if a.Text == "" && len(a.Attachments) == 0 {
		return a, http.StatusBadRequest, "BadArgument", "A message needs text or attachments."
	}
	for i, at := range a.Attachments {
		if at.ContentType != ContentTypeAdaptiveCard {
			continue
		}
		var card map[string]any
		if err := json.Unmarshal(at.Content, &card); err != nil || card == nil {
			return a, http.StatusBadRequest, "BadArgument", fmt.Sprintf("attachments[%d].content: not an Adaptive Card object.", i)
		}
		if err := ValidateCard(card); err != nil {
			return a, http.StatusBadRequest, "BadArgument", fmt.Sprintf("attachments[%d]: %v", i, err)
		}
	}
	return a, 0, "", ""
}

// utf16Len counts b, read as UTF-8, in UTF-16 code units (an invalid byte as one).
func utf16Len(b []byte) int {
	n := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		n += utf16.RuneLen(r)
	}
	return n
}

// teamsMember is a member as Get conversation members answers in Teams (TeamsChannelAccount:
// "Get Teams specific context for your bot",
// https://learn.microsoft.com/microsoftteams/platform/bots/how-to/get-teams-context).
type teamsMember struct {
	ID                string `json:"id"`
	Name              string `json:"name"`
	AADObjectID       string `json:"aadObjectId"`
	Email             string `json:"email,omitempty"`
	UserPrincipalName string `json:"userPrincipalName"`
	TenantID          string `json:"tenantId"`
	UserRole          string `json:"userRole"`
}

// members answers Get conversation members: the person of a 1:1 conversation, a channel's
// team members.
func (f *Fake) members(w http.ResponseWriter, r *http.Request, _ []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, _, ok := f.reachable(w, r.PathValue("conversationId"), "members")
	if !ok {
		return
	}
	out := []teamsMember{}
	for _, id := range c.members {
		u := f.users[id]
		out = append(out, teamsMember{
			ID: u.ID, Name: u.Name, AADObjectID: u.AADObjectID, Email: u.Email,
			UserPrincipalName: u.UPN, TenantID: f.tenant, UserRole: "user",
		})
	}
	writeJSON(w, http.StatusOK, out)
}
