package graphtest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The texts Graph answers assignLicense with, all as 400 Request_BadRequest. Sources (see
// ../testdata/README.md): the missing-parameter text from msgraph-sdk-powershell issues #3231
// and #3361 (Graph PowerShell 2.26.1 dropped an empty addLicenses); the inherited text from
// scripts matching it exactly (Microsoft's own "licensing-ps-examples" samples); the other
// texts, the seat one included, from scripts and tests that match Graph's answers.
const (
	msgMissingParameters = "One or more parameters of the operation 'assignLicense' are missing from the request payload. The missing parameters are: %s."
	msgInherited         = "User license is inherited from a group membership and it cannot be removed directly from the user."
	msgNotAssigned       = "User does not have a corresponding license."
	msgUnknownLicense    = "License %s does not correspond to a valid company License."
	msgUsageLocation     = "License assignment cannot be done for user with invalid usage location."
	msgNoSeats           = "Subscription with SKU %s does not have any available licenses."
	msgNotAGUID          = "Cannot convert a primitive value to the expected type 'Edm.Guid'. See the inner exception for more details."
)

// msgSelfService is what the simulator answers (400 Request_BadRequest) when asked to remove a
// product whose every enabled subscription is a self-service purchase (Subscription's
// selfServicePurchase). It is NOT Microsoft's text: Microsoft documents that such licenses are
// managed by their purchaser ("Manage self-service purchases (Admin)",
// https://learn.microsoft.com/microsoft-365/commerce/subscriptions/manage-self-service-purchases-admins)
// but no Graph error for this case, so the wording is chosen here. A client must not match on
// it: it can only know that Graph refused the removal with a 400.
const msgSelfService = "License %s belongs to a self-service purchase and cannot be removed from the user by the organization."

type assignedLicense struct {
	SKUID         string   `json:"skuId"`
	DisabledPlans []string `json:"disabledPlans"`
}

// assignLicense answers POST /users/{id}/assignLicense with Graph's rules: both parameters
// must be present (an empty addLicenses is fine, a missing one is a 400); every SKU must be
// the tenant's; a removed SKU must be assigned to the user directly (inherited only is a 400
// naming the group rule; a product held both ways loses only its direct path); an added SKU
// needs a usage location on the user and, unless the user already holds it, a free seat
// (consumed < prepaidUnits.enabled); a removed SKU whose every enabled subscription is a
// self-service purchase is refused (msgSelfService, the simulator's own wording); the call is
// all or nothing. Success is 200 with the user.
func (s *Server) assignLicense(req *request, params []string) response {
	u := s.dir.user(params[0])
	if u == nil {
		return s.notFound(req, params[0])
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(req.body, &raw); err != nil {
		return s.errorResponse(req, 400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
	}
	var missing []string
	for _, name := range []string{"addLicenses", "removeLicenses"} {
		if v, present := raw[name]; !present || string(v) == "null" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return s.badRequest(req, fmt.Sprintf(msgMissingParameters, strings.Join(missing, ", ")))
	}
	var adds []assignedLicense
	var removes []string
	if json.Unmarshal(raw["addLicenses"], &adds) != nil || json.Unmarshal(raw["removeLicenses"], &removes) != nil {
		return s.badRequest(req, msgNotAGUID)
	}

	for i := range adds {
		a := &adds[i]
		a.SKUID = strings.ToLower(a.SKUID)
		if !isGUID(a.SKUID) {
			return s.badRequest(req, msgNotAGUID)
		}
		sku := s.dir.skus[a.SKUID]
		if sku == nil {
			return s.badRequest(req, fmt.Sprintf(msgUnknownLicense, a.SKUID))
		}
		lowerAll(a.DisabledPlans)
		for _, p := range a.DisabledPlans {
			if !isGUID(p) {
				return s.badRequest(req, msgNotAGUID)
			}
			if !sku.hasPlan(p) {
				return s.badRequest(req, fmt.Sprintf("Service plan %s is not part of license %s.", p, a.SKUID))
			}
		}
		if u.UsageLocation == "" {
			return s.badRequest(req, msgUsageLocation)
		}
		direct, inherited := s.dir.holds(u, a.SKUID)
		if !direct && !inherited && s.dir.consumed(a.SKUID) >= sku.PrepaidUnits {
			return s.badRequest(req, fmt.Sprintf(msgNoSeats, a.SKUID))
		}
	}
	for i, r := range removes {
		r = strings.ToLower(r)
		removes[i] = r
		if !isGUID(r) {
			return s.badRequest(req, msgNotAGUID)
		}
		if s.dir.skus[r] == nil {
			return s.badRequest(req, fmt.Sprintf(msgUnknownLicense, r))
		}
		if slices.ContainsFunc(adds, func(a assignedLicense) bool { return a.SKUID == r }) {
			return s.badRequest(req, fmt.Sprintf("License %s cannot be both added and removed.", r))
		}
		switch direct, inherited := s.dir.holds(u, r); {
		case direct && s.dir.skus[r].selfServiceOnly():
			return s.badRequest(req, fmt.Sprintf(msgSelfService, r))
		case direct:
		case inherited:
			return s.badRequest(req, msgInherited)
		default:
			return s.badRequest(req, msgNotAssigned)
		}
	}

	now := s.cfg.now()
	for _, r := range removes {
		u.Licenses = slices.DeleteFunc(u.Licenses, func(l License) bool { return l.SKUID == r })
		s.removals[u.ID+"|"+r]++
		s.dir.assigned[u.ID+"|"+r] = now
	}
	for _, a := range adds {
		l := License{SKUID: a.SKUID, DisabledPlans: nonNil(a.DisabledPlans)}
		if i := slices.IndexFunc(u.Licenses, func(x License) bool { return x.SKUID == a.SKUID }); i >= 0 {
			u.Licenses[i] = l // re-assigning a product changes its disabled plans
		} else {
			u.Licenses = append(u.Licenses, l)
		}
		s.restores[u.ID+"|"+a.SKUID]++
		s.dir.assigned[u.ID+"|"+a.SKUID] = now
	}

	sel := selection{}
	for _, name := range append(slices.Clone(userDefaultProperties), "accountEnabled", "assignedLicenses", "usageLocation") {
		sel[strings.ToLower(name)] = true
	}
	body, err := s.userJSON(u, sel)
	if err != nil {
		return s.badRequest(req, err.Error())
	}
	body["@odata.context"] = req.base + "/$metadata#users/$entity"
	return ok(body)
}
