package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"helpdesk/internal/server"
	"helpdesk/internal/store"
)

// target is the server the scenarios drive.
type target struct {
	// URL is the GraphQL endpoint.
	URL string
	// Process names what usage measures: "server", or "process" when the
	// server shares this process with the load generator.
	Process string
	// statements returns how many SQL statements the server has sent so
	// far, when it is known.
	statements func(ctx context.Context) (int64, bool)
	// usage returns the server's CPU time so far and its resident memory,
	// when they are known.
	usage func() (cpu time.Duration, rss int64, ok bool)
	// base is the server's root URL, for its profiling endpoints (empty
	// when it has none).
	base string
	stop func()
}

// serverConfig lets long profiles through the request deadline.
var serverConfig = server.Config{RequestTimeout: 5 * time.Minute}

// serveCounted starts the real server on a loopback port over db, with
// its statements counted, and returns its root URL.
func serveCounted(ctx context.Context, db *store.DB, logger *slog.Logger, extra func(mux *http.ServeMux)) (string, *atomic.Int64, func(), error) {
	n := &atomic.Int64{}
	app, err := server.NewApp(ctx, db.WithDriver(countStatements(n)), server.Options{Logger: logger, HTTP: serverConfig,
		// The limits run, but never refuse the bench's clients.
		RateLimits: server.RateLimits{PerToken: 1e9, TokenBurst: 1e9, PerAddress: 1e9, AddressBurst: 1e9}})
	if err != nil {
		return "", nil, nil, err
	}
	if err := app.Start(ctx); err != nil {
		app.Close()
		return "", nil, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		app.Close()
		return "", nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/", app.Handler)
	if extra != nil {
		extra(mux)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := server.Run(runCtx, serverConfig, ln, mux, logger); err != nil {
			logger.Error("bench server stopped", "error", err)
		}
	}()
	stop := func() {
		cancel()
		<-done
		app.Close()
	}
	return "http://" + ln.Addr().String(), n, stop, nil
}

// startInProcess serves in this process: usage then covers the load
// generator too.
func startInProcess(ctx context.Context, db *store.DB, logger *slog.Logger) (*target, error) {
	base, n, stop, err := serveCounted(ctx, db, logger, nil)
	if err != nil {
		return nil, err
	}
	return &target{
		URL:        base + "/graphql",
		Process:    "process",
		statements: func(context.Context) (int64, bool) { return n.Load(), true },
		usage:      func() (time.Duration, int64, bool) { return procUsage(os.Getpid()) },
		stop:       stop,
	}, nil
}

// serveChild is the child side of startChild: it serves over the
// database until its standard input closes, and tells its address on
// standard output.
func serveChild(ctx context.Context, dsn string, stdout io.Writer, logger *slog.Logger) error {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var n *atomic.Int64
	base, n, stop, err := serveCounted(ctx, db, logger, func(mux *http.ServeMux) {
		mux.HandleFunc("GET /bench/statements", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, n.Load())
		})
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	})
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintln(stdout, "listening", base)
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

// startChild runs the server in a child process of this binary
// ("helpdesk bench -serve"), so that its CPU time and memory are its own.
func startChild(ctx context.Context, dsn string, stderr io.Writer) (*target, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, "bench", "-serve", "-db", dsn)
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		stop()
		return nil, fmt.Errorf("starting the server process: %q (%v)", line, err)
	}
	pid := cmd.Process.Pid
	client := &http.Client{Timeout: 10 * time.Second}
	return &target{
		URL:     base + "/graphql",
		Process: "server",
		base:    base,
		statements: func(ctx context.Context) (int64, bool) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/bench/statements", nil)
			if err != nil {
				return 0, false
			}
			resp, err := client.Do(req)
			if err != nil {
				return 0, false
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			v, err := strconv.ParseInt(string(body), 10, 64)
			return v, err == nil
		},
		usage: func() (time.Duration, int64, bool) { return procUsage(pid) },
		stop:  stop,
	}, nil
}

// startRemote targets a running server: its statements, CPU and memory
// are not known here.
func startRemote(url string) *target {
	return &target{
		URL:        strings.TrimSuffix(url, "/") + "/graphql",
		Process:    "server",
		statements: func(context.Context) (int64, bool) { return 0, false },
		usage:      func() (time.Duration, int64, bool) { return 0, 0, false },
		stop:       func() {},
	}
}

// procUsage reads a process's CPU time and resident memory from /proc.
func procUsage(pid int) (time.Duration, int64, bool) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, false
	}
	// The command name may hold spaces: fields start after its ')'.
	i := strings.LastIndexByte(string(stat), ')')
	fields := strings.Fields(string(stat[i+1:]))
	if len(fields) < 22 {
		return 0, 0, false
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	rssPages, err3 := strconv.ParseInt(fields[21], 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return 0, 0, false
	}
	const ticksPerSecond = 100 // USER_HZ on Linux
	cpu := time.Duration(utime+stime) * time.Second / ticksPerSecond
	return cpu, rssPages * int64(os.Getpagesize()), true
}

// fetchProfile saves a CPU profile of the server taken over d.
func (t *target) fetchProfile(ctx context.Context, d time.Duration, path string) error {
	if t.base == "" {
		return errors.New("this server has no profiling endpoint (profiles need the default child server)")
	}
	url := fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", t.base, max(int(d.Seconds()), 1))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profiling: %s", resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
