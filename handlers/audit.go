package handlers

import (
	"context"
	"maps"
)

type noAudit struct{}

func (noAudit) Audit(context.Context, AuditEvent) error { return nil }

// audit records an event of the request by actor: who, by their UPN, or by their chat
// account when licensebot doesn't know them (someone asking for a link). Every event of a
// link request also names the chat account and the Entra user.
func (s *Service) audit(ctx context.Context, r *Request, action string, actor Person, fields map[string]string) {
	who := actor.UPN
	if who == "" && actor.Actor.ChatID != "" {
		who = accountKey(accountOf(actor.Actor))
	}
	if r.Link != nil {
		fields = maps.Clone(fields)
		if fields == nil {
			fields = map[string]string{}
		}
		fields["account"] = accountKey(r.Link.Account)
		fields["user"] = r.Link.UPN
		fields["user_id"] = r.Link.UserID
		if r.Link.Was != "" {
			fields["was"] = r.Link.Was
		}
	}
	e := AuditEvent{RequestID: r.ID, Action: action, Actor: who, At: s.Now(), Fields: fields}
	if err := s.Audit.Audit(ctx, e); err != nil {
		// The audit trail matters, but a removal already made can't be undone because the
		// audit write failed: log loudly and go on.
		s.Logger.ErrorContext(ctx, "audit write failed", "request", r.ID, "action", action, "err", err)
	}
}

// accountKey writes a chat account as the audit trail and the logs name it:
// "discord:<server>:<user>", or "<platform>:<user>" where the platform has no workspaces.
func accountKey(a ChatAccount) string {
	if a.Workspace == "" {
		return a.Platform + ":" + a.ChatID
	}
	return a.Platform + ":" + a.Workspace + ":" + a.ChatID
}
