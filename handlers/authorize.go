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

// identify finds the Entra user behind a chat identity. The chat platform's word is only a
// key: what the person may do is read from Entra.
func (s *Service) identify(ctx context.Context, a bot.Actor) (Person, error) {
	if strings.TrimSpace(a.Email) == "" {
		return Person{}, refuse(noChatEmail{})
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
	roles, err := s.roles(ctx, p)
	if err != nil {
		return err
	}
	for _, r := range roles {
		if slices.ContainsFunc(s.opts.AdminRoles, func(a string) bool { return strings.EqualFold(a, r) }) {
			return nil
		}
	}
	names := make([]string, 0, len(s.opts.AdminRoles))
	for _, r := range s.opts.AdminRoles {
		if n, ok := roleNames[strings.ToLower(r)]; ok {
			names = append(names, n)
		} else {
			names = append(names, r)
		}
	}
	return refuse(notAnAdmin{upn: p.UPN, roles: names})
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
