package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestMetricsCountChatAPIErrorsByPlatformMethodAndReason(t *testing.T) {
	t.Parallel()
	m := newMetrics()
	// As the platforms tell it (bot.Options.ObserveError).
	observe := m.ChatAPIError
	observe("slack", "chat.postMessage", "rate_limited")
	observe("slack", "chat.postMessage", "rate_limited")
	observe("slack", "response_url", "api_error")
	observe("discord", "send a message", "http_5xx")

	rec := httptest.NewRecorder()
	m.handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, series := range []string{
		`licensebot_chat_api_errors_total{method="chat.postMessage",platform="slack",reason="rate_limited"} 2`,
		`licensebot_chat_api_errors_total{method="response_url",platform="slack",reason="api_error"} 1`,
		`licensebot_chat_api_errors_total{method="send a message",platform="discord",reason="http_5xx"} 1`,
	} {
		if !strings.Contains(string(body), series) {
			t.Errorf("/metrics lacks %s", series)
		}
	}
}
