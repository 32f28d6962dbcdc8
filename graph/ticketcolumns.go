package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"helpdesk/ent"
	"helpdesk/ent/ticket"
)

// selectTicketColumns makes a page of tickets read only the columns its
// nodes' selection needs. The generated field collection does that by
// itself unless the selection has a field it does not know (categoryPath,
// slaTimeline: fields of our own schema), and then reads all of the
// ticket's columns, description and custom fields included, for every
// row. Here every field of the selection is looked up in
// ticketFieldColumns; when one is not there, nothing is narrowed and the
// generated collection decides as before.
func selectTicketColumns(ctx context.Context, q *ent.TicketQuery) {
	fc := graphql.GetFieldContext(ctx)
	oc := graphql.GetOperationContext(ctx)
	if fc == nil || oc == nil {
		return
	}
	var nodes []graphql.CollectedField
	for _, edges := range graphql.CollectFields(oc, fc.Field.Selections, nil) {
		if edges.Name != "edges" {
			continue
		}
		for _, node := range graphql.CollectFields(oc, edges.Selections, nil) {
			if node.Name == "node" {
				nodes = append(nodes, node)
			}
		}
	}
	if len(nodes) == 0 {
		return
	}
	var columns []string
	seen := map[string]bool{}
	ours := false
	for _, node := range nodes {
		for _, f := range graphql.CollectFields(oc, node.Selections, ticketImplementors) {
			cols, known := ticketFieldColumns[f.Name]
			if !known {
				return
			}
			ours = ours || f.Name == "categoryPath"
			for _, c := range cols {
				if !seen[c] {
					seen[c] = true
					columns = append(columns, c)
				}
			}
		}
	}
	if !ours {
		// The generated collection selects these columns itself.
		return
	}
	q.Select(append([]string{ticket.FieldID}, columns...)...)
}

// ticketImplementors are the types a ticket satisfies in fragments.
var ticketImplementors = []string{"Ticket", "Node"}

// ticketFieldColumns maps the fields of the GraphQL Ticket type to the
// ticket columns their resolvers read: a column's own field (its GraphQL
// name, as entgql names it), an edge through its foreign key, an edge
// loaded by the ticket's id (no column beyond the id), and categoryPath,
// which starts from the category. A field missing here reads every
// column.
var ticketFieldColumns = func() map[string][]string {
	m := map[string][]string{"__typename": nil, "id": nil}
	for _, c := range ticket.Columns {
		m[graphQLFieldName(c)] = []string{c}
	}
	for field, column := range map[string]string{
		"customer":     ticket.FieldCustomerID,
		"category":     ticket.FieldCategoryID,
		"categoryPath": ticket.FieldCategoryID,
		"team":         ticket.FieldTeamID,
		"assignee":     ticket.FieldAssigneeID,
		"slaPolicy":    ticket.FieldSLAPolicyID,
		"createdBy":    ticket.FieldCreatedByID,
		"followUpOf":   ticket.FieldFollowUpOfID,
	} {
		m[field] = []string{column}
	}
	for _, field := range []string{"tags", "watchers", "comments", "events"} {
		m[field] = nil
	}
	return m
}()

// graphQLFieldName is the GraphQL name entgql gives a column's field:
// lower camel case, with "id" as "ID" (customer_id: customerID).
func graphQLFieldName(column string) string {
	parts := strings.Split(column, "_")
	for i, p := range parts {
		switch {
		case p == "id" && i > 0:
			parts[i] = "ID"
		case i > 0 && p != "":
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}
