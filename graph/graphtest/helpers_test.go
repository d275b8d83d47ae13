package graphtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Sample ids used across the tests (from sample/contoso.json).
const (
	skuO365E3 = "6fd2c87f-b296-42f0-b197-1e91e994b900"
	skuEMS    = "efccb6f7-5641-4e0e-bd10-b4976e1bf68e"
	skuPBI    = "f8a1db68-be16-40ed-86d5-cb42ce701560"
	skuFlow   = "4a51bf65-409c-4a91-b845-1121b571cc9d"
	skuM365E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"

	roleGlobalAdmin  = "62e90394-69f5-4237-9190-012177145e10"
	roleLicenseAdmin = "4d6ac14f-3453-41d0-bef9-a3e0c569773a"
	roleUserAdmin    = "fe930be7-5e62-47db-91af-98c3a49a38b1"
)

func startSample(t *testing.T, opts ...Option) *Server {
	t.Helper()
	return start(t, SampleTenant(), opts...)
}

func start(t *testing.T, tenant Tenant, opts ...Option) *Server {
	t.Helper()
	s, err := NewServer(tenant, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

// call sends a request to the simulator and decodes its JSON answer.
func call(t *testing.T, s *Server, method, path string, body any, header ...string) reply {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	if err := json.Unmarshal(raw, &r.body); err != nil {
		t.Fatalf("%s %s: body is not a JSON object: %v: %s", method, path, err, raw)
	}
	return r
}

// errorCode returns error.code and error.message of a Graph error body.
func (r reply) errorCode() (code, message string) {
	e, _ := r.body["error"].(map[string]any)
	code, _ = e["code"].(string)
	message, _ = e["message"].(string)
	return code, message
}

func (r reply) values() []map[string]any {
	var out []map[string]any
	vs, _ := r.body["value"].([]any)
	for _, v := range vs {
		out = append(out, v.(map[string]any))
	}
	return out
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
