// Package migrations holds the versioned schema migrations, one directory
// per dialect, in goose's format. They are generated from the ent schemas
// by ./gen (run through go generate) and reviewed like any other code.
package migrations

import "embed"

//go:generate go run -mod=mod ./gen

// Postgres holds the PostgreSQL migrations under "postgres/".
//
//go:embed postgres/*.sql
var Postgres embed.FS

// SQLite holds the SQLite migrations under "sqlite/".
//
//go:embed sqlite/*.sql
var SQLite embed.FS
