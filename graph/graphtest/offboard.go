package graphtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// updateUser answers PATCH /users/{id} for the one property the bot writes, accountEnabled
// (Update user: 204 No Content). Anything else in the body is refused, so a test notices if
// the bot ever sends more.
func (s *Server) updateUser(req *request, params []string) response {
	u := s.dir.user(params[0])
	if u == nil {
		return s.notFound(req, params[0])
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(req.body, &body); err != nil {
		return s.errorResponse(req, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload.")
	}
	for k := range body {
		if !strings.EqualFold(k, "accountEnabled") && !strings.EqualFold(k, "@odata.type") {
			return s.badRequest(req, "Property '"+k+"' is not written by licensebot's simulated tenant.")
		}
	}
	var enabled bool
	if err := json.Unmarshal(body["accountEnabled"], &enabled); err != nil {
		return s.badRequest(req, "Invalid value for property 'accountEnabled'.")
	}
	u.AccountEnabled = enabled
	return response{status: http.StatusNoContent}
}

// revokeSignInSessions answers POST /users/{id}/revokeSignInSessions: 200 with
// {"value": true} (revokeSignInSessions), and it counts the revocations.
func (s *Server) revokeSignInSessions(req *request, params []string) response {
	u := s.dir.user(params[0])
	if u == nil {
		return s.notFound(req, params[0])
	}
	s.revoked[u.ID] = append(s.revoked[u.ID], s.cfg.now())
	return ok(map[string]any{"@odata.context": req.base + "/$metadata#Edm.Boolean", "value": true})
}

// Revocations says when the user's sessions were revoked.
func (s *Server) Revocations(userID string) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.revoked[strings.ToLower(userID)]...)
}

// mailboxSettings answers GET /users/{id}/mailboxSettings with the mailbox's userPurpose
// (the fixture's MailboxPurpose, "user" by default); 404 for a user the fixture gives no
// mailbox ("none").
func (s *Server) mailboxSettings(req *request, params []string) response {
	u := s.dir.user(params[0])
	if u == nil {
		return s.notFound(req, params[0])
	}
	purpose := u.MailboxPurpose
	if purpose == "" {
		purpose = "user"
	}
	if purpose == "none" {
		return s.errorResponse(req, http.StatusNotFound, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.")
	}
	return ok(map[string]any{"@odata.context": req.base + "/$metadata#users('" + u.ID + "')/mailboxSettings", "userPurpose": purpose})
}
