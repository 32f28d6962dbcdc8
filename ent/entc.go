//go:build ignore

// entc generates the ent client and the entgql part of the GraphQL schema.
package main

import (
	"log"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
)

func main() {
	ex, err := entgql.NewExtension(
		entgql.WithSchemaGenerator(),
		entgql.WithWhereInputs(true),
		entgql.WithConfigPath("../gqlgen.yml"),
		entgql.WithSchemaPath("../graph/ent.graphql"),
		entgql.WithNodeDescriptor(false),
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
