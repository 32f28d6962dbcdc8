package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"helpdesk/internal/bench"
)

// priorities are the ticket priorities; every priority has two live
// queues, so the subscribers share len(queues) distinct filters.
var priorities = []string{"URGENT", "HIGH", "MEDIUM", "LOW"}

// queues are the filters subscriber i subscribes with (queue i mod len).
var queues = func() []map[string]any {
	var q []map[string]any
	for _, p := range priorities {
		q = append(q,
			map[string]any{"priority": p},
			map[string]any{"priority": p, "statusNotIn": []string{"RESOLVED", "CLOSED", "CANCELLED"}})
	}
	return q
}()

// clientResult is what the client process reports to the driver.
type clientResult struct {
	Deliveries int64   `json:"deliveries"`
	Latencies  []int64 `json:"-"`
	// Nanoseconds from commit to receipt, by percentile.
	P50, P90, P99, Max int64
	Unmatched          int64 `json:"unmatched"`
	Errors             int64 `json:"errors"`
	// Closed counts the sockets the server closed, e.g. because the
	// subscriber fell behind; CloseCodes counts them by close code.
	Closed         int64         `json:"closed"`
	CloseCodes     map[int]int64 `json:"closeCodes"`
	LastReceipt    int64         `json:"lastReceipt"`
	CPUSeconds     float64
	HeapInuse, Sys uint64
}

// runClients is the client process: it opens n subscriptions to url,
// reports "ready" once each has received an event, then reads the
// driver's commit stamps ("c <change> <unix nanos>") from stdin until
// "end <expected>", and prints its results as one JSON line.
func runClients(url, token string, n int) error {
	subs, err := bench.SubscribeAll(bench.WebsocketURL(url+"/graphql"), n,
		func(int) string { return token }, func(i int) map[string]any { return queues[i%len(queues)] })
	if err != nil {
		return err
	}
	var errs atomic.Int64
	closed := make(chan int, n)
	for _, s := range subs {
		go s.Read(&errs, closed)
	}
	fmt.Println("subscribed")
	for !bench.AllLive(subs) {
		if len(closed) > 0 {
			return fmt.Errorf("the server closed %d sockets before they were live (first close code %d)", len(closed), <-closed)
		}
		time.Sleep(50 * time.Millisecond)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("ready %d %d\n", ms.HeapInuse+ms.StackInuse, ms.Sys)

	commits := map[int]int64{}
	in := bufio.NewScanner(os.Stdin)
	expected := int64(-1)
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) == 3 && f[0] == "c" {
			k, _ := strconv.Atoi(f[1])
			t, _ := strconv.ParseInt(f[2], 10, 64)
			commits[k] = t
		} else if len(f) == 2 && f[0] == "end" {
			expected, _ = strconv.ParseInt(f[1], 10, 64)
			break
		}
	}
	// Wait for the expected deliveries, or until none has come for 5s.
	for last, quiet := int64(-1), 0; quiet < 100; {
		m := bench.Matched(subs)
		if m >= expected {
			break
		}
		if m == last {
			quiet++
		} else {
			quiet = 0
		}
		last = m
		time.Sleep(50 * time.Millisecond)
	}
	var res clientResult
	res.Errors = errs.Load()
	res.CloseCodes = map[int]int64{}
	for len(closed) > 0 {
		res.CloseCodes[<-closed]++
		res.Closed++
	}
	for _, s := range subs {
		for _, d := range s.Deliveries() {
			c, ok := commits[d.Change]
			if !ok {
				res.Unmatched++
				continue
			}
			res.Latencies = append(res.Latencies, d.At-c)
			res.LastReceipt = max(res.LastReceipt, d.At)
		}
	}
	res.Deliveries = int64(len(res.Latencies))
	res.P50, res.P90, res.P99, res.Max = bench.Percentiles(res.Latencies)
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		res.CPUSeconds = cpuSeconds(ru)
	}
	runtime.ReadMemStats(&ms)
	res.HeapInuse, res.Sys = ms.HeapInuse+ms.StackInuse, ms.Sys
	out, err := json.Marshal(res)
	if err != nil {
		return err
	}
	fmt.Printf("result %s\n", out)
	bench.CloseAll(subs)
	return nil
}
