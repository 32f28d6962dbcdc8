package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"helpdesk/internal/apperr"
	"helpdesk/internal/authz"
)

// RequireViewer asks authz whether the request may use each root field
// (a token is needed for all but login and introspection; customers' and
// integrations' tokens are kept to the fields made for them).
func RequireViewer(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	rc := graphql.GetRootFieldContext(ctx)
	oc := graphql.GetOperationContext(ctx)
	if rc == nil || oc == nil || oc.Operation == nil {
		return next(ctx)
	}
	if err := authz.CheckOperation(ctx, string(oc.Operation.Operation)+"."+rc.Field.Name); err != nil {
		graphql.AddError(ctx, err)
		return graphql.Null
	}
	return next(ctx)
}

// PageLimits bounds every Relay connection: `first` and `last` above max
// are BAD_USER_INPUT, and a connection asked for without either returns
// its first defaultSize items (pageInfo.hasNextPage tells there are more).
func PageLimits(defaultSize, max int) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		if fc == nil || !strings.HasSuffix(fc.Field.Definition.Type.Name(), "Connection") {
			return next(ctx)
		}
		first, hasFirst := fc.Args["first"].(*int)
		last, hasLast := fc.Args["last"].(*int)
		if !hasFirst && !hasLast {
			return next(ctx)
		}
		for name, v := range map[string]*int{"first": first, "last": last} {
			if v != nil && (*v < 0 || *v > max) {
				return nil, apperr.Invalid(name, "must be between 0 and %d", max)
			}
		}
		if first == nil && last == nil {
			n := defaultSize
			fc.Args["first"] = &n
		}
		return next(ctx)
	}
}

// variableErrorsAsBadInput reports a variable that does not match its
// declared type (a wrong enum value, a missing required field) as
// BAD_USER_INPUT naming the offending input field, like any other invalid
// input, instead of as a query validation failure.
func variableErrorsAsBadInput(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil {
		return resp
	}
	for _, e := range resp.Errors {
		markVariableError(e)
	}
	return resp
}

func markVariableError(e *gqlerror.Error) {
	if len(e.Path) < 2 || e.Path[0] != ast.PathName("variable") {
		return
	}
	var parts []string
	for _, p := range e.Path[1:] {
		parts = append(parts, fmt.Sprint(p))
	}
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = string(apperr.CodeBadUserInput)
	e.Extensions["field"] = strings.Join(parts, ".")
}
