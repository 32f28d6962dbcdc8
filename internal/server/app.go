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

	"helpdesk/graph"
	"helpdesk/internal/auth"
	"helpdesk/internal/authz"
	"helpdesk/internal/catalog"
	"helpdesk/internal/directory"
	"helpdesk/internal/events"
	"helpdesk/internal/jobs"
	"helpdesk/internal/notify"
	"helpdesk/internal/presence"
	"helpdesk/internal/realtime"
	"helpdesk/internal/requestlog"
	"helpdesk/internal/routing"
	"helpdesk/internal/store"
	"helpdesk/internal/ticketing"
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
	// PresenceTimeout is how long a ticket presence entry lives without a
	// refresh; zero means presence.DefaultTimeout.
	PresenceTimeout time.Duration
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
	// Jobs is the durable job queue; its jobs run between Start and Close.
	Jobs *jobs.Queue
	// Realtime fans committed ticket events out to subscriptions; it
	// delivers between Start and Close.
	Realtime realtime.Bus
	// Presence keeps who is looking at which ticket; it expires entries
	// and hears other replicas between Start and Close.
	Presence *presence.Hub
	Handler  http.Handler

	jobsStarted, realtimeStarted, presenceStarted bool
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

// Close stops the App's background work (job workers, the policy
// watcher). It does not close the database.
func (a *App) Close() {
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
	if db.Dialect == dialect.Postgres {
		if err := enforcer.WatchPostgres(db.DSN, db.SQL, logger); err != nil {
			return nil, err
		}
	}
	pipeline := &events.Pipeline{Client: db.Client, Dialect: db.Dialect}
	bus, err := newBus(ctx, db, logger)
	if err != nil {
		return nil, err
	}
	pipeline.Publisher = bus
	a := &App{
		DB:    db,
		Authz: enforcer,
		Auth:  &auth.Service{Client: db.Client, Tokens: tokens, Now: now, Throttle: auth.NewLoginThrottle(opts.LoginLimits), PasswordCost: opts.PasswordCost},
		Tickets: &ticketing.Service{Client: db.Client, Dialect: db.Dialect, Now: now, Authz: enforcer,
			Events: pipeline, AutoCloseAfter: opts.AutoCloseAfter},
		Directory: &directory.Service{Client: db.Client, Dialect: db.Dialect, Now: now, Authz: enforcer, PasswordCost: opts.PasswordCost},
		Catalog:   &catalog.Service{Client: db.Client, Now: now, Authz: enforcer},
		Events:    pipeline,
		Realtime:  bus,
		Presence:  newPresence(db, opts.PresenceTimeout, logger),
	}
	a.Auth.MayManageTokens = func(ctx context.Context) error {
		_, err := enforcer.CheckConfig(ctx, authz.ActWrite, authz.ObjRoles)
		return err
	}
	a.Directory.Events, a.Directory.Queue = pipeline, a.Tickets
	pipeline.React(a.Tickets.AssignmentReactor())
	pipeline.React(a.Tickets.AutoCloseReactor())
	pipeline.React(&notify.Reactor{Authz: enforcer})
	workers := river.NewWorkers()
	river.AddWorker(workers, &ticketing.AutoCloseWorker{Tickets: a.Tickets})
	if a.Jobs, err = jobs.New(db, jobs.Config{Workers: workers, Now: opts.Now, PollInterval: opts.JobPollInterval, Logger: logger}); err != nil {
		return nil, err
	}
	pipeline.Jobs = a.Jobs
	gql := graph.NewServer(&graph.Resolver{
		Client:    db.Client,
		Authz:     enforcer,
		Auth:      a.Auth,
		Tickets:   a.Tickets,
		Directory: a.Directory,
		Catalog:   a.Catalog,
		Realtime:  &realtime.Feed{Client: db.Client, Bus: bus, Logger: logger},
		Presence:  &presence.Service{Client: db.Client, Hub: a.Presence},
		Notify:    &notify.Service{Client: db.Client, Now: now},
		Routing:   &routing.Service{Client: db.Client, Now: now, Authz: enforcer},
	}, opts.Limits, logger)
	gql.AddTransport(withPresenceConnections(websocketTransport(opts.Websocket, a.Auth, logger)))
	a.Handler = withClientAddress(opts.TrustedProxies, Handler(opts.HTTP, withConnSlot(gql), a.Auth, db.Ping, logger))
	return a, nil
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
