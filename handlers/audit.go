package handlers

import "context"

type noAudit struct{}

func (noAudit) Audit(context.Context, AuditEvent) error { return nil }

func (s *Service) audit(ctx context.Context, r *Request, action string, actor Person, fields map[string]string) {
	e := AuditEvent{RequestID: r.ID, Action: action, Actor: actor.UPN, At: s.Now(), Fields: fields}
	if err := s.Audit.Audit(ctx, e); err != nil {
		// The audit trail matters, but a removal already made can't be undone because the
		// audit write failed: log loudly and go on.
		s.Logger.ErrorContext(ctx, "audit write failed", "request", r.ID, "action", action, "err", err)
	}
}
