// Command helpdesk-load measures live queues under load: it serves
// Helpdesk in-process on a loopback port (a fresh SQLite file, or the
// PostgreSQL database of -database-url), opens many websocket
// subscribers on ticketEvents from a client process it spawns, changes
// tickets over HTTP at a steady rate and reports commit-to-client latency,
// server memory per idle subscription and CPU.
//
//	helpdesk-load -subscribers 5000 -changes 500 -rate 20
//
// The subscribers run in a separate process (this binary, re-executed) so
// that the server's memory and CPU figures hold the server alone.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"helpdesk/internal/bench"
)

// clientEnv marks the spawned client process.
const clientEnv = "HELPDESK_LOAD_CLIENT"

func main() {
	var err error
	if os.Getenv(clientEnv) == "1" {
		n, _ := strconv.Atoi(os.Getenv("HELPDESK_LOAD_SUBSCRIBERS"))
		err = runClients(os.Getenv("HELPDESK_LOAD_URL"), os.Getenv("HELPDESK_LOAD_TOKEN"), n)
	} else {
		err = runDriver(os.Args[1:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helpdesk-load:", err)
		os.Exit(1)
	}
}

type options struct {
	subscribers   int
	changes       int
	rate          float64
	tickets       int
	databaseURL   string
	warmupTimeout time.Duration
	cpuProfile    string
	memProfile    string
}

func runDriver(args []string) error {
	fs := flag.NewFlagSet("helpdesk-load", flag.ContinueOnError)
	var o options
	fs.IntVar(&o.subscribers, "subscribers", 5000, "concurrent websocket subscribers")
	fs.IntVar(&o.changes, "changes", 500, "ticket changes to measure")
	fs.Float64Var(&o.rate, "rate", 20, "ticket changes per second")
	fs.IntVar(&o.tickets, "tickets", 8, "tickets the changes go round (spread over the priorities)")
	fs.DurationVar(&o.warmupTimeout, "warmup-timeout", 3*time.Minute, "give up when not every subscriber has received a warm-up event after this long")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the server (and driver) during the measured changes to this file (go tool pprof)")
	fs.StringVar(&o.memProfile, "memprofile", "", "write a heap profile of the server with the subscriptions open and idle to this file (go tool pprof)")
	fs.StringVar(&o.databaseURL, "database-url", "", "PostgreSQL URL of an empty database; empty uses a fresh SQLite file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	fdLimit := bench.RaiseFileLimit()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	dir, err := os.MkdirTemp("", "helpdesk-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	url, closeServer, err := startServer(ctx, o.databaseURL, dir)
	if err != nil {
		return err
	}
	defer closeServer()
	c := newGQLClient(url)
	if err := c.login(adminEmail, adminPassword); err != nil {
		return fmt.Errorf("login: %w", err)
	}
	type ticket struct{ id, priority string }
	var tickets []ticket
	for i := 0; i < o.tickets; i++ {
		p := priorities[i%len(priorities)]
		id, err := c.createTicket(fmt.Sprintf("load ticket %d", i), p)
		if err != nil {
			return fmt.Errorf("creating tickets: %w", err)
		}
		tickets = append(tickets, ticket{id, p})
	}
	database := "SQLite (fresh file)"
	if o.databaseURL != "" {
		database = "PostgreSQL"
	}
	fmt.Printf("server %s on %s; %d CPUs, GOMAXPROCS %d, open-file limit %d\n",
		database, url, runtime.NumCPU(), runtime.GOMAXPROCS(0), fdLimit)

	before := serverMem()

	// The client process.
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), clientEnv+"=1", "HELPDESK_LOAD_URL="+url, "HELPDESK_LOAD_TOKEN="+c.token,
		"HELPDESK_LOAD_SUBSCRIBERS="+strconv.Itoa(o.subscribers))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Wait() }()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func() (string, error) {
		l, ok := <-lines
		if !ok {
			return "", errors.New("the client process ended early")
		}
		return l, nil
	}

	start := time.Now()
	if l, err := next(); err != nil || l != "subscribed" {
		return fmt.Errorf("client process: %q %v", l, err)
	}
	fmt.Printf("%d subscribers on %d live queues opened in %s\n", o.subscribers, len(queues), time.Since(start).Round(time.Millisecond))
	// Idle: memory per connection and CPU of the idle sockets, measured
	// once every subscription has been sent and before any event.
	idleCPU := processCPU()
	time.Sleep(6 * time.Second)
	idleCPU = processCPU() - idleCPU
	after := serverMem()
	if o.memProfile != "" {
		f, err := os.Create(o.memProfile)
		if err != nil {
			return err
		}
		err = pprof.Lookup("heap").WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	n := float64(o.subscribers)
	fmt.Printf("server memory per idle subscription: %.1f KB heap+stacks, %.1f KB Sys, %.1f KB RSS; goroutines %d (%.1f per subscription)\n",
		float64(after.heap-before.heap)/n/1024, float64(after.sys-before.sys)/n/1024, float64(after.rss-before.rss)/n/1024,
		after.goroutines, float64(after.goroutines-before.goroutines)/n)
	fmt.Printf("server CPU while idle: %.2f cores (token recheck, pings)\n", idleCPU/6)

	// Warm-up changes until every subscriber has received an event, so
	// every subscription is known to be live.
	var clientIdle [2]uint64
	for round := 0; ; round++ {
		for _, t := range tickets {
			if err := c.retitle(t.id, fmt.Sprintf("warm-%d", round)); err != nil {
				return fmt.Errorf("warm-up change: %w", err)
			}
		}
		select {
		case l, ok := <-lines:
			if !ok {
				return errors.New("the client process ended early")
			}
			if _, err := fmt.Sscanf(l, "ready %d %d", &clientIdle[0], &clientIdle[1]); err != nil {
				return fmt.Errorf("client process: %q", l)
			}
		case <-time.After(60 * time.Second):
			if time.Since(start) > o.warmupTimeout {
				return fmt.Errorf("not every subscriber received a warm-up event within %s; open SQLite handles: %d", o.warmupTimeout, openFiles(".db"))
			}
			continue
		}
		break
	}
	fmt.Printf("all subscribers live after %s; open database file handles: %d\n", time.Since(start).Round(time.Millisecond), openFiles(".db"))
	fmt.Printf("client process memory per subscriber (for comparison): %.1f KB heap+stacks, %.1f KB Sys\n",
		float64(clientIdle[0])/n/1024, float64(clientIdle[1])/n/1024)

	// Measured changes at a steady rate.
	w := bufio.NewWriter(stdin)
	expected := 0
	perQueue := make([]int, len(queues))
	for i := 0; i < o.subscribers; i++ {
		perQueue[i%len(queues)]++
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	cpu0, wall0 := processCPU(), time.Now()
	interval := time.Duration(float64(time.Second) / o.rate)
	tick := time.NewTicker(interval)
	var commitLat []int64
	for k := 0; k < o.changes; k++ {
		<-tick.C
		t := tickets[k%len(tickets)]
		sent := time.Now()
		if err := c.retitle(t.id, fmt.Sprintf("%s%d", bench.ChangePrefix, k)); err != nil {
			return fmt.Errorf("change %d: %w", k, err)
		}
		committed := time.Now()
		commitLat = append(commitLat, int64(committed.Sub(sent)))
		fmt.Fprintf(w, "c %d %d\n", k, committed.UnixNano())
		// Both queues of the ticket's priority receive the change.
		for qi, q := range queues {
			if q["priority"] == t.priority {
				expected += perQueue[qi]
			}
		}
	}
	tick.Stop()
	sendWall := time.Since(wall0)
	fmt.Fprintf(w, "end %d\n", expected)
	if err := w.Flush(); err != nil {
		return err
	}
	l, err := next()
	if err != nil {
		return err
	}
	cpu := processCPU() - cpu0
	if !strings.HasPrefix(l, "result ") {
		return fmt.Errorf("client process: %q", l)
	}
	var res clientResult
	if err := json.Unmarshal([]byte(strings.TrimPrefix(l, "result ")), &res); err != nil {
		return err
	}
	wall := time.Duration(res.LastReceipt - wall0.UnixNano())
	ms := func(ns int64) string { return fmt.Sprintf("%.1f ms", float64(ns)/1e6) }
	p50, _, p99, pmax := bench.Percentiles(commitLat)
	fmt.Printf("%d changes in %s (%.1f/s; target %g/s); updateTicket round trip p50 %s p99 %s max %s\n",
		o.changes, sendWall.Round(time.Millisecond), float64(o.changes)/sendWall.Seconds(), o.rate, ms(p50), ms(p99), ms(pmax))
	fmt.Printf("deliveries %d of %d expected (%d unmatched, %d errors), %.0f/s\n",
		res.Deliveries, expected, res.Unmatched, res.Errors, float64(res.Deliveries)/wall.Seconds())
	if res.Closed > 0 {
		fmt.Printf("sockets closed by the server during the run: %d (by close code: %v)\n", res.Closed, res.CloseCodes)
	}
	fmt.Printf("commit-to-client latency: p50 %s  p90 %s  p99 %s  max %s\n", ms(res.P50), ms(res.P90), ms(res.P99), ms(res.Max))
	fmt.Printf("open database file handles after the run: %d\n", openFiles(".db"))
	fmt.Printf("server CPU over the run: %.1f s in %.1f s (%.2f cores); client process CPU in total: %.1f s\n",
		cpu, wall.Seconds(), cpu/wall.Seconds(), res.CPUSeconds)
	_ = stdin.Close()
	return nil
}

// memSample is the server process's memory at one moment.
type memSample struct {
	heap, sys, rss uint64
	goroutines     int
}

// serverMem collects garbage and samples the process's memory: heap in
// use plus goroutine stacks, the runtime's Sys, and the resident set.
func serverMem() memSample {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memSample{heap: ms.HeapInuse + ms.StackInuse, sys: ms.Sys, rss: rss(), goroutines: runtime.NumGoroutine()}
}

// rss reads the resident set size from /proc (0 where there is none).
func rss() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return cpuSeconds(ru)
}

func cpuSeconds(ru syscall.Rusage) float64 {
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// openFiles counts this process's open files whose name ends in suffix
// (each SQLite connection holds the database file open).
func openFiles(suffix string) int {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	n := 0
	for _, fd := range fds {
		if target, err := os.Readlink("/proc/self/fd/" + fd.Name()); err == nil && strings.HasSuffix(target, suffix) {
			n++
		}
	}
	return n
}
