//go:build ignore

// entc generates the ent client and the entgql part of the GraphQL schema.
package main

import (
	"fmt"
	"log"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
	"github.com/vektah/gqlparser/v2/ast"
)

func main() {
	ex, err := entgql.NewExtension(
		entgql.WithSchemaGenerator(),
		entgql.WithWhereInputs(true),
		entgql.WithConfigPath("../gqlgen.yml"),
		entgql.WithSchemaPath("../graph/ent.graphql"),
		entgql.WithNodeDescriptor(false),
		entgql.WithSchemaHook(withheldEventFields, searchArguments),
	)
	if err != nil {
		log.Fatalf("creating entgql extension: %v", err)
	}
	opts := []entc.Option{
		entc.Extensions(ex),
		entc.TemplateFiles("template/ticket_event_delivery.tmpl"),
		entc.FeatureNames(
			gen.FeatureIntercept.Name,
			gen.FeaturePrivacy.Name,
			gen.FeatureEntQL.Name,
			gen.FeatureNamedEdges.Name,
			gen.FeatureLock.Name,
			gen.FeatureExecQuery.Name,
			gen.FeatureUpsert.Name,
			gen.FeatureVersionedMigration.Name,
		),
	}
	if err := entc.Generate("./schema", &gen.Config{}, opts...); err != nil {
		log.Fatalf("running ent codegen: %v", err)
	}
}

// withheldEventFields makes nullable the TicketEvent fields a live queue
// leaves out when it tells a subscriber that a ticket it may no longer
// read left its queue (TicketEventDelivery.Withheld): everywhere else they
// are always set.
func withheldEventFields(_ *gen.Graph, s *ast.Schema) error {
	t := s.Types["TicketEvent"]
	if t == nil {
		return nil
	}
	for _, f := range t.Fields {
		switch f.Name {
		case "kind", "changes", "createdAt", "ticket":
			nullable := *f.Type
			nullable.NonNull = false
			f.Type = &nullable
			f.Description = "Null only on a live queue's LEFT delivery of a ticket the subscriber may no longer read (see Subscription.ticketEvents); always set otherwise."
		}
	}
	return nil
}

// searchArguments adds `search: String` to the generated `tickets` and
// `customers` query fields: full-text search (internal/search) combined
// with their filters, ordering and paging. entgql has no annotation for
// an extra argument on a query field.
func searchArguments(_ *gen.Graph, s *ast.Schema) error {
	query := s.Types["Query"]
	if query == nil {
		return fmt.Errorf("no Query type in the generated schema")
	}
	searched := map[string]string{
		"tickets": "the ticket number (#1042 or 1042), title, description, comments (internal notes for staff only) " +
			"and the customer's name, email and phone",
		"customers": "the customer's name, email addresses, phone and organization",
	}
	limits := map[string]string{
		"tickets": " At most the 1,000 most recent matching tickets are ranked and paged: up to 1,000, " +
			"totalCount is exact; 1001 means more matched (narrow the search to reach older ones).",
		"customers": " At most the 1,000 most recent matching customers are ranked and paged: up to 1,000, " +
			"totalCount is exact; 1001 means more matched (narrow the search to reach older ones).",
	}
	for _, name := range []string{"tickets", "customers"} {
		f := query.Fields.ForName(name)
		if f == nil {
			return fmt.Errorf("no Query.%s field in the generated schema", name)
		}
		f.Arguments = append(f.Arguments, &ast.ArgumentDefinition{
			Name: "search",
			Description: "Words to find in " + searched[name] + ", ignoring case and accents (`khieu nai` finds " +
				"`khiếu nại`); every word must match. Words under 3 characters only narrow a search with a longer word " +
				"(alone they are BAD_USER_INPUT, except a ticket number). Ranked by relevance unless orderBy is given." + limits[name],
			Type: ast.NamedType("String", nil),
		})
	}
	return nil
}
