package authz

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strings"
	"testing"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/internal/auth"
)

// TestEveryWhereInputHasAScopeRule reads the generated filters and fails
// when ent generates a where input type that has no read scope rule: a
// new entity must decide who may filter over it.
func TestEveryWhereInputHasAScopeRule(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "../../ent/gql_where_input.go", nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	ruled := map[string]bool{}
	for typ := range filterRules {
		ruled[typ.Name()] = true
	}
	found := 0
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.TYPE {
			continue
		}
		for _, spec := range gen.Specs {
			name := spec.(*ast.TypeSpec).Name.Name
			if !strings.HasSuffix(name, "WhereInput") {
				continue
			}
			found++
			if !ruled[name] {
				t.Errorf("ent.%s has no read scope rule in filterRules", name)
			}
		}
	}
	if found < 10 || found != len(filterRules) {
		t.Fatalf("found %d generated where inputs, %d rules", found, len(filterRules))
	}
}

func TestScopeFilterScopesEveryEdge(t *testing.T) {
	en := &Enforcer{}
	customer := auth.Viewer{TokenID: "tok_1", CustomerID: "cus_1"}
	prefix, yes, no := "secret", true, false
	w := &ent.TicketWhereInput{
		HasCommentsWith: []*ent.CommentWhereInput{{BodyHasPrefix: &prefix}},
		HasEvents:       &yes,
		HasTags:         &no,
		Or: []*ent.TicketWhereInput{{
			HasCustomerWith: []*ent.CustomerWhereInput{{HasTicketsWith: []*ent.TicketWhereInput{{TitleHasPrefix: &prefix}}}},
		}},
		Not: &ent.TicketWhereInput{HasWatchers: &no},
	}
	changed, err := en.ScopeFilter(customer, w)
	if err != nil || !changed {
		t.Fatalf("ScopeFilter = %v, %v", changed, err)
	}
	if n := len(w.HasCommentsWith[0].Predicates); n != 1 {
		t.Errorf("comment filter got %d scope predicates, want 1", n)
	}
	cus := w.Or[0].HasCustomerWith[0]
	if len(cus.Predicates) != 1 || len(cus.HasTicketsWith[0].Predicates) != 1 {
		t.Errorf("nested customer and ticket filters not scoped: %d, %d", len(cus.Predicates), len(cus.HasTicketsWith[0].Predicates))
	}
	// hasEvents: true becomes "has an event the viewer may read"; tags are
	// not scoped, so hasTags stays as asked.
	if w.HasEvents != nil || w.HasTags == nil || len(w.And) != 1 || len(w.And[0].HasEventsWith) != 1 || len(w.And[0].HasEventsWith[0].Predicates) != 1 {
		t.Errorf("hasEvents not rewritten: %+v", w)
	}
	// hasWatchers: false becomes "has no watcher the viewer may filter on".
	if not := w.Not; not.HasWatchers != nil || len(not.And) != 1 || not.And[0].Not == nil || len(not.And[0].Not.HasWatchersWith) != 1 {
		t.Errorf("hasWatchers: false not rewritten: %+v", not)
	}
	if _, err := w.P(); err != nil {
		t.Fatalf("scoped filter does not build: %v", err)
	}

	admin := auth.Viewer{AgentID: "agt_1", Role: agent.RoleADMIN}
	w = &ent.TicketWhereInput{HasComments: &yes, HasCommentsWith: []*ent.CommentWhereInput{{BodyHasPrefix: &prefix}}}
	if changed, err := en.ScopeFilter(admin, w); err != nil || changed || len(w.HasCommentsWith[0].Predicates) != 0 || w.HasComments == nil {
		t.Fatalf("an administrator's filter changed: %v, %v, %+v", changed, err, w)
	}
	if changed, err := en.ScopeFilter(admin, (*ent.TicketWhereInput)(nil)); err != nil || changed {
		t.Fatalf("nil filter: %v, %v", changed, err)
	}
}

// TestScopeFilterEmptyEdgeElements: `hasYWith: [{}]` ("has any Y")
// becomes `hasY: true`, which a restricted viewer's scope then rewrites
// as "has a Y the viewer may read"; for an administrator it stays a plain
// `hasY: true` and is not counted as a scope change.
func TestScopeFilterEmptyEdgeElements(t *testing.T) {
	en := &Enforcer{}
	customer := auth.Viewer{TokenID: "tok_1", CustomerID: "cus_1"}
	w := &ent.TicketWhereInput{HasCommentsWith: []*ent.CommentWhereInput{{}}}
	if changed, err := en.ScopeFilter(customer, w); err != nil || !changed {
		t.Fatalf("ScopeFilter = %v, %v", changed, err)
	}
	if len(w.HasCommentsWith) != 0 || len(w.And) != 1 || len(w.And[0].And) != 1 || len(w.And[0].And[0].HasCommentsWith) != 1 ||
		len(w.And[0].And[0].HasCommentsWith[0].Predicates) != 1 {
		t.Fatalf("hasCommentsWith: [{}] for a customer: %+v", w)
	}
	if _, err := w.P(); err != nil {
		t.Fatalf("the filter does not build: %v", err)
	}

	admin := auth.Viewer{AgentID: "agt_1", Role: agent.RoleADMIN}
	w = &ent.TicketWhereInput{HasCommentsWith: []*ent.CommentWhereInput{{}, {}}, Or: []*ent.TicketWhereInput{{}}}
	if changed, err := en.ScopeFilter(admin, w); err != nil || changed {
		t.Fatalf("ScopeFilter = %v, %v", changed, err)
	}
	if len(w.HasCommentsWith) != 0 || w.Or != nil || len(w.And) != 1 || w.And[0].HasComments == nil || !*w.And[0].HasComments {
		t.Fatalf("hasCommentsWith: [{}, {}] for an administrator: %+v", w)
	}
	if _, err := w.P(); err != nil {
		t.Fatalf("the filter does not build: %v", err)
	}
	if _, err := en.ScopeFilter(admin, &ent.TicketWhereInput{Not: &ent.TicketWhereInput{}}); err == nil {
		t.Fatal("not: {} was accepted")
	}
}

func TestScopeFilterRefusesTypesWithoutRule(t *testing.T) {
	typ := reflect.TypeFor[ent.TagWhereInput]()
	saved := filterRules[typ]
	delete(filterRules, typ)
	defer func() { filterRules[typ] = saved }()

	admin := auth.Viewer{AgentID: "agt_1", Role: agent.RoleADMIN}
	yes := true
	for name, w := range map[string]any{
		"top level": &ent.TagWhereInput{},
		"edge":      &ent.TicketWhereInput{HasTagsWith: []*ent.TagWhereInput{{}}},
		"flag":      &ent.TicketWhereInput{HasTags: &yes},
	} {
		if _, err := (&Enforcer{}).ScopeFilter(admin, w); !errors.Is(err, ErrUnscopedFilter) {
			t.Errorf("%s: err = %v, want ErrUnscopedFilter", name, err)
		}
	}
}
