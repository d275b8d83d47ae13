package graphtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

// Tenant is the fixture organisation a Server answers from. Its JSON form (what LoadTenant
// reads) is one object with three arrays; field names follow Graph's own where Graph has one:
//
//	{
//	  "users": [{
//	    "id": "<guid>", "displayName": "Alice Wood", "userPrincipalName": "alice@contoso.example",
//	    "mail": "alice@contoso.example", "accountEnabled": true, "usageLocation": "US",
//	    "manager": "megan@contoso.example",                    // a user id or UPN; optional
//	    "licenses": [{"skuId": "<guid>", "disabledPlans": ["<service plan guid>"]}],  // direct only
//	    "roles": ["<role template id>"]                         // directory roles held directly
//	  }],
//	  "groups": [{
//	    "id": "<guid>", "displayName": "Licensing - EMS",
//	    "groupTypes": ["DynamicMembership"], "membershipRule": "user.department -eq \"Sales\"",
//	    "onPremisesSyncEnabled": false, "isAssignableToRole": false,
//	    "members": ["alice@contoso.example", "<user id>"],   // users only (ids or UPNs)
//	    "licenses": [{"skuId": "<guid>", "disabledPlans": []}], // group-based licensing
//	    "roles": ["<role template id>"]                         // only when isAssignableToRole
//	  }],
//	  "skus": [{
//	    "skuId": "<guid>", "skuPartNumber": "ENTERPRISEPACK", "appliesTo": "User",
//	    "capabilityStatus": "Enabled", "prepaidUnits": 20,     // prepaidUnits.enabled
//	    "servicePlans": [{"servicePlanId": "<guid>", "servicePlanName": "EXCHANGE_S_ENTERPRISE"}],
//	    "subscriptions": [{"id": "<guid>", "status": "Enabled", "totalLicenses": 20, "isTrial": false,
//	      "createdDaysAgo": 400, "nextLifecycleInDays": 120,   // relative to the clock; or instead:
//	      "createdDateTime": "2025-01-01T00:00:00Z", "nextLifecycleDateTime": "2026-12-01T00:00:00Z",
//	      "ownerType": "User", "ownerId": "<user id or UPN>",   // optional: served as given
//	      "selfServicePurchase": true}]                         // fixture only: see Subscription
//	  }]
//	}
//
// Subscription dates are either absolute (createdDateTime, nextLifecycleDateTime, RFC 3339) or
// relative to the clock of the Server they are served by (WithClock; time.Now by default),
// resolved once when NewServer builds it: createdDaysAgo N is midnight UTC of the clock's day
// minus N days, nextLifecycleInDays N that midnight plus N days (negative: already passed).
// Giving both forms of one date is an error. Relative dates keep a fixture meaningful on any
// day: a subscription created in the past whose renewal is still ahead.
//
// Defaults: accountEnabled true, appliesTo "User", capabilityStatus and subscription status
// "Enabled", prepaidUnits the sum of the enabled subscriptions' totalLicenses. Unknown fields
// are an error, so a typo in a fixture does not silently drop data.
type Tenant struct {
	Users  []User  `json:"users"`
	Groups []Group `json:"groups"`
	SKUs   []SKU   `json:"skus"`
}

// User is a fixture user. Licenses are the direct assignments only: group-based ones come
// from the groups the user is a member of.
type User struct {
	ID                string    `json:"id"`
	DisplayName       string    `json:"displayName"`
	UserPrincipalName string    `json:"userPrincipalName"`
	Mail              string    `json:"mail,omitempty"`
	AccountEnabled    bool      `json:"accountEnabled"`
	UsageLocation     string    `json:"usageLocation,omitempty"`
	Manager           string    `json:"manager,omitempty"`
	Licenses          []License `json:"licenses,omitempty"`
	Roles             []string  `json:"roles,omitempty"`
	// CreatedDaysAgo is when the account was created, before the server's start (0: 400
	// days). LastSignInDaysAgo is the last successful sign-in, before the start (0: the
	// start itself); NeverSignedIn: none (signInActivity's dates are null).
	CreatedDaysAgo    int  `json:"createdDaysAgo,omitempty"`
	LastSignInDaysAgo int  `json:"lastSignInDaysAgo,omitempty"`
	NeverSignedIn     bool `json:"neverSignedIn,omitempty"`
	// MailboxPurpose is mailboxSettings' userPurpose ("user" when empty; "shared"; "none":
	// no mailbox, answered 404).
	MailboxPurpose string `json:"mailboxPurpose,omitempty"`
}

