package licensing

import "time"

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

// Assignment is one product on one user, merged from the user's licenseAssignmentStates
// (how it got there) and licenseDetails (which service plans it carries).
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
	// ServicePlans are the plans this product gives the user, with their provisioning
	// status (Success, Disabled, PendingInput, ...). A disabled plan does not count as kept.
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
// its seats and whether its subscriptions were bought by users themselves.
type TenantProduct struct {
	SKUID      string
	PartNumber string
	// CapabilityStatus is Enabled, Warning, Suspended, Deleted or LockedOut.
	CapabilityStatus string
	// Purchased is prepaidUnits.enabled: the seats paid for and usable.
	Purchased int
	// Assigned is consumedUnits.
	Assigned int
	// SelfService is true when every subscription of the product was bought by a user for
	// themselves (self-service purchase): an admin must take it over before unassigning.
	SelfService bool
	// Subscriptions are the organisation's subscriptions of this product, where known.
	Subscriptions []Subscription
	ServicePlans  []ServicePlanState
}

// Subscription is one commercial subscription of a product (Graph's companySubscription).
type Subscription struct {
	ID            string
	Status        string // Enabled, Warning, Suspended, Deleted, LockedOut
	TotalLicenses int
	IsTrial       bool
	// NextLifecycle is when the subscription next changes state (renewal or expiry); zero
	// when unknown.
	NextLifecycle time.Time
	// OwnerType is "User" for a self-service purchase (the buyer's object id in OwnerID);
	// empty or "Company" for the organisation's own.
	OwnerType string
	OwnerID   string
}
