package licensing

import (
	"slices"
	"strings"
	"time"
)

// User is a target or a caller as the directory knows them, with every license assignment
// the directory reports. Licenses are read fresh for every plan: nothing here is cached.
type User struct {
	ID                string // Entra object id
	DisplayName       string
	UserPrincipalName string
	Mail              string
	AccountEnabled    bool
	UsageLocation     string
	Licenses          []Assignment
}

// Assignment is one product on one user, from the user's licenseAssignmentStates (how it got
// there, with the service plans turned off on each path) or, where Graph gives no states,
// assignedLicenses.
//
// It does not come from licenseDetails: Microsoft's reference for GET /users/{id}/licenseDetails
// lists application permissions as "Not supported", and licensebot runs with an app-only
// token. Which plans an assignment carries is the tenant's plans of the product
// (subscribedSkus) minus the ones turned off on every path (see NewPlan).
//
// A product can be assigned directly and through one or more groups at the same time:
// Graph then lists it once per path. Only the direct path can be removed from the user.
type Assignment struct {
	SKUID      string // lower-case GUID
	PartNumber string // skuPartNumber, e.g. ENTERPRISEPACK
	// Direct is true when the product is assigned to the user directly
	// (a licenseAssignmentState with assignedByGroup null).
	Direct bool
	// Groups are the groups the product is inherited from, with their names when known.
	Groups []Group
	// DisabledPlans are the service plan ids turned off in the direct assignment; an undo
	// must put them back exactly.
	DisabledPlans []string
	// ServicePlans are the plans this product gives the user: the product's plans with
	// ProvisioningStatus "Disabled" for those turned off on every path. NewPlan fills them
	// from the tenant's products when the directory gave none. A disabled plan does not
	// count as kept.
	ServicePlans []ServicePlanState
	// State is Graph's assignment state (Active, ActiveWithError, Disabled, Error).
	State string
}

// Group is a group a license is inherited from.
type Group struct {
	ID          string
	DisplayName string
	// Dynamic is true for a group with a membership rule: the user leaves it only when the
	// rule stops matching, not by removing them by hand.
	Dynamic bool
	// Synced is true for a group synced from on-premises Active Directory: its membership is
	// changed there, not in Entra.
	Synced bool
	// DisabledPlans are the service plan ids turned off in the product as this group assigns
	// it (the group path's licenseAssignmentState); empty outside an Assignment.
	DisabledPlans []string `json:",omitempty"`
}

// ServicePlanState is one service plan of an assigned product.
type ServicePlanState struct {
	ID                 string
	Name               string // servicePlanName, e.g. EXCHANGE_S_ENTERPRISE
	ProvisioningStatus string // Success, Disabled, PendingInput, PendingActivation, ...
}

// Enabled reports whether the plan works for the user (anything but Disabled).
func (p ServicePlanState) Enabled() bool { return p.ProvisioningStatus != "Disabled" }

// License returns the user's assignment of the product, if any.
func (u User) License(skuID string) (Assignment, bool) {
	for _, a := range u.Licenses {
		if equalID(a.SKUID, skuID) {
			return a, true
		}
	}
	return Assignment{}, false
}

// Inherited reports whether the assignment comes (also) from a group.
func (a Assignment) Inherited() bool { return len(a.Groups) > 0 }

// TenantProduct is a product the organisation subscribes to (Graph's subscribedSku), with
// its seats and, where they could be read, its subscriptions.
type TenantProduct struct {
	SKUID      string
	PartNumber string
	// CapabilityStatus is Enabled, Warning, Suspended, Deleted or LockedOut.
	CapabilityStatus string
	// Purchased is prepaidUnits.enabled: the seats paid for and usable.
	Purchased int
	// Assigned is consumedUnits.
	Assigned int
	// Subscriptions are the organisation's subscriptions of this product, where known (see
	// WithSubscriptions).
	Subscriptions []Subscription
	ServicePlans  []ServicePlanState
}

// Subscription is one commercial subscription of a product (Graph's companySubscription).
type Subscription struct {
	ID            string
	SKUID         string
	Status        string // Enabled, Warning, Suspended, Deleted, LockedOut
	TotalLicenses int
	IsTrial       bool
	// NextLifecycle is Graph's nextLifecycleDateTime: when the subscription moves to its next
	// state (for example from Enabled to Expired) if it isn't renewed. It is not a renewal
	// date. Zero when unknown.
	NextLifecycle time.Time
	// OwnerType and OwnerID are Graph's ownerType and ownerId: "the entity that ownerId
	// belongs to, for example, User". Microsoft ties no value to self-service purchases, and
	// its own List example shows ownerType "User" on an ordinary company subscription
	// (https://learn.microsoft.com/graph/api/resources/companysubscription), so it is only a
	// hint (see UserOwned), never a reason to leave a license alone.
	OwnerType string
	OwnerID   string
}

// UserOwned reports whether every subscription of the product names a user as its owner. It
// may be a self-service purchase, which an admin must take over before unassigning
// (Microsoft's "Unassign licenses from users" article), or an ordinary subscription that
// Graph shows that way: the bot says so and tries, and explains the take-over step if Graph
// refuses.
func (tp TenantProduct) UserOwned() bool {
	if len(tp.Subscriptions) == 0 {
		return false
	}
	for _, s := range tp.Subscriptions {
		if !strings.EqualFold(s.OwnerType, "User") {
			return false
		}
	}
	return true
}

// WithSubscriptions returns the products with their subscriptions (Graph's
// companySubscription list, matched by skuId) attached, replacing any they had.
func WithSubscriptions(products []TenantProduct, subs []Subscription) []TenantProduct {
	bySKU := map[string][]Subscription{}
	for _, s := range subs {
		id := normalizeID(s.SKUID)
		bySKU[id] = append(bySKU[id], s)
	}
	out := slices.Clone(products)
	for i := range out {
		out[i].Subscriptions = bySKU[normalizeID(out[i].SKUID)]
	}
	return out
}
