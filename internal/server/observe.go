package server

import (
	"context"
	"net/http"
	"sync"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"helpdesk/ent"
	"helpdesk/internal/events"
	"helpdesk/internal/metrics"
)

// countedPublisher counts the events it passes on.
type countedPublisher struct {
	next    events.Publisher
	metrics *metrics.Metrics
}

// Publish implements events.Publisher.
func (p countedPublisher) Publish(ctx context.Context, evs []*ent.TicketEvent) {
	p.metrics.EventsPublished(len(evs))
	p.next.Publish(ctx, evs)
}

type socketCountKey struct{}

// countSockets counts the websocket connections that passed
// connection_init until they close.
func countSockets(ws transport.Websocket, m *metrics.Metrics) transport.Websocket {
	init, closeFunc := ws.InitFunc, ws.CloseFunc
	ws.InitFunc = func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		if init != nil {
			var err error
			var ack *transport.InitPayload
			if ctx, ack, err = init(ctx, payload); err != nil {
				return ctx, ack, err
			}
			m.SocketOpened()
			return context.WithValue(ctx, socketCountKey{}, new(sync.Once)), ack, nil
		}
		m.SocketOpened()
		return context.WithValue(ctx, socketCountKey{}, new(sync.Once)), nil, nil
	}
	ws.CloseFunc = func(ctx context.Context, code int) {
		if once, ok := ctx.Value(socketCountKey{}).(*sync.Once); ok {
			once.Do(m.SocketClosed)
		}
		if closeFunc != nil {
			closeFunc(ctx, code)
		}
	}
	return ws
}

// withMetrics serves /metrics with h and everything else with next.
func withMetrics(h http.Handler, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" {
			h.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
