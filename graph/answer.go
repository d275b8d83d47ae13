package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/licensebot/licensebot/licensing"
)

// Graph answers are checked before anything is built on them: a 200 that is empty, null, an
// HTML page, cut short, endless or huge, or an object without the fields licensebot relies on,
// is refused with an *AnswerError, never dereferenced or planned on (issue 12). Such answers
// come from proxies, captive portals, dropped connections and service bugs, not from Graph as
// documented; retrying later is the only remedy, so every one also matches
// licensing.ErrUnavailable.
var (
	// ErrUnusableAnswer matches every *AnswerError: Graph (or something between licensebot
	// and Graph) answered, but not with something licensebot can use. Callers refuse the
	// request and say so; nothing was planned on the answer.
	ErrUnusableAnswer = licensing.ErrUnusableAnswer
	// ErrResponseTooLarge: an answer's body exceeded Config.MaxResponseBytes. Reading stopped
	// there, so the answer cost at most about that much memory.
	ErrResponseTooLarge = errors.New("the answer exceeds MaxResponseBytes")
	// ErrTooManyPages: a listing's @odata.nextLink went on past Config.MaxPages pages.
	ErrTooManyPages = errors.New("the listing exceeds MaxPages")
	// ErrBadNextLink: a listing's @odata.nextLink pointed away from the configured base URL
	// (another scheme, host, port or service root) or back at a page already read.
	ErrBadNextLink = errors.New("the @odata.nextLink can't be followed")
)

// AnswerError says what was wrong with an answer from Graph. It matches ErrUnusableAnswer and
// licensing.ErrUnavailable with errors.Is, and Limit (ErrResponseTooLarge, ErrTooManyPages,
// ErrBadNextLink) when a bound refused it. The Client returns it as the Reason of a
// *licensing.GraphError carrying the status and request-id, like every other Graph failure.
type AnswerError struct {
	// Op is the request without ids, e.g. "GET /users/{id}/manager" (see Config.Observe).
	Op        string
	Status    int
	RequestID string
	// Problem is what was wrong, in words: "the body is null", "a user without id".
	Problem string
	// Limit is ErrResponseTooLarge, ErrTooManyPages or ErrBadNextLink, or nil.
	Limit error
}

func (e *AnswerError) Error() string {
	var b strings.Builder
	b.WriteString(ErrUnusableAnswer.Error())
	if e.Op != "" {
		b.WriteString(" to ")
		b.WriteString(e.Op)
	}
	b.WriteString(": ")
	b.WriteString(e.Problem)
	return b.String()
}

func (e *AnswerError) Unwrap() []error {
	errs := []error{ErrUnusableAnswer, licensing.ErrUnavailable}
	if e.Limit != nil {
		errs = append(errs, e.Limit)
	}
	return errs
}

// asGraphError wraps the answer error as the Client returns every Graph failure.
func (e *AnswerError) asGraphError() *licensing.GraphError {
	return &licensing.GraphError{Reason: e, Status: e.Status, Message: e.Problem, RequestID: e.RequestID}
}

// exchange records what came back for one request (the transport fills it in), so that an
// error found after the SDK parsed the answer can name the request, its status and
// request-id, and so that mapError can tell an answer that arrived and could not be parsed
// from no answer at all. One per request: see request.
type exchange struct {
	mu       sync.Mutex
	op       string
	status   int
	header   http.Header
	bodyRead bool // a 2xx body was read in full and passed answerGuard's checks
}

type exchangeKey struct{}

// request gives one Graph request its own exchange, carried in the context to the transport.
func request(ctx context.Context) (context.Context, *exchange) {
	x := &exchange{}
	return context.WithValue(ctx, exchangeKey{}, x), x
}

func exchangeOf(ctx context.Context) *exchange {
	x, _ := ctx.Value(exchangeKey{}).(*exchange)
	return x
}

func (x *exchange) saw(op string, status int, header http.Header) {
	if x == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.op, x.status, x.header, x.bodyRead = op, status, header.Clone(), false
}

