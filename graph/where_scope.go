package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"

	"helpdesk/internal/auth"
	"helpdesk/internal/authz"
)

// ScopeFilters applies the viewer's read scope to every filter argument
// (`where: XWhereInput`) of every field, before its resolver runs: a
// filter over an edge (`hasCommentsWith`, `hasTicketsWith`, `hasAssignee`,
// ...) only ever matches rows the viewer may read on that edge, at any
// depth (see authz.ScopeFilter).
//
// A nested connection (`customer.tickets(where:)`) is eager-loaded by its
// parent's query with the filter as written; when scoping changes the
// filter, the connection is loaded again with the scoped filter and the
// eager-loaded rows are not used.
func ScopeFilters(en *authz.Enforcer) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		if fc == nil || len(fc.Args) == 0 {
			return next(ctx)
		}
		v, _ := auth.ViewerFrom(ctx)
		changed := false
		for _, arg := range fc.Args {
			if !authz.IsWhereInput(arg) {
				continue
			}
			c, err := en.ScopeFilter(v, arg)
			if err != nil {
				return nil, fmt.Errorf("scoping the filter of %s.%s: %w", fc.Object, fc.Field.Name, err)
			}
			changed = changed || c
		}
		if changed && !isRootObject(fc.Object) {
			ctx = withoutEagerLoad(ctx, fc)
		}
		return next(ctx)
	}
}

// withoutEagerLoad gives the resolver a field context whose alias names
// no eager-loaded edge, so the generated edge resolver queries the
// connection itself, with the arguments in fc.Args.
func withoutEagerLoad(ctx context.Context, fc *graphql.FieldContext) context.Context {
	field := *fc.Field.Field
	field.Alias = fc.Field.Alias + "\x00scoped"
	scoped := *fc
	scoped.Field = graphql.CollectedField{Field: &field, Selections: fc.Field.Selections}
	ctx = graphql.WithFieldContext(ctx, &scoped)
	scoped.Parent = fc.Parent // same place in the response path as fc
	return ctx
}

// isRootObject reports whether a field belongs to a root operation type,
// whose connections are never eager-loaded.
func isRootObject(name string) bool {
	return name == "Query" || name == "Mutation" || name == "Subscription"
}
