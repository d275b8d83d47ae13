package main

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics is licensebot's Prometheus registry: what handlers, graph and the chat platforms
// report through their hooks, served on GET /metrics.
type metrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec
	removals     *prometheus.CounterVec
	throttleWait prometheus.Histogram
	graphCalls   *prometheus.CounterVec
	graphTime    *prometheus.HistogramVec
	ackTime      *prometheus.HistogramVec
	jobsRunning  prometheus.Gauge
	chatErrors   *prometheus.CounterVec
	panics       *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "licensebot_requests_total", Help: "Requests entering each state (awaiting_confirmation, awaiting_approval, approved, running, done, partly_done, failed, cancelled, denied, expired).",
		}, []string{"state"}),
		removals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "licensebot_removals_total", Help: "Products on users by outcome: removed, skipped, failed.",
		}, []string{"outcome"}),
		throttleWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "licensebot_graph_throttle_wait_seconds", Help: "Waits for Microsoft Graph's Retry-After.",
			Buckets: []float64{1, 2, 5, 10, 30, 60},
		}),
		graphCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "licensebot_graph_requests_total", Help: "HTTP requests to Microsoft Graph by operation and status (0: no answer).",
		}, []string{"operation", "status"}),
		graphTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "licensebot_graph_request_duration_seconds", Help: "Time of HTTP requests to Microsoft Graph by operation.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
		}, []string{"operation"}),
		ackTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "licensebot_ack_duration_seconds", Help: "Time to acknowledge a chat platform's HTTP request (Slack and Discord give 3 s).",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3},
		}, []string{"platform", "endpoint"}),
		chatErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "licensebot_chat_api_errors_total", Help: "Failed calls to Slack's Web API and response_url and Discord's REST API, each 429 included, by platform, method and reason (rate_limited, http_5xx, api_error, timeout, canceled, network, other).",
		}, []string{"platform", "method", "reason"}),
		panics: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "licensebot_panics_total", Help: "Panics in request work, each failing one request or step instead of the process, by what was being done.",
		}, []string{"where"}),
	}
	m.jobsRunning = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "licensebot_jobs_running", Help: "Jobs (approved requests being executed) running on this replica.",
	})
	m.reg.MustRegister(m.jobsRunning)
	m.reg.MustRegister(m.requests, m.removals, m.throttleWait, m.graphCalls, m.graphTime, m.ackTime, m.chatErrors, m.panics,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// RequestState, Removal and ThrottleWait are handlers.Metrics.
func (m *metrics) RequestState(state string)    { m.requests.WithLabelValues(state).Inc() }
func (m *metrics) Removal(outcome string)       { m.removals.WithLabelValues(outcome).Inc() }
func (m *metrics) ThrottleWait(d time.Duration) { m.throttleWait.Observe(d.Seconds()) }

// JobRunning is handlers.Metrics: jobs running on this replica.
func (m *metrics) JobRunning(delta int) { m.jobsRunning.Add(float64(delta)) }

// Panic is handlers.Metrics: a panic in request work, recovered.
func (m *metrics) Panic(where string) { m.panics.WithLabelValues(where).Inc() }

// graphCall is graph.Config.Observe.
func (m *metrics) graphCall(operation string, status int, took time.Duration) {
	m.graphCalls.WithLabelValues(operation, strconv.Itoa(status)).Inc()
	m.graphTime.WithLabelValues(operation).Observe(took.Seconds())
}

// ChatAPIError counts one failed call to a chat platform's API (bot.Options.ObserveError):
// method and reason are the platform's fixed strings.
func (m *metrics) ChatAPIError(platform, method, reason string) {
	m.chatErrors.WithLabelValues(platform, method, reason).Inc()
}

// timedAck measures how long a platform's endpoint takes to answer: it returns right
// after the acknowledgement, the work going on in the background.
func (m *metrics) timedAck(platform, endpoint string, h http.Handler) http.Handler {
	hist := m.ackTime.WithLabelValues(platform, endpoint)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h.ServeHTTP(w, r)
		hist.Observe(time.Since(start).Seconds())
	})
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