func (x *exchange) read() {
	if x == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.bodyRead = true
}

// answered returns what the transport saw; status 0 means no answer (yet).
func (x *exchange) answered() (op string, status int, header http.Header, bodyRead bool) {
	if x == nil {
		return "", 0, nil, false
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.op, x.status, x.header, x.bodyRead
}

// unusable is the error for this request's answer, which arrived but lacks what licensebot
// relies on; limit is nil or one of ErrResponseTooLarge, ErrTooManyPages, ErrBadNextLink.
func (x *exchange) unusable(limit error, format string, args ...any) error {
	op, status, header, _ := x.answered()
	return (&AnswerError{
		Op: op, Status: status, RequestID: header.Get("request-id"),
		Problem: fmt.Sprintf(format, args...), Limit: limit,
	}).asGraphError()
}

// answerGuard is the outermost RoundTripper: it records each answer in the request's
// exchange, bounds every body to maxBytes, and reads each 2xx body (bounded) and checks that
// it is a JSON object before the SDK sees it. The SDK would otherwise read any body whole
// (kiota's io.ReadAll) and turn an empty or null one into a nil result that its generated
// code then hands back as a nil model.
type answerGuard struct {
	next     http.RoundTripper
	maxBytes int64
}

func (g answerGuard) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := g.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	op := r.Method + " " + pathOperation(r.URL.Path)
	x := exchangeOf(r.Context())
	x.saw(op, resp.StatusCode, resp.Header)
	refuse := func(limit error, problem string) (*http.Response, error) {
		_ = resp.Body.Close()
		resp.Body = errorBody{(&AnswerError{Op: op, Status: resp.StatusCode,
			RequestID: resp.Header.Get("request-id"), Problem: problem, Limit: limit})}
		// kiota skips reading a body of length 0: make it read, and fail.
		resp.ContentLength = -1
		return resp, nil
	}
	tooLarge := fmt.Sprintf("the answer is larger than %d bytes (MaxResponseBytes)", g.maxBytes)
	if resp.ContentLength > g.maxBytes {
		return refuse(ErrResponseTooLarge, fmt.Sprintf("the answer is %d bytes, more than %d (MaxResponseBytes)", resp.ContentLength, g.maxBytes))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 || resp.StatusCode == http.StatusNoContent || r.Method == http.MethodHead {
		// Error answers are parsed by the SDK as they are, within the bound.
		resp.Body = &limitedBody{rc: resp.Body, left: g.maxBytes,
			err: &AnswerError{Op: op, Status: resp.StatusCode, RequestID: resp.Header.Get("request-id"), Problem: tooLarge, Limit: ErrResponseTooLarge}}
		return resp, nil
	}
	body, err := readAtMost(resp.Body, resp.ContentLength, g.maxBytes)
	_ = resp.Body.Close()
	switch {
	case errors.Is(err, errTooLarge):
		return refuse(ErrResponseTooLarge, tooLarge)
	case err != nil:
		// The connection failed or the deadline passed mid-body: no answer, as before it.
		resp.Body, resp.ContentLength = errorBody{err}, -1
		return resp, nil
	}
	problem := unusableBody(resp.Header.Get("Content-Type"), body)
	if problem != "" && isReportCSV(r, resp, body) {
		// The usage reports' only format is CSV (reportRoot functions: "a redirect to a
		// CSV file").
		problem = ""
	}
	if problem != "" {
		return refuse(nil, problem)
	}
	x.read()
	resp.Body, resp.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	return resp, nil
}

// unusableBody says what is wrong with a 2xx body, or "" when it is a JSON object, which is
// what every Graph call licensebot makes answers with.
func unusableBody(contentType string, body []byte) string {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return "the body is empty"
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	switch {
	case contentType == "":
		return "the body has no Content-Type"
	case err != nil:
		return fmt.Sprintf("the body's Content-Type %q is not a media type", contentType)
	case mediaType != "application/json" && !strings.HasSuffix(mediaType, "+json"):
		return fmt.Sprintf("the body is %s, not JSON", mediaType)
	case !json.Valid(trimmed):
		return "the body is not well-formed JSON (cut short?)"
	}
	switch trimmed[0] {
	case '{':
		return ""
	case 'n':
		return "the body is null"
	case '[':
		return "the body is a JSON array, not an object"
	case '"':
		return "the body is a JSON string, not an object"
	default:
		return "the body is a JSON " + string(trimmed[:min(len(trimmed), 16)]) + ", not an object"
	}
}

// errTooLarge is readAtMost's refusal; answerGuard turns it into an *AnswerError.
var errTooLarge = errors.New("too large")

// readChunk is how much readAtMost reads at a time when the length is unknown: it allocates
// about what it reads, instead of the doubling of io.ReadAll, so a refused body costs about
// limit bytes.
const readChunk = 64 << 10

// readAtMost reads a body of at most limit bytes; more is errTooLarge. length is the declared
// Content-Length, or -1.
func readAtMost(r io.Reader, length, limit int64) ([]byte, error) {
	if length >= 0 {
		buf := make([]byte, length)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	var (
		chunks [][]byte
		total  int64
	)
	for {
		chunk := make([]byte, readChunk)
		n, err := io.ReadFull(r, chunk)
		total += int64(n)
		if total > limit {
			return nil, errTooLarge
		}
		chunks = append(chunks, chunk[:n])
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	out := make([]byte, 0, total)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out, nil
}

// errorBody is a body whose every read fails with err.
type errorBody struct{ err error }

func (b errorBody) Read([]byte) (int, error) { return 0, b.err }
func (b errorBody) Close() error             { return nil }

// limitedBody passes through at most left bytes, then fails with err if there is more.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
	err  error
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		if n, err := b.rc.Read(one[:]); n > 0 {
			return 0, b.err
		} else if err != nil {
			return 0, err
		}
		return 0, nil
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// pager bounds one listing that follows @odata.nextLink: at most maxPages pages, each link on
// the configured base URL (a token is never taken elsewhere, and a proxy in GRAPH_BASE_URL is
// never bypassed), none read twice.
type pager struct {
	base     *url.URL
	maxPages int
	pages    int
	seen     map[string]bool
}

func (c *Client) pager() *pager {
	return &pager{base: c.base, maxPages: c.maxPages, seen: map[string]bool{}}
}

// follow checks the @odata.nextLink of the page x answered before it is requested.
func (p *pager) follow(x *exchange, link string) error {
	p.pages++
	if p.pages >= p.maxPages {
		return x.unusable(ErrTooManyPages, "the listing goes on past %d pages (MaxPages)", p.maxPages)
	}
	u, err := url.Parse(link)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return x.unusable(ErrBadNextLink, "the @odata.nextLink is not an absolute URL")
	}
	switch root := strings.TrimSuffix(p.base.EscapedPath(), "/") + "/"; {
	case !strings.EqualFold(u.Scheme, p.base.Scheme) || !strings.EqualFold(u.Host, p.base.Host):
		return x.unusable(ErrBadNextLink, "the @odata.nextLink points at %s://%s, not at the configured base URL's %s://%s",
			u.Scheme, u.Host, p.base.Scheme, p.base.Host)
	case !strings.HasPrefix(u.EscapedPath(), root):
		return x.unusable(ErrBadNextLink, "the @odata.nextLink leaves the configured service root %s", root)
	}
	if p.seen[link] {
		return x.unusable(ErrBadNextLink, "the @odata.nextLink leads back to a page already read")
	}
	p.seen[link] = true
	return nil
}

// isReportCSV reports whether a 2xx answer is a usage report's CSV: a GET of /reports/…
// answered text/csv with a body.
func isReportCSV(r *http.Request, resp *http.Response, body []byte) bool {
	mediaType, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return err == nil && r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/reports/") &&
		(mediaType == "text/csv" || mediaType == "application/octet-stream") && len(bytes.TrimSpace(body)) > 0
}
