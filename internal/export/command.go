package export

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"helpdesk/internal/auth"
	"helpdesk/internal/authz"
	"helpdesk/internal/search"
	"helpdesk/internal/store"
)

// Command runs `helpdesk export`: it writes the tickets matching
// -where and -search to -o (standard output by default) as -format, for
// operators on the server's machine. It reads the database directly with
// full access, as the system; people export through GET /export/tickets
// with their own token and read scope.
func Command(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("helpdesk export", flag.ContinueOnError)
	databaseURL := fs.String("database-url", os.Getenv("DATABASE_URL"), "PostgreSQL URL; empty uses SQLite (DATABASE_URL)")
	sqlitePath := fs.String("sqlite-path", envOr("HELPDESK_SQLITE_PATH", "helpdesk.db"), "SQLite file when no database URL is set (HELPDESK_SQLITE_PATH)")
	format := fs.String("format", "csv", "csv, xlsx or pdf")
	where := fs.String("where", "", `ticket filter as TicketWhereInput JSON, e.g. {"statusIn":["OPEN"]}`)
	text := fs.String("search", "", "words to search for, as tickets(search:)")
	tz := fs.String("tz", "UTC", "IANA time zone of the times written")
	output := fs.String("o", "", "file to write; standard output when empty")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f, err := ParseFormat(*format)
	if err != nil {
		return fmt.Errorf("-format: %w", err)
	}
	w, err := ParseWhere([]byte(*where))
	if err != nil {
		return fmt.Errorf("-where: %w", err)
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return fmt.Errorf("-tz: %w", err)
	}
	dsn := *databaseURL
	if dsn == "" {
		dsn = "file:" + *sqlitePath
	}
	ctx = auth.WithViewer(ctx, auth.System)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	en, err := authz.New(ctx, db.Client)
	if err != nil {
		return err
	}
	defer en.Close()
	en.InstallScopes(db.Client)
	svc := &Service{Client: db.Client, Authz: en, Search: &search.Service{Client: db.Client, Dialect: db.Dialect}}
	out := stdout
	if *output != "" {
		file, err := os.Create(*output)
		if err != nil {
			return err
		}
		defer file.Close()
		out = file
	}
	if err := svc.Tickets(ctx, out, Request{Format: f, Where: w, Search: *text, Location: loc}); err != nil {
		return err
	}
	if file, ok := out.(*os.File); ok && *output != "" {
		return file.Close()
	}
	return nil
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
