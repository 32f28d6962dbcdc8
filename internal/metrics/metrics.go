// Package metrics collects what operators watch, in Prometheus' format:
// GraphQL requests by operation and outcome with their latency, errors by
// code, the database pool, live websockets and subscriptions, ticket
// events published and delivered, and the durable job queue.
package metrics

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// maxOperations bounds the distinct operation names kept as label
// values: names come from clients, and each would be a new series.
const maxOperations = 200

// Metrics holds the collectors of one process.
type Metrics struct {
	registry        *prometheus.Registry
	requests        *prometheus.CounterVec
	duration        *prometheus.HistogramVec
	errors          *prometheus.CounterVec
	sockets         prometheus.Gauge
	subscriptions   prometheus.Gauge
	eventsPublished prometheus.Counter
	eventsDelivered prometheus.Counter

	mu         sync.Mutex
	operations map[string]bool
}

// New builds the collectors, with the pool statistics of db and the job
// queue read from it at each scrape.
func New(db *sql.DB) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "helpdesk_graphql_requests_total",
			Help: "GraphQL queries and mutations by operation and outcome (ok, or the first error's code).",
		}, []string{"operation", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "helpdesk_graphql_request_duration_seconds",
			Help:    "Time from the start of a GraphQL query or mutation to its answer.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"operation"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "helpdesk_graphql_errors_total",
			Help: "GraphQL errors by extensions.code.",
		}, []string{"code"}),
		sockets: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "helpdesk_websocket_connections",
			Help: "Websocket connections past connection_init.",
		}),
		subscriptions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "helpdesk_subscriptions",
			Help: "Subscriptions running.",
		}),
		eventsPublished: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "helpdesk_events_published_total",
			Help: "Ticket events published after their change committed.",
		}),
		eventsDelivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "helpdesk_events_delivered_total",
			Help: "Subscription payloads sent to clients.",
		}),
		operations: map[string]bool{},
	}
	m.registry.MustRegister(m.requests, m.duration, m.errors, m.sockets, m.subscriptions, m.eventsPublished, m.eventsDelivered,
		collectors.NewDBStatsCollector(db, "helpdesk"),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&jobCollector{db: db})
	return m
}

// Registry is where the collectors are registered; tests and other
// packages may add theirs.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// ObserveRequest records one GraphQL query or mutation: its operation
// name, how long it took, and the codes of its errors (none: ok).
func (m *Metrics) ObserveRequest(operation string, took time.Duration, codes []string) {
	if m == nil {
		return
	}
	operation = m.operationLabel(operation)
	outcome := "ok"
	if len(codes) > 0 {
		outcome = codes[0]
	}
	m.requests.WithLabelValues(operation, outcome).Inc()
	m.duration.WithLabelValues(operation).Observe(took.Seconds())
	for _, c := range codes {
		m.errors.WithLabelValues(c).Inc()
	}
}

func (m *Metrics) operationLabel(op string) string {
	if op == "" {
		return "(none)"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.operations[op] {
		return op
	}
	if len(m.operations) >= maxOperations {
		return "(other)"
	}
	m.operations[op] = true
	return op
}

// SocketOpened and SocketClosed count live websocket connections.
func (m *Metrics) SocketOpened() {
	if m != nil {
		m.sockets.Inc()
	}
}

// SocketClosed counts a websocket connection gone.
func (m *Metrics) SocketClosed() {
	if m != nil {
		m.sockets.Dec()
	}
}

// SubscriptionStarted and SubscriptionEnded count live subscriptions.
func (m *Metrics) SubscriptionStarted() {
	if m != nil {
		m.subscriptions.Inc()
	}
}

// SubscriptionEnded counts a subscription gone.
func (m *Metrics) SubscriptionEnded() {
	if m != nil {
		m.subscriptions.Dec()
	}
}

// EventsPublished counts n ticket events published.
func (m *Metrics) EventsPublished(n int) {
	if m != nil {
		m.eventsPublished.Add(float64(n))
	}
}

// EventDelivered counts one subscription payload sent.
func (m *Metrics) EventDelivered() {
	if m != nil {
		m.eventsDelivered.Inc()
	}
}

// Handler serves the metrics. With a token, it asks for
// `Authorization: Bearer <token>` from anywhere; without one it answers
// only requests made directly from the loopback interface (not through a
// proxy that adds X-Forwarded-For or Forwarded), and 403 to others.
func (m *Metrics) Handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
				http.Error(w, "metrics need the metrics token", http.StatusUnauthorized)
				return
			}
		} else if !fromLoopback(r) {
			http.Error(w, "metrics are served to loopback only unless a metrics token is configured", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func fromLoopback(r *http.Request) bool {
	if r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// jobCollector reads the job queue's depth by state from River's table
// at each scrape.
type jobCollector struct{ db *sql.DB }

var jobsDesc = prometheus.NewDesc("helpdesk_jobs", "Durable jobs by state (available and scheduled: the queue's depth; retryable and discarded: failures).", []string{"state"}, nil)

// Describe implements prometheus.Collector.
func (c *jobCollector) Describe(ch chan<- *prometheus.Desc) { ch <- jobsDesc }

// Collect implements prometheus.Collector.
func (c *jobCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rows, err := c.db.QueryContext(ctx, "SELECT state, count(*) FROM river_job GROUP BY state")
	if err != nil {
		ch <- prometheus.NewInvalidMetric(jobsDesc, err)
		return
	}
	defer rows.Close()
	counts := map[string]float64{"available": 0, "scheduled": 0, "running": 0, "retryable": 0, "discarded": 0}
	for rows.Next() {
		var state string
		var n float64
		if err := rows.Scan(&state, &n); err != nil {
			ch <- prometheus.NewInvalidMetric(jobsDesc, err)
			return
		}
		counts[state] = n
	}
	for state, n := range counts {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, n, state)
	}
}
