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
	now              func() time.Time
}

type throttleConfig struct {
	perSecond  float64
	burst      float64
	retryAfter time.Duration // 0: computed from the bucket
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
		c.throttle = &throttleConfig{perSecond: perSecond, burst: math.Max(1, math.Floor(perSecond)), retryAfter: retryAfter}
	}
}

// The write limits Microsoft documents for identity and access (directory) requests, which
// include POST /users/{id}/assignLicense (a POST costs 1 write), from "Microsoft Graph
// service-specific throttling limits", section "Identity and access service limits"
// (https://learn.microsoft.com/graph/throttling-limits): the write quota is 3,000 requests per
// 2 minutes 30 seconds per application+tenant pair, 18,000 per 5 minutes per tenant and 70,000
// per 5 minutes per application. The resource-unit quota per application+tenant pair is
// 3,500 (tenants under 50 users), 5,000 (50–500) or 8,000 (over 500) per 10 seconds. The page
// says the limits are subject to change and that 429s can come sooner under load; it documents
// no fixed Retry-After (its sample 429 says "Retry-After: 2.128").
const (
	IdentityWriteQuota       = 3000
	IdentityWriteQuotaWindow = 150 * time.Second
)

// WithDocumentedThrottle throttles writes at the documented application+tenant write quota:
// a bucket of IdentityWriteQuota writes refilled over IdentityWriteQuotaWindow (20 per second),
// with Retry-After computed from the bucket.
func WithDocumentedThrottle() Option {
	return func(c *config) {
		c.throttle = &throttleConfig{
			perSecond: float64(IdentityWriteQuota) / IdentityWriteQuotaWindow.Seconds(),
			burst:     IdentityWriteQuota,
		}
	}
}

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

// WithClock sets the clock used for throttling, error dates and lastUpdatedDateTime, so tests
// can move time by hand.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }
