package handlers

import (
	"context"
	"fmt"

	"github.com/licensebot/licensebot/bot"
)

// retry re-runs only the failed users of a finished request: same approval, same checks
// (Graph refuses a license no longer assigned or now inherited, and the clicker's roles
// are read again).
func (s *Service) retry(ctx context.Context, click bot.Click, id string) (bot.Reply, error) {
	clicker, err := s.identify(ctx, click.Actor)
	if err != nil {
		return bot.Reply{}, err
	}
	if err := s.authorize(ctx, clicker); err != nil {
		return bot.Reply{}, err
	}
	r, st, err := s.load(ctx, id)
	if err != nil {
		return bot.Reply{}, err
	}
	if err := bound(r, click.Actor); err != nil {
		return bot.Reply{}, err
	}
	if r.Requester.UserID != clicker.UserID && !r.approvedBy(clicker.UserID) && !s.isApprover(clicker) {
		return bot.Reply{}, refuse(mayNotRetry{})
	}
	if !r.State.Final() || failedCount(r.Results) == 0 || r.Report == nil {
		return bot.Reply{Message: stateMessage(langIn(ctx), r, s.opts.Location)}, nil
	}
	var users []string
	seen := map[string]bool{}
	for _, res := range r.Results {
		if res.Outcome == OutcomeFailed && res.UserID != "" && !seen[res.UserID] {
			seen[res.UserID] = true
			users = append(users, res.UserID)
		}
	}
	if len(users) == 0 {
		return bot.Reply{}, refuse(nothingToRetry{})
	}
	r.Round++
	r.Retry = users
	r.Delivered = false
	moved := move{on: evRetry, to: StateApproved, by: clicker, audit: map[string]string{"users": fmt.Sprint(len(users)), "round": fmt.Sprint(r.Round)}}
	if _, err := s.transition(ctx, r, st, moved); err != nil {
		rep, rerr := s.raced(ctx, id, err)
		rep.Replace = false
		return rep, rerr
	}
	msg := s.start(ctx, r, bot.MessageRef{})
	return bot.Reply{Message: msg}, nil
}
