// Command helpdesk is the Helpdesk server: a GraphQL API over an embedded
// SQLite file or PostgreSQL.
//
//	helpdesk [serve]   migrate, load demo data into an empty database, serve
//	helpdesk migrate   apply pending schema migrations and exit
//	helpdesk bench     generate a data set and measure the API (see README.md)
//
// Configuration comes from flags, each with an environment variable
// (see README.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // business calendars need time zones on minimal hosts too.

	"go.opentelemetry.io/otel/trace"

	"helpdesk/ent/agent"
	"helpdesk/graph"
	"helpdesk/internal/auth"
	"helpdesk/internal/bench"
	"helpdesk/internal/demo"
	"helpdesk/internal/directory"
	"helpdesk/internal/export"
	"helpdesk/internal/server"
	"helpdesk/internal/store"
	"helpdesk/internal/tracing"
)

type config struct {
	addr         string
	databaseURL  string
	sqlitePath   string
	tokenKey     string
	tokenKeyFile string
	prevKeys     string
	proxies      string
	tokenTTL     time.Duration
	demo         bool
	maxBodyBytes int64
	autoClose    time.Duration
	logLevel     string
	adminEmail   string
	adminPass    string
	// Time bounds.
	requestTimeout   time.Duration
	statementTimeout time.Duration
	readTimeout      time.Duration
	idleTimeout      time.Duration
	shutdownTimeout  time.Duration
	// Query limits.
	maxQueryDepth      int
	maxQueryComplexity int
	// Websockets.
	wsOrigins       string
	wsRecheck       time.Duration
	presenceTimeout time.Duration
	// Fair use.
	rateLimits     server.RateLimits
	viewerCacheTTL time.Duration
	// Operations.
	metricsToken string
	// Cross-origin access.
	corsOrigins     string
	corsCredentials bool
	// Tracing.
	otlpEndpoint string
	// tracing is the tracer provider serve builds from otlpEndpoint; nil
	// when tracing is off.
	tracing trace.TracerProvider
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "helpdesk:", err)
		os.Exit(1)
	}
}

// command is a subcommand: run gets the arguments after its name.
type command struct {
	summary string
	run     func(ctx context.Context, args []string) error
}

// commands are helpdesk's subcommands by name (set in init, since their
// help reads this map). Adding one is one line.
var commands map[string]command

func init() {
	commands = map[string]command{
		"serve":        {"migrate, load the demo into an empty database, and serve the API (the default)", serve},
		"migrate":      {"apply pending migrations and exit (--status lists them, --dry-run prints their SQL)", migrate},
		"create-admin": {"create an administrator account (--email, --name, --password)", createAdmin},
		"version":      {"print the version and exit", printVersion},
		"bench":        {"generate a data set and measure the API (see README: Benchmark)", runBench},
		"export":       {"export the tickets matching a filter as CSV, XLSX or PDF (see README: Search and export)", runExport},
	}
}

func run(args []string) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help") {
		usage(os.Stdout)
		return nil
	}
	name := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	cmd, ok := commands[name]
	if !ok {
		usage(os.Stderr)
		return fmt.Errorf("unknown command %q", name)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return cmd.run(ctx, args)
}

// usage lists the commands.
func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: helpdesk [command] [flags]   (helpdesk <command> --help for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-13s %s\n", n, commands[n].summary)
	}
}

