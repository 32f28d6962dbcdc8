package graph

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CodeTimeout is the `extensions.code` of a field the server stopped
// resolving because the request ran out of time.
const CodeTimeout = "TIMEOUT"

// sqlStateQueryCanceled is PostgreSQL's code for a statement cancelled by
// statement_timeout (or by a cancelled context).
const sqlStateQueryCanceled = "57014"

// deadlineErrors reports a field that failed because the request's
// deadline passed, or because the database cancelled a statement that ran
// past its statement timeout, as TIMEOUT instead of INTERNAL.
func deadlineErrors(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	if err == nil {
		return res, nil
	}
	var pg interface{ SQLState() string }
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || (errors.As(err, &pg) && pg.SQLState() == sqlStateQueryCanceled) {
		return res, &gqlerror.Error{
			Message:    "the request took longer than the server allows",
			Extensions: map[string]any{"code": CodeTimeout},
		}
	}
	return res, err
}
