package licensing

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Selection is which products a request removes.
type Selection struct {
	// SKUIDs are the products to remove from every target.
	SKUIDs []string
	// All removes every license each target has (SKUIDs are then ignored): the admin
	// center's "Unassign all".
	All bool
}

// Target is one user a request names, as the directory resolved them.
type Target struct {
	Query string // what the admin typed: UPN, mail or object id
	User  User
	Found bool // false: the directory has no such user
}

// SkipReason is why a product is left on a user.
type SkipReason int

const (
	// SkipNone: not skipped; the product will be removed.
	SkipNone SkipReason = iota
	// SkipInherited: the user has the product only through group(s); Graph refuses to remove
	// an inherited license from the user ("User license is inherited from a group
	// membership and it cannot be removed directly from the user."): the user must leave
	// the group, or the group lose the license.
	SkipInherited
	// SkipSelfService is no longer decided: Graph gives no reliable sign of a self-service
	// purchase (see Subscription.OwnerType), so such a license is tried and, when Graph
	// refuses, the take-over step is explained (Item.UserOwned). It stays so that requests
	// stored before still read.
	SkipSelfService
	// SkipNotAssigned: the user does not have the product.
	SkipNotAssigned
	// SkipUserNotFound: the directory has no such user.
	SkipUserNotFound
)

func (r SkipReason) String() string {
	switch r {
	case SkipNone:
		return "none"
	case SkipInherited:
		return "inherited"
	case SkipSelfService:
		return "self-service"
	case SkipNotAssigned:
		return "not-assigned"
	case SkipUserNotFound:
		return "user-not-found"
	}
	return "SkipReason(" + strconv.Itoa(int(r)) + ")"
}

// Item is one product on one user in a plan: removed, or skipped and why.
type Item struct {
	SKUID, PartNumber, Name string
	Skip                    SkipReason // SkipNone: will be removed
	// Groups, for SkipInherited, are the groups the product comes from. For a removal of a
	// direct assignment the user also inherits, they are the groups through which the user
	// keeps the product: the removal frees no seat and changes nothing the user can use.
	Groups []Group
	// DisabledPlans are the direct assignment's disabled service plan ids, for an undo.
	DisabledPlans []string
	// UserOwned: every subscription of the product names a user as its owner
	// (TenantProduct.UserOwned). If it is a self-service purchase, an admin must take it over
	// before Graph lets it be unassigned: the plan says so, and a refusal explains it.
	UserOwned bool `json:",omitempty"`
}

// UserPlan is what a request does to one user.
type UserPlan struct {
	Query  string
	User   User
	Found  bool
	Remove []Item
	Skip   []Item
	// Overlaps are the capabilities the user gets from more than one product (Overlaps).
	Overlaps []Overlap `json:",omitempty"`
	// MailboxPurpose is, for a leaver whose removal takes the mailbox, its kind as read
	// ("user", "shared", …; "unknown" when it couldn't be read).
	MailboxPurpose string `json:",omitempty"`
}

// RemovedSKUIDs are the products the plan removes from the user, in plan order.
func (up UserPlan) RemovedSKUIDs() []string {
	ids := make([]string, 0, len(up.Remove))
	for _, it := range up.Remove {
		ids = append(ids, it.SKUID)
	}
	return ids
}

// Plan is what a request does, user by user, in the order the targets were given.
type Plan struct {
	Users []UserPlan
	// Source says how the users were found when they weren't named one by one.
	Source *Source `json:",omitempty"`
	// Leaver: before the removals, the user's sign-in is blocked and their sessions revoked.
	Leaver bool `json:",omitempty"`
	// RunAt, when set, is when the plan is carried out (read again then).
	RunAt time.Time `json:",omitzero"`
}

// The kinds of Source.
const (
	SourceGroup   = "group"   // a group's transitive members that are users
	SourceHolders = "holders" // everyone who holds a product directly
	// SourceInactive: the products' direct holders who haven't signed in for Days days.
	SourceInactive = "inactive"
)

// Source is a target that stood for many users, as it was expanded: the group (its id and
// name) or the product (its SKU id), how many users it gave, and how many it left out
// (members that aren't users; holders through a group only).
type Source struct {
	Kind    string
	ID      string
	Name    string
	Users   int
	LeftOut int `json:",omitempty"`
	// Days is, for SourceInactive, the window; Excluded the users left out because the
	// organisation listed them (accounts kept unused on purpose).
	Days     int `json:",omitempty"`
	Excluded int `json:",omitempty"`
	// Via is where inactivity was read: "" (Entra sign-in activity) or "report" (Microsoft
	// 365's activity report, for a tenant without Entra ID P1).
	Via string `json:",omitempty"`
}

// Removals is the number of (user, product) removals.
func (p Plan) Removals() int {
	n := 0
	for _, up := range p.Users {
		n += len(up.Remove)
	}
	return n
}

