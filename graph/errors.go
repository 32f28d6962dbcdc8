package graph

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"helpdesk/ent"
	"helpdesk/internal/apperr"
	"helpdesk/internal/requestlog"
)

// ErrorPresenter maps every error a resolver returns to what the client
// sees, in one place: domain errors keep their code and message; input
// the GraphQL layer could not decode is BAD_USER_INPUT; anything else is
// INTERNAL with an id that is logged together with the real error, so no
// SQL or driver text reaches a client.
func ErrorPresenter(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		out := graphql.DefaultErrorPresenter(ctx, err)
		var ae *apperr.Error
		var ge *gqlerror.Error
		switch {
		case errors.As(err, &ae):
			out.Message = ae.Error()
			if name := fieldName(ctx); ae.Code == apperr.CodeForbidden && name != "" && !strings.HasPrefix(out.Message, name) {
				// Say which operation was refused, in the API's words.
				out.Message = name + ": " + out.Message
			}
			setCode(out, ae.Code, ae.Field)
		case ent.IsNotFound(err):
			out.Message = "not found"
			setCode(out, apperr.CodeNotFound, "")
		case errors.As(err, &ge) && ge.Extensions["code"] != nil:
			// Already classified (e.g. entgql's node-not-found).
		case isDecodeError(ctx, err):
			field := argumentField(ctx, out)
			if field == "after" || field == "before" {
				// The decoder's own words would name its encoding.
				out.Message = field + ": is not a valid cursor: use a cursor from this query's pageInfo or edges"
			}
			setCode(out, apperr.CodeBadUserInput, field)
		default:
			id := errorID()
			requestlog.AddErrorID(ctx, id)
			logger.ErrorContext(ctx, "internal error", "error_id", id, "error", err, "path", out.Path.String())
			out.Message = fmt.Sprintf("internal error (id %s)", id)
			out.Extensions = map[string]any{"code": string(apperr.CodeInternal), "errorId": id}
		}
		return out
	}
}

// Recover turns a panic in a resolver into an INTERNAL error; the panic
// value is logged, never shown.
func Recover(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, v any) error {
		id := errorID()
		requestlog.AddErrorID(ctx, id)
		logger.ErrorContext(ctx, "panic in resolver", "error_id", id, "panic", fmt.Sprint(v))
		return &internalError{id: id}
	}
}

type internalError struct{ id string }

func (e *internalError) Error() string { return "internal error (id " + e.id + ")" }

// isDecodeError reports an error raised while decoding a field's
// arguments (a malformed time, cursor or map) or a message gqlgen or
// entgql wrote for the client (a bad page size). Argument errors carry the
// argument's path below the field's own path; resolver errors carry the
// field's path; errors built for the client wrap no other error.
func isDecodeError(ctx context.Context, err error) bool {
	var ie *internalError
	if errors.As(err, &ie) {
		return false
	}
	ge, ok := err.(*gqlerror.Error)
	if !ok {
		return false
	}
	if ge.Err == nil {
		return true
	}
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return false
	}
	field := fc.Path()
	if len(ge.Path) <= len(field) {
		return false
	}
	for i := range field {
		if fmt.Sprint(field[i]) != fmt.Sprint(ge.Path[i]) {
			return false
		}
	}
	return true
}

// argumentField names the argument a decode error is about, e.g.
// "where.createdAtGT", from the part of its path below the field.
func argumentField(ctx context.Context, ge *gqlerror.Error) string {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || len(ge.Path) <= len(fc.Path()) {
		return ""
	}
	var parts []string
	for _, p := range ge.Path[len(fc.Path()):] {
		parts = append(parts, fmt.Sprint(p))
	}
	return strings.Join(parts, ".")
}

// fieldName is the name of the field being resolved, or "".
func fieldName(ctx context.Context) string {
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Field.Field != nil {
		return fc.Field.Name
	}
	if rc := graphql.GetRootFieldContext(ctx); rc != nil && rc.Field.Field != nil {
		return rc.Field.Name
	}
	return ""
}

func setCode(e *gqlerror.Error, code apperr.Code, field string) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = string(code)
	if field != "" {
		e.Extensions["field"] = field
	}
}

func errorID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
