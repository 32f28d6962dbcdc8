package graph

import (
	"context"
	"reflect"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"helpdesk/ent"
	"helpdesk/internal/apperr"
	"helpdesk/internal/gid"
	"helpdesk/internal/search"
	"helpdesk/internal/ticketing"
)

// connectionNodes maps each connection type to the id prefix of its
// nodes; a cursor carries the id of the node it points after or before.
var connectionNodes = map[string]string{
	"APITokenConnection":         gid.APIToken,
	"AgentConnection":            gid.Agent,
	"BusinessCalendarConnection": gid.BusinessCalendar,
	"CategoryConnection":         gid.Category,
	"CommentConnection":          gid.Comment,
	"CustomerConnection":         gid.Customer,
	"NotificationConnection":     gid.Notification,
	"SLAPolicyConnection":        gid.SLAPolicy,
	"TagConnection":              gid.Tag,
	"TeamConnection":             gid.Team,
	"TeamMembershipConnection":   gid.TeamMembership,
	"TicketConnection":           gid.Ticket,
	"TicketEventConnection":      gid.TicketEvent,
}

// fixedOrders are the orders of the connection fields that take no
// orderBy, by field name.
var fixedOrders = map[string]any{
	"teamQueue": ticketing.QueueOrder(),
}

// CheckCursors refuses an `after` or `before` cursor that no page of the
// connection, in the requested order, could have produced: a node id of
// another type, or order values of the wrong number or kind. Cursors are
// opaque to clients but not secret, so a hand-made one must be a clear
// BAD_USER_INPUT rather than a database error.
func CheckCursors(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Definition == nil {
		return next(ctx)
	}
	prefix, ok := connectionNodes[fc.Field.Definition.Type.Name()]
	if !ok {
		return next(ctx)
	}
	orderBy := fc.Args["orderBy"]
	if fixed, ok := fixedOrders[fc.Field.Name]; ok {
		orderBy = fixed
	}
	for _, name := range []string{"after", "before"} {
		c, _ := fc.Args[name].(*ent.Cursor)
		if c == nil {
			continue
		}
		if !c.ID.Valid(prefix) || !cursorValuesMatch(c.Value, orderBy) && !isRankCursor(c.Value, fc.Args) {
			return nil, apperr.Invalid(name, "is not a cursor of this list in this order: use a cursor from this query's pageInfo or edges")
		}
	}
	return next(ctx)
}

// isRankCursor reports whether a cursor's value fits a search ranked by
// relevance (a `search` without `orderBy`): the search's tag and one
// number, the rank. The search checks the rest.
func isRankCursor(value any, args map[string]any) bool {
	if s, _ := args["search"].(*string); s == nil {
		return false
	}
	if order := reflect.ValueOf(args["orderBy"]); order.Kind() == reflect.Slice && order.Len() > 0 {
		return false
	}
	values, ok := value.([]any)
	return ok && len(values) == 2 && values[0] == search.RankCursorTag && values[1] != nil && kindOf(reflect.TypeOf(values[1])) == kindNumber
}

// cursorValuesMatch reports whether a cursor's order values fit orderBy:
// one value for a single order, a list of one value per term for a list
// of orders, each of the kind the ordered field holds (or null).
func cursorValuesMatch(value, orderBy any) bool {
	if value == nil {
		return true
	}
	order := reflect.ValueOf(orderBy)
	if order.Kind() != reflect.Slice {
		if order.Kind() == reflect.Pointer && order.IsNil() || !order.IsValid() {
			return false
		}
		return valueFits(value, orderFieldKind(order))
	}
	values, ok := value.([]any)
	if !ok || len(values) != order.Len() {
		return false
	}
	for i, v := range values {
		if !valueFits(v, orderFieldKind(order.Index(i))) {
			return false
		}
	}
	return true
}

type valueKind int

const (
	kindOther valueKind = iota
	kindString
	kindNumber
	kindBool
	kindTime
)

// orderFieldKind calls the generated order field's Value function on an
// empty node to learn the kind of value the field orders by.
func orderFieldKind(order reflect.Value) valueKind {
	order = reflect.Indirect(order)
	if !order.IsValid() || order.Kind() != reflect.Struct {
		return kindOther
	}
	field := reflect.Indirect(order.FieldByName("Field"))
	if !field.IsValid() {
		return kindOther
	}
	fn := field.FieldByName("Value")
	if !fn.IsValid() || fn.IsNil() || fn.Type().NumIn() != 1 || fn.Type().In(0).Kind() != reflect.Pointer {
		return kindOther
	}
	out := fn.Call([]reflect.Value{reflect.New(fn.Type().In(0).Elem())})
	if len(out) == 0 || out[0].IsNil() {
		return kindOther
	}
	return kindOf(out[0].Elem().Type())
}

func kindOf(t reflect.Type) valueKind {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeOf(time.Time{}) {
		return kindTime
	}
	switch t.Kind() {
	case reflect.String:
		return kindString
	case reflect.Bool:
		return kindBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return kindNumber
	}
	return kindOther
}

// valueFits reports whether a decoded cursor value may stand for a field
// of the given kind. Fields of another kind (none today) accept only null.
func valueFits(v any, want valueKind) bool {
	if v == nil {
		return true
	}
	return want != kindOther && kindOf(reflect.TypeOf(v)) == want
}
