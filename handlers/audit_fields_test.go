package handlers

import (
	"testing"
)

// The audit record stands on its own: each step names who by Entra object id and chat
// account besides the UPN, and the steps where the plan is shown or decided on carry the
// plan's hash, the same at each of them.
func TestAuditNamesTheActorsAndThePlan(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	audit := &memAudit{}
	w.svc.Audit = audit
	plan := w.command("adele", `alice@contoso.example --product "Office 365 E3" --reason "left the company"`)
	w.press("adele", button(t, plan, ActionConfirm))
	w.press("megan", button(t, w.approvalRequest().Msg, ActionApprove))

	byAction := map[string]AuditEvent{}
	for _, e := range audit.events {
		if _, seen := byAction[e.Action]; !seen {
			byAction[e.Action] = e
		}
	}
	var planSum string
	for _, tt := range []struct{ action, upn, chat string }{
		{"requested", "adele@contoso.example", "test:chat-adele"},
		{"confirmed", "adele@contoso.example", "test:chat-adele"},
		{"approved", "megan@contoso.example", "test:chat-megan"},
	} {
		e, ok := byAction[tt.action]
		if !ok {
			t.Fatalf("no %s event in %v", tt.action, audit.actions())
		}
		if e.Actor != tt.upn || e.Fields["actor_id"] == "" || e.Fields["actor_chat"] != tt.chat {
			t.Errorf("%s: actor %q, actor_id %q, actor_chat %q; want %s, an object id, %s",
				tt.action, e.Actor, e.Fields["actor_id"], e.Fields["actor_chat"], tt.upn, tt.chat)
		}
		sum := e.Fields["plan_sha256"]
		if len(sum) != 64 || (planSum != "" && sum != planSum) {
			t.Errorf("%s: plan_sha256 %q, want the same 64 hex digits at each step (%q)", tt.action, sum, planSum)
		}
		planSum = sum
	}
	for _, e := range audit.events {
		if e.Action == "removed" && e.Fields["plan_sha256"] != "" {
			t.Errorf("a per-user event carries the plan's hash: %+v", e)
		}
	}
}