// UnmarshalJSON defaults accountEnabled to true: a fixture lists the exceptions.
func (u *User) UnmarshalJSON(b []byte) error {
	type plain User
	p := plain{AccountEnabled: true}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return err
	}
	*u = User(p)
	return nil
}

// License is one product assigned to a user or a group (Graph's assignedLicense).
type License struct {
	SKUID         string   `json:"skuId"`
	DisabledPlans []string `json:"disabledPlans"`
	// AssignedDaysAgo is when the direct assignment was made, before the server's start (0:
	// when the account was created): licenseAssignmentStates' lastUpdatedDateTime.
	AssignedDaysAgo int `json:"assignedDaysAgo,omitempty"`
}

// Group is a fixture group: group-based licenses for its members and, for a role-assignable
// group, directory roles its members hold through it.
type Group struct {
	ID                    string   `json:"id"`
	DisplayName           string   `json:"displayName"`
	GroupTypes            []string `json:"groupTypes,omitempty"`
	MembershipRule        string   `json:"membershipRule,omitempty"`
	OnPremisesSyncEnabled bool     `json:"onPremisesSyncEnabled,omitempty"`
	IsAssignableToRole    bool     `json:"isAssignableToRole,omitempty"`
	Members               []string `json:"members,omitempty"`
	// NestedGroups are groups that are members of this one (their members are transitive
	// members; group-based licensing doesn't pass licenses through them), Devices the ids
	// of members that are devices.
	NestedGroups []string  `json:"nestedGroups,omitempty"`
	Devices      []string  `json:"devices,omitempty"`
	Licenses     []License `json:"licenses,omitempty"`
	Roles        []string  `json:"roles,omitempty"`
}

// SKU is a product the organisation subscribes to (Graph's subscribedSku) with its
// subscriptions (Graph's companySubscription).
type SKU struct {
	SKUID            string         `json:"skuId"`
	SKUPartNumber    string         `json:"skuPartNumber"`
	AppliesTo        string         `json:"appliesTo,omitempty"`
	CapabilityStatus string         `json:"capabilityStatus,omitempty"`
	PrepaidUnits     int            `json:"prepaidUnits"`
	ServicePlans     []ServicePlan  `json:"servicePlans"`
	Subscriptions    []Subscription `json:"subscriptions,omitempty"`
	// ConsumedUnits is computed by the Server (users holding the product by any path); it is
	// not read from fixtures.
	ConsumedUnits int `json:"-"`
}

// ServicePlan is one service plan a product carries.
type ServicePlan struct {
	ID   string `json:"servicePlanId"`
	Name string `json:"servicePlanName"`
}

