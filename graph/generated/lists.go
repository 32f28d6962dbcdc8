package generated

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// waitingFields are the fields whose resolvers wait on a dataloader (see
// graph/loaders.go): the loader batches the keys asked for within its
// wait, so the same field of every element of a list must be asked for
// at once, each element in its own goroutine.
var waitingFields = map[string]map[string]bool{
	"Team":              {"members": true},
	"AgentStats":        {"agent": true},
	"TicketStatsBucket": {"team": true, "assignee": true, "category": true, "customer": true, "tag": true},
}

// marshalSlice marshals a list of objects (the generator, graph/gqlgen,
// has every generated list call it): in order, on the calling goroutine,
// unless the list's selection reaches a field in waitingFields, when the
// elements are marshalled concurrently as gqlgen does. Nothing else in a
// list's elements waits on its siblings: ent's edges are loaded with the
// list (field collection), and the ticket fields that load for a whole
// list (categoryPath, slaTimeline) find the list through the field
// contexts, which are the same either way.
func marshalSlice(ctx context.Context, sel ast.SelectionSet, length int, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	if length > 1 && waits(sel) {
		return graphql.MarshalSliceConcurrently(ctx, length, 0, omitPanicHandler, marshalElement)
	}
	ret := make(graphql.Array, length)
	for i := range length {
		childCtx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
		if omitPanicHandler {
			ret[i] = marshalElement(childCtx, i)
			continue
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					graphql.AddError(childCtx, graphql.Recover(childCtx, r))
					ret[i] = graphql.Null
				}
			}()
			ret[i] = marshalElement(childCtx, i)
		}()
	}
	return ret
}

// waits reports whether sel, at any depth, selects a field in
// waitingFields.
func waits(sel ast.SelectionSet) bool {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if s.ObjectDefinition != nil && waitingFields[s.ObjectDefinition.Name][s.Name] {
				return true
			}
			if waits(s.SelectionSet) {
				return true
			}
		case *ast.InlineFragment:
			if waits(s.SelectionSet) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && waits(s.Definition.SelectionSet) {
				return true
			}
		}
	}
	return false
}
