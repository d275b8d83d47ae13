package handlers

import (
	"context"
	"strings"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/locale"
)

// A request's story, for /unassign status: its own audit events, oldest first, each a line
// anyone can read (who asked, the plan's hash, who confirmed, who approved with their
// sign-in evidence, each user's Graph call with Graph's request-id). The record itself is
// the hash-chained audit stream; this is a view of it, and says where the rest is.

// AuditTrail reads one request's audit events, the latest max, oldest first.
type AuditTrail interface {
	RequestAudit(ctx context.Context, requestID string, max int) ([]AuditEvent, error)
}

// storyLines bounds the story shown in chat; the export has every event.
const storyLines = 25

// storyWords are the sentence of each audit action (their ids written out, so that the
// catalogue's check sees them used).
var storyWords = map[string]string{
	"requested": "story.requested", "picked": "story.picked", "confirmed": "story.confirmed",
	"approved": "story.approved", "denied": "story.denied", "cancelled": "story.cancelled",
	"expired": "story.expired", "started": "story.started", "finished": "story.finished",
	"retry": "story.retry", "removed": "story.removed", "skipped": "story.skipped",
	"failed": "story.failed", "restored": "story.restored",
	"link_requested": "story.link_requested", "link_approved": "story.link_approved",
	"link_denied": "story.link_denied", "link_expired": "story.link_expired", "linked": "story.linked",
}

// storySection is the request's story, or false when there is no trail to read (or it
// can't be read now: status still answers with the request).
func (s *Service) storySection(ctx context.Context, id string) (bot.Section, bool) {
	if s.Trail == nil {
		return bot.Section{}, false
	}
	events, err := s.Trail.RequestAudit(ctx, id, storyLines+1)
	if err != nil {
		s.Logger.WarnContext(ctx, "read a request's audit events", "request", id, "err", err)
		return bot.Section{}, false
	}
	if len(events) == 0 {
		return bot.Section{}, false
	}
	l := langIn(ctx)
	var lines []string
	if len(events) > storyLines {
		events = events[len(events)-storyLines:]
		lines = append(lines, l.T("story.more"))
	}
	for _, e := range events {
		lines = append(lines, l.T("story.line", "At", l.Time(e.At, s.opts.Location), "What", s.storyLine(l, e)))
	}
	return bot.Section{Title: l.T("story.title"), Text: strings.Join(lines, "\n")}, true
}

// storyLine says one event.
func (s *Service) storyLine(l locale.Lang, e AuditEvent) string {
	f := e.Fields
	who := firstNonEmpty(e.Actor, l.T("state.someone"))
	sku := ""
	if f["sku"] != "" {
		sku = s.Catalogue.DisplayName(f["sku"], "")
	}
	id, ok := storyWords[e.Action]
	if !ok {
		return l.T("story.unknown", "Action", e.Action, "Who", who)
	}
	text := l.T(id, "Who", who, "SKU", sku, "User", firstNonEmpty(f["user"], l.T("state.someone")))
	var more []string
	if f["reason"] != "" && (e.Action == "failed" || e.Action == "skipped") {
		more = append(more, f["reason"])
	}
	if h := f["plan_sha256"]; len(h) >= 12 {
		more = append(more, l.T("story.plan", "Hash", h[:12]))
	}
	if f["signed_in_at"] != "" {
		at, err := time.Parse(time.RFC3339, f["signed_in_at"])
		if err == nil {
			evidence := l.T("story.evidence.session")
			if f["signin_evidence"] == EvidenceAuthTime || f["evidence"] == EvidenceAuthTime {
				evidence = l.T("story.evidence.auth_time")
			}
			mfa := l.T("story.mfa.none")
			if c, ok := strings.CutPrefix(f["mfa"], "acrs:"); ok {
				mfa = l.T("story.mfa.context", "Context", c)
			}
			more = append(more, l.T("story.signed_in", "At", l.Time(at, s.opts.Location), "Evidence", evidence, "MFA", mfa))
		}
	}
	if f["graph_request_id"] != "" {
		more = append(more, l.T("story.graph", "ID", f["graph_request_id"]))
	}
	if len(more) > 0 {
		text += " (" + strings.Join(more, "; ") + ")"
	}
	return text
}
