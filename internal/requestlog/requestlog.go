// Package requestlog carries what the logs need to know about the request
// being served — its id, who is asking, the GraphQL operation and the ids
// of internal errors — and adds it to every log line written with the
// request's context, so that one request can be followed through the log.
package requestlog

import (
	"context"
	"log/slog"
	"sync"
)

// Info describes one request. Its methods are safe for concurrent use:
// resolvers running in parallel may report errors at the same time.
type Info struct {
	// ID is the request id, also sent to the client as X-Request-Id.
	ID string

	mu        sync.Mutex
	viewer    string
	operation string
	errorIDs  []string
}

type infoKey struct{}

// Start returns a context carrying a new Info for the request with the
// given id.
func Start(ctx context.Context, id string) (context.Context, *Info) {
	info := &Info{ID: id}
	return context.WithValue(ctx, infoKey{}, info), info
}

// From returns the request's Info, or nil outside a request.
func From(ctx context.Context) *Info {
	info, _ := ctx.Value(infoKey{}).(*Info)
	return info
}

// SetViewer records who the request was authenticated as.
func SetViewer(ctx context.Context, viewer string) {
	if i := From(ctx); i != nil {
		i.mu.Lock()
		i.viewer = viewer
		i.mu.Unlock()
	}
}

// SetOperation records the GraphQL operation the request runs.
func SetOperation(ctx context.Context, operation string) {
	if i := From(ctx); i != nil {
		i.mu.Lock()
		i.operation = operation
		i.mu.Unlock()
	}
}

// AddErrorID records the id of an internal error reported to the client.
func AddErrorID(ctx context.Context, id string) {
	if i := From(ctx); i != nil {
		i.mu.Lock()
		i.errorIDs = append(i.errorIDs, id)
		i.mu.Unlock()
	}
}

// Attrs returns the request's attributes for a log line.
func (i *Info) Attrs() []slog.Attr {
	i.mu.Lock()
	defer i.mu.Unlock()
	attrs := []slog.Attr{slog.String("request_id", i.ID), slog.String("viewer", i.viewer)}
	if i.operation != "" {
		attrs = append(attrs, slog.String("operation", i.operation))
	}
	if len(i.errorIDs) > 0 {
		attrs = append(attrs, slog.Any("error_ids", append([]string(nil), i.errorIDs...)))
	}
	return attrs
}

// Handler adds the request's attributes to every record logged with a
// request's context.
type Handler struct{ slog.Handler }

// NewLogger returns logger with its records passing through Handler.
func NewLogger(logger *slog.Logger) *slog.Logger {
	if _, ok := logger.Handler().(Handler); ok {
		return logger
	}
	return slog.New(Handler{logger.Handler()})
}

// Handle implements slog.Handler.
func (h Handler) Handle(ctx context.Context, r slog.Record) error {
	if i := From(ctx); i != nil {
		r = r.Clone()
		r.AddAttrs(i.Attrs()...)
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return Handler{h.Handler.WithAttrs(attrs)}
}

// WithGroup implements slog.Handler.
func (h Handler) WithGroup(name string) slog.Handler { return Handler{h.Handler.WithGroup(name)} }
