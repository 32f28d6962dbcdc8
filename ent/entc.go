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
		entgql.WithSchemaHook(searchArguments),
	)
	if err != nil {
		log.Fatalf("creating entgql extension: %v", err)
	}
	opts := []entc.Option{
		entc.Extensions(ex),
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
	for _, name := range []string{"tickets", "customers"} {
		f := query.Fields.ForName(name)
		if f == nil {
			return fmt.Errorf("no Query.%s field in the generated schema", name)
		}
		f.Arguments = append(f.Arguments, &ast.ArgumentDefinition{
			Name: "search",
			Description: "Words to find in " + searched[name] + ", ignoring case and accents (`khieu nai` finds " +
				"`khiếu nại`); every word must match. Ranked by relevance unless orderBy is given.",
			Type: ast.NamedType("String", nil),
		})
	}
	return nil
}
