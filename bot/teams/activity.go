package teams

import "encoding/json"

// The Bot Framework activity schema, as far as licensebot reads and writes it
// ("Bot Framework Activity schema", https://github.com/microsoft/botframework-sdk/blob/main/specs/botframework-activity/botframework-activity.md;
// Teams' additions: "Teams bot activity" and "Conversation basics",
// https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/conversation-basics).
// Every field is read as untrusted input, after the bearer token was verified.

// Activity types and invoke names licensebot handles.
const (
	typeMessage            = "message"
	typeInvoke             = "invoke"
	typeConversationUpdate = "conversationUpdate"
	typeInstallation       = "installationUpdate"
	invokeCardAction       = "adaptiveCard/action"
	// channelTeams is the channelId of every activity from Microsoft Teams.
	channelTeams = "msteams"
)

// Conversation types in Teams ("Conversation basics").
const (
	conversationPersonal  = "personal"
	conversationChannel   = "channel"
	conversationGroupChat = "groupChat"
)

// Activity is one Bot Framework activity: received from Teams, or sent to it.
type Activity struct {
	Type         string          `json:"type"`
	ID           string          `json:"id,omitempty"`
	Timestamp    string          `json:"timestamp,omitempty"`
	ServiceURL   string          `json:"serviceUrl,omitempty"`
	ChannelID    string          `json:"channelId,omitempty"`
	From         *Account        `json:"from,omitempty"`
	Recipient    *Account        `json:"recipient,omitempty"`
	Conversation *Conversation   `json:"conversation,omitempty"`
	ReplyToID    string          `json:"replyToId,omitempty"`
	Text         string          `json:"text,omitempty"`
	TextFormat   string          `json:"textFormat,omitempty"`
	Locale       string          `json:"locale,omitempty"`
	Summary      string          `json:"summary,omitempty"`
	Name         string          `json:"name,omitempty"`
	Value        json.RawMessage `json:"value,omitempty"`
	Attachments  []Attachment    `json:"attachments,omitempty"`
	Entities     []Entity        `json:"entities,omitempty"`
	ChannelData  *ChannelData    `json:"channelData,omitempty"`
	MembersAdded []Account       `json:"membersAdded,omitempty"`
	Action       string          `json:"action,omitempty"` // installationUpdate: "add" or "remove"
}

// Account is a person or bot in a conversation. In Teams, ID is the conversation-scoped
// user id ("29:…") or the bot's ("28:<app id>"); AADObjectID the person's Microsoft Entra
// object id.
type Account struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	AADObjectID string `json:"aadObjectId,omitempty"`
	Role        string `json:"role,omitempty"`
	// UserPrincipalName and Email: a conversation member's, as Teams' member records have
	// them ("Get conversation members"); never in an activity's from.
	UserPrincipalName string `json:"userPrincipalName,omitempty"`
	Email             string `json:"email,omitempty"`
}

// Conversation is where an activity happened: a 1:1 chat ("personal", "a:…"), a group chat,
// or a channel ("19:…@thread.tacv2", with ";messageid=…" for a thread).
type Conversation struct {
	ID               string `json:"id"`
	ConversationType string `json:"conversationType,omitempty"`
	TenantID         string `json:"tenantId,omitempty"`
	IsGroup          bool   `json:"isGroup,omitempty"`
	Name             string `json:"name,omitempty"`
}

// ChannelData is Teams' part of an activity.
type ChannelData struct {
	Tenant  *IDRef `json:"tenant,omitempty"`
	Team    *IDRef `json:"team,omitempty"`
	Channel *IDRef `json:"channel,omitempty"`
}

// IDRef is an object Teams names by id (a tenant, team or channel).
type IDRef struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// Attachment is a card in a message.
type Attachment struct {
	ContentType string `json:"contentType"`
	Content     any    `json:"content,omitempty"`
}

// Entity is an entity of a message; licensebot reads mentions ("mention", with the
// mentioned account and the text that stands for it, "<at>licensebot</at>").
type Entity struct {
	Type      string   `json:"type"`
	Mentioned *Account `json:"mentioned,omitempty"`
	Text      string   `json:"text,omitempty"`
}

// cardAction is the value of an adaptiveCard/action invoke (Universal Actions,
// https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/work-with-universal-actions-for-adaptive-cards).
type cardAction struct {
	Action struct {
		Type string          `json:"type"` // "Action.Execute"
		ID   string          `json:"id,omitempty"`
		Verb string          `json:"verb"`
		Data json.RawMessage `json:"data,omitempty"`
	} `json:"action"`
	Trigger string `json:"trigger,omitempty"` // "manual" or "automatic" (a refresh)
}

// invokeResponse answers an adaptiveCard/action invoke in the HTTP response's body.
type invokeResponse struct {
	StatusCode int    `json:"statusCode"`
	Type       string `json:"type"`
	Value      any    `json:"value"`
}

// The content types of cards and invoke answers.
const (
	contentTypeCard    = "application/vnd.microsoft.card.adaptive"
	contentTypeMessage = "application/vnd.microsoft.activity.message"
)

// resourceResponse is the connector's answer to a sent, replied or updated activity.
type resourceResponse struct {
	ID string `json:"id"`
}

// conversationParameters creates a conversation (a 1:1 chat with a person, proactively).
type conversationParameters struct {
	Bot         *Account     `json:"bot,omitempty"`
	Members     []Account    `json:"members"`
	IsGroup     bool         `json:"isGroup"`
	TenantID    string       `json:"tenantId,omitempty"`
	ChannelData *ChannelData `json:"channelData,omitempty"`
	Activity    *Activity    `json:"activity,omitempty"`
}

// conversationResourceResponse is the connector's answer to a created conversation.
type conversationResourceResponse struct {
	ID         string `json:"id"`
	ActivityID string `json:"activityId,omitempty"`
	ServiceURL string `json:"serviceUrl,omitempty"`
}

// connectorError is the connector's error body ({"error":{"code","message"}}).
type connectorError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}
