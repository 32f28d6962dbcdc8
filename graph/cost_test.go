package graph

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"helpdesk/graph/generated"
)

func testSchema() *ast.Schema {
	return generated.NewExecutableSchema(generated.Config{}).Schema()
}

// queueQuery is what an agent's queue asks for: a page of open tickets
// with the fields a list row shows.
const queueQuery = `query Queue($after: Cursor) {
  tickets(first: 100, after: $after, where: {statusIn: [UNASSIGNED, OPEN]}, orderBy: [{field: PRIORITY}, {field: CREATED_AT}]) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id number title priority status channel createdAt updatedAt version
        customer { id name email }
        team { id name }
        assignee { id name }
        categoryPath { id name level }
        tags { name }
      }
    }
  }
}`

// ticketPageQuery is what a ticket's page asks for: the ticket, its last
// 50 comments with their authors, and its history.
const ticketPageQuery = `query Ticket($n: Int!) {
  ticketByNumber(number: $n) {
    ...TicketHeader
    comments(last: 50) { edges { node { id body visibility createdAt authorAgent { name } authorCustomer { name } mentions { name } } } }
    events { totalCount edges { node { sequence kind createdAt actor { name } changes { field from to } } } }
    customer { tickets(first: 10) { edges { node { ...TicketHeader } } } }
  }
}
fragment TicketHeader on Ticket { id number title status priority assignee { name } team { name } }`

// dashboardQuery counts tickets by status with aliases, as a manager's
// dashboard does, and lists each team's latest tickets with their
// comments.
const dashboardQuery = `{
  open: tickets(where: {status: OPEN}) { totalCount }
  waiting: tickets(where: {status: WAITING}) { totalCount }
  unassigned: tickets(where: {status: UNASSIGNED}) { totalCount }
  teams { edges { node { name members { agent { name } } } } }
  tickets(first: 50) { edges { node { number title comments(first: 10) { edges { node { body authorAgent { name } } } } } } }
}`

func TestQueryLimitsAcceptRealQueries(t *testing.T) {
	introspection, err := os.ReadFile("testdata/introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		query string
		vars  map[string]any
	}{
		{name: "GraphiQL introspection", query: string(introspection)},
		{name: "queue", query: queueQuery},
		{name: "ticket page", query: ticketPageQuery, vars: map[string]any{"n": 1042}},
		{name: "dashboard", query: dashboardQuery},
		{name: "README queue", query: `{ tickets(first: 5, where: {statusIn: [UNASSIGNED, OPEN]}, orderBy: [{field: PRIORITY}, {field: CREATED_AT}]) { totalCount pageInfo { hasNextPage endCursor } edges { node { id number title priority status channel team { name } assignee { name } categoryPath { name } } } } }`},
		{name: "README category tree", query: `{ categories(where: {level: 1}) { edges { node { id name children { name children { name } } } } } }`},
		{name: "README history", query: `query($id: ID!) { node(id: $id) { ... on Ticket { number version events { edges { node { sequence kind createdAt actor { name } changes { field from to } } } } } } }`},
		{name: "login", query: `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token expiresAt agent { id name } } }`},
		{name: "nodes", query: `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Ticket { title } } }`, vars: map[string]any{"ids": []any{"a", "b"}}},
		{name: "type introspection", query: `{ __type(name: "Ticket") { name fields { name type { name kind ofType { name } } } } }`},
	}
	schema := testSchema()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := checkQuery(schema, DefaultLimits, c.query, "", c.vars); err != nil {
				t.Fatalf("refused: %s %v", err.Message, err.Extensions)
			}
		})
	}
}

// fragmentChain is a chain of fragments each spreading the next twice:
// written in a kilobyte, it expands to 2^levels fields.
func fragmentChain(levels int, body func(next string) string) string {
	var b strings.Builder
	b.WriteString("{ ...F0 }\n")
	for i := range levels {
		fmt.Fprintf(&b, "fragment F%d on %s\n", i, body(fmt.Sprintf("F%d", i+1)))
	}
	fmt.Fprintf(&b, "fragment F%d on Query { __typename }\n", levels)
	return b.String()
}

