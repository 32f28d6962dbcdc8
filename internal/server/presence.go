package server

import (
	"context"
	"log/slog"
	"time"

	"entgo.io/ent/dialect"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"helpdesk/internal/presence"
	"helpdesk/internal/store"
)

// newPresence returns the presence hub for the database: shared between
// replicas with NOTIFY on PostgreSQL, in-process on SQLite.
func newPresence(db *store.DB, timeout time.Duration, logger *slog.Logger) *presence.Hub {
	h := presence.NewHub()
	h.Timeout = timeout
	if db.Dialect == dialect.Postgres {
		h.Broadcaster = presence.NewPostgres(db.SQL, db.DSN, logger)
	}
	return h
}

// withPresenceConnections marks each authenticated socket's context so
// that the presence its operations set ends when the socket closes.
func withPresenceConnections(ws transport.Websocket) transport.Websocket {
	init := ws.InitFunc
	ws.InitFunc = func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		ctx, ack, err := init(ctx, payload)
		if err != nil {
			return ctx, ack, err
		}
		return presence.WithConnection(ctx), ack, nil
	}
	return ws
}