// Subscription is one commercial subscription of a product (Graph's companySubscription).
//
// OwnerType and OwnerID are served as given. Graph's companySubscription documents ownerType
// as "Indicates the entity that ownerId belongs to, for example, \"User\"", and Microsoft's own
// List subscriptions example shows ownerType "User" on an ordinary company subscription
// (https://learn.microsoft.com/graph/api/directory-list-subscriptions): the owner says nothing
// reliable about who bought it, so it is not how a fixture marks a self-service purchase.
//
// SelfServicePurchase is fixture-only (never served: Graph has no such property) and marks a
// subscription a user bought with their own card. Microsoft documents that the purchaser
// manages the licenses of such a purchase and that an admin's way out is to assign a centrally
// bought license and ask the purchaser to cancel ("Manage self-service purchases (Admin)",
// https://learn.microsoft.com/microsoft-365/commerce/subscriptions/manage-self-service-purchases-admins;
// "Self-service purchase FAQ"). The Server refuses to remove a product from a user through
// assignLicense when every enabled subscription of it is such a purchase (see assignLicense).
//
// CreatedDaysAgo and NextLifecycleInDays are the relative forms of CreatedDateTime and
// NextLifecycleDateTime (see Tenant); NewServer resolves them into the absolute fields.
type Subscription struct {
	ID                    string    `json:"id"`
	Status                string    `json:"status,omitempty"`
	TotalLicenses         int       `json:"totalLicenses"`
	IsTrial               bool      `json:"isTrial,omitempty"`
	CreatedDateTime       time.Time `json:"createdDateTime,omitzero"`
	NextLifecycleDateTime time.Time `json:"nextLifecycleDateTime,omitzero"`
	CreatedDaysAgo        *int      `json:"createdDaysAgo,omitempty"`
	NextLifecycleInDays   *int      `json:"nextLifecycleInDays,omitempty"`
	OwnerType             string    `json:"ownerType,omitempty"`
	OwnerID               string    `json:"ownerId,omitempty"`
	SelfServicePurchase   bool      `json:"selfServicePurchase,omitempty"`
}

// resolveDates turns relative subscription dates into absolute ones against now: created
// CreatedDaysAgo days before, and the next lifecycle NextLifecycleInDays days after, midnight
// UTC of now's day (a whole day, as Graph's own dates usually are, and never after now).
func (t *Tenant) resolveDates(now time.Time) {
	y, m, d := now.UTC().Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	for i := range t.SKUs {
		for j := range t.SKUs[i].Subscriptions {
			sub := &t.SKUs[i].Subscriptions[j]
			if sub.CreatedDaysAgo != nil {
				sub.CreatedDateTime = midnight.AddDate(0, 0, -*sub.CreatedDaysAgo)
				sub.CreatedDaysAgo = nil
			}
			if sub.NextLifecycleInDays != nil {
				sub.NextLifecycleDateTime = midnight.AddDate(0, 0, *sub.NextLifecycleInDays)
				sub.NextLifecycleInDays = nil
			}
		}
	}
}

// selfServiceOnly reports whether every enabled subscription of the product (and at least
// one) is a self-service purchase: then no organisation-bought license backs it.
func (s *SKU) selfServiceOnly() bool {
	enabled := 0
	for _, sub := range s.Subscriptions {
		if sub.Status != "Enabled" {
			continue
		}
		if !sub.SelfServicePurchase {
			return false
		}
		enabled++
	}
	return enabled > 0
}

// LoadTenant reads a fixture in the JSON form documented on Tenant, applies the defaults,
// resolves member and manager references to user ids and checks that every reference points
// somewhere.
func LoadTenant(r io.Reader) (Tenant, error) {
	var t Tenant
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return Tenant{}, fmt.Errorf("load tenant: %w", err)
	}
	if err := t.normalize(); err != nil {
		return Tenant{}, fmt.Errorf("load tenant: %w", err)
	}
	return t, nil
}

var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func isGUID(s string) bool { return guidPattern.MatchString(s) }

