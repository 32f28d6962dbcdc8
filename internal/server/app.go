package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"entgo.io/ent/dialect"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.opentelemetry.io/otel/trace"

	"helpdesk/graph"
	"helpdesk/internal/auth"
	"helpdesk/internal/authz"
	"helpdesk/internal/catalog"
	"helpdesk/internal/directory"
	"helpdesk/internal/events"
	"helpdesk/internal/export"
	"helpdesk/internal/jobs"
	"helpdesk/internal/metrics"
	"helpdesk/internal/notify"
	"helpdesk/internal/presence"
	"helpdesk/internal/realtime"
	"helpdesk/internal/requestlog"
	"helpdesk/internal/routing"
	"helpdesk/internal/search"
	"helpdesk/internal/sla"
	"helpdesk/internal/stats"
	"helpdesk/internal/store"
	"helpdesk/internal/ticketing"
	"helpdesk/internal/tracing"
)

// Options configure an App.
type Options struct {
	// TokenKey signs bearer tokens; it must have at least
	// auth.MinSigningKeyLength bytes. Empty means a random key for this
	// App alone: its tokens are refused after a restart and by other Apps
	// (cmd/helpdesk always passes a key; tests running two Apps on one
	// database pass the same key to both). TokenTTL is a login token's
	// lifetime (default 12h), and the longest a token may claim to be
	// accepted.
	TokenKey string
	TokenTTL time.Duration
	// Limits bound what one query may ask for; zero fields take
	// graph.DefaultLimits.
	Limits graph.Limits
	// HTTP configures the HTTP side; zero fields take DefaultConfig's.
	HTTP Config
	// SearchMaxCount bounds how many tickets a search reads (see
	// search.DefaultMaxCount, used when it is 0).
	SearchMaxCount int
	// Now is the clock every service reads; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// AutoCloseAfter is how long a resolved ticket stays resolved before
	// it is closed; zero means ticketing.DefaultAutoCloseAfter, negative
	// never.
	AutoCloseAfter time.Duration
	// JobPollInterval is how often idle job workers look for due jobs;
	// zero means River's default.
	JobPollInterval time.Duration
	// SLARecomputeBatch is how many tickets a job recomputing SLA clocks
	// after a policy or calendar change handles per transaction; zero
	// means sla.DefaultRecomputeBatch.
	SLARecomputeBatch int

	// PreviousTokenKeys still verify tokens signed before the key was
	// rotated; they never sign.
	PreviousTokenKeys []string
	// LoginLimits throttle failed logins; zero fields take
	// auth.DefaultLoginLimits.
	LoginLimits auth.LoginLimits
	// TrustedProxies are the reverse proxies whose X-Forwarded-For header
	// names the client address; none means the connection's address is
	// the client's.
	TrustedProxies []netip.Prefix
	// Websocket configures subscriptions; zero fields take
	// DefaultWebsocketConfig's.
	Websocket WebsocketConfig
	// PasswordCost is the bcrypt cost passwords are hashed with; zero
	// means auth.DefaultPasswordCost. Tests lower it to bcrypt.MinCost.
	PasswordCost int
	// RateLimits bound requests per token and per client address; zero
	// fields take DefaultRateLimits'.
	RateLimits RateLimits
	// ViewerCacheTTL is how long an authenticated agent is reused without
	// reading the database (see auth.Service.CacheViewers); zero means
	// auth.DefaultViewerCacheTTL, negative no cache.
	ViewerCacheTTL time.Duration
	// PresenceTimeout is how long a ticket presence entry lives without a
	// refresh; zero means presence.DefaultTimeout.
	PresenceTimeout time.Duration
	// MetricsToken, when set, is the bearer token /metrics asks for (from
	// any address); without it /metrics answers loopback only.
	MetricsToken string
	// Tracing, when set, traces requests, GraphQL operations, root fields
	// and database statements (see internal/tracing); nil traces nothing.
	Tracing trace.TracerProvider
}

// App is the assembled service over one database: the domain services, the
// GraphQL resolver and the HTTP handler. main, the demo loader and the
// tests all build it the same way.
type App struct {
	DB        *store.DB
	Authz     *authz.Enforcer
	Auth      *auth.Service
	Tickets   *ticketing.Service
	Directory *directory.Service
	Catalog   *catalog.Service
	// Events is the change pipeline of every ticket change.
	Events *events.Pipeline
	// SLA keeps the tickets' SLA clocks and fires their timers.
	SLA *sla.Engine
	// Jobs is the durable job queue; its jobs run between Start and Close.
	Jobs *jobs.Queue
	// Realtime fans committed ticket events out to subscriptions; it
	// delivers between Start and Close.
	Realtime realtime.Bus
	// Presence keeps who is looking at which ticket; it expires entries
	// and hears other replicas between Start and Close.
	Presence *presence.Hub
	// Metrics are the Prometheus collectors served on /metrics.
	Metrics *metrics.Metrics
	Handler http.Handler

	jobsStarted, realtimeStarted, presenceStarted bool
	sockets                                       *sockets
	// options are those the App was built with.
	options Options
}

