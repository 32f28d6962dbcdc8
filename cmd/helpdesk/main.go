// Command helpdesk is the Helpdesk server: a GraphQL API over an embedded
// SQLite file or PostgreSQL.
//
//	helpdesk [serve]   migrate, load demo data into an empty database, serve
//	helpdesk migrate   apply pending schema migrations and exit
//
// Configuration comes from flags, each with an environment variable
// (see README.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
	_ "time/tzdata" // business calendars need time zones on minimal hosts too.

	"helpdesk/ent/agent"
	"helpdesk/graph"
	"helpdesk/internal/auth"
	"helpdesk/internal/demo"
	"helpdesk/internal/directory"
	"helpdesk/internal/export"
	"helpdesk/internal/server"
	"helpdesk/internal/store"
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
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "helpdesk:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) > 0 && args[0] == "export" {
		return export.Command(context.Background(), args[1:], os.Stdout)
	}
	command := "serve"
	if len(args) > 0 && (args[0] == "serve" || args[0] == "migrate") {
		command, args = args[0], args[1:]
	}
	cfg, err := parseConfig(args)
	if err != nil {
		return err
	}
	logger := newLogger(cfg.logLevel)
	slog.SetDefault(logger)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// The serving settings are checked before the database is touched.
	var key []byte
	var trusted []netip.Prefix
	if command == "serve" {
		if key, err = signingKey(cfg); err != nil {
			return err
		}
		if trusted, err = parsePrefixes(cfg.proxies); err != nil {
			return fmt.Errorf("-trusted-proxies: %w", err)
		}
	}

	dsn := cfg.databaseURL
	if dsn == "" {
		dsn = "file:" + cfg.sqlitePath
	}
	db, err := store.OpenWith(ctx, dsn, store.Options{StatementTimeout: cfg.statementTimeout})
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	logger.Info("database ready", "dialect", db.Dialect, "migrations_applied", applied)
	if command == "migrate" {
		return nil
	}

	httpCfg := server.Config{
		MaxBodyBytes:    cfg.maxBodyBytes,
		RequestTimeout:  cfg.requestTimeout,
		ReadTimeout:     cfg.readTimeout,
		IdleTimeout:     cfg.idleTimeout,
		ShutdownTimeout: cfg.shutdownTimeout,
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
	})
	if err != nil {
		return err
	}
	defer app.Close()
	if cfg.adminEmail != "" {
		if err := bootstrapAdmin(ctx, app, cfg, logger); err != nil {
			return err
		}
	}
	if cfg.demo {
		if err := loadDemo(ctx, app, logger); err != nil {
			return err
		}
	}
	if err := app.Start(ctx); err != nil {
		return err
	}
	listener, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.addr, err)
	}
	logger.Info("serving", "addr", listener.Addr().String(), "graphiql", "http://"+displayAddr(listener.Addr())+"/")
	return server.Run(ctx, httpCfg, listener, app.Handler, logger)
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
	empty, err := demo.IsEmpty(ctx, app.DB.Client)
	if err != nil || !empty {
		return err
	}
	start := time.Now()
	sum, err := demo.Load(ctx, demo.Services{Tickets: app.Tickets, Directory: app.Directory, Catalog: app.Catalog}, time.Now(), 1)
	if err != nil {
		return fmt.Errorf("loading demo data: %w", err)
	}
	logger.Info("demo data loaded", "duration", time.Since(start).Round(time.Millisecond),
		"teams", sum.Teams, "agents", sum.Agents, "customers", sum.Customers, "tickets", sum.Tickets, "comments", sum.Comments)
	fmt.Fprintf(os.Stderr, "\nDemo login: %s / %s\n\n", demo.AdminEmail, demo.AdminPassword)
	return nil
}

