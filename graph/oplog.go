package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"helpdesk/internal/requestlog"
)

// logOperation names the request's operation for its log lines: the
// operation type and the client's operation name, or, for an anonymous
// operation, its root fields ("query tickets,viewer").
func logOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil {
		requestlog.SetOperation(ctx, string(oc.Operation.Operation)+" "+operationName(oc.Operation))
	}
	return next(ctx)
}

func operationName(op *ast.OperationDefinition) string {
	if op.Name != "" {
		return op.Name
	}
	var fields []string
	for _, sel := range op.SelectionSet {
		if f, ok := sel.(*ast.Field); ok && len(fields) < 5 {
			fields = append(fields, f.Name)
		}
	}
	return strings.Join(fields, ",")
}
