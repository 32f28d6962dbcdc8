package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"helpdesk/internal/authz"
)

// fieldGuards is the one field middleware of the server: the page limits,
// deadline errors, cursor checks, filter scoping and staff-contact hiding,
// in that order. Each of them only acts on fields with arguments (or on
// Agent's email and handle); every other field — nearly all of a page's,
// run once per row, each in the goroutine gqlgen gives it — only gets the
// deadline error translation, without the four other frames and their
// field-context lookups on its stack.
func fieldGuards(limits Limits, en *authz.Enforcer) graphql.FieldMiddleware {
	chain := []graphql.FieldMiddleware{
		PageLimits(limits.DefaultPageSize, limits.MaxPageSize),
		deadlineErrors,
		CheckCursors,
		ScopeFilters(en),
		HideStaffContacts,
	}
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		if fc := graphql.GetFieldContext(ctx); fc != nil && len(fc.Args) == 0 && fc.Object != "Agent" {
			return deadlineErrors(ctx, next)
		}
		return runChain(ctx, chain, next)
	}
}

// runChain runs the middlewares around next, the first outermost.
func runChain(ctx context.Context, chain []graphql.FieldMiddleware, next graphql.Resolver) (any, error) {
	if len(chain) == 0 {
		return next(ctx)
	}
	return chain[0](ctx, func(ctx context.Context) (any, error) { return runChain(ctx, chain[1:], next) })
}
