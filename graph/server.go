package graph

import (
	"log/slog"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"helpdesk/graph/generated"
)

// Limits bound what one request may ask for.
type Limits struct {
	// MaxPageSize is the largest `first`/`last` a connection accepts.
	MaxPageSize int
	// DefaultPageSize is used when a connection is asked for without either.
	DefaultPageSize int
	// MaxComplexity bounds a query's complexity (each selected field costs 1).
	MaxComplexity int
}

// DefaultLimits are the limits the server runs with unless configured.
var DefaultLimits = Limits{MaxPageSize: 100, DefaultPageSize: 50, MaxComplexity: 2000}

// NewServer builds the GraphQL handler: HTTP transports, the error
// presenter, the authentication guard, page-size and complexity limits,
// and automatic persisted queries.
func NewServer(r *Resolver, limits Limits, logger *slog.Logger) *handler.Server {
	cfg := generated.Config{Resolvers: r}
	srv := handler.New(generated.NewExecutableSchema(cfg))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(checkedPOST{})
	srv.AddTransport(transport.MultipartForm{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	srv.Use(extension.FixedComplexityLimit(limits.MaxComplexity))
	srv.Use(TextCheck{})
	srv.SetErrorPresenter(ErrorPresenter(logger))
	srv.SetRecoverFunc(Recover(logger))
	srv.AroundOperations(logOperation)
	srv.AroundOperations(withLoaders(r.Client))
	srv.AroundRootFields(RequireViewer)
	srv.AroundFields(PageLimits(limits.DefaultPageSize, limits.MaxPageSize))
	srv.AroundFields(CheckCursors)
	srv.AroundFields(ScopeFilters(r.Authz))
	srv.AroundFields(HideStaffContacts)
	srv.AroundResponses(variableErrorsAsBadInput)
	return srv
}
