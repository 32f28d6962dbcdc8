package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"helpdesk/internal/server"
	"helpdesk/internal/testdb"
)

// lockedBuffer is a log destination safe for concurrent writers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestTracing sends one named mutation and follows its trace: the HTTP
// request's span, the operation's under it, the mutation field's under
// that, and the database statements under the field, all in the trace
// whose id is the request id in the response header and the log.
func TestTracing(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		exp := tracetest.NewInMemoryExporter()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
		t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
		logs := &lockedBuffer{}
		e := newEnvWith(t, dial, server.Options{Tracing: tp, Logger: slog.New(slog.NewJSONHandler(logs, nil))})

		body := `{"operationName":"AddAgent","query":"mutation AddAgent { createAgent(input: {name: \"Traced\", email: \"traced@example.com\", password: \"traced-password\"}) { id } }"}`
		req, _ := http.NewRequest(http.MethodPost, e.admin.URL, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.admin.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || strings.Contains(string(out), `"errors"`) {
			t.Fatalf("mutation: %d %s", resp.StatusCode, out)
		}
		requestID := resp.Header.Get("X-Request-Id")

		byName := map[string]tracetest.SpanStub{}
		var statements []tracetest.SpanStub
		for _, s := range exp.GetSpans() {
			if s.SpanContext.TraceID().String() != requestID {
				continue
			}
			if strings.HasPrefix(s.Name, "sql ") {
				statements = append(statements, s)
				continue
			}
			byName[s.Name] = s
		}
		request, ok := byName["POST /graphql"]
		if !ok {
			t.Fatalf("no request span in trace %s (request id); spans: %v", requestID, names(exp.GetSpans()))
		}
		op, ok := byName["mutation AddAgent"]
		if !ok || op.Parent.SpanID() != request.SpanContext.SpanID() {
			t.Fatalf("operation span missing or not under the request: %+v", op.Parent)
		}
		field, ok := byName["Mutation.createAgent"]
		if !ok || field.Parent.SpanID() != op.SpanContext.SpanID() {
			t.Fatalf("mutation span missing or not under the operation: %+v", field.Parent)
		}
		var insert bool
		for _, s := range statements {
			if s.Parent.SpanID() == field.SpanContext.SpanID() || isUnder(s, field, exp.GetSpans()) {
				if strings.HasPrefix(s.Name, "sql INSERT") {
					insert = true
				}
			}
		}
		if !insert {
			t.Fatalf("no INSERT statement span under the mutation; statements in the trace: %v", names(statements))
		}

		// The request's log line carries the trace id as its request id.
		var logged bool
		for _, line := range strings.Split(logs.String(), "\n") {
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "request" && rec["request_id"] == requestID {
				logged = true
			}
		}
		if !logged {
			t.Fatalf("no request log line with request_id %s:\n%s", requestID, logs.String())
		}
	})
}

// isUnder reports whether s descends from ancestor among spans.
func isUnder(s, ancestor tracetest.SpanStub, spans tracetest.SpanStubs) bool {
	byID := map[string]tracetest.SpanStub{}
	for _, x := range spans {
		byID[x.SpanContext.SpanID().String()] = x
	}
	for p := s.Parent; p.IsValid(); {
		if p.SpanID() == ancestor.SpanContext.SpanID() {
			return true
		}
		parent, ok := byID[p.SpanID().String()]
		if !ok {
			return false
		}
		p = parent.Parent
	}
	return false
}

func names(spans tracetest.SpanStubs) []string {
	var n []string
	for _, s := range spans {
		n = append(n, s.Name)
	}
	return n
}

// TestProbesAreNotTraced: orchestrators poll /healthz, /readyz and
// /metrics every few seconds; none of them makes a span, while a GraphQL
// request on the same server does.
func TestProbesAreNotTraced(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		exp := tracetest.NewInMemoryExporter()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
		t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
		e := newEnvWith(t, dial, server.Options{Tracing: tp})
		base := strings.TrimSuffix(e.anon.URL, "/graphql")
		get := func(path string) {
			t.Helper()
			resp, err := http.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", path, resp.StatusCode)
			}
		}
		exp.Reset()
		for range 3 {
			for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
				get(path)
			}
		}
		for _, s := range exp.GetSpans() {
			if s.SpanKind == trace.SpanKindServer || strings.Contains(s.Name, "z") || strings.Contains(s.Name, "metrics") {
				t.Errorf("a probe made span %q (%s)", s.Name, s.SpanKind)
			}
		}

		resp, err := http.Post(e.anon.URL, "application/json", strings.NewReader(`{"query":"{ __typename }"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		traced := false
		for _, s := range exp.GetSpans() {
			traced = traced || (s.Name == "POST /graphql" && s.SpanContext.TraceID().String() == resp.Header.Get("X-Request-Id"))
		}
		if !traced {
			t.Errorf("the GraphQL request after the probes has no span; spans: %v", names(exp.GetSpans()))
		}
	})
}
