package server

import (
	"context"

	"entgo.io/ent/dialect"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"helpdesk/graph"
	"helpdesk/internal/auth"
	"helpdesk/internal/authz"
	"helpdesk/internal/catalog"
	"helpdesk/internal/directory"
	"helpdesk/internal/store"
	"helpdesk/internal/ticketing"
)

// Options configure an App.
type Options struct {
	// TokenKey signs bearer tokens; empty means a key kept in the database.
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
	Handler   http.Handler
}

// Close stops the App's background work (the policy watcher). It does not
// close the database.
func (a *App) Close() { a.Authz.Close() }

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
	key, err := auth.SigningKey(ctx, db.Client, opts.TokenKey)
	if err != nil {
		return nil, fmt.Errorf("loading the token signing key: %w", err)
	}
	ttl := opts.TokenTTL
	if ttl <= 0 {
		ttl = 12 * time.Hour
	}
	enforcer, err := authz.New(ctx, db.Client)
	if err != nil {
		return nil, err
	}
	enforcer.InstallScopes(db.Client)
	if db.Dialect == dialect.Postgres {
		if err := enforcer.WatchPostgres(db.DSN, db.SQL, logger); err != nil {
			return nil, err
		}
	}
	a := &App{
		DB:        db,
		Authz:     enforcer,
		Auth:      &auth.Service{Client: db.Client, Tokens: auth.Tokens{Key: key, TTL: ttl}, Now: now},
		Tickets:   &ticketing.Service{Client: db.Client, Dialect: db.Dialect, Now: now, Authz: enforcer},
		Directory: &directory.Service{Client: db.Client, Now: now},
		Catalog:   &catalog.Service{Client: db.Client, Now: now},
	}
	gql := graph.NewServer(&graph.Resolver{
		Client:    db.Client,
		Authz:     enforcer,
		Auth:      a.Auth,
		Tickets:   a.Tickets,
		Directory: a.Directory,
		Catalog:   a.Catalog,
	}, opts.Limits, logger)
	a.Handler = Handler(opts.HTTP, gql, a.Auth, db.Ping, logger)
	return a, nil
}
