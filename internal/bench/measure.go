package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// request is one request of a scenario, by one client.
type request func(ctx context.Context) error

// Result is what one scenario measured.
type Result struct {
	Name     string `json:"name"`
	Skipped  string `json:"skipped,omitempty"`
	Clients  int    `json:"clients,omitempty"`
	Requests int    `json:"requests"`
	Errors   int    `json:"errors"`
	// FirstError is the first failure's message, if any.
	FirstError string  `json:"firstError,omitempty"`
	Seconds    float64 `json:"seconds"`
	PerSecond  float64 `json:"perSecond"`
	P50        float64 `json:"p50Ms"`
	P90        float64 `json:"p90Ms"`
	P95        float64 `json:"p95Ms"`
	P99        float64 `json:"p99Ms"`
	// StatementsPerRequest is -1 when the server's statements are not
	// known (a server given with --url).
	StatementsPerRequest float64 `json:"statementsPerRequest"`
	// ServerCPUPerRequest is the server's CPU time per request (ms), and
	// ServerCPUPercent its CPU use over the run (100 = one core); -1 when
	// unknown. With --in-process both include the load generator.
	ServerCPUPerRequest float64 `json:"serverCpuMsPerRequest"`
	ServerCPUPercent    float64 `json:"serverCpuPercent"`
	ServerRSSMB         float64 `json:"serverRssMb"`
	// Fanout only: the websocket subscribers, the deliveries of the
	// measured changes expected (at least) and received (latencies are then from
	// commit to client), and the growth of the server's resident memory
	// per connection while idle (-1 when unknown).
	Subscribers           int     `json:"subscribers,omitempty"`
	Expected              int64   `json:"expectedDeliveries,omitempty"`
	Deliveries            int64   `json:"deliveries,omitempty"`
	MemoryPerConnectionKB float64 `json:"memoryPerConnectionKb,omitempty"`
}

// measure runs the scenario's clients for a warm-up, then for d, and
// reports. Each client runs its requests one after the other.
func measure(ctx context.Context, t *target, name string, clients []request, warmup, d time.Duration, progress io.Writer) Result {
	res := Result{Name: name, Clients: len(clients), StatementsPerRequest: -1, ServerCPUPerRequest: -1, ServerCPUPercent: -1, ServerRSSMB: -1}
	if warmup > 0 {
		run(ctx, clients, warmup, name+" warm-up", progress)
	}
	stmts0, stmtsOK := t.statements(ctx)
	cpu0, _, usageOK := t.usage()
	start := time.Now()
	latencies, errs, first := run(ctx, clients, d, name, progress)
	elapsed := time.Since(start)
	stmts1, stmtsOK1 := t.statements(ctx)
	cpu1, rss, usageOK1 := t.usage()

	res.Requests, res.Errors, res.FirstError = len(latencies), errs, first
	res.Seconds = elapsed.Seconds()
	res.PerSecond = float64(len(latencies)) / elapsed.Seconds()
	slices.Sort(latencies)
	res.P50, res.P90, res.P95, res.P99 = percentile(latencies, 50), percentile(latencies, 90), percentile(latencies, 95), percentile(latencies, 99)
	if n := len(latencies) + errs; n > 0 {
		if stmtsOK && stmtsOK1 {
			res.StatementsPerRequest = float64(stmts1-stmts0) / float64(n)
		}
		if usageOK && usageOK1 {
			cpu := cpu1 - cpu0
			res.ServerCPUPerRequest = float64(cpu.Microseconds()) / 1000 / float64(n)
			res.ServerCPUPercent = 100 * cpu.Seconds() / elapsed.Seconds()
			res.ServerRSSMB = float64(rss) / (1 << 20)
		}
	}
	return res
}

// run drives the clients for d and returns the latencies of the
// requests that succeeded, the number that failed and the first failure.
// A progress line is rewritten once a second.
func run(ctx context.Context, clients []request, d time.Duration, name string, progress io.Writer) ([]time.Duration, int, string) {
	deadline := time.Now().Add(d)
	var (
		done, failed atomic.Int64
		firstErr     atomic.Value
		wg           sync.WaitGroup
		per          = make([][]time.Duration, len(clients))
	)
	for i, do := range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				began := time.Now()
				if err := do(ctx); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				per[i] = append(per[i], time.Since(began))
				done.Add(1)
			}
		})
	}
	stop := make(chan struct{})
	var pw sync.WaitGroup
	pw.Go(func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		start := time.Now()
		for {
			select {
			case <-stop:
				fmt.Fprintf(progress, "\r%-60s\r", "")
				return
			case <-tick.C:
				s := time.Since(start).Seconds()
				fmt.Fprintf(progress, "\r%-16s %4.0fs/%.0fs %8d requests %8.0f/s %5d errors", name, s, d.Seconds(), done.Load(), float64(done.Load())/s, failed.Load())
			}
		}
	})
	wg.Wait()
	close(stop)
	pw.Wait()
	var all []time.Duration
	for _, l := range per {
		all = append(all, l...)
	}
	first, _ := firstErr.Load().(string)
	return all, int(failed.Load()), first
}

// percentile is the p-th percentile of sorted latencies, in ms.
func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p / 100)
	return float64(sorted[i].Microseconds()) / 1000
}
