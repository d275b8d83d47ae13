package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
)

// unassign plans a removal and, unless it is a dry run or there is nothing to remove, stores
// it as a request awaiting the caller's confirmation.
func (s *Service) unassign(ctx context.Context, cmd bot.Command, c Command, caller Person) (bot.Message, error) {
	if err := s.withinLimits(ctx, cmd.Actor, caller, c.DryRun); err != nil {
		return bot.Message{}, err
	}
	// A request may need a fresh sign-in too (Options.RequestSignIn): a dry run changes
	// nothing and doesn't.
	var signedIn Link
	if !c.DryRun {
		var err error
		if signedIn, err = s.freshSignIn(ctx, caller, s.opts.RequestSignIn, nil); err != nil {
			return bot.Message{}, err
		}
		if signedIn.Method == "" {
			signedIn = s.lastSignIn(ctx, caller)
		}
	}
	var runAt time.Time
	if c.At != "" {
		var err error
		if runAt, err = s.parseSchedule(c.At); err != nil {
			return bot.Message{}, err
		}
	}
	tenant, err := s.planningProducts(ctx)
	if err != nil {
		return bot.Message{}, fmt.Errorf("read the organisation's products: %w", err)
	}
	products := tenant.list
	sel := licensing.Selection{All: c.All}
	for _, q := range c.Products {
		p, err := s.Catalogue.Match(q, products)
		if err != nil {
			return bot.Message{}, productRefusal(q, err)
		}
		sel.SKUIDs = appendUnique(sel.SKUIDs, p.SKUID)
	}
	picking := len(c.Products) == 0 && !c.All
	if picking {
		sel.All = true
	}
	queries := c.Users
	var source *licensing.Source
	if c.Group != "" || c.Holders || c.Inactive > 0 {
		if source, queries, err = s.expand(ctx, c, sel, products); err != nil {
			return bot.Message{}, err
		}
	}
	targets, err := s.findTargets(ctx, queries)
	if err != nil {
		return bot.Message{}, err
	}
	plan := licensing.NewPlan(targets, sel, products, s.Catalogue)
	plan.Source = source
	if c.Leaver {
		if err := s.leaverTarget(plan); err != nil {
			return bot.Message{}, err
		}
		plan.Leaver = true
		s.mailboxWarning(ctx, &plan, s.notices(plan, s.Now()))
	}
	plan.RunAt = runAt
	now := s.Now()

	if c.DryRun {
		return withSubscriptionsNote(langIn(ctx), planMessage(langIn(ctx), plan, s.notices(plan, now), s.opts, planDryRun, ""), tenant), nil
	}
	if plan.Removals() == 0 && !c.Leaver {
		// (A leaver with no license of their own still has sign-in to block.)
		return planMessage(langIn(ctx), plan, nil, s.opts, planNothing, ""), nil
	}
	r := &Request{Requester: caller, Reason: c.Reason, Command: cmd.Text, Plan: plan, Policy: s.opts.Policy, RunAt: runAt}
	if c.Leaver {
		r.Kind = KindLeaver
	}
	if s.opts.Policy == PolicyManager {
		var users []licensing.User
		for _, up := range plan.Users {
			if len(up.Remove) > 0 {
				users = append(users, up.User)
			}
		}
		if r.Managers, err = s.managersOf(ctx, users, caller); err != nil {
			return bot.Message{}, err
		}
	}
	if r.ID, err = s.requestID(cmd); err != nil {
		return bot.Message{}, fmt.Errorf("make a request id: %w", err)
	}
	ctx = withRequest(ctx, r.ID)
	to := StateAwaitingConfirmation
	if picking {
		to = StateAwaitingPick
	}
	if _, err := s.transition(ctx, r, Stored{}, move{on: evRequest, to: to, by: caller, at: now,
		audit: s.signInFields(signedIn, map[string]string{"command": cmd.Text, "removals": fmt.Sprint(plan.Removals())})}); errors.Is(err, ErrExists) {
		// This delivery was worked on before (requestID): answer with its request again.
		stored, _, err := s.load(ctx, r.ID)
		if err != nil {
			return bot.Message{}, err
		}
		switch stored.State {
		case StateAwaitingPick:
			return pickMessage(langIn(ctx), stored, s.opts), nil
		case StateAwaitingConfirmation:
			return planMessage(langIn(ctx), stored.Plan, s.notices(stored.Plan, now), s.opts, planConfirm, stored.ID), nil
		}
		return stateMessage(langIn(ctx), stored, s.opts.Location), nil
	} else if err != nil {
		return bot.Message{}, err
	}
	s.schedule(ctx, r)
	if picking {
		return pickMessage(langIn(ctx), r, s.opts), nil
	}
	return withSubscriptionsNote(langIn(ctx), planMessage(langIn(ctx), plan, s.notices(plan, now), s.opts, planConfirm, r.ID), tenant), nil
}