// normalize lower-cases ids, applies defaults, resolves references to user ids and reports
// every inconsistency at once.
func (t *Tenant) normalize() error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	skus := map[string]*SKU{}
	for i := range t.SKUs {
		s := &t.SKUs[i]
		s.SKUID = strings.ToLower(s.SKUID)
		if !isGUID(s.SKUID) {
			fail("sku %q: skuId is not a GUID", s.SKUPartNumber)
		}
		if skus[s.SKUID] != nil {
			fail("sku %s: duplicate skuId", s.SKUID)
		}
		skus[s.SKUID] = s
		if s.AppliesTo == "" {
			s.AppliesTo = "User"
		}
		if s.CapabilityStatus == "" {
			s.CapabilityStatus = "Enabled"
		}
		enabled := 0
		for j := range s.ServicePlans {
			p := &s.ServicePlans[j]
			p.ID = strings.ToLower(p.ID)
			if !isGUID(p.ID) {
				fail("sku %s: service plan %q id is not a GUID", s.SKUPartNumber, p.Name)
			}
		}
		for j := range s.Subscriptions {
			sub := &s.Subscriptions[j]
			sub.ID = strings.ToLower(sub.ID)
			if sub.Status == "" {
				sub.Status = "Enabled"
			}
			if sub.Status == "Enabled" {
				enabled += sub.TotalLicenses
			}
			if !sub.CreatedDateTime.IsZero() && sub.CreatedDaysAgo != nil {
				fail("sku %s: subscription %s has both createdDateTime and createdDaysAgo", s.SKUPartNumber, sub.ID)
			}
			if sub.CreatedDaysAgo != nil && *sub.CreatedDaysAgo < 0 {
				fail("sku %s: subscription %s createdDaysAgo %d is in the future", s.SKUPartNumber, sub.ID, *sub.CreatedDaysAgo)
			}
			if !sub.NextLifecycleDateTime.IsZero() && sub.NextLifecycleInDays != nil {
				fail("sku %s: subscription %s has both nextLifecycleDateTime and nextLifecycleInDays", s.SKUPartNumber, sub.ID)
			}
		}
		if s.PrepaidUnits == 0 {
			s.PrepaidUnits = enabled
		}
	}

	userIDs := map[string]string{} // lower id or UPN → id
	for i := range t.Users {
		u := &t.Users[i]
		u.ID = strings.ToLower(u.ID)
		if !isGUID(u.ID) {
			fail("user %q: id is not a GUID", u.UserPrincipalName)
		}
		if u.UserPrincipalName == "" {
			fail("user %s: userPrincipalName is empty", u.ID)
		}
		for _, key := range []string{u.ID, strings.ToLower(u.UserPrincipalName)} {
			if _, dup := userIDs[key]; dup {
				fail("user %s: duplicate id or userPrincipalName", key)
			}
			userIDs[key] = u.ID
		}
	}
	resolve := func(ref string) (string, bool) {
		id, ok := userIDs[strings.ToLower(ref)]
		return id, ok
	}
	checkLicenses := func(owner string, ls []License) {
		seen := map[string]bool{}
		for k := range ls {
			l := &ls[k]
			l.SKUID = strings.ToLower(l.SKUID)
			s := skus[l.SKUID]
			if s == nil {
				fail("%s: license %s is not one of the tenant's skus", owner, l.SKUID)
				continue
			}
			if seen[l.SKUID] {
				fail("%s: license %s listed twice", owner, l.SKUID)
			}
			seen[l.SKUID] = true
			if l.DisabledPlans == nil {
				l.DisabledPlans = []string{}
			}
			for m, p := range l.DisabledPlans {
				l.DisabledPlans[m] = strings.ToLower(p)
				if !s.hasPlan(l.DisabledPlans[m]) {
					fail("%s: disabled plan %s is not a plan of %s", owner, p, s.SKUPartNumber)
				}
			}
		}
	}
	for i := range t.Users {
		u := &t.Users[i]
		if u.Manager != "" {
			id, ok := resolve(u.Manager)
			switch {
			case !ok:
				fail("user %s: manager %q is not a user", u.UserPrincipalName, u.Manager)
			case id == u.ID:
				fail("user %s: is their own manager", u.UserPrincipalName)
			default:
				u.Manager = id
			}
		}
		checkLicenses("user "+u.UserPrincipalName, u.Licenses)
		lowerAll(u.Roles)
	}

	groupIDs := map[string]bool{}
	for i := range t.Groups {
		g := &t.Groups[i]
		g.ID = strings.ToLower(g.ID)
		if !isGUID(g.ID) {
			fail("group %q: id is not a GUID", g.DisplayName)
		}
		if groupIDs[g.ID] || userIDs[g.ID] != "" {
			fail("group %s: duplicate object id", g.ID)
		}
		groupIDs[g.ID] = true
		for k, m := range g.Members {
			id, ok := resolve(m)
			if !ok {
				fail("group %q: member %q is not a user", g.DisplayName, m)
				continue
			}
			g.Members[k] = id
		}
		checkLicenses("group "+g.DisplayName, g.Licenses)
		lowerAll(g.Roles)
		if len(g.Roles) > 0 && !g.IsAssignableToRole {
			// Entra only lets directory roles be assigned to role-assignable groups.
			fail("group %q: has roles but isAssignableToRole is false", g.DisplayName)
		}
	}
	for i := range t.SKUs {
		s := &t.SKUs[i]
		for j := range s.Subscriptions {
			sub := &s.Subscriptions[j]
			if sub.OwnerType == "User" {
				id, ok := resolve(sub.OwnerID)
				if !ok {
					fail("sku %s: subscription %s owner %q is not a user", s.SKUPartNumber, sub.ID, sub.OwnerID)
					continue
				}
				sub.OwnerID = id
			}
		}
	}
	return errors.Join(errs...)
}

