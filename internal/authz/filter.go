package authz

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"entgo.io/ent/dialect/sql"

	"helpdesk/ent"
	"helpdesk/ent/predicate"
	"helpdesk/internal/auth"
)

// ErrUnscopedFilter is returned for a filter of a type that has no read
// scope rule: such a filter is refused rather than run unscoped.
var ErrUnscopedFilter = errors.New("filter type without a read scope rule")

// ScopeFilter restricts a generated where input (a *ent.XWhereInput; nil
// is allowed) to the rows the viewer may read on every edge it filters
// over, at any depth: each element of a `hasYWith` list gets the viewer's
// read scope of Y, and a `hasY: true/false` becomes "has (no) Y the viewer
// may read" when that scope is not everything. The rows of the filtered
// type itself are scoped by the query interceptors (InstallScopes).
//
// Empty inputs below the top level are first rewritten into what they
// mean (normalizeEmpty); that does not count as a change.
//
// It reports whether it changed the filter. A where input type (at any
// depth) with no rule is refused with ErrUnscopedFilter, so a new entity
// cannot be filtered over before its scope is decided.
func (en *Enforcer) ScopeFilter(v auth.Viewer, where any) (changed bool, err error) {
	w := reflect.ValueOf(where)
	if !w.IsValid() || w.Kind() != reflect.Pointer || w.IsNil() {
		return false, nil
	}
	if _, ok := filterRules[w.Elem().Type()]; ok {
		if err := normalizeEmpty(w, "where"); err != nil {
			return false, err
		}
	}
	return en.scopeWhere(v, w)
}

// IsWhereInput reports whether x is a generated filter (a pointer to an
// ent where input), the kind of value ScopeFilter takes.
func IsWhereInput(x any) bool {
	t := reflect.TypeOf(x)
	return t != nil && isWhereInputType(t)
}

// filterRule adds the viewer's read scope of one entity type to a where
// input of that type (a pointer) and reports whether it restricted it.
type filterRule func(en *Enforcer, v auth.Viewer, where reflect.Value) bool

// filterRules holds the read scope of every generated where input type,
// keyed by the struct type. A test checks that every type ent generates
// is here.
var filterRules = rules(
	rule[ent.TicketWhereInput]((*Enforcer).TicketScope),
	rule[ent.CommentWhereInput]((*Enforcer).CommentScope),
	rule[ent.TicketEventWhereInput]((*Enforcer).TicketEventScope),
	rule[ent.NotificationWhereInput]((*Enforcer).NotificationScope),
	rule[ent.CustomerWhereInput]((*Enforcer).CustomerScope),
	rule[ent.APITokenWhereInput]((*Enforcer).APITokenScope),
	rule[ent.TeamMembershipWhereInput]((*Enforcer).TeamMembershipScope),
	rule[ent.AgentWhereInput]((*Enforcer).AgentFilterScope),
	rule[ent.TeamWhereInput](everything[predicate.Team]),
	rule[ent.CategoryWhereInput](everything[predicate.Category]),
	rule[ent.TagWhereInput](everything[predicate.Tag]),
	rule[ent.BusinessCalendarWhereInput](everything[predicate.BusinessCalendar]),
	rule[ent.SLAPolicyWhereInput](everything[predicate.SLAPolicy]),
)

type typedRule struct {
	typ   reflect.Type
	apply filterRule
}

// rule ties the where input type W to the scope of its entity.
func rule[W any, P ~func(*sql.Selector), PW interface {
	*W
	AddPredicates(...P)
}](scope func(*Enforcer, auth.Viewer) P) typedRule {
	return typedRule{typ: reflect.TypeFor[W](), apply: func(en *Enforcer, v auth.Viewer, where reflect.Value) bool {
		p := scope(en, v)
		if p == nil {
			return false
		}
		PW(where.Interface().(*W)).AddPredicates(p)
		return true
	}}
}

func rules(rs ...typedRule) map[reflect.Type]filterRule {
	m := make(map[reflect.Type]filterRule, len(rs))
	for _, r := range rs {
		m[r.typ] = r.apply
	}
	return m
}