// findTargets looks every user up, a few at a time. A user that doesn't exist is part of the
// plan (skipped, said so); any other failure refuses the whole request: never plan on
// partial data.
func (s *Service) findTargets(ctx context.Context, queries []string) ([]licensing.Target, error) {
	if b, ok := s.Directory.(BatchFinder); ok && len(queries) > 1 {
		return s.findTargetsBatched(ctx, b, queries)
	}
	targets := make([]licensing.Target, len(queries))
	errs := make([]error, len(queries))
	sem := make(chan struct{}, s.opts.Parallelism)
	var wg sync.WaitGroup
	for i, q := range queries {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			defer s.recovered(ctx, "looking up a user", &errs[i])
			u, err := s.Directory.FindUser(ctx, q)
			switch {
			case errors.Is(err, licensing.ErrUserNotFound):
				targets[i] = licensing.Target{Query: q}
			case err != nil:
				errs[i] = fmt.Errorf("look up %s: %w", q, err)
			default:
				targets[i] = licensing.Target{Query: q, User: u, Found: true}
			}
		}()
	}
	wg.Wait()
	return targets, errors.Join(errs...)
}

// managersOf finds who must approve under the manager policy: each user's Entra manager.
func (s *Service) managersOf(ctx context.Context, users []licensing.User, caller Person) ([]Person, error) {
	var out []Person
	seen := map[string]bool{}
	for _, u := range users {
		m, err := s.Directory.Manager(ctx, u.ID)
		if errors.Is(err, licensing.ErrNoManager) {
			return nil, refuse(noManager{upn: u.UserPrincipalName})
		}
		if err != nil {
			return nil, fmt.Errorf("read the manager of %s: %w", u.UserPrincipalName, err)
		}
		if m.ID == caller.UserID {
			return nil, refuse(managerOfTarget{upn: u.UserPrincipalName})
		}
		if !seen[m.ID] {
			seen[m.ID] = true
			out = append(out, Person{UserID: m.ID, UPN: m.UserPrincipalName, DisplayName: m.DisplayName, Actor: bot.Actor{Email: firstNonEmpty(m.Mail, m.UserPrincipalName)}})
		}
	}
	return out, nil
}

// notices computes each user's data-retention notices as if the plan ran at `at`.
func (s *Service) notices(plan licensing.Plan, at time.Time) map[string][]licensing.Notice {
	out := map[string][]licensing.Notice{}
	for _, up := range plan.Users {
		if removed := up.RemovedSKUIDs(); len(removed) > 0 {
			ns := licensing.Notices(up.User, removed, at, s.noticeOptions())
			if plan.Leaver {
				// A leaver's sign-in is blocked and sessions revoked before the removal.
				ns = slices.DeleteFunc(ns, func(n licensing.Notice) bool { return n.Kind == licensing.NoticeSignInNotBlocked })
			}
			out[up.User.ID] = ns
		}
	}
	return out
}

func productRefusal(q string, err error) error {
	var (
		amb     *licensing.AmbiguousProductError
		unknown *licensing.UnknownProductError
	)
	switch {
	case errors.As(err, &amb):
		names := make([]string, len(amb.Candidates))
		for i, c := range amb.Candidates {
			names[i] = fmt.Sprintf("%s (%s)", c.Name, c.PartNumber)
		}
		return refuse(ambiguousProduct{typed: q, candidates: names})
	case errors.As(err, &unknown) && unknown.Known != nil:
		return refuse(productNotInTenant{name: unknown.Known.Name, partNumber: unknown.Known.PartNumber})
	}
	return refuse(unknownProduct{typed: q})
}

func appendUnique(list []string, v string) []string {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return list
		}
	}
	return append(list, v)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
