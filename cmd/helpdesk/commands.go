package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/debug"

	"helpdesk/ent/agent"
	"helpdesk/internal/auth"
	"helpdesk/internal/directory"
	"helpdesk/internal/server"
)

// migrate applies pending migrations; --status lists every migration
// with its state, --dry-run prints the SQL of the pending ones and
// changes nothing.
func migrate(ctx context.Context, args []string) error {
	var status, dryRun bool
	cfg, err := parseConfig("migrate", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&status, "status", false, "list the migrations, applied and pending, and exit")
		fs.BoolVar(&dryRun, "dry-run", false, "print the SQL of the pending migrations and exit without applying them")
	})
	if err != nil {
		return err
	}
	logger := newLogger(cfg.logLevel)
	if !status && !dryRun {
		db, err := openDatabase(ctx, cfg, logger)
		if err != nil {
			return err
		}
		return db.Close()
	}
	db, err := openUnmigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := db.Migrations(ctx)
	if err != nil {
		return err
	}
	for _, m := range list {
		switch {
		case status && m.Applied:
			fmt.Printf("applied  %s  (%s)\n", m.File, m.AppliedAt.UTC().Format("2006-01-02 15:04:05Z"))
		case status:
			fmt.Printf("pending  %s\n", m.File)
		case !m.Applied:
			fmt.Printf("-- %s\n%s\n", m.File, m.SQL)
		}
	}
	if dryRun {
		fmt.Println("-- River's job tables are migrated by River itself after these.")
	}
	return nil
}

// createAdmin creates an administrator account on a migrated database.
func createAdmin(ctx context.Context, args []string) error {
	var email, name, password string
	cfg, err := parseConfig("create-admin", args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the administrator's email (required)")
		fs.StringVar(&name, "name", "Administrator", "the administrator's name")
		fs.StringVar(&password, "password", env("HELPDESK_ADMIN_PASSWORD", ""), "the password, 8+ characters (HELPDESK_ADMIN_PASSWORD)")
	})
	if err != nil {
		return err
	}
	if email == "" || password == "" {
		return errors.New("create-admin needs --email and --password (or HELPDESK_ADMIN_PASSWORD)")
	}
	logger := newLogger(cfg.logLevel)
	db, err := openDatabase(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	app, err := server.NewApp(ctx, db, server.Options{Logger: logger})
	if err != nil {
		return err
	}
	defer app.Close()
	role := agent.RoleADMIN
	a, err := app.Directory.CreateAgent(auth.WithViewer(ctx, auth.System), directory.CreateAgentInput{
		Name: name, Email: email, Password: password, Role: &role,
	})
	if err != nil {
		return fmt.Errorf("creating the administrator %s: %w", email, err)
	}
	fmt.Printf("administrator %s created (%s)\n", a.Email, a.ID)
	return nil
}

// printVersion prints the module version and the commit it was built
// from, as the Go toolchain recorded them.
func printVersion(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("helpdesk version", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	version, revision, modified, goVersion := "(devel)", "", false, ""
	if info, ok := debug.ReadBuildInfo(); ok {
		goVersion = info.GoVersion
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	fmt.Fprintf(os.Stdout, "helpdesk %s", version)
	if revision != "" {
		fmt.Fprintf(os.Stdout, " commit %s", revision)
		if modified {
			fmt.Fprint(os.Stdout, " (modified)")
		}
	}
	fmt.Fprintf(os.Stdout, " %s\n", goVersion)
	return nil
}
