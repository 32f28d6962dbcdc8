// Package bench is the `helpdesk bench` command: it generates a realistic
// data set fast (PostgreSQL COPY, batched inserts on SQLite), starts the
// real server on loopback (or targets one with --url), drives it with
// concurrent clients in scenarios (an agent's queue, one ticket with its
// history, ticket creation, statistics, search) and reports requests per
// second, latency percentiles, SQL statements per request and the
// server's CPU and memory, as text and as JSON.
package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"entgo.io/ent/dialect"

	"helpdesk/internal/auth"
	"helpdesk/internal/server"
	"helpdesk/internal/store"
)

// Config is one benchmark run.
type Config struct {
	// DatabaseURL is where the data set is generated (or found): a
	// postgres:// URL or a SQLite file.
	DatabaseURL string
	Size        Size
	// URL targets a running server over the same database instead of
	// starting one.
	URL string
	// InProcess serves in this process instead of a child process (CPU
	// and memory then include the load generator).
	InProcess bool
	Clients   int
	Duration  time.Duration
	Warmup    time.Duration
	Scenarios []string
	// Out, when set, receives the report as JSON.
	Out string
	// CPUProfile, when set, receives a CPU profile of the server taken
	// during ProfileScenario.
	CPUProfile      string
	ProfileScenario string
	// Subscribers is how many websocket subscribers the fanout scenario
	// opens, and ChangeRate how many ticket changes per second it makes.
	Subscribers int
	ChangeRate  float64
	// SearchTerms are the texts the search scenario looks for, one per
	// request in turn; empty means the default mix (searchText).
	SearchTerms []string
	// SearchAsManager runs the search scenario as the manager, who reads
	// every ticket, instead of as agents (whose read scope applies).
	SearchAsManager bool
	// PasswordCost hashes the generated agents' passwords; zero means
	// the lowest bcrypt allows.
	PasswordCost int
}

// AllScenarios lists the scenarios in the order they run.
var AllScenarios = []string{"queue", "ticket", "create", "stats", "search", "fanout"}

// Report is a run's outcome, written by --out.
type Report struct {
	Started   time.Time `json:"started"`
	Database  string    `json:"database"`
	Size      Size      `json:"size"`
	Clients   int       `json:"clients"`
	Duration  string    `json:"duration"`
	Scenarios []Result  `json:"scenarios"`
	// QueueRatio compares the queue scenario with the hand-written SQL
	// run in the same window (PostgreSQL only).
	QueueRatio *Ratio `json:"queueRatio,omitempty"`
}

// Ratio compares GraphQL with the hand-written SQL.
type Ratio struct {
	Throughput float64 `json:"throughput"` // GraphQL req/s ÷ SQL req/s
	Median     float64 `json:"median"`     // GraphQL p50 ÷ SQL p50
}

// Main runs the bench command with its command-line arguments.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := Config{}
	db := fs.String("db", envOr("HELPDESK_BENCH_DB", "bench.db"), "database for the data set: a postgres:// URL or a SQLite file (env HELPDESK_BENCH_DB); an existing bench data set in it is reused")
	tickets := fs.Int("tickets", DefaultTickets, "tickets to generate (customers, comments and events scale with it)")
	fs.StringVar(&cfg.URL, "url", "", "drive a running server at this URL (over the same database) instead of starting one")
	fs.BoolVar(&cfg.InProcess, "in-process", false, "serve in this process (CPU and memory then include the load generator)")
	fs.IntVar(&cfg.Clients, "clients", 8, "concurrent clients")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "measured time per scenario")
	fs.DurationVar(&cfg.Warmup, "warmup", 2*time.Second, "unmeasured time before each scenario")
	scenarios := fs.String("scenarios", strings.Join(AllScenarios, ","), "scenarios to run")
	fs.IntVar(&cfg.Subscribers, "subscribers", 10000, "websocket subscribers of the fanout scenario")
	fs.Float64Var(&cfg.ChangeRate, "change-rate", 20, "ticket changes per second in the fanout scenario")
	fs.StringVar(&cfg.Out, "out", "", "write the report as JSON to this file")
	fs.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of the server during -profile-scenario to this file")
	fs.StringVar(&cfg.ProfileScenario, "profile-scenario", "queue", "scenario to profile")
	searchTerms := fs.String("search-terms", "", "comma-separated texts for the search scenario, one per request in turn (default: in turn a ticket number, an order number, a common word and Vietnamese without accents)")
	fs.BoolVar(&cfg.SearchAsManager, "search-as-manager", false, "run the search scenario as the manager (every ticket) instead of as agents")
	serve := fs.Bool("serve", false, "serve over -db until standard input closes (the child server)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if *serve {
		return serveChild(ctx, *db, stdout, logger)
	}
	cfg.DatabaseURL = *db
	cfg.Size = SizeFor(*tickets)
	cfg.Scenarios = strings.Split(*scenarios, ",")
	if *searchTerms != "" {
		cfg.SearchTerms = strings.Split(*searchTerms, ",")
	}
	_, err := Run(ctx, cfg, stdout, stderr)
	return err
}

