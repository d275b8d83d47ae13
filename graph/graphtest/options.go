package graphtest

import (
	"math"
	"time"
)

// Option changes how a Server behaves.
type Option func(*config)

type config struct {
	latency          time.Duration
	throttle         *throttleConfig
	failureRate      float64
	batchFailureRate float64
	failureSeed      int64
	token            string
	pageSize         int
	noPremium        bool
	concealedReports bool
	now              func() time.Time
	worstCase        bool
	answerFaults     []answerRoute // as given to WithAnswerFault; parsed by newServer
}

// throttleConfig is a set of token buckets every write must find a token in: the first
// exhausted one throttles it.
type throttleConfig struct {
	buckets    []bucketConfig
	retryAfter time.Duration // 0: computed from the bucket that refused
}

// bucketConfig is one write quota as a token bucket.
type bucketConfig struct {
	perSecond float64
	burst     float64
	// scope is the <Scope> of the x-ms-throttle-scope header a 429 from this bucket carries
	// ("Tenant_Application", "Application", "Tenant"); "" sends no x-ms-throttle-* headers.
	scope string
}

// WithLatency delays every top-level response by d (a $batch counts once).
func WithLatency(d time.Duration) Option { return func(c *config) { c.latency = d } }

// WithThrottle lets writes (POST, PATCH, PUT, DELETE; each sub-request of a $batch counts,
// the $batch envelope does not) through at perSecond on average with a burst of one second's
// worth, as a token bucket. A write beyond that gets 429 with Graph's TooManyRequests body and
// a Retry-After header of retryAfter in whole seconds (at least 1); inside a $batch only that
// sub-response is 429, with its own Retry-After, and the batch itself is 200. This is how
// Microsoft documents batches: "Requests in a batch are evaluated individually against
// throttling limits and if any request exceeds the limits, it fails with a status code of 429
// … The batch itself succeeds with a status code of 200 (OK). … You should retry each failed
// request from the batch using the value provided in the retry-after response header from the
// JSON content" (Microsoft Graph throttling guidance, "Throttling and batching",
// https://learn.microsoft.com/graph/throttling; also "Batch size limitations" in
// https://learn.microsoft.com/graph/json-batching). retryAfter 0 means "until the bucket has a
// token again". Reads are never throttled: Graph throttles writes first.
func WithThrottle(perSecond float64, retryAfter time.Duration) Option {
	return func(c *config) {
		c.throttle = &throttleConfig{
			buckets:    []bucketConfig{{perSecond: perSecond, burst: math.Max(1, math.Floor(perSecond))}},
			retryAfter: retryAfter,
		}
	}
}

// The write quotas Microsoft documents for identity and access (directory) requests, which
// include POST /users/{id}/assignLicense ("POST | Any identity path not listed in the table" costs
// 1 resource unit and 1 write), from "Microsoft Graph service-specific throttling limits",
// section "Identity and access service limits" (https://learn.microsoft.com/graph/throttling-limits):
//
//	application+tenant pair  3,000 requests per 2 minutes and 30 seconds
//	application             35,000 requests per 5 minutes (across all tenants)
//	tenant                  18,000 requests per 5 minutes (all applications)
//
// (Older versions of the page said 70,000 per application; the current one says 35,000.) The
// resource-unit quota per application+tenant pair is 3,500 (tenants under 50 users), 5,000
// (50–500) or 8,000 (over 500) per 10 seconds; a simulator that throttles writes only does not
// model it. The page says throttling "is based on a token bucket algorithm", that "the first
// limit to be reached triggers throttling behavior", that the limits are subject to change and
// that 429s can come sooner when the service is under load.
const (
	IdentityWriteQuota             = 3000
	IdentityWriteQuotaWindow       = 150 * time.Second
	IdentityAppWriteQuota          = 35000
	IdentityAppWriteQuotaWindow    = 5 * time.Minute
	IdentityTenantWriteQuota       = 18000
	IdentityTenantWriteQuotaWindow = 5 * time.Minute
)

// DocumentedRetryAfter is the Retry-After of the sample 429 in "Microsoft Graph throttling
// guidance" (https://learn.microsoft.com/graph/throttling, "Sample response": "Retry-After:
// 10"). Graph computes its real value per request; a client must read the header, not assume
// this.
const DocumentedRetryAfter = 10 * time.Second

