package graph

import (
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"helpdesk/graph/generated"
)

// NewServer builds the GraphQL handler: the HTTP transport (see
// httpTransport), the error
// presenter, the authentication guard, the query limits (checked before a
// query is validated), page-size limits, and automatic persisted queries.
// Zero limits take their defaults. It installs on r.Client the ticket
// query interceptor that lets a first page count in its own statement
// (see paginateTickets).
func NewServer(r *Resolver, limits Limits, logger *slog.Logger) *handler.Server {
	limits = limits.WithDefaults()
	if r.Client != nil {
		r.Client.Ticket.Intercept(foldCounts())
	}
	cfg := generated.Config{Resolvers: r}
	srv := handler.New(generated.NewExecutableSchema(cfg))
	srv.AddTransport(transport.Options{AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodOptions}})
	srv.AddTransport(transport.MultipartForm{})
	srv.AddTransport(httpTransport{metrics: r.Metrics})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	// After the persisted-query extension, which fills in the query text.
	srv.Use(newQueryLimits(limits))
	srv.SetParserTokenLimit(limits.MaxTokens)
	srv.Use(TextCheck{})
	srv.SetErrorPresenter(ErrorPresenter(logger))
	srv.SetRecoverFunc(Recover(logger))
	srv.AroundOperations(logOperation)
	if r.Metrics != nil {
		srv.AroundOperations(observeOperations(r.Metrics))
	}
	srv.AroundOperations(withLoaders(r.Client))
	srv.AroundOperations(withSLATimelines(r.SLA))
	// Innermost: the middlewares above see every delivery.
	srv.AroundOperations(shareDeliveries)
	srv.AroundRootFields(RequireViewer)
	srv.AroundFields(fieldGuards(limits, r.Authz))
	srv.AroundResponses(variableErrorsAsBadInput)
	return srv
}
