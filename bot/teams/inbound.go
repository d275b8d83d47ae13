package teams

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/locale"
)

// Teams delivers every activity to POST /api/messages and waits a few seconds for the
// answer: 15 for a message, and for an adaptiveCard/action invoke its answer is the HTTP
// response itself ("Universal Actions for Adaptive Cards": the bot must answer the invoke,
// https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/work-with-universal-actions-for-adaptive-cards).
// So, as on the other platforms, a command or press is recorded in the inbox and
// acknowledged at once (200; an invoke with a short "Working on it…" message), and the
// work answers after it through the Bot Connector: a reply in the conversation, or the
// pressed card replaced in place (PUT).

// The kinds of Teams' deliveries.
const (
	kindCommand = "command"
	kindClick   = "click"
)

// trustFor is how long a service URL seen in a verified activity is trusted (and the
// latest one used for proactive messages): Teams keeps a tenant's for long, and any
// activity renews it.
const trustFor = 90 * 24 * time.Hour

// MessagesHandler serves POST /api/messages, the bot's messaging endpoint. The bearer token
// is verified before the body is read; then the activity must be Teams', from the tenant
// licensebot serves, with the serviceUrl the token names. Anything else gets 401 or 403 and
// changes nothing.
func (p *Platform) MessagesHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		claims, err := p.verify.verify(ctx, r.Header)
		if err != nil {
			p.log.WarnContext(ctx, "refused an activity not signed by the Bot Framework", "remote", r.RemoteAddr, "err", err)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, bot.MaxBody))
		if err != nil {
			http.Error(w, "can't read the request", http.StatusRequestEntityTooLarge)
			return
		}
		var a Activity
		if err := json.Unmarshal(raw, &a); err != nil {
			p.log.WarnContext(ctx, "activity not readable", "err", err)
			http.Error(w, "body is not an activity", http.StatusBadRequest)
			return
		}
		if a.ServiceURL == "" || a.ServiceURL != claims.serviceURL {
			p.log.WarnContext(ctx, "refused an activity whose serviceUrl its token doesn't name", "remote", r.RemoteAddr)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if a.ChannelID != channelTeams {
			p.log.WarnContext(ctx, "refused an activity of another channel", "channel", oneLine(a.ChannelID, 40))
			http.Error(w, "licensebot answers Microsoft Teams only", http.StatusForbidden)
			return
		}
		if t := tenantOf(&a); !strings.EqualFold(t, p.cfg.TenantID) {
			p.log.WarnContext(ctx, "refused an activity of another tenant", "tenant", oneLine(t, 64))
			http.Error(w, "this bot serves another tenant", http.StatusForbidden)
			return
		}
		if err := checkHTTPS(a.ServiceURL); err != nil {
			p.log.WarnContext(ctx, "refused an activity with an unusable serviceUrl", "err", err)
			http.Error(w, "unusable serviceUrl", http.StatusBadRequest)
			return
		}
		p.learn(ctx, a.ServiceURL)
		p.receive(ctx, w, raw, &a)
	})
}

// tenantOf is the tenant an activity names: channelData.tenant.id, else the conversation's.
func tenantOf(a *Activity) string {
	if a.ChannelData != nil && a.ChannelData.Tenant != nil && a.ChannelData.Tenant.ID != "" {
		return a.ChannelData.Tenant.ID
	}
	if a.Conversation != nil {
		return a.Conversation.TenantID
	}
	return ""
}

