package graphtest

import (
	"math"
	"net/http"
	"time"
)

// tokenBucket admits writes at a steady rate with a burst, the model Microsoft describes for
// identity and access throttling ("based on a token bucket algorithm").
type tokenBucket struct {
	cfg    throttleConfig
	tokens float64
	last   time.Time
}

func newTokenBucket(cfg throttleConfig, now time.Time) *tokenBucket {
	return &tokenBucket{cfg: cfg, tokens: cfg.burst, last: now}
}

// take spends a token if there is one; otherwise it says how long until there is.
func (b *tokenBucket) take(now time.Time) (wait time.Duration, ok bool) {
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = math.Min(b.cfg.burst, b.tokens+elapsed.Seconds()*b.cfg.perSecond)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / b.cfg.perSecond * float64(time.Second)), false
}

func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// throttle answers 429 when a write finds the bucket empty. Called with s.mu held.
func (s *Server) throttle(req *request) (response, bool) {
	if s.bucket == nil || !isWrite(req.method) {
		return response{}, false
	}
	wait, ok := s.bucket.take(s.cfg.now())
	if ok {
		return response{}, false
	}
	if s.cfg.throttle.retryAfter > 0 {
		wait = s.cfg.throttle.retryAfter
	}
	return s.tooManyRequests(req, wait), true
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
