package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"helpdesk/internal/gqltest"
	"helpdesk/internal/server"
	"helpdesk/internal/testdb"
)

func scrape(t *testing.T, e *env, header map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, strings.TrimSuffix(e.anon.URL, "/graphql")+"/metrics", nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// waitForMetric scrapes until the exposition has line.
func waitForMetric(t *testing.T, e *env, line string) string {
	t.Helper()
	var body string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, body = scrape(t, e, nil); strings.Contains(body, line+"\n") {
			return body
		}
	}
	t.Fatalf("/metrics never showed %q:\n%s", line, body)
	return ""
}

// TestMetrics checks /metrics after some traffic: requests by operation
// and outcome with their latency, errors by code, the database pool, the
// job queue, live sockets and subscriptions, events published and
// delivered.
func TestMetrics(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		e := newEnv(t, dial)
		startApp(t, e.app)
		e.admin.Must(t, `query Me { viewer { id } }`, nil, nil)
		e.admin.Must(t, `query Me { viewer { id } }`, nil, nil)
		e.anon.Post(t, `query Nope { nope }`, nil)
		e.anon.Post(t, `query Tickets { tickets { totalCount } }`, nil)

		s := gqltest.Connect(t, e.anon.URL, gqltest.TransportWS, e.admin.Token)
		defer s.Close()
		s.Subscribe(t, "1", `subscription { ticketEvents { ticketID } }`, nil)
		waitForMetric(t, e, "helpdesk_subscriptions 1")
		// The job queue's depth is read from the database at each scrape.
		waitForMetric(t, e, `helpdesk_jobs{state="available"} 0`)
		customer := e.createCustomer(t, "Metric Customer", "metric@example.com")
		e.createTicket(t, map[string]any{"title": "Counted", "channel": "EMAIL", "customerID": customer})
		var got struct{ TicketEvents struct{ TicketID string } }
		s.Next(t, "1", &got)

		body := waitForMetric(t, e, "helpdesk_events_delivered_total 1")
		for _, want := range []string{
			`helpdesk_graphql_requests_total{operation="Me",outcome="ok"} 2`,
			`helpdesk_graphql_requests_total{operation="(none)",outcome="GRAPHQL_VALIDATION_FAILED"} 1`,
			`helpdesk_graphql_requests_total{operation="Tickets",outcome="UNAUTHENTICATED"} 1`,
			`helpdesk_graphql_request_duration_seconds_count{operation="Me"} 2`,
			`helpdesk_graphql_errors_total{code="UNAUTHENTICATED"} 1`,
			`helpdesk_websocket_connections 1`,
			`helpdesk_subscriptions 1`,
			`helpdesk_events_published_total 1`,
			`go_sql_max_open_connections{db_name="helpdesk"}`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics has no %q", want)
			}
		}
		s.Close()
		waitForMetric(t, e, "helpdesk_websocket_connections 0")
		waitForMetric(t, e, "helpdesk_subscriptions 0")
	})
}

// TestMetricsAccess: without a token /metrics answers loopback clients
// only (not through a proxy); with one, only requests bearing it.
func TestMetricsAccess(t *testing.T) {
	t.Parallel()
	open := newEnv(t, testdb.Dialects[0])
	if status, _ := scrape(t, open, nil); status != http.StatusOK {
		t.Errorf("loopback scrape: %d, want 200", status)
	}
	if status, _ := scrape(t, open, map[string]string{"X-Forwarded-For": "203.0.113.9"}); status != http.StatusForbidden {
		t.Errorf("scrape through a proxy: %d, want 403", status)
	}
	guarded := newEnvWith(t, testdb.Dialects[0], server.Options{MetricsToken: "metrics-secret"})
	if status, _ := scrape(t, guarded, nil); status != http.StatusUnauthorized {
		t.Errorf("scrape without the token: %d, want 401", status)
	}
	if status, _ := scrape(t, guarded, map[string]string{"Authorization": "Bearer wrong"}); status != http.StatusUnauthorized {
		t.Errorf("scrape with a wrong token: %d, want 401", status)
	}
	if status, body := scrape(t, guarded, map[string]string{"Authorization": "Bearer metrics-secret", "X-Forwarded-For": "203.0.113.9"}); status != http.StatusOK || !strings.Contains(body, "helpdesk_graphql_requests_total") {
		t.Errorf("scrape with the token: %d", status)
	}
}
