package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/licensebot/licensebot/configs"
	"github.com/licensebot/licensebot/handlers"
	"github.com/licensebot/licensebot/store"
)

// discordPlatform is the platform DISCORD_USER_MAP's accounts are on.
const discordPlatform = "discord"

// links is the handlers' Links: the links fixed by configuration (DISCORD_USER_MAP: a
// Discord user id, in any server, is the UPN it names; /unassign link can't change them),
// then the store's, approved by administrators. Links approved before linking moved into
// the handlers (Discord's records dlu- and dlm-, in the request store) are still read for
// Discord, until the account is linked again; nothing writes them any more.
type links struct {
	st     *store.Store
	static map[string]string // Discord user id → UPN
}

// newLinks checks DISCORD_USER_MAP's addresses by the handlers' one rule.
func newLinks(st *store.Store, cfg configs.Config) (links, error) {
	for _, id := range slices.Sorted(maps.Keys(cfg.Discord.UserMap)) {
		if upn := cfg.Discord.UserMap[id]; !handlers.IsUserQuery(upn) {
			return links{}, fmt.Errorf("DISCORD_USER_MAP: %q (for %s) is not a UPN", upn, id)
		}
	}
	return links{st: st, static: cfg.Discord.UserMap}, nil
}

func (l links) Link(ctx context.Context, a handlers.ChatAccount) (handlers.Link, bool, error) {
	if upn, ok := l.fixed(a); ok {
		return handlers.Link{Account: a, UPN: upn, By: "configuration", Fixed: true}, true, nil
	}
	got, err := l.st.GetLink(ctx, store.ChatAccount(a))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return l.legacyLink(ctx, a)
	case err != nil:
		return handlers.Link{}, false, err
	}
	return handlers.Link{Account: a, UserID: got.UserID, UPN: got.UPN, By: got.By, Request: got.Request, At: got.At,
		Method: got.Method, SignedInAt: got.SignedInAt, Evidence: got.Evidence, AuthContexts: got.AuthContexts}, true, nil
}

func (l links) LinkedAccount(ctx context.Context, platform, userID, upn string) (handlers.ChatAccount, bool, error) {
	if platform == discordPlatform {
		for _, id := range slices.Sorted(maps.Keys(l.static)) {
			if strings.EqualFold(l.static[id], upn) {
				return handlers.ChatAccount{Platform: platform, ChatID: id}, true, nil
			}
		}
	}
	if userID != "" {
		a, err := l.st.LinkedAccount(ctx, platform, userID)
		switch {
		case err == nil:
			return handlers.ChatAccount(a), true, nil
		case !errors.Is(err, store.ErrNotFound):
			return handlers.ChatAccount{}, false, err
		}
	}
	return l.legacyAccount(ctx, platform, upn)
}

func (l links) SetLink(ctx context.Context, k handlers.Link) error {
	return l.st.SetLink(ctx, store.Link{Account: store.ChatAccount(k.Account), UserID: k.UserID, UPN: k.UPN, By: k.By, Request: k.Request, At: k.At,
		Method: k.Method, SignedInAt: k.SignedInAt, Evidence: k.Evidence, AuthContexts: k.AuthContexts})
}

