package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"

	"github.com/licensebot/licensebot/licensing"
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
	// The record stands on its own: who acted by their Entra object id and chat account
	// as well as their UPN, and, where a plan is shown or decided on, which plan (its
	// hash: a later reader compares it with the stored plan without the audit holding it).
	fields = maps.Clone(fields)
	if fields == nil {
		fields = map[string]string{}
	}
	if actor.UserID != "" {
		fields["actor_id"] = actor.UserID
	}
	if actor.Actor.ChatID != "" {
		fields["actor_chat"] = accountKey(accountOf(actor.Actor))
	}
	if planDecided[action] && len(r.Plan.Users) > 0 {
		if sum, err := planHash(r.Plan); err == nil {
			fields["plan_sha256"] = sum
		}
	}
	if r.Link != nil {
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

// planDecided are the events at which a plan is shown or decided on; they carry the plan's
// hash. The executor's per-user events don't: they name their user and product.
var planDecided = map[string]bool{
	string(evRequest): true, string(evPick): true, string(evConfirm): true,
	string(evApprove): true, string(evDeny): true,
}

// planHash is the hex SHA-256 of the plan as the request stores it (its JSON): the plan
// that was shown and decided on, which a reader can hash again from the stored request.
func planHash(p licensing.Plan) (string, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
