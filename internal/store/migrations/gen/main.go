// Command gen writes a new versioned migration for each dialect when the ent
// schemas differ from what the existing migrations build. It replays the
// existing files into a scratch database (in-memory SQLite; a temporary
// PostgreSQL database on the server named by HELPDESK_MIGRATE_PG, default
// the local one) and diffs the result against the ent schema. Without
// changes it writes nothing.
//
// With -rehash it only rewrites each dialect's atlas.sum from the files on
// disk, after a reviewed hand edit of a migration (for example turning a
// SQLite table rebuild into ALTER TABLE … ADD COLUMN).
package main

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"net/url"
	"os"
	"time"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/sqltool"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"
	_ "github.com/lib/pq"
	"modernc.org/sqlite"

	"helpdesk/ent/migrate"
)

func main() {
	log.SetFlags(0)
	// atlas opens SQLite through the "sqlite3" driver name.
	sql.Register("sqlite3", &sqlite.Driver{})
	ctx := context.Background()
	indexJoinTables()
	name := "schema"
	if len(os.Args) > 1 {
		name = os.Args[1]
	}
	if name == "-rehash" {
		for _, d := range []string{"sqlite", "postgres"} {
			if err := rehash(d); err != nil {
				log.Fatalf("%s: %v", d, err)
			}
		}
		return
	}
	if err := diff(ctx, "sqlite", dialect.SQLite, "sqlite://dev?mode=memory&_pragma=foreign_keys(1)", name); err != nil {
		log.Fatalf("sqlite: %v", err)
	}
	if err := diffPostgres(ctx, name); err != nil {
		log.Fatalf("postgres: %v", err)
	}
}

// diffPostgres diffs against a scratch database created for the run and
// dropped after it.
func diffPostgres(ctx context.Context, name string) error {
	base := os.Getenv("HELPDESK_MIGRATE_PG")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	admin, err := sql.Open("postgres", base)
	if err != nil {
		return err
	}
	defer admin.Close()
	scratch := fmt.Sprintf("helpdesk_migrate_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+scratch); err != nil {
		return fmt.Errorf("creating scratch database: %w", err)
	}
	defer admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+scratch+" WITH (FORCE)")
	dev, err := url.Parse(base)
	if err != nil {
		return err
	}
	dev.Path = "/" + scratch
	return diff(ctx, "postgres", dialect.Postgres, dev.String(), name)
}

// indexJoinTables adds to the join tables of many-to-many edges, which
// ent declares with their composite primary key only, the index that
// looks rows up from the other side: the read scope asks "which tickets
// does this agent watch / is this agent mentioned on", and tag filters
// "which tickets carry this tag". The index holds both columns (the
// primary key's, reversed), so those questions are answered from the
// index alone.
func indexJoinTables() {
	for _, t := range []*schema.Table{migrate.TicketWatchersTable, migrate.CommentMentionsTable, migrate.TicketTagsTable} {
		first, second := t.PrimaryKey[0], t.PrimaryKey[1]
		t.Indexes = append(t.Indexes, &schema.Index{Name: t.Name + "_by_" + second.Name, Columns: []*schema.Column{second, first}})
	}
}

func diff(ctx context.Context, dirName, dial, devURL, name string) error {
	if err := os.MkdirAll(dirName, 0o755); err != nil {
		return err
	}
	dir, err := sqltool.NewGooseDir(dirName)
	if err != nil {
		return fmt.Errorf("opening migration directory: %w", err)
	}
	return migrate.NamedDiff(ctx, devURL, name,
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(dial),
		schema.WithFormatter(sqltool.GooseFormatter),
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
	)
}

// rehash rewrites a migration directory's atlas.sum from its files.
func rehash(dirName string) error {
	dir, err := sqltool.NewGooseDir(dirName)
	if err != nil {
		return fmt.Errorf("opening migration directory: %w", err)
	}
	sum, err := dir.Checksum()
	if err != nil {
		return fmt.Errorf("hashing: %w", err)
	}
	return atlasmigrate.WriteSumFile(dir, sum)
}