// Run generates (or reuses) the data set, runs the scenarios and prints
// the report.
func Run(ctx context.Context, cfg Config, stdout, progress io.Writer) (*Report, error) {
	if cfg.Clients <= 0 {
		cfg.Clients = 1
	}
	if cfg.ChangeRate <= 0 {
		cfg.ChangeRate = 20
	}
	// Each fanout subscriber holds a socket on both sides (the child
	// server inherits the limit).
	RaiseFileLimit()
	logger := slog.New(slog.NewTextHandler(progress, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	w, err := generate(ctx, db, cfg, stdout, logger)
	if err != nil {
		return nil, err
	}

	var t *target
	switch {
	case cfg.URL != "":
		t = startRemote(cfg.URL)
	case cfg.InProcess:
		t, err = startInProcess(ctx, db, logger)
	default:
		t, err = startChild(ctx, cfg.DatabaseURL, progress)
	}
	if err != nil {
		return nil, fmt.Errorf("starting the server: %w", err)
	}
	defer t.stop()

	httpClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Clients * 2}, Timeout: time.Minute}
	s := &scenarios{w: w, url: t.URL, http: httpClient, clients: cfg.Clients, logins: map[string]*gqlClient{}, searchTerms: cfg.SearchTerms, searchAsManager: cfg.SearchAsManager}
	if s.fields, err = schemaFields(ctx, &gqlClient{http: httpClient, url: t.URL}); err != nil {
		return nil, fmt.Errorf("reading the schema: %w", err)
	}
	report := &Report{Started: time.Now().UTC(), Database: db.Dialect, Size: w.Size, Clients: cfg.Clients, Duration: cfg.Duration.String()}
	fmt.Fprintf(stdout, "\n%d clients, %s per scenario after a %s warm-up; the %s's CPU and memory\n", cfg.Clients, cfg.Duration, cfg.Warmup, t.Process)
	printHeader(stdout)
	for _, name := range cfg.Scenarios {
		results, err := runScenario(ctx, cfg, t, s, db, strings.TrimSpace(name), progress)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", name, err)
		}
		for _, r := range results {
			printResult(stdout, r)
			report.Scenarios = append(report.Scenarios, r)
		}
		if len(results) == 2 && results[1].Skipped == "" && results[1].P50 > 0 && results[1].PerSecond > 0 {
			report.QueueRatio = &Ratio{Throughput: results[0].PerSecond / results[1].PerSecond, Median: results[0].P50 / results[1].P50}
			fmt.Fprintf(stdout, "%-16s GraphQL serves %.2f× the hand-written SQL's requests/s; its median is %.2f× the SQL's\n",
				"queue ÷ SQL", report.QueueRatio.Throughput, report.QueueRatio.Median)
		}
	}
	if cfg.Out != "" {
		raw, _ := json.MarshalIndent(report, "", "  ")
		if err := os.WriteFile(cfg.Out, append(raw, '\n'), 0o644); err != nil {
			return nil, err
		}
	}
	return report, nil
}

