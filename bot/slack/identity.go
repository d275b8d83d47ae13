package slack

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/licensebot/licensebot/bot"
)

// profile is what the bot keeps of a Slack user.
type profile struct {
	ID, Name, Email, Locale string
	// TeamID is the person's own workspace (users.info's team_id): for a Slack Connect
	// member of another organisation, theirs, not the channel's.
	TeamID string
}

func profileOf(u *slackapi.User) profile {
	name := u.Profile.DisplayName
	if name == "" {
		name = u.RealName
	}
	if name == "" {
		name = u.Name
	}
	return profile{ID: u.ID, Name: name, Email: u.Profile.Email, Locale: u.Locale, TeamID: u.TeamID}
}

var (
	userIDPattern  = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
	groupIDPattern = regexp.MustCompile(`^S[A-Z0-9]{2,}$`)
)

// actor is who a Slack user is for the handlers: their profile e-mail (users.info needs the
// users:read.email scope for it; a user without one gets "", which the handlers refuse with
// the reason), their locale (include_locale) and the configured approver groups they are in.
func (p *Platform) actor(ctx context.Context, userID string) (bot.Actor, error) {
	u, err := p.profile(ctx, userID)
	if err != nil {
		return bot.Actor{}, err
	}
	return bot.Actor{
		Platform:  platformName,
		ChatID:    userID,
		Name:      u.Name,
		Email:     u.Email,
		Locale:    u.Locale,
		Groups:    p.groupsOf(ctx, userID),
		Workspace: u.TeamID,
	}, nil
}

// profile reads a user through users.info, cached for a few minutes.
func (p *Platform) profile(ctx context.Context, userID string) (profile, error) {
	if u, ok := p.profiles.get(userID); ok {
		return u, nil
	}
	u, err := bot.Call(ctx, p.calls, "users.info", func(ctx context.Context) (*slackapi.User, error) {
		return p.api.GetUserInfoContext(ctx, userID, slackapi.GetUserInfoOptionIncludeLocale(true))
	})
	if err != nil {
		return profile{}, fmt.Errorf("look up Slack user %s: %w", userID, err)
	}
	pr := profileOf(u)
	if pr.ID == "" {
		pr.ID = userID
	}
	p.profiles.put(userID, pr, actorTTL)
	return pr, nil
}

// groupsOf lists the configured approver user groups the user is a member of.
func (p *Platform) groupsOf(ctx context.Context, userID string) []string {
	var in []string
	for _, g := range p.cfg.Approvers {
		if !groupIDPattern.MatchString(g) {
			continue
		}
		if slices.Contains(p.groupMembers(ctx, g), userID) {
			in = append(in, g)
		}
	}
	return in
}

// groupMembers reads a user group's members. User groups need a paid plan
// (plan_upgrade_required otherwise) and the usergroups:read scope: without them nobody is
// in any group, approvers named by user id still work, and this is logged once.
func (p *Platform) groupMembers(ctx context.Context, groupID string) []string {
	if m, ok := p.groups.get(groupID); ok {
		return m
	}
	members, err := bot.Call(ctx, p.calls, "usergroups.users.list", func(ctx context.Context) ([]string, error) {
		return p.api.GetUserGroupMembersContext(ctx, groupID)
	})
	if err != nil {
		code := slackError(err)
		p.logOnce(ctx, "usergroups:"+groupID+":"+code, "can't read a Slack user group: its members count as no one's group", "group", groupID, "err", err)
		switch code {
		case "plan_upgrade_required", "missing_scope", "no_such_subteam", "not_allowed_token_type":
			// Permanent until someone changes the workspace: don't ask again for a while.
			p.groups.put(groupID, nil, groupTTL)
		}
		return nil
	}
	p.groups.put(groupID, members, groupTTL)
	return members
}

// userIDByEmail finds a Slack user by e-mail (users.lookupByEmail), cached.
func (p *Platform) userIDByEmail(ctx context.Context, email string) (string, error) {
	key := strings.ToLower(email)
	if id, ok := p.emails.get(key); ok {
		return id, nil
	}
	u, err := bot.Call(ctx, p.calls, "users.lookupByEmail", func(ctx context.Context) (*slackapi.User, error) {
		return p.api.GetUserByEmailContext(ctx, email)
	})
	if err != nil {
		return "", fmt.Errorf("find the Slack user with e-mail %s: %w", email, err)
	}
	p.emails.put(key, u.ID, actorTTL)
	return u.ID, nil
}

// maxDirectoryPages bounds users.list: 200 users a page, so 20,000 users.
const maxDirectoryPages = 100

// directoryUsers lists the workspace's people (users.list, paginated), cached, for mentions
// typed as @name when the command doesn't escape them.
func (p *Platform) directoryUsers(ctx context.Context) ([]profileWithHandle, error) {
	if us, ok := p.directory.get(""); ok {
		return us, nil
	}
	// One reading at a time: commands arriving together wait for it instead of each
	// paging through the whole workspace (users.list is Tier 2, ~20 calls a minute).
	p.directoryMu.Lock()
	defer p.directoryMu.Unlock()
	if us, ok := p.directory.get(""); ok {
		return us, nil
	}
	var out []profileWithHandle
	page := p.api.GetUsersPaginated(slackapi.GetUsersOptionLimit(200), slackapi.GetUsersOptionIncludeLocale(true))
	for i := 0; i < maxDirectoryPages; i++ {
		next, err := bot.Call(ctx, p.calls, "users.list", func(ctx context.Context) (slackapi.UserPagination, error) {
			return page.Next(ctx)
		})
		if page.Done(err) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("list Slack users: %w", err)
		}
		page = next
		for i := range page.Users {
			u := &page.Users[i]
			if u.Deleted || u.IsBot || u.ID == "USLACKBOT" {
				continue
			}
			out = append(out, profileWithHandle{profile: profileOf(u), handle: u.Name,
				display: []string{u.Profile.DisplayName, u.Profile.DisplayNameNormalized}})
		}
	}
	p.directory.put("", out, directoryTTL)
	return out, nil
}

type profileWithHandle struct {
	profile
	handle  string
	display []string
}

// userByName finds the one person whose handle or display name is name; ok is false when
// nobody or more than one person has it.
func (p *Platform) userByName(ctx context.Context, name string) (profile, bool, error) {
	users, err := p.directoryUsers(ctx)
	if err != nil {
		return profile{}, false, err
	}
	var found []profile
	for _, u := range users {
		match := strings.EqualFold(u.handle, name)
		for _, d := range u.display {
			match = match || (d != "" && strings.EqualFold(d, name))
		}
		if match {
			found = append(found, u.profile)
		}
	}
	if len(found) != 1 {
		return profile{}, false, nil
	}
	return found[0], true, nil
}
