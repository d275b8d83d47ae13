package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
)

// identify finds the Entra user behind a chat identity: by the e-mail address the platform
// shows, or, when it shows none (Discord shows bots none), by the account's link. The chat
// platform's word and the link are only keys: what the person may do is read from Entra.
// A linked person's actor carries the linked UPN as their address from here on.
//
// Under IdentityEntra the address shown is no key at all: only a link made by signing in
// with Microsoft (or, where allowed, one an administrator approved) says who someone is.
//
// A platform that vouches for the person's Entra object id in a signed delivery (Teams)
// needs neither: the object id is the key.
func (s *Service) identify(ctx context.Context, a bot.Actor) (Person, error) {
	if a.EntraID != "" {
		return s.identifyVouched(ctx, a)
	}
	if s.opts.Identity == IdentityEntra || strings.TrimSpace(a.Email) == "" {
		return s.identifyLinked(ctx, a)
	}
	if !IsUserQuery(a.Email) {
		return Person{}, refuse(unusableChatEmail{email: a.Email})
	}
	u, err := s.Directory.FindPerson(ctx, a.Email)
	if errors.Is(err, licensing.ErrUserNotFound) {
		return Person{}, refuse(noEntraUser{email: a.Email})
	}
	if err != nil {
		return Person{}, fmt.Errorf("find the caller %s: %w", a.Email, err)
	}
	return Person{Actor: a, UserID: u.ID, UPN: u.UserPrincipalName, DisplayName: u.DisplayName}, nil
}

// identifyVouched finds the Entra user whose object id the platform's signed delivery
// names (Teams' aadObjectId, of the tenant the platform serves).
func (s *Service) identifyVouched(ctx context.Context, a bot.Actor) (Person, error) {
	u, err := s.Directory.FindPerson(ctx, a.EntraID)
	if errors.Is(err, licensing.ErrUserNotFound) {
		return Person{}, refuse(noVouchedUser{id: a.EntraID})
	}
	if err != nil {
		return Person{}, fmt.Errorf("find the caller %s: %w", a.EntraID, err)
	}
	a.Email = u.UserPrincipalName
	return Person{Actor: a, UserID: u.ID, UPN: u.UserPrincipalName, DisplayName: u.DisplayName}, nil
}

// identifyLinked finds the Entra user a chat account without an address is linked to: by
// the object id an administrator approved (it survives a change of UPN), or by the UPN a
// link from configuration names.
func (s *Service) identifyLinked(ctx context.Context, a bot.Actor) (Person, error) {
	if s.Links == nil || a.ChatID == "" {
		if s.opts.Identity == IdentityEntra {
			return Person{}, refuse(notSignedIn{})
		}
		return Person{}, refuse(noChatEmail{})
	}
	l, ok, err := s.Links.Link(ctx, accountOf(a))
	if err != nil {
		return Person{}, fmt.Errorf("read the link of %s: %w", accountKey(accountOf(a)), errStore{err})
	}
	if s.opts.Identity == IdentityEntra && ok && l.Method != LinkBySignIn && !s.opts.LinkByApproval {
		// An administrator's word (or the configuration's) is not a sign-in.
		ok = false
	}
	if !ok {
		if s.opts.Identity == IdentityEntra {
			return Person{}, refuse(notSignedIn{})
		}
		return Person{}, refuse(notLinked{})
	}
	query := firstNonEmpty(l.UserID, l.UPN)
	u, err := s.Directory.FindPerson(ctx, query)
	if errors.Is(err, licensing.ErrUserNotFound) {
		return Person{}, refuse(linkedUserGone{upn: l.UPN})
	}
	if err != nil {
		return Person{}, fmt.Errorf("find the caller %s, linked to %s: %w", query, accountKey(accountOf(a)), err)
	}
	a.Email = u.UserPrincipalName
	return Person{Actor: a, UserID: u.ID, UPN: u.UserPrincipalName, DisplayName: u.DisplayName}, nil
}

// resolveMentions asks the platform for the address of each person mentioned among the
// users, once the caller is authorized. A mention that can't be resolved is named as typed,
// never with an address: the caller learns nothing of a colleague they couldn't see.
func (s *Service) resolveMentions(ctx context.Context, cmd bot.Command, users []string) ([]string, error) {
	var (
		out  []string
		bad  *ParseError
		seen = map[string]bool{}
	)
	for _, u := range users {
		if bot.IsMention(u) {
			email, ok := "", false
			if cmd.Mentions != nil {
				email, ok = cmd.Mentions(ctx, u)
			}
			if !ok || !IsUserQuery(email) {
				e := badPart(quoteShort(u), "parse.mention")
				if bad == nil {
					bad = e
				} else {
					bad.More = append(bad.More, e)
				}
				continue
			}
			u = email
		}
		if key := strings.ToLower(u); !seen[key] {
			seen[key] = true
			out = append(out, u)
		}
	}
	if bad != nil {
		return nil, bad
	}
	return out, nil
}

// roles reads the caller's active directory roles; a cached answer is used only within its
// short lifetime, and a failure to read them refuses the request (fail closed).
func (s *Service) roles(ctx context.Context, p Person) ([]string, error) {
	if s.RoleCache != nil {
		roles, ok, err := s.RoleCache.CachedRoles(ctx, p.UserID)
		if err == nil && ok {
			return roles, nil
		}
	}
	roles, err := s.Directory.ActiveRoles(ctx, p.UserID)
	if err != nil {
		return nil, fmt.Errorf("read the directory roles of %s: %w", p.UPN, err)
	}
	if s.RoleCache != nil {
		if err := s.RoleCache.CacheRoles(ctx, p.UserID, roles, s.opts.RoleCacheTTL); err != nil {
			s.Logger.WarnContext(ctx, "role cache write failed", "err", err)
		}
	}
	return roles, nil
}

// authorize refuses anyone without one of the admin roles.
func (s *Service) authorize(ctx context.Context, p Person) error {
	ok, err := s.isAdmin(ctx, p)
	if err != nil || ok {
		return err
	}
	return refuse(notAnAdmin{upn: p.UPN, roles: s.adminRoleNames()})
}

// isAdmin reports whether the person holds one of the admin roles now.
func (s *Service) isAdmin(ctx context.Context, p Person) (bool, error) {
	roles, err := s.roles(ctx, p)
	if err != nil {
		return false, err
	}
	for _, r := range roles {
		if slices.ContainsFunc(s.opts.AdminRoles, func(a string) bool { return strings.EqualFold(a, r) }) {
			return true, nil
		}
	}
	return false, nil
}

// adminRoleNames names the admin roles, for refusals.
func (s *Service) adminRoleNames() []string {
	names := make([]string, 0, len(s.opts.AdminRoles))
	for _, r := range s.opts.AdminRoles {
		if n, ok := roleNames[strings.ToLower(r)]; ok {
			names = append(names, n)
		} else {
			names = append(names, r)
		}
	}
	return names
}

// isApprover reports whether the person is one of the configured approvers.
func (s *Service) isApprover(p Person) bool {
	keys := append([]string{p.UPN, p.UserID, p.Actor.Email, p.Actor.ChatID}, p.Actor.Groups...)
	for _, a := range s.opts.Approvers {
		for _, k := range keys {
			if k != "" && strings.EqualFold(a, k) {
				return true
			}
		}
	}
	return false
}
