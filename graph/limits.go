package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Limits bound what one request may ask for. Every limit but the page
// sizes is checked on the query text before it is validated or any
// resolver runs (see queryCost).
type Limits struct {
	// MaxPageSize is the largest `first`/`last` a connection accepts.
	MaxPageSize int
	// DefaultPageSize is used when a connection is asked for without either.
	DefaultPageSize int
	// MaxComplexity bounds a query's cost: each field costs 1 plus its
	// children, and the children of a connection count once per item of
	// its page (`first`/`last`, else DefaultPageSize).
	MaxComplexity int
	// MaxDepth bounds how deeply fields nest. Schema introspection
	// (`__schema`, `__type`) counts as one level: its cost is fixed.
	MaxDepth int
	// MaxSelectionFields bounds the fields of one selection set, fragments
	// included.
	MaxSelectionFields int
	// MaxFieldRepeats bounds how often one field is selected in one
	// selection set, under aliases or not.
	MaxFieldRepeats int
	// MaxTokens bounds the lexical tokens of a query.
	MaxTokens int
}

// DefaultLimits are the limits the server runs with unless configured.
//
// They fit what a queue or a dashboard asks for with room to spare: a
// queue page of 100 tickets with the fields a row shows costs about
// 7,000; a page of 50 tickets each with its 50 latest comments about
// 20,000; the category tree three levels deep about 6,000; GraphiQL's
// introspection about 1,200. A page of 100 tickets with 100 comments each
// (10,000 rows) costs 50,000 and three nested connections of 100 over a
// million: both are refused. Relay nests three levels per connection
// (`tickets.edges.node`), so a depth of 12 allows three nested
// connections and a leaf object. A selection of 200 fields is five times
// the largest type; 20 repeats of one field allow a dashboard's aliased
// counts; 10,000 tokens are fifty times GraphiQL's introspection query.
var DefaultLimits = Limits{
	MaxPageSize:        100,
	DefaultPageSize:    50,
	MaxComplexity:      25000,
	MaxDepth:           12,
	MaxSelectionFields: 200,
	MaxFieldRepeats:    20,
	MaxTokens:          10000,
}

// WithDefaults returns l with every zero limit set to its default.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits
	for _, p := range []struct{ v, def *int }{
		{&l.MaxPageSize, &d.MaxPageSize},
		{&l.DefaultPageSize, &d.DefaultPageSize},
		{&l.MaxComplexity, &d.MaxComplexity},
		{&l.MaxDepth, &d.MaxDepth},
		{&l.MaxSelectionFields, &d.MaxSelectionFields},
		{&l.MaxFieldRepeats, &d.MaxFieldRepeats},
		{&l.MaxTokens, &d.MaxTokens},
	} {
		if *p.v <= 0 {
			*p.v = *p.def
		}
	}
	return l
}

// CodeQueryTooComplex is the `extensions.code` of a query refused by a
// limit; `extensions.limit` names the limit and `extensions.max` gives its
// value.
const CodeQueryTooComplex = "QUERY_TOO_COMPLEX"

// tooComplex reports a query over one of the limits.
func tooComplex(limit string, max int64, format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{
		Message: fmt.Sprintf(format, args...),
		Extensions: map[string]any{
			"code":  CodeQueryTooComplex,
			"limit": limit,
			"max":   max,
		},
	}
}

// queryLimits is the gqlgen extension that refuses a query over the
// limits. It mutates the operation parameters because gqlgen calls those
// extensions before it parses and validates the query: validation itself
// is quadratic in places, so a query must be measured before it.
type queryLimits struct {
	limits Limits
	schema *ast.Schema
	// parsed keeps the documents of recent queries that passed the token
	// limit: a query sent again is measured without being parsed again.
	// Only queries up to maxCachedQuery bytes are kept, which bounds the
	// cache's memory.
	parsed *lru.LRU[*ast.QueryDocument]
}

// maxCachedQuery is the longest query text whose parse is kept.
const maxCachedQuery = 16 << 10

func newQueryLimits(limits Limits) *queryLimits {
	return &queryLimits{limits: limits, parsed: lru.New[*ast.QueryDocument](1000)}
}

var (
	_ graphql.HandlerExtension          = (*queryLimits)(nil)
	_ graphql.OperationParameterMutator = (*queryLimits)(nil)
)

// ExtensionName names the extension for gqlgen.
func (*queryLimits) ExtensionName() string { return "QueryLimits" }

// Validate keeps the schema the queries are measured against.
func (q *queryLimits) Validate(es graphql.ExecutableSchema) error {
	q.schema = es.Schema()
	return nil
}

// MutateOperationParameters refuses the request when its query is over a
// limit; it changes nothing.
func (q *queryLimits) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	doc, ok := q.parsed.Get(ctx, params.Query)
	if !ok {
		var err *gqlerror.Error
		if doc, err = parseWithinTokens(params.Query, q.limits.MaxTokens); err != nil || doc == nil {
			return err
		}
		if len(params.Query) <= maxCachedQuery {
			q.parsed.Add(ctx, params.Query, doc)
		}
	}
	return measureDocument(q.schema, q.limits, doc, params.OperationName, params.Variables)
}
