package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"

	"golang.org/x/crypto/bcrypt"

	"helpdesk/ent/agent"
	"helpdesk/internal/auth"
	"helpdesk/internal/directory"
	"helpdesk/internal/server"
	"helpdesk/internal/store"
)

// Credentials of the administrator the load command creates.
const (
	adminEmail    = "load-admin@example.com"
	adminPassword = "load-admin-password"
)

// startServer migrates the database (a fresh SQLite file in dir when
// databaseURL is empty), builds the App with an administrator, and serves
// it on a loopback port until ctx ends. It returns the server's base URL
// and a function that stops the App and closes the database.
func startServer(ctx context.Context, databaseURL, dir string) (string, func(), error) {
	dsn := databaseURL
	if dsn == "" {
		dsn = "file:" + filepath.Join(dir, "load.db")
	}
	db, err := store.OpenWith(ctx, dsn, store.Options{})
	if err != nil {
		return "", nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return "", nil, err
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	app, err := server.NewApp(ctx, db, server.Options{
		TokenKey:     string(auth.NewSigningKey()),
		Logger:       logger,
		PasswordCost: bcrypt.MinCost,
	})
	if err != nil {
		db.Close()
		return "", nil, err
	}
	stop := func() { app.Close(); db.Close() }
	role := agent.RoleADMIN
	if _, err := app.Directory.CreateAgent(auth.WithViewer(ctx, auth.System), directory.CreateAgentInput{
		Name: "Load Administrator", Email: adminEmail, Password: adminPassword, Role: &role,
	}); err != nil {
		stop()
		return "", nil, fmt.Errorf("creating the administrator: %w", err)
	}
	if err := app.Start(ctx); err != nil {
		stop()
		return "", nil, err
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		stop()
		return "", nil, err
	}
	go func() { _ = server.Run(ctx, server.Config{}, listener, app.Handler, logger) }()
	return "http://" + listener.Addr().String(), stop, nil
}
