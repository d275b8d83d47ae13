package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ChatAccount is a person's account on a chat platform: the platform, the workspace they
// speak from (empty where there is one only) and their user id there.
type ChatAccount struct {
	Platform, Workspace, ChatID string
}

// Link is which directory user a chat account is: the user's object id and UPN, who
// approved it (By), the request that asked for it and when; how it was made (Method) and,
// for a link made by signing in, when the person last signed in, by what evidence, and the
// authentication contexts that sign-in met.
type Link struct {
	Account      ChatAccount
	UserID, UPN  string
	By, Request  string
	At           time.Time
	Method       string
	SignedInAt   time.Time
	Evidence     string
	AuthContexts []string
}

// Links are kept under the hash tag {links}, one slot for all of them, so that one script
// replaces an account's link and both directions of it at once (in Redis Cluster too):
//
//	licensebot:{links}:account:PLATFORM:WORKSPACE:CHATID  hash: user, upn, by, request, at,
//	                                                      method, signed_in, evidence, acrs
//	licensebot:{links}:user:PLATFORM:USERID               hash: workspace, chat
//
// The second is the way back, from a user to the account most recently linked to them on a
// platform. A link is meant to last until it is replaced: links don't expire (see doc.go).
func (s *Store) linkKey(a ChatAccount) string {
	return s.prefix + ":{links}:account:" + a.Platform + ":" + a.Workspace + ":" + a.ChatID
}

func (s *Store) linkedKey(platform, userID string) string {
	return s.prefix + ":{links}:user:" + platform + ":" + userID
}

// setLinkLua replaces an account's link: the account's hash and the way back from the new
// user; and, when the account was linked to someone else (ARGV[1], as the caller read it,
// and still so), their way back if it still names this account. A way back left behind by
// two writers racing is harmless: LinkedAccount follows one only to an account still
// linked to that user.
//
//	KEYS[1] the account's hash, KEYS[2] the new user's way back, KEYS[3] the old user's
//	ARGV    old user, user, upn, by, request, at, workspace, chat, method, signed_in,
//	        evidence, acrs
const setLinkLua = `
local cur = redis.call('HGET', KEYS[1], 'user') or ''
if cur == ARGV[1] and cur ~= '' and cur ~= ARGV[2] then
  local back = redis.call('HMGET', KEYS[3], 'workspace', 'chat')
  if back[1] == ARGV[7] and back[2] == ARGV[8] then
    redis.call('DEL', KEYS[3])
  end
end
redis.call('HSET', KEYS[1], 'user', ARGV[2], 'upn', ARGV[3], 'by', ARGV[4], 'request', ARGV[5], 'at', ARGV[6],
  'method', ARGV[9], 'signed_in', ARGV[10], 'evidence', ARGV[11], 'acrs', ARGV[12])
redis.call('HSET', KEYS[2], 'workspace', ARGV[7], 'chat', ARGV[8])
return 1
`

var setLinkScript = redis.NewScript(setLinkLua)

// SetLink links l.Account to l's user, replacing the link it had. Links of one account set
// at once all succeed, one after the other: the last one stays.
func (s *Store) SetLink(ctx context.Context, l Link) error {
	if err := checkAccount(l.Account); err != nil {
		return fmt.Errorf("link %v: %w", l.Account, err)
	}
	if !validSegment(l.UserID, false) {
		return fmt.Errorf("link %v to user %q: %w", l.Account, l.UserID, ErrInvalidID)
	}
	for _, c := range l.AuthContexts {
		if c == "" || strings.Contains(c, ",") {
			return fmt.Errorf("link %v: authentication context %q: %w", l.Account, c, ErrInvalidID)
		}
	}
	signedIn := ""
	if !l.SignedInAt.IsZero() {
		signedIn = formatTime(l.SignedInAt)
	}
	key := s.linkKey(l.Account)
	old, err := s.rdb.HGet(ctx, key, "user").Result()
	if err != nil && !isNil(err) {
		return fmt.Errorf("link %v: read its link: %w", l.Account, err)
	}
	oldBack := s.linkedKey(l.Account.Platform, l.UserID)
	if validSegment(old, false) {
		oldBack = s.linkedKey(l.Account.Platform, old)
	}
	err = setLinkScript.Run(ctx, s.rdb, []string{key, s.linkedKey(l.Account.Platform, l.UserID), oldBack},
		old, l.UserID, l.UPN, l.By, l.Request, formatTime(l.At), l.Account.Workspace, l.Account.ChatID,
		l.Method, signedIn, l.Evidence, strings.Join(l.AuthContexts, ",")).Err()
	if err != nil {
		return fmt.Errorf("link %v to %s: %w", l.Account, l.UPN, err)
	}
	return nil
}