// WithDocumentedThrottle throttles writes at the documented identity and access write quotas,
// each a token bucket holding its quota and refilled over its window: IdentityWriteQuota per
// IdentityWriteQuotaWindow for the application+tenant pair (20 a second), IdentityAppWriteQuota
// per IdentityAppWriteQuotaWindow for the application and IdentityTenantWriteQuota per
// IdentityTenantWriteQuotaWindow for the tenant. A write needs a token from every bucket; the
// first exhausted one throttles it (the simulator is one application in one tenant, so in
// practice the application+tenant bucket, the smallest and slowest, runs out first). A
// throttled write gets 429 with Retry-After DocumentedRetryAfter (10 s) and, as the page
// documents for throttled identity requests, x-ms-throttle-scope
// ("<Scope>/Write/<ApplicationId>/<TenantId>") and x-ms-throttle-information
// ("WriteLimitExceeded").
func WithDocumentedThrottle() Option {
	quota := func(n int, window time.Duration, scope string) bucketConfig {
		return bucketConfig{perSecond: float64(n) / window.Seconds(), burst: float64(n), scope: scope}
	}
	return func(c *config) {
		c.throttle = &throttleConfig{
			buckets: []bucketConfig{
				quota(IdentityWriteQuota, IdentityWriteQuotaWindow, "Tenant_Application"),
				quota(IdentityAppWriteQuota, IdentityAppWriteQuotaWindow, "Application"),
				quota(IdentityTenantWriteQuota, IdentityTenantWriteQuotaWindow, "Tenant"),
			},
			retryAfter: DocumentedRetryAfter,
		}
	}
}

// WithDocumentedWorstCase makes the Server answer as Microsoft documents the worst case for an
// app-only token, so a client proves it does not depend on what the documentation does not
// promise:
//
//   - GET /users/{id}/licenseDetails answers 403 Authorization_RequestDenied ("Insufficient
//     privileges to complete the operation."), because the List licenseDetails reference lists
//     Application permissions as "Not supported"
//     (https://learn.microsoft.com/graph/api/user-list-licensedetails). Server.LicenseDetailsCalls
//     counts the attempts.
//   - Every subscription in GET /directory/subscriptions that the fixture gives no owner shows
//     ownerType "User" with the id of the tenant's first Global Administrator as ownerId (fixture
//     order; the first user if there is none), as Microsoft's own List subscriptions example
//     shows ownerType "User" on an ordinary company subscription
//     (https://learn.microsoft.com/graph/api/directory-list-subscriptions). So ownerType cannot
//     tell a self-service purchase apart.
func WithDocumentedWorstCase() Option { return func(c *config) { c.worstCase = true } }

// WithFailureRate makes that fraction of requests (each top-level request and each $batch
// sub-request; not the $batch envelope) fail with 503 serviceNotAvailable, or one in five of
// them with 500 generalException, with Graph's error body. seed makes the sequence repeatable.
func WithFailureRate(fraction float64, seed int64) Option {
	return func(c *config) { c.failureRate, c.failureSeed = fraction, seed }
}

// WithBatchFailureRate makes that fraction of $batch calls fail as a whole with 503
// serviceNotAvailable before any of their sub-requests runs (so nothing changes), as when
// Graph's front end is unavailable. It draws from the same seeded sequence as WithFailureRate.
func WithBatchFailureRate(fraction float64) Option {
	return func(c *config) { c.batchFailureRate = fraction }
}

// WithToken requires "Authorization: Bearer <token>" on every request; others get 401
// InvalidAuthenticationToken, as Graph answers.
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithPageSize sets how many objects a page of transitiveMemberOf holds before Graph's
// @odata.nextLink paging starts (Graph's default is 100; the client may ask for less with $top).
func WithPageSize(n int) Option { return func(c *config) { c.pageSize = n } }

// WithClock sets the Server's clock, so tests can move time by hand: it times throttling, error
// dates and licenseAssignmentStates' lastUpdatedDateTime, and NewServer resolves a fixture's
// relative subscription dates (createdDaysAgo, nextLifecycleInDays) against it. Default
// time.Now.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithoutPremium plays a tenant without Microsoft Entra ID P1 or P2: reading a user's
// signInActivity is refused with 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant,
// as Graph refuses it ("signInActivity … requires a Microsoft Entra ID P1 or P2 license").
func WithoutPremium() Option { return func(c *config) { c.noPremium = true } }

// WithConcealedReports hides users' names in the usage reports behind hashes, as Microsoft 365
// does by default ("Display concealed user, group, and site names in all reports").
func WithConcealedReports() Option { return func(c *config) { c.concealedReports = true } }