// Start starts the App's job workers. The HTTP handler works without it;
// jobs enqueued meanwhile wait in the database.
func (a *App) Start(ctx context.Context) error {
	if !a.realtimeStarted {
		if err := a.Realtime.Start(ctx); err != nil {
			return err
		}
		a.realtimeStarted = true
	}
	if !a.presenceStarted {
		if err := a.Presence.Start(ctx); err != nil {
			return err
		}
		a.presenceStarted = true
	}
	if err := a.Jobs.Start(ctx); err != nil {
		return err
	}
	a.jobsStarted = true
	return nil
}

// Close closes the open websockets (with 1001, going away) and stops the
// App's background work (job workers, the event bus, the policy
// watcher). It does not close the database.
func (a *App) Close() {
	// Open websockets first, with 1001: their clients reconnect and
	// resume elsewhere.
	a.sockets.closeAll()
	if a.jobsStarted {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Jobs.Stop(ctx)
		a.jobsStarted = false
	}
	a.Realtime.Close()
	a.Presence.Close()
	a.Authz.Close()
}

// NewApp builds the services and the handler over db, which must be
// migrated already.
func NewApp(ctx context.Context, db *store.DB, opts Options) (*App, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger = requestlog.NewLogger(logger)
	if err := opts.HTTP.CORS.Check(); err != nil {
		return nil, err
	}
	var tracer trace.Tracer
	if opts.Tracing != nil {
		tracer = opts.Tracing.Tracer(tracing.Name)
		db = db.WithDriver(tracing.Driver(tracer))
	}
	tokens, err := tokenSettings(opts)
	if err != nil {
		return nil, err
	}
	if err := auth.RemoveLegacySigningKey(ctx, db.Client); err != nil {
		return nil, err
	}
	enforcer, err := authz.New(ctx, db.Client)
	if err != nil {
		return nil, err
	}
	enforcer.Logger = logger
	enforcer.InstallScopes(db.Client)
	search.Install(db.Client)
	if err := search.Backfill(ctx, db.Client); err != nil {
		return nil, err
	}
	if db.Dialect == dialect.Postgres {
		if err := enforcer.WatchPostgres(db.DSN, db.SQL, logger); err != nil {
			return nil, err
		}
	}
	pipeline := &events.Pipeline{Client: db.Client, Dialect: db.Dialect}
	pipeline.CacheRows()
	bus, err := newBus(ctx, db, logger)
	if err != nil {
		return nil, err
	}
	m := metrics.New(db.SQL)
	pipeline.Publisher = countedPublisher{next: bus, metrics: m}
	a := &App{
		Metrics: m,
		DB:      db,
		Authz:   enforcer,
		Auth:    &auth.Service{Client: db.Client, Tokens: tokens, Now: now, Throttle: auth.NewLoginThrottle(opts.LoginLimits), PasswordCost: opts.PasswordCost},
		Tickets: &ticketing.Service{Client: db.Client, Dialect: db.Dialect, Now: now, Authz: enforcer,
			Events: pipeline, AutoCloseAfter: opts.AutoCloseAfter},
		Directory: &directory.Service{Client: db.Client, Dialect: db.Dialect, Now: now, Authz: enforcer, PasswordCost: opts.PasswordCost},
		Catalog:   &catalog.Service{Client: db.Client, Now: now, Authz: enforcer},
		Events:    pipeline,
		Realtime:  bus,
		Presence:  newPresence(db, opts.PresenceTimeout, logger),
		options:   opts,
	}
	viewerTTL := opts.ViewerCacheTTL
	if viewerTTL == 0 {
		viewerTTL = auth.DefaultViewerCacheTTL
	}
	a.Auth.CacheViewers(db.Client, viewerTTL)
	a.Auth.MayManageTokens = func(ctx context.Context) error {
		_, err := enforcer.CheckConfig(ctx, authz.ActWrite, authz.ObjRoles)
		return err
	}
	a.Directory.Events, a.Directory.Queue = pipeline, a.Tickets
	pipeline.React(a.Tickets.AssignmentReactor())
	pipeline.React(a.Tickets.AutoCloseReactor())
	pipeline.React(&notify.Reactor{Authz: enforcer})
	a.SLA = &sla.Engine{Client: db.Client, Dialect: db.Dialect, Events: pipeline, Authz: enforcer, Now: now,
		Escalator: a.Tickets, RecomputeBatch: opts.SLARecomputeBatch}
	a.Catalog.SLAChoiceChanged = a.SLA.SLAChoiceChanged
	a.Directory.TeamCalendarChanged = a.SLA.TeamCalendarChanged
	pipeline.React(a.SLA.Reactor())
	workers := river.NewWorkers()
	river.AddWorker(workers, &ticketing.AutoCloseWorker{Tickets: a.Tickets})
	river.AddWorker(workers, &sla.TimerWorker{Engine: a.SLA})
	river.AddWorker(workers, &sla.RecomputeWorker{Engine: a.SLA})
	if a.Jobs, err = jobs.New(db, jobs.Config{Workers: workers, Now: opts.Now, PollInterval: opts.JobPollInterval, Logger: logger, Middleware: jobMiddleware(tracer)}); err != nil {
		return nil, err
	}
	pipeline.Jobs = a.Jobs
	searcher := &search.Service{Client: db.Client, Dialect: db.Dialect, MaxCount: opts.SearchMaxCount}
	exports := &export.Service{Client: db.Client, Authz: enforcer, Search: searcher}
	httpCfg := opts.HTTP
	httpCfg.Tracer = tracer
	httpCfg.Routes = map[string]http.Handler{"GET /export/tickets": exportTickets(exports, logger)}
	gql := graph.NewServer(&graph.Resolver{
		Client:    db.Client,
		Authz:     enforcer,
		Auth:      a.Auth,
		Tickets:   a.Tickets,
		Directory: a.Directory,
		Catalog:   a.Catalog,
		Realtime:  &realtime.Feed{Client: db.Client, Dialect: db.Dialect, Bus: bus, Logger: logger},
		Presence:  &presence.Service{Client: db.Client, Hub: a.Presence},
		Notify:    &notify.Service{Client: db.Client, Now: now},
		SLA:       a.SLA,
		Stats:     &stats.Service{Client: db.Client, Dialect: db.Dialect, Authz: enforcer},
		Metrics:   m,
		Search:    searcher,
		Routing:   &routing.Service{Client: db.Client, Now: now, Authz: enforcer},
	}, opts.Limits, logger)
	if tracer != nil {
		gql.Use(tracing.GraphQL{Tracer: tracer})
	}
	ws, open := websocketTransport(opts.Websocket, a.Auth, logger)
	a.sockets = open
	gql.AddTransport(withPresenceConnections(countSockets(ws, m)))
	a.Handler = withClientAddress(opts.TrustedProxies, withMetrics(m.Handler(opts.MetricsToken),
		Handler(httpCfg, limitRate(opts.RateLimits, withConnSlot(gql)), a.Auth, db.Ping, logger)))
	return a, nil
}

