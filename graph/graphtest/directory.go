package graphtest

import (
	"slices"
	"strings"
	"time"
)

// directory is the Server's mutable copy of the tenant with its lookups. Every method is
// called with Server.mu held.
type directory struct {
	tenant Tenant
	users  map[string]*User // by lower-case id and lower-case UPN
	groups map[string]*Group
	skus   map[string]*SKU
	// assigned records when a user's direct assignment of a product last changed, for
	// licenseAssignmentStates.lastUpdatedDateTime.
	assigned map[string]time.Time
	start    time.Time
}

func newDirectory(t Tenant, now time.Time) *directory {
	d := &directory{
		tenant:   t,
		users:    map[string]*User{},
		groups:   map[string]*Group{},
		skus:     map[string]*SKU{},
		assigned: map[string]time.Time{},
		start:    now,
	}
	for i := range d.tenant.Users {
		u := &d.tenant.Users[i]
		d.users[u.ID] = u
		d.users[strings.ToLower(u.UserPrincipalName)] = u
		for _, l := range u.Licenses {
			days := l.AssignedDaysAgo
			if days == 0 {
				days = u.createdDaysAgo() // given the product when the account was made
			}
			d.assigned[u.ID+"|"+l.SKUID] = now.AddDate(0, 0, -days)
		}
	}
	for i := range d.tenant.Groups {
		d.groups[d.tenant.Groups[i].ID] = &d.tenant.Groups[i]
	}
	for i := range d.tenant.SKUs {
		d.skus[d.tenant.SKUs[i].SKUID] = &d.tenant.SKUs[i]
	}
	return d
}

// user finds a user by object id or userPrincipalName, case-insensitively like Graph.
func (d *directory) user(idOrUPN string) *User { return d.users[strings.ToLower(idOrUPN)] }

// memberOf lists the groups the user is a member of, in fixture order.
func (d *directory) memberOf(u *User) []*Group {
	var gs []*Group
	for i := range d.tenant.Groups {
		g := &d.tenant.Groups[i]
		if slices.Contains(g.Members, u.ID) {
			gs = append(gs, g)
		}
	}
	return gs
}

// assignmentPath is one way a user holds a product: directly (group nil) or through a group.
type assignmentPath struct {
	skuID         string
	group         *Group
	disabledPlans []string
}

// paths lists the user's license assignment states: direct ones first, then per group, as
// Graph lists a product once per path.
func (d *directory) paths(u *User) []assignmentPath {
	var ps []assignmentPath
	for _, l := range u.Licenses {
		ps = append(ps, assignmentPath{skuID: l.SKUID, disabledPlans: l.DisabledPlans})
	}
	for _, g := range d.memberOf(u) {
		for _, l := range g.Licenses {
			ps = append(ps, assignmentPath{skuID: l.SKUID, group: g, disabledPlans: l.DisabledPlans})
		}
	}
	return ps
}

// effective is a product the user holds by any path, with the plans disabled in every path
// (a plan enabled by one path is enabled for the user).
type effective struct {
	sku           *SKU
	disabledPlans []string
}

func (d *directory) effective(u *User) []effective {
	var out []effective
	index := map[string]int{}
	for _, p := range d.paths(u) {
		i, seen := index[p.skuID]
		if !seen {
			index[p.skuID] = len(out)
			out = append(out, effective{sku: d.skus[p.skuID], disabledPlans: cloneStrings(p.disabledPlans)})
			continue
		}
		out[i].disabledPlans = slices.DeleteFunc(out[i].disabledPlans, func(plan string) bool {
			return !slices.Contains(p.disabledPlans, plan)
		})
	}
	return out
}

// holds reports how the user holds the product: directly and/or through groups.
func (d *directory) holds(u *User, skuID string) (direct, inherited bool) {
	for _, p := range d.paths(u) {
		if p.skuID != skuID {
			continue
		}
		if p.group == nil {
			direct = true
		} else {
			inherited = true
		}
	}
	return direct, inherited
}

// consumed counts the users holding the product by any path: one seat per user.
func (d *directory) consumed(skuID string) int {
	n := 0
	for i := range d.tenant.Users {
		for _, e := range d.effective(&d.tenant.Users[i]) {
			if e.sku.SKUID == skuID {
				n++
				break
			}
		}
	}
	return n
}

// roles lists the role template ids the user holds: directly, then through role-assignable
// groups, without duplicates.
func (d *directory) roles(u *User) []string {
	roles := cloneStrings(u.Roles)
	for _, g := range d.memberOf(u) {
		if !g.IsAssignableToRole {
			continue
		}
		for _, r := range g.Roles {
			if !slices.Contains(roles, r) {
				roles = append(roles, r)
			}
		}
	}
	return roles
}

func (d *directory) lastUpdated(userID, skuID string) time.Time {
	if t, ok := d.assigned[userID+"|"+skuID]; ok {
		return t
	}
	return d.start
}
