package graph

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"
)

const (
	// schemaCost and typeCost are what `__schema` and `__type` cost on top
	// of the fields selected below them: their answers are as large as the
	// schema, however few fields are asked for.
	schemaCost = 1000
	typeCost   = 100
	// maxSchemaFields is how many `__schema` fields one operation may
	// select; GraphiQL and code generators need one.
	maxSchemaFields = 1
	// maxIntrospectionDepth bounds the nesting below `__schema` and
	// `__type`, which MaxDepth leaves out: the standard introspection query
	// nests 13 levels (its TypeRef fragment follows ofType 7 times).
	maxIntrospectionDepth = 30
	// maxLoginFields is how many `login` fields one operation may select:
	// each costs a password hash, on purpose slow.
	maxLoginFields = 1
	// listFactor is what a plain list of objects (not a connection)
	// multiplies its children's cost by: such lists (a ticket's tags and
	// watchers, a team's members, a category's children) are short.
	listFactor = 10
	// costCeiling is where measurements saturate, far above any limit.
	costCeiling = int64(1) << 40
)

// checkQuery measures a query against the limits before gqlgen parses and
// validates it, in time linear in its length: tokens are counted first,
// and each fragment is measured once however often it is spread. Every
// operation and fragment of the document must be within the limits; the
// requested operation's variables give the page sizes. It returns nil for
// a query that does not parse, which gqlgen then reports.
func checkQuery(schema *ast.Schema, limits Limits, query, operationName string, vars map[string]any) *gqlerror.Error {
	doc, err := parseWithinTokens(query, limits.MaxTokens)
	if err != nil || doc == nil {
		return err
	}
	return measureDocument(schema, limits, doc, operationName, vars)
}

// parseWithinTokens parses a query of at most max tokens; it returns no
// document and no error for a query that does not parse.
func parseWithinTokens(query string, max int) (*ast.QueryDocument, *gqlerror.Error) {
	if err := checkTokens(query, max); err != nil {
		return nil, err
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return nil, nil
	}
	return doc, nil
}

// measureDocument checks a parsed query against the limits; it does not
// change the document, so a parsed query may be measured again.
func measureDocument(schema *ast.Schema, limits Limits, doc *ast.QueryDocument, operationName string, vars map[string]any) *gqlerror.Error {
	m := &meter{
		schema:    schema,
		limits:    limits,
		vars:      vars,
		fragments: make(map[string]*ast.FragmentDefinition, len(doc.Fragments)),
		measured:  make(map[string]*selectionStats, len(doc.Fragments)),
		visiting:  make(map[string]bool),
	}
	for _, f := range doc.Fragments {
		if _, dup := m.fragments[f.Name]; !dup {
			m.fragments[f.Name] = f
		}
	}
	// The requested operation first, so that the fragments it spreads are
	// measured with its variables' defaults.
	ops := doc.Operations
	if op := doc.Operations.ForName(operationName); op != nil {
		ops = ast.OperationList{op}
		for _, other := range doc.Operations {
			if other != op {
				ops = append(ops, other)
			}
		}
	}
	for _, op := range ops {
		if err := m.operation(op); err != nil {
			return err
		}
	}
	for _, f := range doc.Fragments {
		if err := m.fragment(f.Name); err != nil {
			return err
		}
	}
	return nil
}

// checkTokens refuses a query of more than max tokens, comments included
// (gqlparser's own token limit counts them too).
func checkTokens(query string, max int) *gqlerror.Error {
	lex := lexer.New(&ast.Source{Input: query})
	for n := 1; ; n++ {
		tok, err := lex.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			return nil
		}
		if n > max {
			return tooComplex("tokens", int64(max), "the query has more than %d tokens", max)
		}
	}
}

// selectionStats is what a selection set (or a fragment) adds up to.
type selectionStats struct {
	// cost is the complexity (see Limits.MaxComplexity).
	cost int64
	// depth is the deepest nesting of fields, introspection counted as one;
	// nesting counts introspection too.
	depth, nesting int64
	// fields and repeats count the fields of the set itself, fragments
	// included; they carry over to the set a fragment is spread in.
	fields  int64
	repeats map[string]int64
	// logins and schemas count `login` and `__schema` fields anywhere below.
	logins, schemas int64
}

// meter measures one document, remembering each fragment's measurement.
type meter struct {
	schema    *ast.Schema
	limits    Limits
	vars      map[string]any
	defaults  ast.VariableDefinitionList
	fragments map[string]*ast.FragmentDefinition
	measured  map[string]*selectionStats
	visiting  map[string]bool
}