func repeat(n int, format string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, format, i)
		b.WriteByte(' ')
	}
	return b.String()
}

// nestedTickets asks for a ticket's customer's tickets, levels deep, each
// page of 100 tickets.
func nestedTickets(levels int, leaf string) string {
	q := leaf
	for range levels {
		q = "customer { tickets(first: 100) { edges { node { " + q + " } } } }"
	}
	return "ticketByNumber(number: 1) { " + q + " }"
}

func TestQueryLimitsRefuseExpensiveQueries(t *testing.T) {
	cases := []struct {
		name   string
		query  string
		vars   map[string]any
		code   string
		limit  string
		op     string
		limits *Limits
	}{
		{
			name:  "fragment chain spreading twice in one selection",
			query: fragmentChain(30, func(next string) string { return "Query { ..." + next + " ..." + next + " }" }),
			code:  CodeQueryTooComplex, limit: "fieldRepeats",
		},
		{
			name:  "fragment chain spreading twice under aliases",
			query: fragmentChain(30, func(next string) string { return "Query { a: viewer { id } ..." + next + " ..." + next + " }" }),
			code:  CodeQueryTooComplex, limit: "fieldRepeats",
		},
		{
			name: "fragment chain spreading twice one level down",
			query: "{ categories { edges { node { ...C0 } } } }\n" + func() string {
				var b strings.Builder
				for i := range 30 {
					fmt.Fprintf(&b, "fragment C%d on Category { parent { ...C%d } up: parent { ...C%d } }\n", i, i+1, i+1)
				}
				b.WriteString("fragment C30 on Category { id }\n")
				return b.String()
			}(),
			code: CodeQueryTooComplex, limit: "depth",
		},
		{
			name:  "90,000 repeated __typename",
			query: "{ " + strings.Repeat("__typename ", 90000) + "}",
			code:  CodeQueryTooComplex, limit: "tokens",
		},
		{
			name:  "repeated __typename under the token limit",
			query: "{ " + strings.Repeat("__typename ", 5000) + "}",
			code:  CodeQueryTooComplex, limit: "fieldRepeats",
		},
		{
			name:  "too many distinct fields in one selection",
			query: "{ viewer { " + repeat(250, "f%d: id") + "} }",
			code:  CodeQueryTooComplex, limit: "selectionFields",
			limits: &Limits{MaxFieldRepeats: 1000},
		},
		{
			name:  "1,000 aliased __schema",
			query: "{ " + repeat(1000, "s%d: __schema { queryType { name } }") + "}",
			code:  CodeQueryTooComplex, limit: "fieldRepeats",
		},
		{
			name:  "two __schema",
			query: "{ a: __schema { queryType { name } } b: __schema { queryType { name } } }",
			code:  CodeQueryTooComplex, limit: "introspection",
		},
		{
			name:  "two __schema through a fragment",
			query: "{ ...S ...S } fragment S on Query { __schema { queryType { name } } }",
			code:  CodeQueryTooComplex, limit: "introspection",
		},
		{
			name:  "deep introspection",
			query: "{ __type(name: \"Ticket\") { " + strings.Repeat("ofType { ", 40) + "name" + strings.Repeat(" }", 40) + " } }",
			code:  CodeQueryTooComplex, limit: "introspectionDepth",
		},
		{
			name:  "three nested connections of 100",
			query: "{ " + nestedTickets(3, "title") + " }",
			code:  CodeQueryTooComplex, limit: "depth",
		},
		{
			name:  "nested connections of 100 within the depth limit",
			query: "{ tickets(first: 100) { edges { node { customer { tickets(first: 100) { edges { node { customer { tickets(first: 100) { totalCount } } } } } } } } } }",
			code:  CodeQueryTooComplex, limit: "complexity",
		},
		{
			name:  "page sizes from variables",
			query: "query($n: Int) { tickets(first: $n) { edges { node { comments(first: $n) { edges { node { body mentions { name email } } } } } } } }",
			vars:  map[string]any{"n": json.Number("100")},
			code:  CodeQueryTooComplex, limit: "complexity",
		},
		{
			name:  "page sizes from a variable's default",
			query: "query($n: Int = 100) { tickets(first: $n) { edges { node { comments(first: $n) { edges { node { body mentions { name email } } } } } } } }",
			code:  CodeQueryTooComplex, limit: "complexity",
		},
		{
			name:  "an empty page does not hide what it selects",
			query: "{ a: tickets(first: 0) { ...T } } fragment T on TicketConnection { edges { node { customer { tickets(first: 100) { edges { node { comments(first: 100) { totalCount edges { node { id } } } } } } } } } }",
			code:  CodeQueryTooComplex, limit: "complexity",
		},
		{
			name:  "an unused fragment is measured too",
			query: "{ viewer { id } } fragment Big on Query { tickets(first: 100) { edges { node { comments(first: 100) { edges { node { mentions { name } } } } } } } }",
			code:  CodeQueryTooComplex, limit: "complexity",
		},
		{
			name:  "two logins",
			query: `mutation { a: login(email: "a@example.com", password: "x") { token } b: login(email: "b@example.com", password: "y") { token } }`,
			code:  CodeQueryTooComplex, limit: "login",
		},
		{
			name:  "two logins through a fragment",
			query: `mutation { ...L ...L } fragment L on Mutation { login(email: "a@example.com", password: "x") { token } }`,
			code:  CodeQueryTooComplex, limit: "login",
		},
		{
			name:  "201 aliased logins",
			query: "mutation { " + repeat(201, `l%d: login(email: "a@example.com", password: "x") { token }`) + "}",
			code:  CodeQueryTooComplex, limit: "fieldRepeats",
		},
		{
			name:  "the requested operation is measured with the others",
			query: "query Small { viewer { id } } query Big { a: viewer { id } b: viewer { id } " + nestedTickets(2, "comments(first: 100) { totalCount }") + " }",
			op:    "Small",
			code:  CodeQueryTooComplex, limit: "complexity",
		},
		{
			name:  "a fragment cycle",
			query: "{ ...A } fragment A on Query { ...B } fragment B on Query { viewer { id } ...A }",
			code:  "GRAPHQL_VALIDATION_FAILED",
		},
	}
	schema := testSchema()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			limits := DefaultLimits
			if c.limits != nil {
				limits = c.limits.WithDefaults()
			}
			err := checkQuery(schema, limits, c.query, c.op, c.vars)
			if err == nil {
				t.Fatal("accepted")
			}
			if got := err.Extensions["code"]; got != c.code {
				t.Fatalf("code = %v, want %s (%s)", got, c.code, err.Message)
			}
			if got, _ := err.Extensions["limit"].(string); got != c.limit {
				t.Fatalf("limit = %q, want %q (%s)", got, c.limit, err.Message)
			}
		})
	}
}

func TestQueryLimitsCountPageSizes(t *testing.T) {
	schema := testSchema()
	query := "query($n: Int) { tickets(first: $n) { edges { node { comments(first: $n) { edges { node { body mentions { name email } } } } } } } }"
	if err := checkQuery(schema, DefaultLimits, query, "", map[string]any{"n": json.Number("10")}); err != nil {
		t.Fatalf("10 × 10 refused: %s", err.Message)
	}
	// A page size over the maximum is left to the page-size check, which
	// names the argument; it costs as much as the maximum.
	if err := checkQuery(schema, DefaultLimits, "{ tickets(first: 1000) { totalCount } }", "", nil); err != nil {
		t.Fatalf("first: 1000 refused before the page-size check: %s", err.Message)
	}
}

func TestLimitsWithDefaults(t *testing.T) {
	got := Limits{MaxDepth: 5}.WithDefaults()
	want := DefaultLimits
	want.MaxDepth = 5
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}
