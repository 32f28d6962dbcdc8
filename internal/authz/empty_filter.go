package authz

import (
	"reflect"
	"strings"

	"helpdesk/internal/apperr"
)

// normalizeEmpty rewrites the empty filters ({}) inside a where input
// (a non-nil pointer to a generated where input) into what they mean,
// because ent refuses an empty input below the top level:
//
//   - `hasYWith: [{}]` is "has any Y": the empty elements are dropped, and
//     when none is left `{hasY: true}` joins the input's And list, where
//     the read scope then applies to it like to any `hasY`;
//   - `and: [{}]` drops the element (it holds for every row);
//   - `or: [..., {}, ...]` holds for every row, so the Or list is dropped;
//   - `not: {}` would match nothing and is refused as BAD_USER_INPUT.
//
// It runs before the read scope is added, so an input is empty exactly
// when the client sent nothing in it.
func normalizeEmpty(w reflect.Value, path string) error {
	s := w.Elem()
	t := s.Type()
	var extra []reflect.Value
	for i := range t.NumField() {
		f, fv := t.Field(i), s.Field(i)
		switch {
		case f.Name == "Not":
			if fv.IsNil() {
				continue
			}
			if err := normalizeEmpty(fv, path+".not"); err != nil {
				return err
			}
			if fv.Elem().IsZero() {
				return apperr.Invalid(path+".not", "an empty filter under not would match nothing; remove it")
			}
		case f.Name == "And":
			kept, _, err := normalizeEach(fv, path+".and")
			if err != nil {
				return err
			}
			fv.Set(kept)
		case f.Name == "Or":
			kept, dropped, err := normalizeEach(fv, path+".or")
			if err != nil {
				return err
			}
			if dropped {
				kept = reflect.Zero(fv.Type())
			}
			fv.Set(kept)
		case isEdgeWith(f):
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			kept, dropped, err := normalizeEach(fv, path+"."+name)
			if err != nil {
				return err
			}
			fv.Set(kept)
			if dropped && kept.Len() == 0 {
				has := reflect.New(t)
				yes := true
				has.Elem().FieldByName(strings.TrimSuffix(f.Name, "With")).Set(reflect.ValueOf(&yes))
				extra = append(extra, has)
			}
		}
	}
	if len(extra) > 0 {
		and := s.FieldByName("And")
		and.Set(reflect.Append(and, extra...))
	}
	return nil
}

// normalizeEach normalizes every where input in a slice of them and
// returns the slice without the empty ones (nil when none is left) and
// whether any was dropped.
func normalizeEach(fv reflect.Value, path string) (reflect.Value, bool, error) {
	if fv.Len() == 0 {
		return fv, false, nil
	}
	kept := reflect.MakeSlice(fv.Type(), 0, fv.Len())
	dropped := false
	for i := range fv.Len() {
		item := fv.Index(i)
		if item.IsNil() {
			dropped = true
			continue
		}
		if err := normalizeEmpty(item, path); err != nil {
			return fv, false, err
		}
		if item.Elem().IsZero() {
			dropped = true
			continue
		}
		kept = reflect.Append(kept, item)
	}
	if kept.Len() == 0 {
		kept = reflect.Zero(fv.Type())
	}
	return kept, dropped, nil
}