func (m *meter) operation(op *ast.OperationDefinition) *gqlerror.Error {
	m.defaults = op.VariableDefinitions
	var root *ast.Definition
	switch op.Operation {
	case ast.Mutation:
		root = m.schema.Mutation
	case ast.Subscription:
		root = m.schema.Subscription
	default:
		root = m.schema.Query
	}
	s, err := m.selectionSet(op.SelectionSet, root)
	if err != nil {
		return err
	}
	switch {
	case s.schemas > maxSchemaFields:
		return tooComplex("introspection", maxSchemaFields, "an operation may select __schema at most %d time(s)", maxSchemaFields)
	case s.logins > maxLoginFields:
		return tooComplex("login", maxLoginFields, "an operation may select login at most %d time(s)", maxLoginFields)
	}
	return m.withinLimits(s)
}

// withinLimits checks what an operation or a fragment adds up to.
func (m *meter) withinLimits(s *selectionStats) *gqlerror.Error {
	if max := int64(m.limits.MaxDepth); s.depth > max {
		return tooComplex("depth", max, "the query nests %d levels deep, more than the limit of %d", s.depth, max)
	}
	if max := int64(m.limits.MaxComplexity); s.cost > max {
		return tooComplex("complexity", max, "the query's complexity is over the limit of %d (a connection costs its page size times its fields)", max)
	}
	return nil
}

func (m *meter) fragment(name string) *gqlerror.Error {
	_, err := m.spread(name)
	return err
}

// spread measures a named fragment once; unknown fragments measure
// nothing (validation reports them) and cycles are refused.
func (m *meter) spread(name string) (*selectionStats, *gqlerror.Error) {
	if s, ok := m.measured[name]; ok {
		return s, nil
	}
	def := m.fragments[name]
	if def == nil {
		return &selectionStats{}, nil
	}
	if m.visiting[name] {
		err := gqlerror.Errorf("fragment %s spreads itself", name)
		errcode.Set(err, errcode.ValidationFailed)
		return nil, err
	}
	m.visiting[name] = true
	s, err := m.selectionSet(def.SelectionSet, m.schema.Types[def.TypeCondition])
	delete(m.visiting, name)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(def.TypeCondition, "__") {
		// A fragment of the introspection types (GraphiQL's TypeRef) is
		// bounded like the introspection it is spread in.
		if s.nesting > maxIntrospectionDepth {
			return nil, tooComplex("introspectionDepth", maxIntrospectionDepth, "introspection nests %d levels deep, more than the limit of %d", s.nesting, maxIntrospectionDepth)
		}
	} else if err := m.withinLimits(s); err != nil {
		return nil, err
	}
	m.measured[name] = s
	return s, nil
}