// scopeWhere walks one where input (a non-nil pointer to its struct):
// not/and/or recursively, every edge predicate scoped.
func (en *Enforcer) scopeWhere(v auth.Viewer, w reflect.Value) (bool, error) {
	s := w.Elem()
	t := s.Type()
	if _, ok := filterRules[t]; !ok {
		return false, fmt.Errorf("%w: %s", ErrUnscopedFilter, t.Name())
	}
	changed := false
	var extra []reflect.Value // *t filters to add to And
	for i := range t.NumField() {
		f, fv := t.Field(i), s.Field(i)
		var c bool
		var err error
		switch {
		case f.Name == "Not" || f.Name == "And" || f.Name == "Or":
			c, err = en.scopeEach(v, fv, false)
		case isEdgeWith(f):
			c, err = en.scopeEach(v, fv, true)
		case isEdgeBool(t, f):
			var x reflect.Value
			if x, err = en.scopedHas(v, w, f); x.IsValid() {
				extra = append(extra, x)
				fv.SetZero()
				c = true
			}
		case isWhereInputType(f.Type) || f.Type.Kind() == reflect.Slice && isWhereInputType(f.Type.Elem()):
			err = fmt.Errorf("%w: %s.%s", ErrUnscopedFilter, t.Name(), f.Name)
		}
		if err != nil {
			return false, err
		}
		changed = changed || c
	}
	if len(extra) > 0 {
		and := s.FieldByName("And")
		and.Set(reflect.Append(and, extra...))
	}
	return changed, nil
}

// scopeEach walks the where inputs in fv (one pointer or a slice of
// them); with edge set, it also adds each one's read scope.
func (en *Enforcer) scopeEach(v auth.Viewer, fv reflect.Value, edge bool) (bool, error) {
	var items []reflect.Value
	if fv.Kind() == reflect.Slice {
		for i := range fv.Len() {
			items = append(items, fv.Index(i))
		}
	} else {
		items = append(items, fv)
	}
	changed := false
	for _, w := range items {
		if w.IsNil() {
			continue
		}
		c, err := en.scopeWhere(v, w)
		if err != nil {
			return false, err
		}
		if edge && filterRules[w.Elem().Type()](en, v, w) {
			c = true
		}
		changed = changed || c
	}
	return changed, nil
}

// scopedHas rewrites `hasY: true` (false) as "has a (no) Y the viewer may
// read": it returns the filter to add to w's And list, or an invalid value
// when the flag is unset or the viewer reads every Y.
func (en *Enforcer) scopedHas(v auth.Viewer, w reflect.Value, f reflect.StructField) (reflect.Value, error) {
	flag := w.Elem().FieldByIndex(f.Index)
	if flag.IsNil() {
		return reflect.Value{}, nil
	}
	with, _ := w.Elem().Type().FieldByName(f.Name + "With")
	target := with.Type.Elem().Elem()
	scope, ok := filterRules[target]
	if !ok {
		return reflect.Value{}, fmt.Errorf("%w: %s", ErrUnscopedFilter, target.Name())
	}
	y := reflect.New(target)
	if !scope(en, v, y) {
		return reflect.Value{}, nil
	}
	x := reflect.New(w.Elem().Type())
	x.Elem().FieldByIndex(with.Index).Set(reflect.Append(reflect.MakeSlice(with.Type, 0, 1), y))
	if !flag.Elem().Bool() {
		not := reflect.New(w.Elem().Type())
		not.Elem().FieldByName("Not").Set(x)
		x = not
	}
	return x, nil
}

// isEdgeWith matches the generated `HasYWith []*YWhereInput` fields.
func isEdgeWith(f reflect.StructField) bool {
	return strings.HasPrefix(f.Name, "Has") && strings.HasSuffix(f.Name, "With") &&
		f.Type.Kind() == reflect.Slice && isWhereInputType(f.Type.Elem())
}

// isEdgeBool matches the generated `HasY *bool` fields: those with a
// `HasYWith` sibling.
func isEdgeBool(t reflect.Type, f reflect.StructField) bool {
	if !strings.HasPrefix(f.Name, "Has") || f.Type != reflect.TypeFor[*bool]() {
		return false
	}
	with, ok := t.FieldByName(f.Name + "With")
	return ok && isEdgeWith(with)
}

func isWhereInputType(t reflect.Type) bool {
	return t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct &&
		strings.HasSuffix(t.Elem().Name(), "WhereInput") && t.Elem().PkgPath() == reflect.TypeFor[ent.TicketWhereInput]().PkgPath()
}
