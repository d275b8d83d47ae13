package discord

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// A Discord bot can't read anyone's e-mail (only OAuth2 with the email scope can), so who a
// Discord account is in Entra is said explicitly: by configuration (UserMap), or by a link
// the person asks for with /unassign link and an approver confirms. Links are records
// (Links, records.go; Redis through the store in production), under ids of their own that
// no request id can take (request ids have no "-"):
//
//	dlr-<random>      a link request: pending → approved | denied, decided once (compare-and-set)
//	dlu-<discord id>  a link: the UPN of a Discord user
//	dlm-<hash of UPN> the reverse: the Discord user of a UPN (for Notifier.Post to an e-mail)
const (
	linkRequestPrefix = "dlr-"
	linkPrefix        = "dlu-"
	reversePrefix     = "dlm-"

	statePending  = "pending"
	stateApproved = "approved"
	stateDenied   = "denied"
	stateLinked   = "linked"

	// A request waits a day for an approver; a decided one is kept a week for the record.
	linkRequestTTL = 24 * time.Hour
	linkDecidedTTL = 7 * 24 * time.Hour
	// The store wants a TTL; a link is meant to last until it is replaced.
	linkTTL = 10 * 365 * 24 * time.Hour
)

// Errors of a link decision, for the words said to the clicker.
var (
	errLinkDecided = errors.New("link request already decided")
	errLinkExpired = errors.New("link request expired")
	errLinkUnknown = errors.New("no such link request")
)

// linkRequest is one /unassign link, as stored.
type linkRequest struct {
	ID        string    `json:"id"`
	DiscordID string    `json:"discord_id"`
	Name      string    `json:"name"`
	UPN       string    `json:"upn"`
	At        time.Time `json:"at"`
	ExpiresAt time.Time `json:"expires_at"`
	DecidedBy string    `json:"decided_by,omitempty"`
	// Locale is the requester's Discord locale, for the outcome's language.
	Locale string `json:"locale,omitempty"`
	State  string `json:"-"`
}

// linkRecord is the data of a dlu- or dlm- record.
type linkRecord struct {
	UPN       string    `json:"upn,omitempty"`
	DiscordID string    `json:"discord_id,omitempty"`
	By        string    `json:"by,omitempty"` // the approver's Discord id, or "config"
	At        time.Time `json:"at"`
}

type links struct {
	records Links
	static  map[string]string
	now     func() time.Time
}

// upn is the Entra UPN of a Discord user: from the configuration first, then from a link.
func (l *links) upn(ctx context.Context, discordID string) (string, bool, error) {
	if u, ok := l.static[discordID]; ok {
		return u, true, nil
	}
	rec, ok, err := l.read(ctx, linkPrefix+discordID)
	if err != nil || !ok {
		return "", false, err
	}
	return rec.UPN, rec.UPN != "", nil
}

// discordID is the Discord user of a UPN, the reverse of upn. A reverse record whose user
// has been linked to another UPN since is stale, and ignored.
func (l *links) discordID(ctx context.Context, upn string) (string, bool, error) {
	for id, u := range l.static {
		if strings.EqualFold(u, upn) {
			return id, true, nil
		}
	}
	rev, ok, err := l.read(ctx, reversePrefix+upnKey(upn))
	if err != nil || !ok {
		return "", false, err
	}
	if _, fixed := l.static[rev.DiscordID]; fixed {
		return "", false, nil // the configuration says this account is someone else
	}
	fwd, ok, err := l.read(ctx, linkPrefix+rev.DiscordID)
	if err != nil || !ok || !strings.EqualFold(fwd.UPN, upn) {
		return "", false, err
	}
	return rev.DiscordID, true, nil
}

// upnKey is a UPN as a record id: hashed, since ids take letters, digits, "-" and "_" only;
// lower-cased, since UPNs are case-insensitive.
func upnKey(upn string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(upn))))
	return hex.EncodeToString(sum[:20])
}

func (l *links) read(ctx context.Context, id string) (linkRecord, bool, error) {
	st, found, err := l.records.Get(ctx, id)
	if err != nil {
		return linkRecord{}, false, fmt.Errorf("read link %s: %w", id, err)
	}
	if !found {
		return linkRecord{}, false, nil
	}
	var rec linkRecord
	if err := json.Unmarshal(st.Data, &rec); err != nil {
		return linkRecord{}, false, fmt.Errorf("decode link %s: %w", id, err)
	}
	return rec, true, nil
}