// serve runs the server until SIGINT or SIGTERM.
func serve(ctx context.Context, args []string) error {
	cfg, err := parseConfig("serve", args, nil)
	if err != nil {
		return err
	}
	logger := newLogger(cfg.logLevel)
	slog.SetDefault(logger)

	// The serving settings are checked before the database is touched.
	key, err := signingKey(cfg)
	if err != nil {
		return err
	}
	trusted, err := parsePrefixes(cfg.proxies)
	if err != nil {
		return fmt.Errorf("-trusted-proxies: %w", err)
	}

	cors := server.CORSConfig{AllowedOrigins: splitList(cfg.corsOrigins), AllowCredentials: cfg.corsCredentials}
	if err := cors.Check(); err != nil {
		return fmt.Errorf("-cors-origins: %w", err)
	}

	tp, stopTracing, err := tracing.NewProvider(ctx, cfg.otlpEndpoint)
	if err != nil {
		return fmt.Errorf("-otlp-endpoint: %w", err)
	}
	defer func() {
		// Spans still batched are sent before the process exits.
		flushCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := stopTracing(flushCtx); err != nil {
			logger.Warn("flushing traces", "error", err)
		}
	}()
	cfg.tracing = tp

	httpCfg := server.Config{
		CORS:            cors,
		MaxBodyBytes:    cfg.maxBodyBytes,
		RequestTimeout:  cfg.requestTimeout,
		ReadTimeout:     cfg.readTimeout,
		IdleTimeout:     cfg.idleTimeout,
		ShutdownTimeout: cfg.shutdownTimeout,
	}
	// The port is open from the start, so that probes see a process that
	// is starting (/readyz 503 with the reason) rather than none.
	listener, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.addr, err)
	}
	gate := server.NewGate()
	httpCfg.OnShutdown = append(httpCfg.OnShutdown, gate.Drain)
	served := make(chan error, 1)
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { served <- server.Run(ctx, httpCfg, listener, gate, logger) }()
	app, err := prepare(ctx, cfg, gate, key, trusted, httpCfg, logger)
	if app != nil {
		defer app.DB.Close()
		defer app.Close()
	}
	if err != nil {
		stop()
		<-served
		return err
	}
	gate.Serve(app.Handler, app.DB.Ping)
	logger.Info("serving", "addr", listener.Addr().String(), "graphiql", "http://"+displayAddr(listener.Addr())+"/")
	return <-served
}

