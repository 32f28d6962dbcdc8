package graph

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"helpdesk/internal/apperr"
)

// TextCheck refuses a request whose variables or argument values hold a
// string with a NUL character or invalid UTF-8, before any resolver runs.
// PostgreSQL cannot store either in a text column and SQLite would store
// them as given; refusing them here makes both databases behave alike and
// names the offending field (`variable.path` or `argument.path`).
type TextCheck struct{}

var (
	_ graphql.HandlerExtension        = TextCheck{}
	_ graphql.OperationContextMutator = TextCheck{}
)

// ExtensionName implements graphql.HandlerExtension.
func (TextCheck) ExtensionName() string { return "TextCheck" }

// Validate implements graphql.HandlerExtension.
func (TextCheck) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext implements graphql.OperationContextMutator.
func (TextCheck) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	for name, v := range oc.Variables {
		if field, ok := badVariableText(name, v); ok {
			return textError(field)
		}
	}
	if oc.Doc == nil {
		return nil
	}
	for _, op := range oc.Doc.Operations {
		if field, ok := badSelectionText(op.SelectionSet); ok {
			return textError(field)
		}
	}
	for _, f := range oc.Doc.Fragments {
		if field, ok := badSelectionText(f.SelectionSet); ok {
			return textError(field)
		}
	}
	return nil
}

func textError(field string) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    field + ": must be valid UTF-8 text without NUL characters",
		Extensions: map[string]any{"code": string(apperr.CodeBadUserInput), "field": field},
	}
}

func badText(s string) bool { return strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s) }

func badVariableText(path string, v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return path, badText(v)
	case []any:
		for i, item := range v {
			if field, ok := badVariableText(fmt.Sprintf("%s.%d", path, i), item); ok {
				return field, true
			}
		}
	case map[string]any:
		for k, item := range v {
			if badText(k) {
				return path, true
			}
			if field, ok := badVariableText(path+"."+k, item); ok {
				return field, true
			}
		}
	}
	return "", false
}

func badSelectionText(set ast.SelectionSet) (string, bool) {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			for _, arg := range sel.Arguments {
				if field, ok := badValueText(arg.Name, arg.Value); ok {
					return field, true
				}
			}
			if field, ok := badSelectionText(sel.SelectionSet); ok {
				return field, true
			}
		case *ast.InlineFragment:
			if field, ok := badSelectionText(sel.SelectionSet); ok {
				return field, true
			}
		}
	}
	return "", false
}

func badValueText(path string, v *ast.Value) (string, bool) {
	if v == nil {
		return "", false
	}
	switch v.Kind {
	case ast.StringValue, ast.BlockValue:
		return path, badText(v.Raw)
	case ast.ListValue:
		for i, c := range v.Children {
			if field, ok := badValueText(fmt.Sprintf("%s.%d", path, i), c.Value); ok {
				return field, true
			}
		}
	case ast.ObjectValue:
		for _, c := range v.Children {
			if field, ok := badValueText(path+"."+c.Name, c.Value); ok {
				return field, true
			}
		}
	}
	return "", false
}
