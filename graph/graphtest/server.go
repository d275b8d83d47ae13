package graphtest

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// serviceRoot is the path every Graph v1.0 URL starts with.
const serviceRoot = "/v1.0"

// maxBodyBytes bounds a request body after decompression; Graph's own limit is 4 MB.
const maxBodyBytes = 4 << 20

// Server is a simulated tenant listening on a loopback port.
type Server struct {
	// URL is the service root, e.g. http://127.0.0.1:PORT/v1.0: what a client's base URL is.
	URL string

	cfg      config
	listener net.Listener
	http     *http.Server

	mu       sync.Mutex
	dir      *directory
	rng      *rand.Rand
	buckets  []*tokenBucket
	calls    map[callKey]int
	lastBody map[callKey][]byte
	removals map[string]int
	revoked  map[string][]time.Time // user id → when their sessions were revoked
	restores map[string]int
	// licenseDetails counts requests to /users/{id}/licenseDetails (see LicenseDetailsCalls).
	licenseDetails int
	// answerFaults are the routes answering with an AnswerFault, in the order first set.
	answerFaults []answerRoute
}

type callKey struct{ method, path string }

// NewServer starts serving the tenant on 127.0.0.1 with a free port. The tenant is copied and
// checked as LoadTenant does; the caller's value is never changed.
func NewServer(t Tenant, opts ...Option) (*Server, error) {
	s, err := newServer(t, opts...)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("graphtest: listen: %w", err)
	}
	s.listener = ln
	s.URL = "http://" + ln.Addr().String() + serviceRoot
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.http.Serve(ln) }()
	return s, nil
}

func newServer(t Tenant, opts ...Option) (*Server, error) {
	cfg := config{pageSize: 100, now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.failureRate < 0 || cfg.failureRate > 1 {
		return nil, fmt.Errorf("graphtest: failure rate %v is not within [0, 1]", cfg.failureRate)
	}
	if cfg.batchFailureRate < 0 || cfg.batchFailureRate > 1 {
		return nil, fmt.Errorf("graphtest: batch failure rate %v is not within [0, 1]", cfg.batchFailureRate)
	}
	if cfg.throttle != nil {
		for _, b := range cfg.throttle.buckets {
			if b.perSecond <= 0 {
				return nil, fmt.Errorf("graphtest: throttle rate %v must be positive", b.perSecond)
			}
		}
	}
	if cfg.pageSize < 1 {
		return nil, fmt.Errorf("graphtest: page size %d must be positive", cfg.pageSize)
	}
	var faults []answerRoute
	for _, f := range cfg.answerFaults {
		r, err := parseAnswerRoute(f.route)
		if err != nil {
			return nil, err
		}
		if !f.fault.valid() {
			return nil, fmt.Errorf("graphtest: unknown answer fault %d for %q", int(f.fault), f.route)
		}
		r.fault = f.fault
		faults = append(faults, r)
	}
	t = t.clone()
	if err := t.normalize(); err != nil {
		return nil, fmt.Errorf("graphtest: tenant: %w", err)
	}
	now := cfg.now()
	t.resolveDates(now)
	seed := uint64(cfg.failureSeed)
	s := &Server{
		cfg:      cfg,
		dir:      newDirectory(t, now),
		rng:      rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		calls:    map[callKey]int{},
		lastBody: map[callKey][]byte{},
		removals: map[string]int{},
		revoked:  map[string][]time.Time{},
		restores: map[string]int{},
	}
	if cfg.throttle != nil {
		for _, b := range cfg.throttle.buckets {
			s.buckets = append(s.buckets, newTokenBucket(b, now))
		}
	}
	for _, r := range faults {
		s.setAnswerFault(r)
	}
	return s, nil
}

// Close stops the server and closes open connections.
func (s *Server) Close() {
	if s.http != nil {
		_ = s.http.Close()
	}
}

// Handler returns the server as an http.Handler, to mount it elsewhere (httptest, the demo).
// Links it writes (@odata.context, @odata.nextLink) use the request's Host.
func (s *Server) Handler() http.Handler { return s }

// Removals reports how many times skuID was successfully removed from the user's direct
// licenses (user by object id or userPrincipalName).
func (s *Server) Removals(userID, skuID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.dir.user(userID)
	if u == nil {
		return 0
	}
	return s.removals[u.ID+"|"+strings.ToLower(skuID)]
}

// Restores reports how many times skuID was successfully assigned to the user directly with
// addLicenses (user by object id or userPrincipalName), e.g. by an undo.
func (s *Server) Restores(userID, skuID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.dir.user(userID)
	if u == nil {
		return 0
	}
	return s.restores[u.ID+"|"+strings.ToLower(skuID)]
}

// Calls counts the requests received with that method whose path after the service root
// starts with pathPrefix, e.g. Calls("POST", "/users/"). Every request counts, refused ones
// too; a $batch counts as one POST /$batch plus one per sub-request.
func (s *Server) Calls(method, pathPrefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, c := range s.calls {
		if strings.EqualFold(k.method, method) && strings.HasPrefix(k.path, pathPrefix) {
			n += c
		}
	}
	return n
}

// LicenseDetailsCalls counts the requests received for /users/{id}/licenseDetails (any user,
// any method, top-level or inside a $batch, answered or refused), so a test can assert that a
// client never depends on it (see WithDocumentedWorstCase).
func (s *Server) LicenseDetailsCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.licenseDetails
}

