package handlers

import (
	"strings"

	"github.com/licensebot/licensebot/bot"
)

// workspaceAllowed reports whether licensebot takes commands and clicks from the actor's
// workspace: any, when Options.Workspaces is empty; else only those listed ("slack:T…",
// "slack:E…" for a whole Enterprise Grid organisation, "discord:<guild id>", "teams:<tenant
// id>").
func (s *Service) workspaceAllowed(a bot.Actor) bool {
	if len(s.opts.Workspaces) == 0 || a.Platform == "console" {
		return true
	}
	for _, w := range s.opts.Workspaces {
		platform, id, _ := strings.Cut(w, ":")
		if !strings.EqualFold(platform, a.Platform) || id == "" {
			continue
		}
		if id == a.Workspace || id == a.Enterprise || (a.Platform == "teams" && strings.EqualFold(id, a.Workspace)) {
			return true
		}
	}
	return false
}

// refuseForeignWorkspace refuses an actor whose workspace licensebot doesn't serve.
func (s *Service) refuseForeignWorkspace(a bot.Actor) error {
	if s.workspaceAllowed(a) {
		return nil
	}
	return refuse(foreignWorkspace{})
}

// bound refuses an actor who acts on a request from another workspace of the request's own
// platform: a request belongs to the workspace it was made in (a Slack team, or its
// Enterprise Grid organisation; a Discord server). Approvals from another configured
// platform stay possible.
func bound(r *Request, a bot.Actor) error {
	req := r.Requester.Actor
	if a.Platform != req.Platform || a.SameWorkspace(req) {
		return nil
	}
	return refuse(otherWorkspace{id: r.ID})
}
