package slack

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// Slack's worked example (testdata/SOURCES.md).
const (
	exampleSecret    = "8f742231b10e8888abcd99yyyzzz85a5"
	exampleTimestamp = "1531420618"
	exampleSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

func exampleRequest(t *testing.T) (http.Header, []byte) {
	t.Helper()
	body, err := os.ReadFile("testdata/signing-example.body")
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", exampleTimestamp)
	h.Set("X-Slack-Signature", exampleSignature)
	return h, body
}

func TestVerify(t *testing.T) {
	at := time.Unix(1531420618, 0)
	tests := []struct {
		name   string
		change func(h http.Header, body []byte) []byte
		secret string
		now    time.Time
		ok     bool
	}{
		{name: "Slack's example verifies at its own time", now: at, ok: true},
		{name: "four minutes later still verifies", now: at.Add(4 * time.Minute), ok: true},
		{name: "a clock four minutes behind still verifies", now: at.Add(-4 * time.Minute), ok: true},
		{name: "six minutes later is a replay", now: at.Add(6 * time.Minute)},
		{name: "a timestamp from the future is refused", now: at.Add(-6 * time.Minute)},
		{name: "a changed body is refused", now: at, change: func(_ http.Header, b []byte) []byte {
			return []byte(strings.Replace(string(b), "roadrunner", "wileecoyote", 1))
		}},
		{name: "one more byte is refused", now: at, change: func(_ http.Header, b []byte) []byte { return append(b, '&') }},
		{name: "a changed timestamp is refused", now: at, change: func(h http.Header, b []byte) []byte {
			h.Set("X-Slack-Request-Timestamp", "1531420619")
			return b
		}},
		{name: "a wrong signature is refused", now: at, change: func(h http.Header, b []byte) []byte {
			h.Set("X-Slack-Signature", "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b504")
			return b
		}},
		{name: "another secret is refused", now: at, secret: "8f742231b10e8888abcd99yyyzzz85a6"},
		{name: "no signature is refused", now: at, change: func(h http.Header, b []byte) []byte {
			h.Del("X-Slack-Signature")
			return b
		}},
		{name: "no timestamp is refused", now: at, change: func(h http.Header, b []byte) []byte {
			h.Del("X-Slack-Request-Timestamp")
			return b
		}},
		{name: "a signature of another version is refused", now: at, change: func(h http.Header, b []byte) []byte {
			h.Set("X-Slack-Signature", strings.Replace(exampleSignature, "v0=", "v1=", 1))
			return b
		}},
		{name: "a short signature is refused", now: at, change: func(h http.Header, b []byte) []byte {
			h.Set("X-Slack-Signature", "v0=a2114d57")
			return b
		}},
		{name: "no secret configured refuses everything", now: at, secret: "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, body := exampleRequest(t)
			if tt.change != nil {
				body = tt.change(h, body)
			}
			secret := exampleSecret
			switch tt.secret {
			case "":
			case "-":
				secret = ""
			default:
				secret = tt.secret
			}
			err := Verify(h, body, secret, tt.now)
			if tt.ok && err != nil {
				t.Fatalf("Verify = %v, want nil", err)
			}
			if !tt.ok && !errors.Is(err, ErrSignature) {
				t.Fatalf("Verify = %v, want ErrSignature", err)
			}
		})
	}
}

func TestSignMatchesSlacksExample(t *testing.T) {
	_, body := exampleRequest(t)
	ts, sig := Sign(body, exampleSecret, time.Unix(1531420618, 0))
	if ts != exampleTimestamp || sig != exampleSignature {
		t.Fatalf("Sign = %s %s, want %s %s", ts, sig, exampleTimestamp, exampleSignature)
	}
}

func TestUnsignedRequestsAreRefusedBeforeAnything(t *testing.T) {
	for _, path := range []string{"/slack/commands", "/slack/interactions"} {
		t.Run(path, func(t *testing.T) {
			w := newWorld(t)
			handler := w.platform.CommandsHandler()
			body := commandForm("U0ADMIN", "help", w.slack.ResponseURL("r"), "1.2.3")
			if path == "/slack/interactions" {
				handler = w.platform.InteractionsHandler()
				body = interactionForm(blockActions(t, nil))
			}
			requests := map[string]*http.Request{}
			r := signed(t, path, body)
			r.Header.Set("X-Slack-Signature", "v0=0000000000000000000000000000000000000000000000000000000000000000")
			requests["a wrong signature"] = r
			r = signed(t, path, body)
			r.Header.Del("X-Slack-Signature")
			requests["no signature"] = r
			r = signed(t, path, body+"&x=1")
			r.Body = httptest.NewRequest(http.MethodPost, path, strings.NewReader(body+"&x=2")).Body
			requests["a changed body"] = r
			// Signed correctly, but 10 minutes ago: a replay.
			ts, sig := Sign([]byte(body), testSecret, testNow.Add(-10*time.Minute))
			r = httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
			r.Header.Set("X-Slack-Request-Timestamp", ts)
			r.Header.Set("X-Slack-Signature", sig)
			requests["an old timestamp"] = r
			for name, r := range requests {
				rec := httptest.NewRecorder()
				handler.ServeHTTP(rec, r)
				if rec.Code != http.StatusUnauthorized {
					t.Errorf("%s: status %d, want 401", name, rec.Code)
				}
			}
			w.platform.Wait()
			if n := len(w.handler.Commands()) + len(w.handler.Clicks()); n != 0 {
				t.Fatalf("the handler was called %d times", n)
			}
			if calls := w.slack.Calls(""); len(calls) != 0 {
				t.Fatalf("Slack was called: %v", calls[0].Method)
			}
		})
	}
}

func TestOnlyPostIsAccepted(t *testing.T) {
	w := newWorld(t)
	rec := httptest.NewRecorder()
	w.platform.CommandsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/slack/commands", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET: status %d, want 405", rec.Code)
	}
}