func parseConfig(args []string) (config, error) {
	fs := flag.NewFlagSet("helpdesk", flag.ContinueOnError)
	var cfg config
	fs.StringVar(&cfg.addr, "addr", env("HELPDESK_ADDR", ":8080"), "listen address (HELPDESK_ADDR)")
	fs.StringVar(&cfg.databaseURL, "database-url", env("DATABASE_URL", ""), "PostgreSQL URL; empty uses SQLite (DATABASE_URL)")
	fs.StringVar(&cfg.sqlitePath, "sqlite-path", env("HELPDESK_SQLITE_PATH", "helpdesk.db"), "SQLite file when no database URL is set (HELPDESK_SQLITE_PATH)")
	fs.StringVar(&cfg.tokenKey, "token-key", env("HELPDESK_TOKEN_KEY", ""), "key signing bearer tokens, 32+ bytes (HELPDESK_TOKEN_KEY)")
	fs.StringVar(&cfg.tokenKeyFile, "token-key-file", env("HELPDESK_TOKEN_KEY_FILE", ""), "file holding the token key, created with a random key if missing; default with SQLite: <sqlite-path>.token-key (HELPDESK_TOKEN_KEY_FILE)")
	fs.StringVar(&cfg.prevKeys, "token-key-previous", env("HELPDESK_TOKEN_KEY_PREVIOUS", ""), "comma-separated former token keys, still accepted until their tokens expire (HELPDESK_TOKEN_KEY_PREVIOUS)")
	fs.StringVar(&cfg.wsOrigins, "websocket-origins", env("HELPDESK_WEBSOCKET_ORIGINS", ""), "comma-separated origins (https://host[:port]) besides the server's own from which browsers may open subscriptions; clients sending no Origin are always allowed (HELPDESK_WEBSOCKET_ORIGINS)")
	fs.StringVar(&cfg.proxies, "trusted-proxies", env("HELPDESK_TRUSTED_PROXIES", ""), "comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For is believed (HELPDESK_TRUSTED_PROXIES)")
	ttl, err := time.ParseDuration(env("HELPDESK_TOKEN_TTL", "12h"))
	if err != nil {
		return cfg, fmt.Errorf("HELPDESK_TOKEN_TTL: %w", err)
	}
	fs.DurationVar(&cfg.tokenTTL, "token-ttl", ttl, "lifetime of a login token (HELPDESK_TOKEN_TTL)")
	demoDefault, err := strconv.ParseBool(env("HELPDESK_DEMO", "true"))
	if err != nil {
		return cfg, fmt.Errorf("HELPDESK_DEMO: %w", err)
	}
	fs.BoolVar(&cfg.demo, "demo", demoDefault, "load demo data into an empty database (HELPDESK_DEMO)")
	maxBody, err := strconv.ParseInt(env("HELPDESK_MAX_BODY_BYTES", "1048576"), 10, 64)
	if err != nil {
		return cfg, fmt.Errorf("HELPDESK_MAX_BODY_BYTES: %w", err)
	}
	fs.Int64Var(&cfg.maxBodyBytes, "max-body-bytes", maxBody, "largest accepted request body (HELPDESK_MAX_BODY_BYTES)")
	autoClose, err := time.ParseDuration(env("HELPDESK_AUTO_CLOSE_AFTER", "168h"))
	if err != nil {
		return cfg, fmt.Errorf("HELPDESK_AUTO_CLOSE_AFTER: %w", err)
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
		{&cfg.wsRecheck, "websocket-recheck", "HELPDESK_WEBSOCKET_RECHECK", "5s", "authenticate a subscription socket's token again this often; a revoked or expired token's socket closes"},
	} {
		v, err := time.ParseDuration(env(d.env, d.def))
		if err != nil {
			return cfg, fmt.Errorf("%s: %w", d.env, err)
		}
		fs.DurationVar(d.v, d.flag, v, fmt.Sprintf("%s (%s)", d.usage, d.env))
	}
	for _, n := range []struct {
		v              *int
		flag, env, def string
		usage          string
	}{
		{&cfg.maxQueryDepth, "max-query-depth", "HELPDESK_MAX_QUERY_DEPTH", strconv.Itoa(graph.DefaultLimits.MaxDepth), "deepest nesting of fields a query may ask for"},
		{&cfg.maxQueryComplexity, "max-query-complexity", "HELPDESK_MAX_QUERY_COMPLEXITY", strconv.Itoa(graph.DefaultLimits.MaxComplexity), "largest query cost; a connection costs its page size times its fields"},
	} {
		v, err := strconv.Atoi(env(n.env, n.def))
		if err != nil {
			return cfg, fmt.Errorf("%s: %w", n.env, err)
		}
		fs.IntVar(n.v, n.flag, v, fmt.Sprintf("%s (%s)", n.usage, n.env))
	}
	fs.StringVar(&cfg.logLevel, "log-level", env("HELPDESK_LOG_LEVEL", "info"), "debug, info, warn or error (HELPDESK_LOG_LEVEL)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		return cfg, err
	}
	if cfg.autoClose <= 0 {
		cfg.autoClose = -1 // never
	}
	return cfg, nil
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