// selectionSet measures the selections of a set whose type is parent (nil
// when the query names an unknown type or field).
func (m *meter) selectionSet(set ast.SelectionSet, parent *ast.Definition) (*selectionStats, *gqlerror.Error) {
	s := &selectionStats{}
	for _, sel := range set {
		var inner *selectionStats
		var err *gqlerror.Error
		switch sel := sel.(type) {
		case *ast.Field:
			inner, err = m.field(sel, parent)
		case *ast.InlineFragment:
			typ := parent
			if sel.TypeCondition != "" {
				typ = m.schema.Types[sel.TypeCondition]
			}
			inner, err = m.selectionSet(sel.SelectionSet, typ)
		case *ast.FragmentSpread:
			inner, err = m.spread(sel.Name)
		}
		if err != nil {
			return nil, err
		}
		if err := m.add(s, inner); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// add merges what one selection adds up to into its set, refusing a set
// with too many fields or too many of one field before merging more.
func (m *meter) add(s, inner *selectionStats) *gqlerror.Error {
	if max := int64(m.limits.MaxSelectionFields); satAdd(s.fields, inner.fields) > max {
		return tooComplex("selectionFields", max, "a selection set has more than %d fields", max)
	}
	s.fields += inner.fields
	if len(inner.repeats) > 0 && s.repeats == nil {
		s.repeats = make(map[string]int64, len(inner.repeats))
	}
	for name, n := range inner.repeats {
		s.repeats[name] += n
		if max := int64(m.limits.MaxFieldRepeats); s.repeats[name] > max {
			return tooComplex("fieldRepeats", max, "%s is selected more than %d times in one selection set", name, max)
		}
	}
	s.cost = satAdd(s.cost, inner.cost)
	s.depth = max(s.depth, inner.depth)
	s.nesting = max(s.nesting, inner.nesting)
	s.logins = satAdd(s.logins, inner.logins)
	s.schemas = satAdd(s.schemas, inner.schemas)
	return nil
}

// field measures one field as a selection of its parent set: one field,
// its cost and depth with its children, and the logins and schemas below.
func (m *meter) field(f *ast.Field, parent *ast.Definition) (*selectionStats, *gqlerror.Error) {
	var def *ast.FieldDefinition
	var typ *ast.Definition
	switch f.Name {
	case "__schema":
		typ = m.schema.Types["__Schema"]
	case "__type":
		typ = m.schema.Types["__Type"]
	case "__typename":
	default:
		if parent != nil {
			def = parent.Fields.ForName(f.Name)
		}
		if def != nil {
			typ = m.schema.Types[def.Type.Name()]
		}
	}
	out := &selectionStats{cost: 1, depth: 1, nesting: 1, fields: 1, repeats: map[string]int64{f.Name: 1}}
	if f.Name == "login" && parent != nil && parent == m.schema.Mutation {
		out.logins = 1
	}
	child, err := m.selectionSet(f.SelectionSet, typ)
	if err != nil {
		return nil, err
	}
	out.logins = satAdd(out.logins, child.logins)
	out.schemas = child.schemas
	out.nesting = satAdd(1, child.nesting)
	switch f.Name {
	case "__schema", "__type":
		// Introspection nests deeply (type references) but its size is
		// bounded by the schema's: it counts as one level, at a fixed
		// cost plus the fields it selects.
		if out.nesting > maxIntrospectionDepth {
			return nil, tooComplex("introspectionDepth", maxIntrospectionDepth, "introspection nests %d levels deep, more than the limit of %d", out.nesting, maxIntrospectionDepth)
		}
		fixed := int64(typeCost)
		if f.Name == "__schema" {
			fixed = schemaCost
			out.schemas = satAdd(out.schemas, 1)
		}
		out.cost = satAdd(fixed, child.cost)
	default:
		out.depth = satAdd(1, child.depth)
		out.cost = satAdd(1, satMul(m.multiplier(f, def, parent), child.cost))
	}
	return out, nil
}

// multiplier is how many times a field's children are resolved: a
// connection's page size (`first`/`last`, clamped to the maximum, which
// is refused later anyway; else the default page size), the number of ids
// asked for, a small factor for other lists, else 1. It is at
// least 1, so that an empty page cannot hide what it selects.
func (m *meter) multiplier(f *ast.Field, def *ast.FieldDefinition, parent *ast.Definition) int64 {
	if def == nil || parent == nil || strings.HasPrefix(parent.Name, "__") || strings.HasSuffix(parent.Name, "Connection") {
		// Introspection's lists are costed as a whole; a connection's
		// edges were multiplied by its page size already.
		return 1
	}
	first, hasFirst := m.intArgument(f, "first")
	last, hasLast := m.intArgument(f, "last")
	var n int64
	switch {
	case hasFirst || hasLast:
		n = min(max(first, last), int64(m.limits.MaxPageSize))
	case strings.HasSuffix(def.Type.Name(), "Connection"):
		n = int64(m.limits.DefaultPageSize)
	case def.Type.Elem != nil:
		var ok bool
		if n, ok = m.listLength(f, "ids"); !ok {
			n = listFactor
		}
	}
	return max(n, 1)
}

// intArgument is the value of an integer argument, given literally or as a
// variable (its value in the request, else its default).
func (m *meter) intArgument(f *ast.Field, name string) (int64, bool) {
	v := m.argument(f, name)
	if v == nil {
		return 0, false
	}
	switch v := v.(type) {
	case *ast.Value:
		if v.Kind != ast.IntValue {
			return 0, false
		}
		return parseInt(v.Raw)
	case json.Number:
		return parseInt(v.String())
	case float64:
		return int64(min(max(v, 0), float64(costCeiling))), true
	case int:
		return int64(v), true
	case int64:
		return v, true
	}
	return 0, false
}

// listLength is the length of a list argument, given literally or as a
// variable.
func (m *meter) listLength(f *ast.Field, name string) (int64, bool) {
	switch v := m.argument(f, name).(type) {
	case *ast.Value:
		if v.Kind == ast.ListValue {
			return int64(len(v.Children)), true
		}
	case []any:
		return int64(len(v)), true
	}
	return 0, false
}

// argument returns an argument's literal (*ast.Value), or the JSON value of
// the variable it names, or the variable's default literal; nil when
// absent or null.
func (m *meter) argument(f *ast.Field, name string) any {
	arg := f.Arguments.ForName(name)
	if arg == nil || arg.Value == nil {
		return nil
	}
	v := arg.Value
	if v.Kind != ast.Variable {
		if v.Kind == ast.NullValue {
			return nil
		}
		return v
	}
	if value, ok := m.vars[v.Raw]; ok {
		return value
	}
	if d := m.defaults.ForName(v.Raw); d != nil && d.DefaultValue != nil && d.DefaultValue.Kind != ast.NullValue {
		return d.DefaultValue
	}
	return nil
}

func parseInt(raw string) (int64, bool) {
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		// Out of range: as large as can be; page sizes are clamped.
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			if strings.HasPrefix(raw, "-") {
				return 0, true
			}
			return math.MaxInt64, true
		}
		return 0, false
	}
	return n, true
}

// satAdd and satMul add and multiply non-negative measurements, stopping
// at costCeiling instead of overflowing.
func satAdd(a, b int64) int64 {
	if a > costCeiling-b {
		return costCeiling
	}
	return a + b
}

func satMul(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > costCeiling/b {
		return costCeiling
	}
	return a * b
}
