package main_test

import (
	"compress/gzip"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"helpdesk/internal/testdb"
)

// collector stands in for an OpenTelemetry collector: it accepts OTLP/HTTP
// trace exports (protobuf, possibly gzipped) and keeps their spans.
type collector struct {
	mu    sync.Mutex
	spans []*tracepb.Span
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" {
		http.NotFound(w, r)
		return
	}
	body := io.Reader(r.Body)
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(raw, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			c.spans = append(c.spans, ss.Spans...)
		}
	}
	c.mu.Unlock()
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

func (c *collector) received() []*tracepb.Span {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*tracepb.Span(nil), c.spans...)
}

// TestTracesReachACollector runs the binary with -otlp-endpoint at a
// stand-in collector on loopback: one named GraphQL mutation arrives as a
// trace of the HTTP request, the operation, the mutation field and its
// SQL statements, whose id is the X-Request-Id the client got and the
// request_id of the request's log line; the readiness polls of the start
// arrive as nothing.
func TestTracesReachACollector(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		col := &collector{}
		srv := httptest.NewServer(col) // listens on 127.0.0.1
		t.Cleanup(srv.Close)
		// The flag, not its environment variable, is what is tested here.
		p := newProcess(t, append(databaseEnv(t, dial), "HELPDESK_DEMO=false")...)
		p.cmd.Args = append(p.cmd.Args, "-otlp-endpoint", srv.URL, "-admin-email", "root@example.com", "-admin-password", "root-password")
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitReady(t, p)

		body := `{"operationName":"SignIn","query":"mutation SignIn { login(email: \"root@example.com\", password: \"root-password\") { token } }"}`
		resp, err := http.Post(p.base+"/graphql", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(out), `"token"`) {
			t.Fatalf("login: %d %s", resp.StatusCode, out)
		}
		requestID := resp.Header.Get("X-Request-Id")
		p.stop(t) // shutting down flushes the batch of spans

		spans := col.received()
		var inTrace []*tracepb.Span
		for _, s := range spans {
			if hex.EncodeToString(s.TraceId) == requestID {
				inTrace = append(inTrace, s)
			}
			if strings.Contains(s.Name, "readyz") || strings.Contains(s.Name, "healthz") {
				t.Errorf("a probe made span %q", s.Name)
			}
		}
		byName := map[string]*tracepb.Span{}
		statements := 0
		for _, s := range inTrace {
			if strings.HasPrefix(s.Name, "sql ") {
				statements++
			}
			byName[s.Name] = s
		}
		request, operation, field := byName["POST /graphql"], byName["mutation SignIn"], byName["Mutation.login"]
		if request == nil || operation == nil || field == nil || statements == 0 {
			names := make([]string, len(spans))
			for i, s := range spans {
				names[i] = s.Name + " " + hex.EncodeToString(s.TraceId)
			}
			t.Fatalf("trace %s (the request id) lacks the request, operation, field or SQL spans; the collector got %v", requestID, names)
		}
		if string(operation.ParentSpanId) != string(request.SpanId) || string(field.ParentSpanId) != string(operation.SpanId) {
			t.Error("the operation span is not under the request's, or the field's not under the operation's")
		}
		if request.Kind != tracepb.Span_SPAN_KIND_SERVER {
			t.Errorf("request span kind %s, want SERVER", request.Kind)
		}
		logged := false
		for _, line := range strings.Split(p.logs.String(), "\n") {
			if strings.Contains(line, "msg=request") && strings.Contains(line, "path=/graphql") {
				logged = logged || strings.Contains(line, "request_id="+requestID)
			}
		}
		if !logged {
			t.Errorf("no request log line has request_id=%s (the trace id):\n%s", requestID, p.logs.String())
		}
	})
}