// set links a Discord user to a UPN, replacing any earlier link of theirs.
func (l *links) set(ctx context.Context, discordID, upn, by string) error {
	at := l.now()
	if err := l.put(ctx, linkPrefix+discordID, linkRecord{UPN: upn, By: by, At: at}); err != nil {
		return err
	}
	return l.put(ctx, reversePrefix+upnKey(upn), linkRecord{DiscordID: discordID, By: by, At: at})
}

// put writes a record whether or not it exists: Create, or Transition from what is there.
// Two writers of one link race only if two approvers approve two requests of one person at
// once; the loser tries again and the last one wins.
func (l *links) put(ctx context.Context, id string, rec linkRecord) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode link %s: %w", id, err)
	}
	var last error
	for range 3 {
		st, found, err := l.records.Get(ctx, id)
		switch {
		case err != nil:
			return fmt.Errorf("read link %s: %w", id, err)
		case !found:
			if last = l.records.Create(ctx, id, stateLinked, data, linkTTL); last == nil {
				return nil
			}
		default:
			_, moved, err := l.records.Transition(ctx, id, st.State, st.Version, stateLinked, data, linkTTL)
			if err == nil && moved {
				return nil
			}
			last = err
			if err == nil {
				last = errors.New("changed meanwhile")
			}
		}
	}
	return fmt.Errorf("write link %s: %w", id, last)
}

// newRequestID makes an unguessable id for a link request: it travels in a button.
func newRequestID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("new link request id: %w", err)
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])), nil
}

// validRequestID is what a button may carry as a link request id.
func validRequestID(id string) bool {
	if len(id) != 26 {
		return false
	}
	for _, c := range id {
		if (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

// request files a link request; locale is the requester's.
func (l *links) request(ctx context.Context, discordID, name, upn, locale string) (linkRequest, error) {
	id, err := newRequestID()
	if err != nil {
		return linkRequest{}, err
	}
	now := l.now()
	r := linkRequest{ID: id, DiscordID: discordID, Name: name, UPN: upn, At: now, ExpiresAt: now.Add(linkRequestTTL), Locale: locale, State: statePending}
	data, err := json.Marshal(r)
	if err != nil {
		return linkRequest{}, fmt.Errorf("encode link request: %w", err)
	}
	if err := l.records.Create(ctx, linkRequestPrefix+id, statePending, data, linkRequestTTL); err != nil {
		return linkRequest{}, fmt.Errorf("store link request: %w", err)
	}
	return r, nil
}

// pending reads a link request for a decision.
func (l *links) pending(ctx context.Context, id string) (linkRequest, Record, error) {
	st, found, err := l.records.Get(ctx, linkRequestPrefix+id)
	if err != nil {
		return linkRequest{}, st, fmt.Errorf("read link request %s: %w", id, err)
	}
	if !found {
		return linkRequest{}, st, errLinkUnknown
	}
	var r linkRequest
	if err := json.Unmarshal(st.Data, &r); err != nil {
		return linkRequest{}, st, fmt.Errorf("decode link request %s: %w", id, err)
	}
	r.State = st.State
	return r, st, nil
}

// decide moves a pending request to approved or denied: a compare-and-set on its state and
// version, so that of two approvers clicking at once exactly one decides. It does not link:
// the caller does, after winning.
func (l *links) decide(ctx context.Context, r linkRequest, st Record, approve bool, by string) (linkRequest, error) {
	if st.State != statePending {
		return r, errLinkDecided
	}
	if !l.now().Before(r.ExpiresAt) {
		return r, errLinkExpired
	}
	r.State, r.DecidedBy = stateDenied, by
	if approve {
		r.State = stateApproved
	}
	data, err := json.Marshal(r)
	if err != nil {
		return r, fmt.Errorf("encode link request: %w", err)
	}
	next, moved, err := l.records.Transition(ctx, linkRequestPrefix+r.ID, statePending, st.Version, r.State, data, linkDecidedTTL)
	if err != nil {
		return r, fmt.Errorf("decide link request %s: %w", r.ID, err)
	}
	if !moved {
		r.State = next.State
		return r, errLinkDecided
	}
	return r, nil
}
