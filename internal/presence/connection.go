package presence

import (
	"context"
	"sync"
)

// Connection is a client's socket as presence sees it: entries set over
// it disappear when it closes.
type Connection struct {
	done <-chan struct{}
	once sync.Once
}

type connectionKey struct{}

// WithConnection marks ctx, a socket's context that ends when the socket
// closes, so that presence set by operations over the socket is tied to
// it.
func WithConnection(ctx context.Context) context.Context {
	return context.WithValue(ctx, connectionKey{}, &Connection{done: ctx.Done()})
}

// ConnectionFrom returns the socket an operation came over, or nil for a
// plain HTTP request.
func ConnectionFrom(ctx context.Context) *Connection {
	c, _ := ctx.Value(connectionKey{}).(*Connection)
	return c
}
