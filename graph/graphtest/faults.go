package graphtest

import (
	"math"
	"net/http"
	"time"
)

// tokenBucket admits writes at a steady rate with a burst, the model Microsoft describes for
// identity and access throttling ("Throttling is based on a token bucket algorithm", "Identity
// and access service limits", https://learn.microsoft.com/graph/throttling-limits).
type tokenBucket struct {
	cfg    bucketConfig
	tokens float64
	last   time.Time
}

func newTokenBucket(cfg bucketConfig, now time.Time) *tokenBucket {
	return &tokenBucket{cfg: cfg, tokens: cfg.burst, last: now}
}

// refill adds the tokens earned since the last call, up to the burst.
func (b *tokenBucket) refill(now time.Time) {
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = math.Min(b.cfg.burst, b.tokens+elapsed.Seconds()*b.cfg.perSecond)
		b.last = now
	}
}

// untilToken is how long until the bucket holds a whole token again (0 if it does).
func (b *tokenBucket) untilToken() time.Duration {
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) / b.cfg.perSecond * float64(time.Second))
}

// takeAll spends a token from every bucket if each has one. Otherwise it spends none (a
// refused write does not count against the quotas it did fit in) and returns the first
// bucket, in order, that is empty, with how long until it has a token again.
func takeAll(buckets []*tokenBucket, now time.Time) (refused *tokenBucket, wait time.Duration) {
	for _, b := range buckets {
		b.refill(now)
	}
	for _, b := range buckets {
		if d := b.untilToken(); d > 0 {
			return b, d
		}
	}
	for _, b := range buckets {
		b.tokens--
	}
	return nil, 0
}

func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// throttle answers 429 when a write finds one of the buckets empty. Called with s.mu held.
func (s *Server) throttle(req *request) (response, bool) {
	if len(s.buckets) == 0 || !isWrite(req.method) {
		return response{}, false
	}
	refused, wait := takeAll(s.buckets, s.cfg.now())
	if refused == nil {
		return response{}, false
	}
	if s.cfg.throttle.retryAfter > 0 {
		wait = s.cfg.throttle.retryAfter
	}
	resp := s.tooManyRequests(req, wait)
	if refused.cfg.scope != "" {
		// The headers Microsoft documents on throttled identity and access responses:
		// x-ms-throttle-scope "<Scope>/<Limit>/<ApplicationId>/<TenantId|UserId|ResourceId>" and
		// x-ms-throttle-information, e.g. "WriteLimitExceeded" ("Identity and access service
		// limits", https://learn.microsoft.com/graph/throttling-limits).
		resp.header.Set("x-ms-throttle-scope", refused.cfg.scope+"/Write/"+sampleAppID+"/"+tenantID)
		resp.header.Set("x-ms-throttle-information", "WriteLimitExceeded")
	}
	return resp, true
}

// injectFailure answers 503 (or, one time in five, 500) for the configured fraction of
// requests, with the codes Graph documents for them. Called with s.mu held.
func (s *Server) injectFailure(req *request) (response, bool) {
	if s.cfg.failureRate <= 0 || s.rng.Float64() >= s.cfg.failureRate {
		return response{}, false
	}
	if s.rng.IntN(5) == 0 {
		return s.errorResponse(req, http.StatusInternalServerError, "generalException", "An unspecified error has occurred."), true
	}
	return s.errorResponse(req, http.StatusServiceUnavailable, "serviceNotAvailable",
		"The service is temporarily unavailable. Try the request again after a delay."), true
}

// failBatch answers 503 for the configured fraction of $batch calls, before any sub-request
// runs, so the whole batch fails and nothing changes.
func (s *Server) failBatch(req *request) (response, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.batchFailureRate <= 0 || s.rng.Float64() >= s.cfg.batchFailureRate {
		return response{}, false
	}
	return s.errorResponse(req, http.StatusServiceUnavailable, "serviceNotAvailable",
		"The service is temporarily unavailable. Try the request again after a delay."), true
}

// SetFailureRate changes WithFailureRate's fraction on a running server, so a test can
// plan a request on a healthy tenant and then execute it on a failing one.
func (s *Server) SetFailureRate(fraction float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.failureRate = min(max(fraction, 0), 1)
}