// GetLink is the link of an account, or ErrNotFound.
func (s *Store) GetLink(ctx context.Context, a ChatAccount) (Link, error) {
	if err := checkAccount(a); err != nil {
		return Link{}, fmt.Errorf("link of %v: %w: %w", a, ErrNotFound, err)
	}
	vals, err := s.rdb.HMGet(ctx, s.linkKey(a), "user", "upn", "by", "request", "at", "method", "signed_in", "evidence", "acrs").Result()
	if err != nil {
		return Link{}, fmt.Errorf("link of %v: %w", a, err)
	}
	f := make([]string, len(vals))
	for i, v := range vals {
		f[i], _ = v.(string)
	}
	if f[0] == "" {
		return Link{}, fmt.Errorf("link of %v: %w", a, ErrNotFound)
	}
	at, err := parseTime(f[4])
	if err != nil {
		return Link{}, fmt.Errorf("link of %v: its date: %w", a, err)
	}
	l := Link{Account: a, UserID: f[0], UPN: f[1], By: f[2], Request: f[3], At: at, Method: f[5], Evidence: f[7]}
	if f[6] != "" {
		if l.SignedInAt, err = parseTime(f[6]); err != nil {
			return Link{}, fmt.Errorf("link of %v: its sign-in time: %w", a, err)
		}
	}
	if f[8] != "" {
		l.AuthContexts = strings.Split(f[8], ",")
	}
	return l, nil
}

// LinkedAccount is the account on platform most recently linked to the user with object id
// userID, or ErrNotFound. A way back whose account has been linked to someone else since is
// not followed.
func (s *Store) LinkedAccount(ctx context.Context, platform, userID string) (ChatAccount, error) {
	if !validSegment(platform, false) || !validSegment(userID, false) {
		return ChatAccount{}, fmt.Errorf("account of %s on %s: %w: %w", userID, platform, ErrNotFound, ErrInvalidID)
	}
	vals, err := s.rdb.HMGet(ctx, s.linkedKey(platform, userID), "workspace", "chat").Result()
	if err != nil {
		return ChatAccount{}, fmt.Errorf("account of %s on %s: %w", userID, platform, err)
	}
	workspace, _ := vals[0].(string)
	chat, _ := vals[1].(string)
	if chat == "" {
		return ChatAccount{}, fmt.Errorf("account of %s on %s: %w", userID, platform, ErrNotFound)
	}
	a := ChatAccount{Platform: platform, Workspace: workspace, ChatID: chat}
	l, err := s.GetLink(ctx, a)
	switch {
	case errors.Is(err, ErrNotFound), err == nil && l.UserID != userID:
		return ChatAccount{}, fmt.Errorf("account of %s on %s: linked to someone else since: %w", userID, platform, ErrNotFound)
	case err != nil:
		return ChatAccount{}, err
	}
	return a, nil
}

// checkAccount refuses an account whose parts could break out of its key.
func checkAccount(a ChatAccount) error {
	if !validSegment(a.Platform, false) || !validSegment(a.Workspace, true) || !validSegment(a.ChatID, false) {
		return ErrInvalidID
	}
	return nil
}

// validSegment reports whether s may be one part of a link's key: up to 128 letters,
// digits, '.', '-', '_' or '@' (platform, workspace and user ids, object ids), never ':',
// '{' or '}'.
func validSegment(s string, emptyOK bool) bool {
	if s == "" {
		return emptyOK
	}
	if len(s) > 128 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '-', c == '_', c == '@':
		default:
			return false
		}
	}
	return true
}

// deleteLinkLua removes an account's link: the account's hash, and the way back from its
// user (ARGV[1], as the caller read it, and still so) if it still names this account. The
// script returns 0, deleting nothing, when the account's link changed since it was read.
//
//	KEYS[1] the account's hash, KEYS[2] the user's way back
//	ARGV    user, workspace, chat
const deleteLinkLua = `
local cur = redis.call('HGET', KEYS[1], 'user') or ''
if cur ~= ARGV[1] then
  return 0
end
local back = redis.call('HMGET', KEYS[2], 'workspace', 'chat')
if back[1] == ARGV[2] and back[2] == ARGV[3] then
  redis.call('DEL', KEYS[2])
end
redis.call('DEL', KEYS[1])
return 1
`

var deleteLinkScript = redis.NewScript(deleteLinkLua)

// DeleteLink removes an account's link and the way back to it, at once; it returns the link
// removed, or ErrNotFound when the account had none. A link replaced between the read and
// the script is read again (ErrConflict after a few tries).
func (s *Store) DeleteLink(ctx context.Context, a ChatAccount) (Link, error) {
	for range 5 {
		l, err := s.GetLink(ctx, a)
		if err != nil {
			return Link{}, fmt.Errorf("unlink: %w", err)
		}
		keys := []string{s.linkKey(a), s.linkedKey(a.Platform, l.UserID)}
		n, err := deleteLinkScript.Run(ctx, s.rdb, keys, l.UserID, a.Workspace, a.ChatID).Int()
		if err != nil {
			return Link{}, fmt.Errorf("unlink %v: %w", a, err)
		}
		if n == 1 {
			return l, nil
		}
	}
	return Link{}, fmt.Errorf("unlink %v: its link keeps changing: %w", a, ErrConflict)
}