// LastBody returns the (decompressed) body of the most recent request with that method and
// exactly that path after the service root, or nil.
func (s *Server) LastBody(method, path string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.lastBody[callKey{strings.ToUpper(method), path}]...)
}

// User returns a snapshot of the user's current state (direct licenses included).
func (s *Server) User(idOrUPN string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.dir.user(idOrUPN)
	if u == nil {
		return User{}, false
	}
	return u.clone(), true
}

// SKU returns a snapshot of the product with its current ConsumedUnits.
func (s *Server) SKU(skuID string) (SKU, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.dir.skus[strings.ToLower(skuID)]
	if k == nil {
		return SKU{}, false
	}
	c := k.clone()
	c.ConsumedUnits = s.dir.consumed(k.SKUID)
	return c, true
}

// request is one Graph call, top-level or inside a $batch.
type request struct {
	method          string
	path            string // after the service root, unescaped per segment
	segments        []string
	query           url.Values
	header          http.Header
	body            []byte
	base            string // service root URL for links
	clientRequestID string
}

// response is what a request produced, before it is written or embedded in a $batch.
type response struct {
	status int
	header http.Header
	body   any // marshalled as JSON
}

// ServeHTTP answers one Graph request: service root, latency, authentication, then the
// endpoint (or a $batch of them) with the configured faults; an answer fault (see
// AnswerFault) replaces the answer of a request that got that far.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	clientRequestID := r.Header.Get("client-request-id")
	if clientRequestID == "" {
		clientRequestID = newGUID()
	}
	base := "http://" + r.Host + serviceRoot

	if s.cfg.latency > 0 {
		select {
		case <-time.After(s.cfg.latency):
		case <-r.Context().Done():
			return
		}
	}

	path, segments, ok := splitPath(r.URL)
	req := &request{method: r.Method, path: path, segments: segments, query: r.URL.Query(),
		header: r.Header, base: base, clientRequestID: clientRequestID}
	body, bodyErr := readBody(r)
	req.body = body
	s.record(req)

	var (
		resp  response
		fault AnswerFault
	)
	switch {
	case !ok:
		resp = s.errorResponse(req, http.StatusNotFound, "itemNotFound",
			fmt.Sprintf("Resource not found for the segment '%s'.", strings.TrimPrefix(r.URL.Path, "/")))
	case !s.authorized(r):
		msg := "Access token validation failure. Invalid audience."
		if r.Header.Get("Authorization") == "" {
			msg = "Access token is empty."
		}
		resp = s.errorResponse(req, http.StatusUnauthorized, "InvalidAuthenticationToken", msg)
	case bodyErr != nil:
		resp = s.errorResponse(req, http.StatusBadRequest, "BadRequest", bodyErr.Error())
	case len(segments) == 1 && segments[0] == "$batch":
		if r.Method != http.MethodPost {
			resp = s.methodNotAllowed(req)
		} else if failed, ok := s.failBatch(req); ok {
			resp = failed
		} else {
			resp = s.batch(req)
		}
		fault = s.answerFault(req)
	default:
		resp = s.serve(req)
		fault = s.answerFault(req)
	}
	if fault != AnswerNormal {
		writeFaulty(w, req, resp, fault)
		return
	}
	writeResponse(w, req, resp)
}

// serve answers one request after the faults have had their say.
func (s *Server) serve(req *request) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	if resp, failed := s.injectFailure(req); failed {
		return resp
	}
	if resp, throttled := s.throttle(req); throttled {
		return resp
	}
	return s.route(req)
}

func (s *Server) record(req *request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := callKey{strings.ToUpper(req.method), req.path}
	s.calls[k]++
	if _, ok := match("users/*/licenseDetails", req.segments); ok {
		s.licenseDetails++
	}
	if len(req.body) > 0 {
		s.lastBody[k] = req.body
	}
}

func (s *Server) authorized(r *http.Request) bool {
	if s.cfg.token == "" {
		return true
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "Bearer") && token == s.cfg.token
}

// splitPath strips the service root and unescapes each segment on its own, so an escaped
// "/" inside a segment cannot change the route.
func splitPath(u *url.URL) (path string, segments []string, ok bool) {
	raw := u.EscapedPath()
	if !strings.HasPrefix(raw, serviceRoot+"/") {
		return u.Path, nil, false
	}
	raw = strings.Trim(strings.TrimPrefix(raw, serviceRoot), "/")
	for _, seg := range strings.Split(raw, "/") {
		v, err := url.PathUnescape(seg)
		if err != nil || v == "" {
			return u.Path, nil, false
		}
		segments = append(segments, v)
	}
	return "/" + strings.Join(segments, "/"), segments, true
}

// readBody reads the request body, decompressing it when the client sent it gzip-encoded
// (msgraph-sdk-go's compression middleware does for every body).
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	var src io.Reader = io.LimitReader(r.Body, maxBodyBytes+1)
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(src)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, nil
			}
			return nil, fmt.Errorf("The request body is not valid gzip: %v", err)
		}
		defer zr.Close()
		src = zr
	default:
		return nil, fmt.Errorf("Content-Encoding '%s' is not supported.", enc)
	}
	b, err := io.ReadAll(io.LimitReader(src, maxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("The request body could not be read: %v", err)
	}
	if len(b) > maxBodyBytes {
		return nil, errors.New("The request body is too large.")
	}
	return b, nil
}
