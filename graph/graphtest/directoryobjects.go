package graphtest

import (
	"crypto/sha1"
	"fmt"
	"net/http"
	"strings"
)

// roleNames are the built-in Entra roles the sample uses, by role template id (the same in
// every tenant).
func roleName(templateID string) (name, description string) {
	switch strings.ToLower(templateID) {
	case "62e90394-69f5-4237-9190-012177145e10":
		return "Global Administrator", "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities."
	case "4d6ac14f-3453-41d0-bef9-a3e0c569773a":
		return "License Administrator", "Can manage product licenses on users and groups."
	case "fe930be7-5e62-47db-91af-98c3a49a38b1":
		return "User Administrator", "Can manage all aspects of users and groups, including resetting passwords for limited admins."
	case "f2ef992c-3afb-46b9-b7cf-a126ee74c451":
		return "Global Reader", "Can read everything that a Global Administrator can, but not update anything."
	case "729827e3-9c14-49f7-bb1b-9608f156bbb8":
		return "Helpdesk Administrator", "Can reset passwords for non-administrators and Helpdesk Administrators."
	case "b0f54661-2d74-4c50-afa3-1ec803f12efe":
		return "Billing Administrator", "Can perform common billing related tasks like updating payment information."
	}
	return "Role " + templateID, ""
}

// directoryRoleJSON renders an activated directory role. Its object id differs from the
// template id in a real tenant; here it is derived from it so it is stable.
func directoryRoleJSON(templateID string) map[string]any {
	name, description := roleName(templateID)
	return map[string]any{
		"@odata.type":     "#microsoft.graph.directoryRole",
		"id":              derivedGUID("directoryRole", templateID),
		"deletedDateTime": nil,
		"description":     description,
		"displayName":     name,
		"roleTemplateId":  templateID,
	}
}

func derivedGUID(kind, key string) string {
	b := sha1.Sum([]byte(kind + "/" + key))
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// getGroup answers GET /groups/{id} ($select honoured, default set otherwise).
func (s *Server) getGroup(req *request, params []string) response {
	g := s.dir.groups[strings.ToLower(params[0])]
	if g == nil {
		return s.notFound(req, params[0])
	}
	var rule any
	processing := any(nil)
	if g.MembershipRule != "" {
		rule, processing = g.MembershipRule, "On"
	}
	var synced any // null for cloud-only groups, as Graph reports them
	if g.OnPremisesSyncEnabled {
		synced = true
	}
	licenses := []map[string]any{}
	for _, l := range g.Licenses {
		licenses = append(licenses, map[string]any{"skuId": l.SKUID, "disabledPlans": nonNil(l.DisabledPlans)})
	}
	all := map[string]any{
		"id":                            g.ID,
		"displayName":                   g.DisplayName,
		"description":                   nil,
		"groupTypes":                    nonNil(g.GroupTypes),
		"membershipRule":                rule,
		"membershipRuleProcessingState": processing,
		"onPremisesSyncEnabled":         synced,
		"isAssignableToRole":            g.IsAssignableToRole,
		"securityEnabled":               true,
		"mailEnabled":                   hasType(g, "Unified"),
		"mailNickname":                  strings.ReplaceAll(g.DisplayName, " ", ""),
		"assignedLicenses":              licenses,
	}
	sel := parseSelect(req.query.Get("$select"))
	out := map[string]any{"@odata.context": req.base + "/$metadata#groups/$entity"}
	for key, v := range all {
		if key == "assignedLicenses" && sel == nil {
			continue // returned only on $select
		}
		if sel == nil || sel[strings.ToLower(key)] {
			out[key] = v
		}
	}
	return ok(out)
}

func hasType(g *Group, t string) bool {
	for _, gt := range g.GroupTypes {
		if strings.EqualFold(gt, t) {
			return true
		}
	}
	return false
}

var groupFilterProperties = []string{"id", "displayname"}

// listGroups answers GET /groups, with $filter on displayName or id (how the bot finds a
// group by name), paged.
func (s *Server) listGroups(req *request, _ []string) response {
	var filter filterExpr
	if raw := req.query.Get("$filter"); raw != "" {
		f, err := parseFilter(raw, groupFilterProperties)
		if err != nil {
			return s.errorResponse(req, http.StatusBadRequest, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for resource 'Group'.")
		}
		filter = f
	}
	var values []map[string]any
	for i := range s.dir.tenant.Groups {
		g := &s.dir.tenant.Groups[i]
		if filter != nil && !filter.eval(func(p string) (string, bool) {
			switch p {
			case "id":
				return g.ID, false
			case "displayname":
				return g.DisplayName, false
			}
			return "", true
		}) {
			continue
		}
		values = append(values, map[string]any{"@odata.type": "#microsoft.graph.group", "id": g.ID, "displayName": g.DisplayName})
	}
	return s.page(req, "groups", values)
}

// listTransitiveMembers answers GET /groups/{id}/transitiveMembers: every member, through
// nested groups too, each once, as directory objects with their @odata.type: users, the
// nested groups themselves, and anything else (devices, here) by id.
func (s *Server) listTransitiveMembers(req *request, params []string) response {
	g := s.dir.groups[strings.ToLower(params[0])]
	if g == nil {
		return s.notFound(req, params[0])
	}
	var values []map[string]any
	seen := map[string]bool{g.ID: true}
	var walk func(g *Group)
	walk = func(g *Group) {
		for _, id := range g.Members {
			if u := s.dir.user(id); u != nil && !seen[u.ID] {
				seen[u.ID] = true
				values = append(values, map[string]any{"@odata.type": "#microsoft.graph.user", "id": u.ID,
					"displayName": u.DisplayName, "userPrincipalName": u.UserPrincipalName, "mail": nilIfEmpty(u.Mail)})
			}
		}
		for _, id := range g.Devices {
			if !seen[id] {
				seen[id] = true
				values = append(values, map[string]any{"@odata.type": "#microsoft.graph.device", "id": id})
			}
		}
		for _, id := range g.NestedGroups {
			nested := s.dir.groups[strings.ToLower(id)]
			if nested == nil || seen[nested.ID] {
				continue
			}
			seen[nested.ID] = true
			values = append(values, map[string]any{"@odata.type": "#microsoft.graph.group", "id": nested.ID, "displayName": nested.DisplayName})
			walk(nested)
		}
	}
	walk(g)
	return s.page(req, "directoryObjects", values)
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