// Unlink removes the store's link of the account, both ways at once; failing that, a link
// of Discord's records from before, which is moved to "unlinked" with no UPN (a
// compare-and-set: legacyLink reads it as none). A link from configuration is never
// removed: handlers refuse it first, and it is not found here.
func (l links) Unlink(ctx context.Context, a handlers.ChatAccount) (handlers.Link, bool, error) {
	if _, ok := l.fixed(a); ok {
		return handlers.Link{}, false, nil
	}
	got, err := l.st.DeleteLink(ctx, store.ChatAccount(a))
	switch {
	case err == nil:
		return handlers.Link{Account: a, UserID: got.UserID, UPN: got.UPN, By: got.By, Request: got.Request, At: got.At}, true, nil
	case !errors.Is(err, store.ErrNotFound):
		return handlers.Link{}, false, err
	case a.Platform != discordPlatform:
		return handlers.Link{}, false, nil
	}
	id := "dlu-" + a.ChatID
	rec, err := l.st.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return handlers.Link{}, false, nil
	}
	if err != nil {
		return handlers.Link{}, false, err
	}
	var r legacyRecord
	if err := json.Unmarshal(rec.Data, &r); err != nil {
		return handlers.Link{}, false, fmt.Errorf("decode the link record %s: %w", id, err)
	}
	if r.UPN == "" {
		return handlers.Link{}, false, nil
	}
	data, err := json.Marshal(legacyRecord{At: r.At})
	if err != nil {
		return handlers.Link{}, false, err
	}
	if _, err := l.st.Transition(ctx, id, rec.State, rec.Version, "unlinked", data, legacyUnlinkedTTL); err != nil {
		return handlers.Link{}, false, fmt.Errorf("unlink the record %s: %w", id, err)
	}
	return handlers.Link{Account: a, UPN: r.UPN, By: r.By, At: r.At}, true, nil
}

// legacyUnlinkedTTL is how long a record from before, unlinked, is kept: it says nothing.
const legacyUnlinkedTTL = 24 * time.Hour

// fixed is the UPN configuration gives the account, if it does.
func (l links) fixed(a handlers.ChatAccount) (string, bool) {
	if a.Platform != discordPlatform {
		return "", false
	}
	upn, ok := l.static[a.ChatID]
	return upn, ok
}

// The records Discord's own link workflow kept in the request store: "dlu-<user id>", the
// UPN of a Discord user; "dlm-<hash of the UPN>", the Discord user of a UPN. Kept for ten
// years when written; read here so that nobody linked before has to link again.
type legacyRecord struct {
	UPN       string    `json:"upn,omitempty"`
	DiscordID string    `json:"discord_id,omitempty"`
	By        string    `json:"by,omitempty"`
	At        time.Time `json:"at"`
}

func (l links) legacy(ctx context.Context, id string) (legacyRecord, bool, error) {
	rec, err := l.st.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return legacyRecord{}, false, nil
	}
	if err != nil {
		return legacyRecord{}, false, err
	}
	var r legacyRecord
	if err := json.Unmarshal(rec.Data, &r); err != nil {
		return legacyRecord{}, false, fmt.Errorf("decode the link record %s: %w", id, err)
	}
	return r, true, nil
}

func (l links) legacyLink(ctx context.Context, a handlers.ChatAccount) (handlers.Link, bool, error) {
	if a.Platform != discordPlatform {
		return handlers.Link{}, false, nil
	}
	r, ok, err := l.legacy(ctx, "dlu-"+a.ChatID)
	if err != nil || !ok || r.UPN == "" {
		return handlers.Link{}, false, err
	}
	return handlers.Link{Account: a, UPN: r.UPN, By: r.By, At: r.At}, true, nil
}

func (l links) legacyAccount(ctx context.Context, platform, upn string) (handlers.ChatAccount, bool, error) {
	if platform != discordPlatform || upn == "" {
		return handlers.ChatAccount{}, false, nil
	}
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(upn))))
	back, ok, err := l.legacy(ctx, "dlm-"+hex.EncodeToString(sum[:20]))
	if err != nil || !ok || back.DiscordID == "" {
		return handlers.ChatAccount{}, false, err
	}
	if _, fixed := l.static[back.DiscordID]; fixed {
		return handlers.ChatAccount{}, false, nil // configuration says this account is someone else
	}
	// A way back whose account has been linked to someone else since is stale.
	fwd, ok, err := l.legacy(ctx, "dlu-"+back.DiscordID)
	if err != nil || !ok || !strings.EqualFold(fwd.UPN, upn) {
		return handlers.ChatAccount{}, false, err
	}
	return handlers.ChatAccount{Platform: platform, ChatID: back.DiscordID}, true, nil
}
