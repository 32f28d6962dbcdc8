package tracing_test

import (
	"context"
	"errors"
	"testing"

	"github.com/riverqueue/river/rivertype"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"helpdesk/internal/tracing"
)

// TestJobs checks that a job runs inside its own span, named after its
// kind, which records the job's failure.
func TestJobs(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	m := tracing.Jobs(tp.Tracer(tracing.Name))
	var inner trace.SpanContext
	failed := errors.New("boom")
	err := m.Work(t.Context(), &rivertype.JobRow{ID: 7, Kind: "sla_timer", Attempt: 2}, func(ctx context.Context) error {
		inner = trace.SpanContextFromContext(ctx)
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("error %v, want the job's", err)
	}
	spans := exp.GetSpans()
	if len(spans) != 1 || spans[0].Name != "job sla_timer" || spans[0].Status.Code != codes.Error {
		t.Fatalf("spans %+v", spans)
	}
	if inner.SpanID() != spans[0].SpanContext.SpanID() {
		t.Fatal("the job did not run inside its span")
	}
}