// receive answers a verified activity: commands and presses through the inbox, anything
// else (installation, members added, reactions) with 200 and nothing more.
func (p *Platform) receive(ctx context.Context, w http.ResponseWriter, raw []byte, a *Activity) {
	lang := p.language(a.Locale)
	if a.From == nil || a.Conversation == nil || a.ID == "" || a.Conversation.ID == "" {
		w.WriteHeader(http.StatusOK)
		return
	}
	d := bot.Delivery{Key: "teams:activity:" + keyPart(a.Conversation.ID) + ":" + keyPart(a.ID), Payload: raw}
	switch {
	case a.Type == typeMessage:
		d.Kind = kindCommand
		d.Quick = p.in.Quick(bot.Command{Text: commandText(a)})
		p.in.Receive(ctx, d, func(bot.Receipt) (bool, error) {
			// Teams needs only a 200; what follows is posted through the connector.
			w.WriteHeader(http.StatusOK)
			return false, nil
		})
	case a.Type == typeInvoke && a.Name == invokeCardAction:
		d.Kind = kindClick
		p.in.Receive(ctx, d, func(r bot.Receipt) (bool, error) {
			text := locale.For(lang).T("teams.working")
			switch r {
			case bot.Repeated:
				text = locale.For(lang).T("teams.repeated")
			case bot.Unrecorded:
				// Fail closed: nothing is done, and the person is told so, in the answer.
				bot.WriteJSON(w, invokeMessage(bot.Unavailable(lang).Text))
				return true, nil
			}
			bot.WriteJSON(w, invokeMessage(text))
			return false, nil
		})
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// keyPart is an id as a part of a delivery's key: conversation ids are long and hold ';'
// and ':', so they go in hashed.
func keyPart(id string) string {
	if len(id) <= 64 && !strings.ContainsAny(id, ";: ") {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:12])
}

// commandText is command's text alone ("" for a message that isn't a command).
func commandText(a *Activity) string {
	text, _ := command(a)
	return text
}

// command is what follows the command word in a message to the bot, without the mention of
// the bot that starts it in a channel, colleagues' mentions as one word each (mentionWord);
// ok is false when the message isn't a command.
func command(a *Activity) (string, bool) {
	text := a.Text
	for _, e := range a.Entities {
		// Valid UTF-8 only: a replaced fragment of a character would break the text.
		if e.Type != "mention" || e.Mentioned == nil || e.Text == "" || !utf8.ValidString(e.Text) {
			continue
		}
		if a.Recipient != nil && e.Mentioned.ID == a.Recipient.ID {
			// The bot's own mention: "<at>licensebot</at>" in the text.
			text = strings.ReplaceAll(text, e.Text, " ")
			continue
		}
		// A colleague's, "<at>Alice Wood</at>": one word the handlers read as a mention
		// (bot.IsMention), resolved by Command.Mentions once the caller may act.
		if p := mentionWord(e); p != "" {
			text = strings.ReplaceAll(text, e.Text, " "+p+" ")
		}
	}
	text = strings.TrimSpace(strings.ReplaceAll(text, "\u00a0", " "))
	text = strings.TrimPrefix(text, "/")
	word, rest, _ := strings.Cut(text, " ")
	if !strings.EqualFold(word, commandWord) {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

// learn trusts a service URL that came in a verified activity, on every replica: the bot's
// token is sent nowhere else, and proactive messages go to the tenant's latest.
func (p *Platform) learn(ctx context.Context, serviceURL string) {
	p.trust.Lock()
	fresh := p.trustedURLs[serviceURL].IsZero() || p.cfg.Now().Sub(p.trustedURLs[serviceURL]) > time.Hour
	if fresh {
		p.trustedURLs[serviceURL] = p.cfg.Now()
	}
	p.latest = serviceURL
	p.trust.Unlock()
	if !fresh {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	if err := p.cfg.Facts.Remember(ctx, trustKey(serviceURL), "1", trustFor); err != nil {
		p.log.WarnContext(ctx, "remember a verified service URL", "err", err)
	}
	if err := p.cfg.Facts.Remember(ctx, latestKey(p.cfg.TenantID), serviceURL, trustFor); err != nil {
		p.log.WarnContext(ctx, "remember a verified service URL", "err", err)
	}
}

// trusted reports whether serviceURL came in a verified activity, here or on another replica.
func (p *Platform) trusted(ctx context.Context, serviceURL string) bool {
	p.trust.Lock()
	_, ok := p.trustedURLs[serviceURL]
	p.trust.Unlock()
	if ok {
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, ok, err := p.cfg.Facts.Recall(ctx, trustKey(serviceURL))
	if err != nil {
		p.log.WarnContext(ctx, "recall the verified service URLs", "err", err)
		return false
	}
	if ok {
		p.trust.Lock()
		p.trustedURLs[serviceURL] = p.cfg.Now()
		p.trust.Unlock()
	}
	return ok
}

// errNoServiceURL: no activity from the tenant has reached licensebot yet, so it doesn't
// know where to send a message nobody asked for.
var errNoServiceURL = errors.New("no activity from Microsoft Teams has reached licensebot yet, so it doesn't know the tenant's service URL: install the app in the approvers' team (or send the bot a message) once")

// serviceURL is where proactive messages go: the tenant's latest verified service URL.
func (p *Platform) serviceURL(ctx context.Context) (string, error) {
	p.trust.Lock()
	latest := p.latest
	p.trust.Unlock()
	if latest != "" {
		return latest, nil
	}
	v, ok, err := p.cfg.Facts.Recall(ctx, latestKey(p.cfg.TenantID))
	switch {
	case err != nil:
		return "", fmt.Errorf("recall the tenant's service URL: %w", err)
	case !ok:
		return "", errNoServiceURL
	}
	p.trust.Lock()
	p.latest = v
	p.trust.Unlock()
	return v, nil
}

func trustKey(serviceURL string) string {
	sum := sha256.Sum256([]byte(serviceURL))
	return "teams.trusted." + hex.EncodeToString(sum[:16])
}

func latestKey(tenant string) string { return "teams.serviceurl." + keyPart(strings.ToLower(tenant)) }

// trustState is what the platform learned of service URLs (embedded in Platform).
type trustState struct {
	trust       sync.Mutex
	trustedURLs map[string]time.Time // service URL → when last remembered
	latest      string
}

// mentionWord is how a colleague's mention reads in the command's text: "@Alice_Wood",
// their name as Teams shows it, on one word; "" for a mention without a name.
func mentionWord(e Entity) string {
	name := strings.Join(strings.FieldsFunc(e.Mentioned.Name, func(r rune) bool {
		return unicode.IsSpace(r) || r == '@' || r == '<' || r == '>' || unicode.IsControl(r)
	}), "_")
	if name == "" || e.Mentioned.ID == "" {
		return ""
	}
	return "@" + bot.Fit{}.Truncate(name, 64)
}

// mentioned are the colleagues a message mentions, by the word that stands for each in the
// command's text: their Teams user ids, to look up when asked.
func mentioned(a *Activity) map[string]string {
	out := map[string]string{}
	for _, e := range a.Entities {
		if e.Type != "mention" || e.Mentioned == nil || (a.Recipient != nil && e.Mentioned.ID == a.Recipient.ID) {
			continue
		}
		if w := mentionWord(e); w != "" {
			if _, seen := out[w]; !seen {
				out[w] = e.Mentioned.ID
			}
		}
	}
	return out
}
