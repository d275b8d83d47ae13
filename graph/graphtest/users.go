package graphtest

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// userDefaultProperties is Graph's default property set for a user (returned without
// $select). The others the simulator knows (accountEnabled, assignedLicenses,
// licenseAssignmentStates, usageLocation) are "returned only on $select", as the user resource
// documents.
var userDefaultProperties = []string{
	"businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
	"officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id",
}

// userFilterProperties are the properties $filter may compare on users here.
var userFilterProperties = []string{"id", "mail", "userprincipalname", "displayname", "usagelocation", "accountenabled", "assignedlicenses"}

// userJSON renders a user as Graph does, honouring $select. Unknown names in $select are a
// 400, as Graph answers them.
func (s *Server) userJSON(u *User, sel selection) (map[string]any, error) {
	all := map[string]any{
		"id":                u.ID,
		"displayName":       u.DisplayName,
		"userPrincipalName": u.UserPrincipalName,
		"mail":              nullable(u.Mail),
		"accountEnabled":    u.AccountEnabled,
		"usageLocation":     nullable(u.UsageLocation),
		"businessPhones":    []string{},
		"givenName":         nullable(firstName(u.DisplayName)),
		"surname":           nullable(lastName(u.DisplayName)),
		"jobTitle":          nil,
		"mobilePhone":       nil,
		"officeLocation":    nil,
		"preferredLanguage": nil,
	}
	var assigned []map[string]any
	for _, e := range s.dir.effective(u) {
		assigned = append(assigned, map[string]any{"skuId": e.sku.SKUID, "disabledPlans": nonNil(e.disabledPlans)})
	}
	all["assignedLicenses"] = nonNilMaps(assigned)
	var states []map[string]any
	for _, p := range s.dir.paths(u) {
		var group any // null for a direct assignment, as licenseAssignmentState documents
		if p.group != nil {
			group = p.group.ID
		}
		states = append(states, map[string]any{
			"skuId":               p.skuID,
			"disabledPlans":       nonNil(p.disabledPlans),
			"assignedByGroup":     group,
			"state":               "Active",
			"error":               nil,
			"lastUpdatedDateTime": s.dir.lastUpdated(u.ID, p.skuID).UTC().Format(time.RFC3339),
		})
	}
	all["licenseAssignmentStates"] = nonNilMaps(states)
	all["createdDateTime"] = s.dir.start.AddDate(0, 0, -u.createdDaysAgo()).UTC().Format(time.RFC3339)
	// signInActivity: returned only on $select, and only to a tenant with Microsoft Entra ID
	// P1 or P2 (listUsers and getUser refuse it otherwise); null dates for a user who never
	// signed in.
	var last any
	if !u.NeverSignedIn {
		last = s.dir.start.AddDate(0, 0, -u.LastSignInDaysAgo).UTC().Format(time.RFC3339)
	}
	all["signInActivity"] = map[string]any{"lastSignInDateTime": last, "lastSuccessfulSignInDateTime": last,
		"lastNonInteractiveSignInDateTime": last, "lastSignInRequestId": nil, "lastSuccessfulSignInRequestId": nil, "lastNonInteractiveSignInRequestId": nil}

	out := map[string]any{}
	if sel == nil {
		for _, name := range userDefaultProperties {
			out[name] = all[name]
		}
		return out, nil
	}
	for name := range sel {
		found := false
		for key, v := range all {
			if strings.ToLower(key) == name {
				out[key] = v
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("Could not find a property named '%s' on type 'microsoft.graph.user'.", name)
		}
	}
	return out, nil
}

// refusedSignInActivity is the 403 a tenant without Entra ID P1 answers to a read of
// signInActivity, or nil.
func (s *Server) refusedSignInActivity(req *request) *response {
	if !s.cfg.noPremium || !parseSelect(req.query.Get("$select"))["signinactivity"] {
		return nil
	}
	r := s.errorResponse(req, http.StatusForbidden, "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
		"Neither tenant is B2C or tenant doesn't have premium license")
	return &r
}

func (s *Server) getUser(req *request, params []string) response {
	if r := s.refusedSignInActivity(req); r != nil {
		return *r
	}
	u := s.dir.user(params[0])
	if u == nil {
		return s.notFound(req, params[0])
	}
	body, err := s.userJSON(u, parseSelect(req.query.Get("$select")))
	if err != nil {
		return s.badRequest(req, err.Error())
	}
	body["@odata.context"] = req.base + "/$metadata#users/$entity"
	return ok(body)
}

func (s *Server) listUsers(req *request, _ []string) response {
	if r := s.refusedSignInActivity(req); r != nil {
		return *r
	}
	var filter filterExpr
	if raw := req.query.Get("$filter"); raw != "" {
		f, err := parseFilter(raw, userFilterProperties)
		if errors.Is(err, errUnsupportedProperty) {
			return s.errorResponse(req, http.StatusBadRequest, "Request_UnsupportedQuery",
				fmt.Sprintf("Unsupported or invalid query filter clause specified for property %s of resource 'User'.",
					strings.TrimPrefix(err.Error(), errUnsupportedProperty.Error()+" ")))
		}
		if err != nil {
			return s.errorResponse(req, http.StatusBadRequest, "BadRequest", "Invalid filter clause: "+err.Error())
		}
		filter = f
	}
	sel := parseSelect(req.query.Get("$select"))
	values := []map[string]any{}
	for i := range s.dir.tenant.Users {
		u := &s.dir.tenant.Users[i]
		if filter != nil && !filter.eval(s.userLookup(u)) {
			continue
		}
		body, err := s.userJSON(u, sel)
		if err != nil {
			return s.badRequest(req, err.Error())
		}
		values = append(values, body)
	}
	return s.page(req, "users", values)
}

// page answers one page of a collection: $top (at most 999, Graph's most for directory
// objects) or the server's page size, and @odata.nextLink with a $skiptoken while there is
// more, as Graph pages every collection.
func (s *Server) page(req *request, context string, all []map[string]any) response {
	// $top asks for a page size; the server's (WithPageSize) is the most it gives, as Graph
	// may return fewer than asked.
	size := s.cfg.pageSize
	if top, err := strconv.Atoi(req.query.Get("$top")); err == nil && top > 0 {
		if top > 999 {
			return s.badRequest(req, "Invalid page size specified: '"+strconv.Itoa(top)+"'. Must be between 1 and 999 inclusive.")
		}
		size = min(top, size)
	}
	skip := 0
	if tok := req.query.Get("$skiptoken"); tok != "" {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 || n > len(all) {
			return s.errorResponse(req, http.StatusBadRequest, "Directory_ExpiredPageToken", "The specified page token value has expired and can no longer be included in your request.")
		}
		skip = n
	}
	end := min(skip+size, len(all))
	body := map[string]any{"@odata.context": req.base + "/$metadata#" + context, "value": nonNilMaps(all[skip:end])}
	// An advanced query ($count=true with ConsistencyLevel: eventual) also gets the total.
	if strings.EqualFold(req.query.Get("$count"), "true") {
		if !strings.EqualFold(req.header.Get("ConsistencyLevel"), "eventual") {
			return s.errorResponse(req, http.StatusBadRequest, "Request_BadRequest",
				"$count is not currently supported without the ConsistencyLevel header set to eventual.")
		}
		body["@odata.count"] = len(all)
	}
	if end < len(all) {
		q := url.Values{"$skiptoken": {strconv.Itoa(end)}}
		for _, name := range []string{"$top", "$count", "$select", "$filter"} {
			if v := req.query.Get(name); v != "" {
				q.Set(name, v)
			}
		}
		body["@odata.nextLink"] = req.base + req.path + "?" + q.Encode()
	}
	return ok(body)
}

func (s *Server) userLookup(u *User) func(string) (string, bool) {
	return func(property string) (string, bool) {
		switch property {
		case "assignedlicenses":
			var ids []string
			for _, p := range s.dir.paths(u) {
				ids = append(ids, p.skuID)
			}
			return strings.Join(ids, ","), len(ids) == 0
		case "id":
			return u.ID, false
		case "mail":
			return u.Mail, u.Mail == ""
		case "userprincipalname":
			return u.UserPrincipalName, false
		case "displayname":
			return u.DisplayName, false
		case "usagelocation":
			return u.UsageLocation, u.UsageLocation == ""
		case "accountenabled":
			return strconv.FormatBool(u.AccountEnabled), false
		}
		return "", true
	}
}

// listLicenseDetails answers GET /users/{id}/licenseDetails: one entry per product the user
// holds by any path, each plan "Success" unless disabled in every path ("Disabled"). Under
// WithDocumentedWorstCase it answers 403 instead, before looking the user up, as Graph checks
// permissions first.
func (s *Server) listLicenseDetails(req *request, params []string) response {
	if s.cfg.worstCase {
		return s.insufficientPrivileges(req)
	}
	u := s.dir.user(params[0])
	if u == nil {
		return s.notFound(req, params[0])
	}
	values := []map[string]any{}
	for _, e := range s.dir.effective(u) {
		plans := []map[string]any{}
		for _, p := range e.sku.ServicePlans {
			status := "Success"
			for _, d := range e.disabledPlans {
				if d == p.ID {
					status = "Disabled"
				}
			}
			plans = append(plans, map[string]any{
				"servicePlanId": p.ID, "servicePlanName": p.Name, "provisioningStatus": status, "appliesTo": "User",
			})
		}
		values = append(values, map[string]any{
			"id":            licenseDetailsID(u.ID, e.sku.SKUID),
			"skuId":         e.sku.SKUID,
			"skuPartNumber": e.sku.SKUPartNumber,
			"servicePlans":  plans,
		})
	}
	return ok(map[string]any{
		"@odata.context": req.base + "/$metadata#users('" + u.ID + "')/licenseDetails",
		"value":          values,
	})
}

// licenseDetailsID makes an opaque id shaped like Graph's: base64url of the user's and the
// product's id bytes (43 characters).
func licenseDetailsID(userID, skuID string) string {
	raw, err := hex.DecodeString(strings.ReplaceAll(userID+skuID, "-", ""))
	if err != nil {
		return userID + "_" + skuID
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}

// listDirectoryRoles answers GET /users/{id}/transitiveMemberOf/microsoft.graph.directoryRole:
// the active roles held directly and through role-assignable groups, paged with
// @odata.nextLink like every Graph collection.
func (s *Server) listDirectoryRoles(req *request, params []string) response {
	u := s.dir.user(params[0])
	if u == nil {
		return s.notFound(req, params[0])
	}
	var all []map[string]any
	for _, templateID := range s.dir.roles(u) {
		all = append(all, directoryRoleJSON(templateID))
	}
	return s.page(req, "directoryRoles", all)
}

// getManager answers GET /users/{id}/manager: the manager as a directoryObject (with its
// @odata.type, which the SDK needs to build a user), or 404 when there is none.
func (s *Server) getManager(req *request, params []string) response {
	u := s.dir.user(params[0])
	if u == nil {
		return s.notFound(req, params[0])
	}
	m := s.dir.user(u.Manager)
	if u.Manager == "" || m == nil {
		return s.notFound(req, "manager")
	}
	body, err := s.userJSON(m, parseSelect(req.query.Get("$select")))
	if err != nil {
		return s.badRequest(req, err.Error())
	}
	body["@odata.type"] = "#microsoft.graph.user"
	body["@odata.context"] = req.base + "/$metadata#directoryObjects/$entity"
	return ok(body)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

func nonNilMaps(ms []map[string]any) []map[string]any {
	if ms == nil {
		return []map[string]any{}
	}
	return ms
}

func firstName(display string) string {
	first, _, _ := strings.Cut(display, " ")
	return first
}

func lastName(display string) string {
	_, last, _ := strings.Cut(display, " ")
	return last
}
