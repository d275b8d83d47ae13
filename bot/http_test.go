package bot

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestReadVerifiedReadsOnlyWhatIsSigned(t *testing.T) {
	tests := []struct {
		name   string
		method string
		body   string
		verify error
		code   int // 0: read
	}{
		{name: "a signed POST is read", method: http.MethodPost, body: "payload=x"},
		{name: "another method is refused", method: http.MethodGet, code: http.StatusMethodNotAllowed},
		{name: "a bad signature is 401", method: http.MethodPost, body: "payload=x", verify: errors.New("signature doesn't match"), code: http.StatusUnauthorized},
		{name: "a body over a mebibyte is 413", method: http.MethodPost, body: strings.Repeat("x", MaxBody+1), code: http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			var verified []byte
			body, ok := ReadVerified(rec, httptest.NewRequest(tt.method, "/chat", strings.NewReader(tt.body)), slog.New(slog.DiscardHandler),
				func(_ http.Header, b []byte) error { verified = b; return tt.verify })
			if tt.code == 0 {
				if !ok || string(body) != tt.body || string(verified) != tt.body {
					t.Fatalf("read %q (%v), verified %q", body, ok, verified)
				}
				return
			}
			if ok || rec.Code != tt.code {
				t.Fatalf("ok %v, status %d, want %d", ok, rec.Code, tt.code)
			}
		})
	}
}

func TestSignedAtHoldsTimestampsToFiveMinutes(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	tests := []struct {
		name, value, wantErr string
	}{
		{"now", strconv.FormatInt(now.Unix(), 10), ""},
		{"five minutes ago", strconv.FormatInt(now.Add(-5*time.Minute).Unix(), 10), ""},
		{"older", strconv.FormatInt(now.Add(-5*time.Minute-time.Second).Unix(), 10), "away from now"},
		{"from the future", strconv.FormatInt(now.Add(6*time.Minute).Unix(), 10), "away from now"},
		{"missing", "", "no X-Test-Timestamp"},
		{"not a number", "yesterday", "is not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.value != "" {
				h.Set("X-Test-Timestamp", tt.value)
			}
			got, err := SignedAt(h, "X-Test-Timestamp", now)
			if tt.wantErr == "" && (err != nil || got != tt.value) {
				t.Fatalf("SignedAt = %q, %v", got, err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err %v, want %q", err, tt.wantErr)
			}
		})
	}
}
