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
	person, of := "user:"+caller.UserID, caller.UPN
	if caller.UserID == "" {
		// Someone licensebot doesn't know yet (asking for a link): counted by chat account.
		person, of = "chat:"+accountKey(accountOf(a)), accountKey(accountOf(a))
	}
	counts := []struct {
		key, of   string // of: whose count, for errors
		limit     int
		workspace bool
	}{
		{person, of, o.UserRequests, false},
		{"workspace:" + a.Platform + ":" + a.Workspace, "workspace " + a.Workspace, o.WorkspaceRequests, true},
	}
	what := "requests"
	if dryRun {
		what = "dry runs"
		counts[0].key, counts[0].limit = "dry-run-"+counts[0].key, o.DryRunRequests
		counts[1].key, counts[1].limit = "dry-run-"+counts[1].key, o.WorkspaceDryRuns
	}
	for _, c := range counts {
		if c.limit <= 0 {
			continue
		}
		ok, wait, err := s.Limiter.Allow(ctx, c.key, c.limit, o.LimitWindow)
		if err != nil {
			return fmt.Errorf("count %s of %s: %w", what, c.of, errStore{err})
		}
		if !ok {
			return refuse(overLimit{dryRun: dryRun, workspace: c.workspace, limit: c.limit, window: o.LimitWindow, wait: wait.Round(time.Second)})
		}
	}
	return nil
}