// SKUIDs are the distinct products the plan removes from anyone, in order of first removal.
func (p Plan) SKUIDs() []string {
	var ids []string
	for _, up := range p.Users {
		for _, it := range up.Remove {
			if !slices.Contains(ids, it.SKUID) {
				ids = append(ids, it.SKUID)
			}
		}
	}
	return ids
}

// NewPlan decides, for each target and each selected product, whether the product is
// removed or left alone and why. It reads the users' licenses as given (fresh from the
// directory) and changes nothing. A user named twice (same object id) is planned once.
//
// Each assignment the directory gave without service plans gets them from the tenant's
// product (subscribedSkus' servicePlans) minus those turned off on every path, so that the
// notices know what the user loses and keeps without licenseDetails.
func NewPlan(targets []Target, sel Selection, tenant []TenantProduct, cat *Catalogue) Plan {
	var plan Plan
	seen := map[string]bool{}
	for _, t := range targets {
		key := "query:" + fold(t.Query)
		if t.Found && t.User.ID != "" {
			key = "id:" + normalizeID(t.User.ID)
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		t.User = withServicePlans(t.User, tenant)
		plan.Users = append(plan.Users, planUser(t, sel, tenant, cat))
	}
	return plan
}

func planUser(t Target, sel Selection, tenant []TenantProduct, cat *Catalogue) UserPlan {
	up := UserPlan{Query: t.Query, User: t.User, Found: t.Found}
	if !t.Found {
		up.Skip = []Item{{Skip: SkipUserNotFound}}
		return up
	}
	up.Overlaps = Overlaps(t.User, cat)
	var skus []string
	if sel.All {
		for _, a := range t.User.Licenses {
			skus = append(skus, a.SKUID)
		}
	} else {
		skus = sel.SKUIDs
	}
	var done []string
	for _, sku := range skus {
		sku = normalizeID(sku)
		if sku == "" || slices.Contains(done, sku) {
			continue
		}
		done = append(done, sku)
		it := planItem(t.User, sku, tenant, cat)
		if it.Skip == SkipNone {
			up.Remove = append(up.Remove, it)
		} else {
			up.Skip = append(up.Skip, it)
		}
	}
	return up
}

func planItem(u User, sku string, tenant []TenantProduct, cat *Catalogue) Item {
	tp, subscribed := findTenantProduct(tenant, sku)
	a, assigned := u.License(sku)
	part := a.PartNumber
	if part == "" {
		part = tp.PartNumber
	}
	if part == "" {
		if p, ok := cat.Lookup(sku); ok {
			part = p.PartNumber
		}
	}
	it := Item{SKUID: sku, PartNumber: part, Name: cat.DisplayName(sku, part), UserOwned: subscribed && tp.UserOwned()}
	switch {
	case !assigned:
		it.Skip = SkipNotAssigned
	case !a.Direct:
		// Graph lists the product only through group paths (or, oddly, through none):
		// there is no direct assignment to remove.
		it.Skip = SkipInherited
		it.Groups = slices.Clone(a.Groups)
	default:
		it.Groups = slices.Clone(a.Groups)
		it.DisabledPlans = slices.Clone(a.DisabledPlans)
	}
	return it
}

func findTenantProduct(tenant []TenantProduct, sku string) (TenantProduct, bool) {
	for _, tp := range tenant {
		if equalID(strings.TrimSpace(tp.SKUID), sku) {
			return tp, true
		}
	}
	return TenantProduct{}, false
}

// withServicePlans gives each of the user's assignments that has no service plans the
// tenant product's plans, marking Disabled those turned off on every path the user holds it
// by (directly and through each group). A product the tenant doesn't list keeps none: the
// notices then go by the catalogue.
func withServicePlans(u User, tenant []TenantProduct) User {
	licenses := slices.Clone(u.Licenses)
	for i, a := range licenses {
		tp, ok := findTenantProduct(tenant, normalizeID(a.SKUID))
		if len(a.ServicePlans) > 0 || !ok || len(tp.ServicePlans) == 0 {
			continue
		}
		var paths [][]string
		if a.Direct {
			paths = append(paths, a.DisabledPlans)
		}
		for _, g := range a.Groups {
			paths = append(paths, g.DisabledPlans)
		}
		plans := make([]ServicePlanState, 0, len(tp.ServicePlans))
		for _, p := range tp.ServicePlans {
			off := len(paths) > 0
			for _, disabled := range paths {
				if !slices.ContainsFunc(disabled, func(id string) bool { return equalID(id, p.ID) }) {
					off = false
					break
				}
			}
			if off {
				p.ProvisioningStatus = "Disabled"
			}
			plans = append(plans, p)
		}
		licenses[i].ServicePlans = plans
	}
	u.Licenses = licenses
	return u
}