// openDatabase opens and migrates the configured database.
func openDatabase(ctx context.Context, cfg config, logger *slog.Logger) (*store.DB, error) {
	db, err := openUnmigrated(ctx, cfg)
	if err != nil {
		return nil, err
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	logger.Info("database ready", "dialect", db.Dialect, "migrations_applied", applied)
	return db, nil
}

// openUnmigrated opens the configured database as it is.
func openUnmigrated(ctx context.Context, cfg config) (*store.DB, error) {
	dsn := cfg.databaseURL
	if dsn == "" {
		dsn = "file:" + cfg.sqlitePath
	}
	return store.OpenWith(ctx, dsn, store.Options{StatementTimeout: cfg.statementTimeout})
}

// prepare migrates the database, builds the App, creates the first
// administrator or loads the demo as configured, and starts the
// background work, reporting each phase on the gate.
func prepare(ctx context.Context, cfg config, gate *server.Gate, key []byte, trusted []netip.Prefix, httpCfg server.Config, logger *slog.Logger) (*server.App, error) {
	gate.Starting(server.PhaseMigrating)
	db, err := openDatabase(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	app, err := server.NewApp(ctx, db, server.Options{
		TokenKey:          string(key),
		TokenTTL:          cfg.tokenTTL,
		Limits:            graph.Limits{MaxDepth: cfg.maxQueryDepth, MaxComplexity: cfg.maxQueryComplexity},
		HTTP:              httpCfg,
		Logger:            logger,
		PreviousTokenKeys: splitList(cfg.prevKeys),
		TrustedProxies:    trusted,
		AutoCloseAfter:    cfg.autoClose,
		Websocket:         server.WebsocketConfig{AllowedOrigins: splitList(cfg.wsOrigins), RecheckInterval: cfg.wsRecheck},
		PresenceTimeout:   cfg.presenceTimeout,
		RateLimits:        cfg.rateLimits,
		ViewerCacheTTL:    cfg.viewerCacheTTL,
		MetricsToken:      cfg.metricsToken,
		Tracing:           cfg.tracing,
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	if cfg.adminEmail != "" {
		if err := bootstrapAdmin(ctx, app, cfg, logger); err != nil {
			return app, err
		}
	}
	if cfg.demo {
		gate.Starting(server.PhaseDemo)
		if err := loadDemo(ctx, app, logger); err != nil {
			return app, err
		}
	}
	if err := app.Start(ctx); err != nil {
		return app, err
	}
	return app, nil
}

// bootstrapAdmin creates the configured administrator on a database that
// has no agents yet, so a production install can be logged into without
// demo data.
func bootstrapAdmin(ctx context.Context, app *server.App, cfg config, logger *slog.Logger) error {
	// The first administrator is created by the service itself.
	ctx = auth.WithViewer(ctx, auth.System)
	empty, err := demo.IsEmpty(ctx, app.DB.Client)
	if err != nil || !empty {
		return err
	}
	role := agent.RoleADMIN
	a, err := app.Directory.CreateAgent(ctx, directory.CreateAgentInput{
		Name: "Administrator", Email: cfg.adminEmail, Password: cfg.adminPass, Role: &role,
	})
	if err != nil {
		return fmt.Errorf("creating the administrator %s: %w", cfg.adminEmail, err)
	}
	logger.Info("administrator created", "email", a.Email)
	return nil
}

// loadDemo fills an empty database with the demo helpdesk.
func loadDemo(ctx context.Context, app *server.App, logger *slog.Logger) error {
	start := time.Now()
	// Whether the database is empty is decided inside the load, under its
	// lock; only a load that happened is logged at info level.
	logger.Debug("loading demo data if the database is empty")
	sum, loaded, err := app.LoadDemo(ctx, time.Now(), 0)
	if err != nil {
		return fmt.Errorf("loading demo data: %w", err)
	}
	if !loaded {
		return nil
	}
	logger.Info("demo data loaded", "duration", time.Since(start).Round(time.Millisecond),
		"teams", sum.Teams, "agents", sum.Agents, "customers", sum.Customers, "tickets", sum.Tickets, "comments", sum.Comments)
	fmt.Fprintf(os.Stderr, "\nDemo login: %s / %s\n\n", demo.AdminEmail, demo.AdminPassword)
	return nil
}

// parseConfig reads the configuration shared by the commands from
// flags, the environment and an optional config file; extra registers
// the command's own flags.
func parseConfig(name string, args []string, extra func(fs *flag.FlagSet)) (config, error) {
	// all has every setting, so that each has its default; serve takes
	// them all, the other commands only those they use.
	all := flag.NewFlagSet("helpdesk "+name, flag.ContinueOnError)
	fs := all
	if name != "serve" {
		fs = flag.NewFlagSet("helpdesk "+name, flag.ContinueOnError)
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: helpdesk %s [flags]\n\n%s.\n\nFlags (each also read from the environment variable named):\n", name, commands[name].summary)
		fs.PrintDefaults()
	}
	if extra != nil {
		extra(fs)
	}
	cfg, configPath, err := defineSettings(all)
	if err != nil {
		return config{}, err
	}
	if fs != all {
		all.VisitAll(func(f *flag.Flag) {
			if databaseSettings[f.Name] {
				fs.Var(f.Value, f.Name, f.Usage)
			}
		})
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("helpdesk %s: unexpected argument %q", name, fs.Arg(0))
	}
	if *configPath != "" {
		if err := applyConfigFile(fs, all, *configPath); err != nil {
			return config{}, err
		}
	}
	if cfg.autoClose <= 0 {
		cfg.autoClose = -1 // never
	}
	return *cfg, nil
}

// databaseSettings are the settings of the commands that only open the
// database (migrate, create-admin).
var databaseSettings = map[string]bool{
	"config": true, "database-url": true, "sqlite-path": true, "statement-timeout": true, "log-level": true,
}

// defineSettings defines every setting on fs, with its default from the
// environment, and returns where the parsed values go and the -config
// flag's value.
func defineSettings(fs *flag.FlagSet) (*config, *string, error) {
	cfg := &config{}
	configPath := fs.String("config", env("HELPDESK_CONFIG", ""), "file of key = value lines, the keys being these flags' names; flags and environment variables win over it (HELPDESK_CONFIG)")
	fs.StringVar(&cfg.addr, "addr", env("HELPDESK_ADDR", ":8080"), "listen address (HELPDESK_ADDR)")
	fs.StringVar(&cfg.databaseURL, "database-url", env("DATABASE_URL", ""), "PostgreSQL URL; empty uses SQLite (DATABASE_URL)")
	fs.StringVar(&cfg.sqlitePath, "sqlite-path", env("HELPDESK_SQLITE_PATH", "helpdesk.db"), "SQLite file when no database URL is set (HELPDESK_SQLITE_PATH)")
	fs.StringVar(&cfg.tokenKey, "token-key", env("HELPDESK_TOKEN_KEY", ""), "key signing bearer tokens, 32+ bytes (HELPDESK_TOKEN_KEY)")
	fs.StringVar(&cfg.tokenKeyFile, "token-key-file", env("HELPDESK_TOKEN_KEY_FILE", ""), "file holding the token key, created with a random key if missing; default with SQLite: <sqlite-path>.token-key (HELPDESK_TOKEN_KEY_FILE)")
	fs.StringVar(&cfg.prevKeys, "token-key-previous", env("HELPDESK_TOKEN_KEY_PREVIOUS", ""), "comma-separated former token keys, still accepted until their tokens expire (HELPDESK_TOKEN_KEY_PREVIOUS)")
	fs.StringVar(&cfg.wsOrigins, "websocket-origins", env("HELPDESK_WEBSOCKET_ORIGINS", ""), "comma-separated origins (https://host[:port]) besides the server's own from which browsers may open subscriptions; clients sending no Origin are always allowed (HELPDESK_WEBSOCKET_ORIGINS)")
	fs.StringVar(&cfg.metricsToken, "metrics-token", env("HELPDESK_METRICS_TOKEN", ""), "bearer token /metrics asks for from any address; empty serves /metrics to loopback only (HELPDESK_METRICS_TOKEN)")
	fs.StringVar(&cfg.corsOrigins, "cors-origins", env("HELPDESK_CORS_ORIGINS", ""), "comma-separated origins (https://host[:port], or *) whose pages may call /graphql and the exports; empty allows no cross-origin access (HELPDESK_CORS_ORIGINS)")
	corsCreds, err := strconv.ParseBool(env("HELPDESK_CORS_CREDENTIALS", "false"))
	if err != nil {
		return cfg, nil, fmt.Errorf("HELPDESK_CORS_CREDENTIALS: %w", err)
	}
	fs.BoolVar(&cfg.corsCredentials, "cors-credentials", corsCreds, "let the -cors-origins send cookies and HTTP authentication; refused with * (HELPDESK_CORS_CREDENTIALS)")
	fs.StringVar(&cfg.otlpEndpoint, "otlp-endpoint", env("OTEL_EXPORTER_OTLP_ENDPOINT", ""), "OpenTelemetry collector base URL (http://host:4318) receiving traces over OTLP/HTTP; empty traces nothing (OTEL_EXPORTER_OTLP_ENDPOINT)")
	fs.StringVar(&cfg.proxies, "trusted-proxies", env("HELPDESK_TRUSTED_PROXIES", ""), "comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For is believed (HELPDESK_TRUSTED_PROXIES)")
	ttl, err := time.ParseDuration(env("HELPDESK_TOKEN_TTL", "12h"))
	if err != nil {
		return cfg, nil, fmt.Errorf("HELPDESK_TOKEN_TTL: %w", err)
	}
	fs.DurationVar(&cfg.tokenTTL, "token-ttl", ttl, "lifetime of a login token (HELPDESK_TOKEN_TTL)")
	demoDefault, err := strconv.ParseBool(env("HELPDESK_DEMO", "true"))
	if err != nil {
		return cfg, nil, fmt.Errorf("HELPDESK_DEMO: %w", err)
	}
	fs.BoolVar(&cfg.demo, "demo", demoDefault, "load demo data into an empty database (HELPDESK_DEMO)")
	maxBody, err := strconv.ParseInt(env("HELPDESK_MAX_BODY_BYTES", "1048576"), 10, 64)
	if err != nil {
		return cfg, nil, fmt.Errorf("HELPDESK_MAX_BODY_BYTES: %w", err)
	}
	fs.Int64Var(&cfg.maxBodyBytes, "max-body-bytes", maxBody, "largest accepted request body (HELPDESK_MAX_BODY_BYTES)")
	autoClose, err := time.ParseDuration(env("HELPDESK_AUTO_CLOSE_AFTER", "168h"))
	if err != nil {
		return cfg, nil, fmt.Errorf("HELPDESK_AUTO_CLOSE_AFTER: %w", err)
	}
	fs.DurationVar(&cfg.autoClose, "auto-close-after", autoClose, "close a ticket this long after it is resolved; 0 never (HELPDESK_AUTO_CLOSE_AFTER)")
	fs.StringVar(&cfg.adminEmail, "admin-email", env("HELPDESK_ADMIN_EMAIL", ""), "on a database without agents, create this administrator (HELPDESK_ADMIN_EMAIL)")
	fs.StringVar(&cfg.adminPass, "admin-password", env("HELPDESK_ADMIN_PASSWORD", ""), "password for -admin-email (HELPDESK_ADMIN_PASSWORD)")
	for _, d := range []struct {
		v              *time.Duration
		flag, env, def string
		usage          string
	}{
		{&cfg.requestTimeout, "request-timeout", "HELPDESK_REQUEST_TIMEOUT", "30s", "cancel a GraphQL request, its resolvers and its statements after this long"},
		{&cfg.statementTimeout, "statement-timeout", "HELPDESK_STATEMENT_TIMEOUT", "30s", "PostgreSQL statement_timeout, unless the database URL sets one; 0 keeps the server's"},
		{&cfg.readTimeout, "read-timeout", "HELPDESK_READ_TIMEOUT", "30s", "longest time to read a request, body included"},
		{&cfg.idleTimeout, "idle-timeout", "HELPDESK_IDLE_TIMEOUT", "120s", "close kept-alive connections idle for this long"},
		{&cfg.shutdownTimeout, "shutdown-timeout", "HELPDESK_SHUTDOWN_TIMEOUT", "15s", "on SIGTERM, wait this long for requests in flight, then close their connections"},
		{&cfg.presenceTimeout, "presence-timeout", "HELPDESK_PRESENCE_TIMEOUT", "30s", "drop a ticket presence entry its agent has not refreshed for this long"},
		{&cfg.viewerCacheTTL, "viewer-cache-ttl", "HELPDESK_VIEWER_CACHE_TTL", "1s", "reuse an authenticated agent this long without reading it again; changes made on this replica apply at once, on others within this time; negative for no cache"},
		{&cfg.wsRecheck, "websocket-recheck", "HELPDESK_WEBSOCKET_RECHECK", "5s", "authenticate a subscription socket's token again this often; a revoked or expired token's socket closes"},
	} {
		v, err := time.ParseDuration(env(d.env, d.def))
		if err != nil {
			return cfg, nil, fmt.Errorf("%s: %w", d.env, err)
		}
		fs.DurationVar(d.v, d.flag, v, fmt.Sprintf("%s (%s)", d.usage, d.env))
	}
	for _, n := range []struct {
		v              *int
		flag, env, def string
		usage          string
	}{
		{&cfg.maxQueryDepth, "max-query-depth", "HELPDESK_MAX_QUERY_DEPTH", strconv.Itoa(graph.DefaultLimits.MaxDepth), "deepest nesting of fields a query may ask for"},
		{&cfg.rateLimits.TokenBurst, "rate-token-burst", "HELPDESK_RATE_TOKEN_BURST", strconv.Itoa(server.DefaultRateLimits.TokenBurst), "requests one token may send at once above its rate"},
		{&cfg.rateLimits.AddressBurst, "rate-address-burst", "HELPDESK_RATE_ADDRESS_BURST", strconv.Itoa(server.DefaultRateLimits.AddressBurst), "requests one client address may send at once above its rate"},
		{&cfg.maxQueryComplexity, "max-query-complexity", "HELPDESK_MAX_QUERY_COMPLEXITY", strconv.Itoa(graph.DefaultLimits.MaxComplexity), "largest query cost; a connection costs its page size times its fields"},
	} {
		v, err := strconv.Atoi(env(n.env, n.def))
		if err != nil {
			return cfg, nil, fmt.Errorf("%s: %w", n.env, err)
		}
		fs.IntVar(n.v, n.flag, v, fmt.Sprintf("%s (%s)", n.usage, n.env))
	}
	for _, r := range []struct {
		v              *float64
		flag, env, def string
		usage          string
	}{
		{&cfg.rateLimits.PerToken, "rate-per-token", "HELPDESK_RATE_PER_TOKEN", strconv.FormatFloat(server.DefaultRateLimits.PerToken, 'g', -1, 64), "requests per second one token may send, sustained; negative for no limit"},
		{&cfg.rateLimits.PerAddress, "rate-per-address", "HELPDESK_RATE_PER_ADDRESS", strconv.FormatFloat(server.DefaultRateLimits.PerAddress, 'g', -1, 64), "requests per second one client address may send, sustained; negative for no limit"},
	} {
		v, err := strconv.ParseFloat(env(r.env, r.def), 64)
		if err != nil {
			return cfg, nil, fmt.Errorf("%s: %w", r.env, err)
		}
		fs.Float64Var(r.v, r.flag, v, fmt.Sprintf("%s (%s)", r.usage, r.env))
	}
	fs.StringVar(&cfg.logLevel, "log-level", env("HELPDESK_LOG_LEVEL", "info"), "debug, info, warn or error (HELPDESK_LOG_LEVEL)")
	return cfg, configPath, nil
}

func env(name, fallback string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return fallback
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() {
		if ok {
			return "localhost:" + strconv.Itoa(tcp.Port)
		}
	}
	return a.String()
}

// runBench runs the benchmark command (internal/bench).
func runBench(ctx context.Context, args []string) error {
	return bench.Main(ctx, args, os.Stdout, os.Stderr)
}

// runExport runs the export command (internal/export).
func runExport(ctx context.Context, args []string) error {
	return export.Command(ctx, args, os.Stdout)
}
