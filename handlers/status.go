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

// status shows a request to its requester, its approvers and admins.
func (s *Service) status(ctx context.Context, caller Person, id string) (bot.Message, error) {
	r, _, err := s.load(ctx, id)
	if err != nil {
		return bot.Message{}, err
	}
	if err := bound(r, caller.Actor); err != nil {
		return bot.Message{}, err
	}
	allowed := r.Requester.UserID == caller.UserID || s.isApprover(caller)
	for _, m := range r.Managers {
		allowed = allowed || m.UserID == caller.UserID
	}
	if !allowed {
		if err := s.authorize(ctx, caller); err != nil {
			return bot.Message{}, refuse(mayNotSee{})
		}
	}
	if r.Report != nil {
		m := *r.Report
		if l := langIn(ctx); l != s.shared() {
			m = s.report(l, r, nil) // the stored one is in the shared language
		}
		m.Text = stateMessage(langIn(ctx), r, s.opts.Location).Text + "\n" + m.Text
		if story, ok := s.storySection(ctx, r.ID); ok {
			m.Sections = append(slices.Clip(m.Sections), story)
		}
		return m, nil
	}
	m := stateMessage(langIn(ctx), r, s.opts.Location)
	m.Sections = planSections(langIn(ctx), r.Plan, nil, s.opts.Location)
	if r.State == StateRunning && len(r.Results) > 0 {
		m.Text += say(ctx, "status.so_far", "Summary", resultSummary(langIn(ctx), r))
	}
	if story, ok := s.storySection(ctx, r.ID); ok {
		m.Sections = append(m.Sections, story)
	}
	return m, nil
}

// show lists a user's licenses: what could be removed, and what is inherited or bought by
// the user, with the groups.
func (s *Service) show(ctx context.Context, query string) (bot.Message, error) {
	u, err := s.Directory.FindUser(ctx, query)
	if errors.Is(err, licensing.ErrUserNotFound) {
		return bot.Message{}, refuse(noSuchUser{query: query})
	}
	if err != nil {
		return bot.Message{}, fmt.Errorf("look up %s: %w", query, err)
	}
	title := u.DisplayName + " <" + u.UserPrincipalName + ">"
	if len(u.Licenses) == 0 {
		return bot.Message{Text: say(ctx, "show.no_licenses", "User", title)}, nil
	}
	var lines []string
	for _, a := range u.Licenses {
		part := a.PartNumber
		if p, ok := s.Catalogue.Lookup(a.SKUID); ok && part == "" {
			// Graph names only the SKU id on a user (licenseDetails isn't read: see graph.FindUser).
			part = p.PartNumber
		}
		line := "• " + s.Catalogue.DisplayName(a.SKUID, part)
		if part != "" {
			line += " (" + part + ")"
		}
		var how []string
		if a.Direct {
			how = append(how, say(ctx, "show.direct"))
		}
		if len(a.Groups) > 0 {
			how = append(how, say(ctx, "show.inherited", "Groups", groupNames(langIn(ctx), a.Groups)))
		}
		line += ": " + strings.Join(how, ", ")
		if a.State != "" && a.State != "Active" {
			line += " [" + a.State + "]"
		}
		lines = append(lines, line)
	}
	status := say(ctx, "show.enabled")
	if !u.AccountEnabled {
		status = say(ctx, "show.blocked")
	}
	return bot.Message{
		Text:     say(ctx, "show.text", "User", title, "Licenses", say(ctx, "count.licenses", "Count", len(u.Licenses)), "Account", status),
		Sections: []bot.Section{{Text: strings.Join(lines, "\n")}},
	}, nil
}