func (s *SKU) hasPlan(id string) bool {
	for _, p := range s.ServicePlans {
		if p.ID == id {
			return true
		}
	}
	return false
}

func lowerAll(ss []string) {
	for i, s := range ss {
		ss[i] = strings.ToLower(s)
	}
}

// clone returns a deep copy, so a Server never shares slices with its caller.
func (t Tenant) clone() Tenant {
	c := Tenant{
		Users:  make([]User, len(t.Users)),
		Groups: make([]Group, len(t.Groups)),
		SKUs:   make([]SKU, len(t.SKUs)),
	}
	for i, u := range t.Users {
		c.Users[i] = u.clone()
	}
	for i, g := range t.Groups {
		g.GroupTypes = cloneStrings(g.GroupTypes)
		g.Members = cloneStrings(g.Members)
		g.Licenses = cloneLicenses(g.Licenses)
		g.Roles = cloneStrings(g.Roles)
		c.Groups[i] = g
	}
	for i, s := range t.SKUs {
		c.SKUs[i] = s.clone()
	}
	return c
}

func (u User) clone() User {
	u.Licenses = cloneLicenses(u.Licenses)
	u.Roles = cloneStrings(u.Roles)
	return u
}

func (s SKU) clone() SKU {
	s.ServicePlans = append([]ServicePlan(nil), s.ServicePlans...)
	s.Subscriptions = append([]Subscription(nil), s.Subscriptions...)
	for i := range s.Subscriptions {
		sub := &s.Subscriptions[i]
		sub.CreatedDaysAgo = cloneInt(sub.CreatedDaysAgo)
		sub.NextLifecycleInDays = cloneInt(sub.NextLifecycleInDays)
	}
	return s
}

func cloneInt(p *int) *int {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func cloneLicenses(ls []License) []License {
	if ls == nil {
		return nil
	}
	out := make([]License, len(ls))
	for i, l := range ls {
		out[i] = License{SKUID: l.SKUID, DisabledPlans: cloneStrings(l.DisabledPlans), AssignedDaysAgo: l.AssignedDaysAgo}
	}
	return out
}

func cloneStrings(ss []string) []string {
	if ss == nil {
		return nil
	}
	return append([]string{}, ss...)
}

// createdDaysAgo is CreatedDaysAgo with its default: 400 days before the start.
func (u *User) createdDaysAgo() int {
	if u.CreatedDaysAgo == 0 {
		return 400
	}
	return u.CreatedDaysAgo
}
