package graph

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// The limit checks one request pays before its query is validated
// (tokens, depth, complexity), on the queue query: the first time a query
// is seen (parsed and measured) and when it is sent again (measured
// only). Compare them with a queue request's server CPU time from
// `helpdesk bench`.

func BenchmarkQueryLimitsFirstSeen(b *testing.B) {
	schema := testSchema()
	vars := map[string]any{"after": nil}
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		if err := checkQuery(schema, DefaultLimits, queueQuery, "", vars); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQueryLimitsRepeated(b *testing.B) {
	q := newQueryLimits(DefaultLimits)
	q.schema = testSchema()
	ctx := context.Background()
	params := &graphql.RawParams{Query: queueQuery, Variables: map[string]any{"after": nil}}
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		if err := q.MutateOperationParameters(ctx, params); err != nil {
			b.Fatal(err)
		}
	}
}

// reportCPU adds the process's CPU time per operation (cpu-ns/op), which
// a busy shared machine distorts less than the wall-clock ns/op.
func reportCPU(b *testing.B) func() {
	before := cpuTime()
	return func() { b.ReportMetric(float64((cpuTime()-before).Nanoseconds())/float64(b.N), "cpu-ns/op") }
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