// generate prepares the data set with an App of its own (not serving).
func generate(ctx context.Context, db *store.DB, cfg Config, log io.Writer, logger *slog.Logger) (*world, error) {
	cost := cfg.PasswordCost
	if cost == 0 {
		cost = 4 // bcrypt.MinCost: the generated agents are not real accounts
	}
	app, err := server.NewApp(auth.WithViewer(ctx, auth.System), db, server.Options{Logger: logger, PasswordCost: cost})
	if err != nil {
		return nil, err
	}
	defer app.Close()
	return prepare(ctx, app, cfg.Size, log)
}

// runScenario runs one scenario (the queue also runs the hand-written SQL).
func runScenario(ctx context.Context, cfg Config, t *target, s *scenarios, db *store.DB, name string, progress io.Writer) ([]Result, error) {
	var build func(context.Context) ([]request, string, error)
	switch name {
	case "queue":
		build = s.queue
	case "ticket":
		build = s.ticket
	case "create":
		build = s.create
	case "stats":
		build = s.stats
	case "search":
		build = s.search
	case "fanout":
		r, err := s.fanout(ctx, cfg, t, progress)
		return []Result{r}, err
	default:
		return nil, fmt.Errorf("unknown scenario (known: %s)", strings.Join(AllScenarios, ", "))
	}
	clients, skipped, err := build(ctx)
	if err != nil {
		return nil, err
	}
	if skipped != "" {
		return []Result{{Name: name, Skipped: skipped}}, nil
	}
	profiled := make(chan error, 1)
	if cfg.CPUProfile != "" && cfg.ProfileScenario == name {
		go func() {
			// The profile covers the measured window, after the warm-up.
			time.Sleep(cfg.Warmup)
			profiled <- t.fetchProfile(ctx, cfg.Duration, cfg.CPUProfile)
		}()
	} else {
		profiled <- nil
	}
	results := []Result{measure(ctx, t, name, clients, cfg.Warmup, cfg.Duration, progress)}
	if err := <-profiled; err != nil {
		fmt.Fprintf(progress, "profiling %s: %v\n", name, err)
	}
	if name == "queue" {
		if db.Dialect != dialect.Postgres {
			results = append(results, Result{Name: "queue (SQL)", Skipped: "the hand-written SQL is written for PostgreSQL"})
			return results, nil
		}
		hand, closeHand, err := handQueue(ctx, db.SQL, s)
		if err != nil {
			return nil, err
		}
		defer closeHand()
		r := measure(ctx, &target{statements: func(context.Context) (int64, bool) { return 0, false }, usage: func() (time.Duration, int64, bool) { return 0, 0, false }},
			"queue (SQL)", hand, cfg.Warmup, cfg.Duration, progress)
		r.StatementsPerRequest = 1
		results = append(results, r)
	}
	return results, nil
}

func printHeader(w io.Writer) {
	fmt.Fprintf(w, "%-16s %9s %8s %8s %8s %8s %10s %12s %7s %8s %7s\n",
		"scenario", "req/s", "p50 ms", "p90 ms", "p95 ms", "p99 ms", "stmts/req", "CPU ms/req", "CPU %", "RSS MB", "errors")
}

func printResult(w io.Writer, r Result) {
	if r.Skipped != "" {
		fmt.Fprintf(w, "%-16s skipped: %s\n", r.Name, r.Skipped)
		return
	}
	fmt.Fprintf(w, "%-16s %9.1f %8.2f %8.2f %8.2f %8.2f %10s %12s %7s %8s %7d\n",
		r.Name, r.PerSecond, r.P50, r.P90, r.P95, r.P99, known(r.StatementsPerRequest, "%.1f"), known(r.ServerCPUPerRequest, "%.2f"),
		known(r.ServerCPUPercent, "%.0f"), known(r.ServerRSSMB, "%.0f"), r.Errors)
	if r.Subscribers > 0 {
		fmt.Fprintf(w, "%-16s %d subscribers: %d deliveries (at least %d expected); latencies from the change request to each client; server memory %s KB per idle connection\n",
			"", r.Subscribers, r.Deliveries, r.Expected, known(r.MemoryPerConnectionKB, "%.1f"))
	}
	if r.FirstError != "" {
		fmt.Fprintf(w, "%-16s first error: %.200s\n", "", r.FirstError)
	}
}

func known(v float64, format string) string {
	if v < 0 {
		return "-"
	}
	return fmt.Sprintf(format, v)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