// jobMiddleware returns the job queue's middleware: a span per job when
// tracing.
func jobMiddleware(tracer trace.Tracer) []rivertype.Middleware {
	if tracer == nil {
		return nil
	}
	return []rivertype.Middleware{tracing.Jobs(tracer)}
}

// tokenSettings checks the configured signing keys and lifetime.
func tokenSettings(opts Options) (auth.Tokens, error) {
	t := auth.Tokens{Key: []byte(opts.TokenKey), TTL: opts.TokenTTL}
	if opts.TokenKey == "" {
		t.Key = auth.NewSigningKey()
	}
	if err := auth.CheckSigningKey(t.Key); err != nil {
		return t, err
	}
	for i, k := range opts.PreviousTokenKeys {
		if err := auth.CheckSigningKey([]byte(k)); err != nil {
			return t, fmt.Errorf("previous key %d: %w", i+1, err)
		}
		t.PreviousKeys = append(t.PreviousKeys, []byte(k))
	}
	if t.TTL <= 0 {
		t.TTL = 12 * time.Hour
	}
	return t, nil
}

// newBus returns the realtime bus for the database: LISTEN/NOTIFY over the
// event log on PostgreSQL, in-process on SQLite.
func newBus(ctx context.Context, db *store.DB, logger *slog.Logger) (realtime.Bus, error) {
	if db.Dialect == dialect.Postgres {
		return realtime.NewPostgres(ctx, db.Client, db.SQL, db.DSN, logger)
	}
	return realtime.NewLocal(ctx, db.Client)
}
