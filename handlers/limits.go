package handlers

import (
	"context"
	"fmt"
	"time"

	"github.com/licensebot/licensebot/bot"
)

// Limiter counts new requests per person and per workspace, across replicas.
type Limiter interface {
	// Allow counts one more for key and says whether it is within limit per window, and
	// if not, how long until it is.
	Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error)
}

// withinLimits refuses a new request when its caller, or the caller's workspace, has made
// too many in the window: a runaway script or a compromised account can't flood the
// approvers or Graph. Dry runs read as much of Graph as requests do, so they are counted
// too, apart and with higher limits. Reads (show, status, help) are not counted.
func (s *Service) withinLimits(ctx context.Context, a bot.Actor, caller Person, dryRun bool) error {
	if s.Limiter == nil {
		return nil
	}
	o := s.opts
	l := langIn(ctx)
	if dryRun {
		return s.withinDryRunLimits(ctx, a, caller)
	}
	if o.UserRequests > 0 {
		ok, wait, err := s.Limiter.Allow(ctx, "user:"+caller.UserID, o.UserRequests, o.LimitWindow)
		if err != nil {
			return fmt.Errorf("count requests of %s: %w", caller.UPN, errStore{err})
		}
		if !ok {
			return refuse(l.T("You have made %d requests in the last %s, as many as licensebot takes from one person; nothing was changed. Try again in %s, or put several users in one request.",
				o.UserRequests, l.duration(o.LimitWindow), l.duration(wait.Round(time.Second))))
		}
	}
	if o.WorkspaceRequests > 0 {
		ok, wait, err := s.Limiter.Allow(ctx, "workspace:"+a.Platform+":"+a.Workspace, o.WorkspaceRequests, o.LimitWindow)
		if err != nil {
			return fmt.Errorf("count requests of workspace %s: %w", a.Workspace, errStore{err})
		}
		if !ok {
			return refuse(l.T("licensebot has taken %d requests from this workspace in the last %s, its limit; nothing was changed. Try again in %s.",
				o.WorkspaceRequests, l.duration(o.LimitWindow), l.duration(wait.Round(time.Second))))
		}
	}
	return nil
}

func (s *Service) withinDryRunLimits(ctx context.Context, a bot.Actor, caller Person) error {
	o := s.opts
	l := langIn(ctx)
	if o.DryRunRequests > 0 {
		ok, wait, err := s.Limiter.Allow(ctx, "dry-run-user:"+caller.UserID, o.DryRunRequests, o.LimitWindow)
		if err != nil {
			return fmt.Errorf("count dry runs of %s: %w", caller.UPN, errStore{err})
		}
		if !ok {
			return refuse(l.T("You have made %d dry runs in the last %s, as many as licensebot takes from one person; nothing was read. Try again in %s.",
				o.DryRunRequests, l.duration(o.LimitWindow), l.duration(wait.Round(time.Second))))
		}
	}
	if o.WorkspaceDryRuns > 0 {
		ok, wait, err := s.Limiter.Allow(ctx, "dry-run-workspace:"+a.Platform+":"+a.Workspace, o.WorkspaceDryRuns, o.LimitWindow)
		if err != nil {
			return fmt.Errorf("count dry runs of workspace %s: %w", a.Workspace, errStore{err})
		}
		if !ok {
			return refuse(l.T("licensebot has taken %d dry runs from this workspace in the last %s, its limit; nothing was read. Try again in %s.",
				o.WorkspaceDryRuns, l.duration(o.LimitWindow), l.duration(wait.Round(time.Second))))
		}
	}
	return nil
}
