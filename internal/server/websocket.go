package server

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/gorilla/websocket"

	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/requestlog"
)

// WebsocketConfig configures subscriptions over websockets on /graphql.
// Zero fields take the defaults of DefaultWebsocketConfig.
type WebsocketConfig struct {
	// AllowedOrigins are the origins (scheme://host[:port]) besides the
	// server's own from which a browser may open a socket. Clients that
	// send no Origin (non-browser clients) are always allowed.
	AllowedOrigins []string
	// RecheckInterval is how often a socket's token is authenticated
	// again; an expired or revoked token, or a deactivated agent, closes
	// the socket at the next check.
	RecheckInterval time.Duration
	// PingInterval is how often the server pings an idle client; a client
	// that answers no ping for two intervals is disconnected.
	PingInterval time.Duration
	// InitTimeout bounds how long a new socket may take to send its
	// connection_init message.
	InitTimeout time.Duration
	// MaxMessageBytes bounds one message from a client.
	MaxMessageBytes int64
}

// DefaultWebsocketConfig is the websocket configuration the server runs
// with unless told otherwise.
var DefaultWebsocketConfig = WebsocketConfig{
	RecheckInterval: 5 * time.Second,
	PingInterval:    25 * time.Second,
	InitTimeout:     10 * time.Second,
	MaxMessageBytes: 64 << 10,
}

// WithDefaults returns c with every zero field set to its default.
func (c WebsocketConfig) WithDefaults() WebsocketConfig {
	d := DefaultWebsocketConfig
	if c.RecheckInterval <= 0 {
		c.RecheckInterval = d.RecheckInterval
	}
	if c.PingInterval <= 0 {
		c.PingInterval = d.PingInterval
	}
	if c.InitTimeout <= 0 {
		c.InitTimeout = d.InitTimeout
	}
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = d.MaxMessageBytes
	}
	return c
}

// Close codes a socket is closed with when its authentication fails
// (graphql-transport-ws's 4401 and 4403; legacy graphql-ws clients also
// receive a connection_error message first), or when its token could not
// be checked (4500, graphql-transport-ws's internal error: the client
// reconnects after a pause, its token is not known to be bad).
const (
	CloseUnauthorized  = 4401
	CloseForbidden     = 4403
	CloseInternalError = 4500
)

// websocketTransport is gqlgen's websocket transport on gorilla/websocket:
// it speaks graphql-transport-ws and the legacy graphql-ws, authenticates
// the connection_init payload's token, and keeps the open sockets (which
// it pings and whose tokens it keeps checking) in the set it returns.
func websocketTransport(cfg WebsocketConfig, authn Authenticator, logger *slog.Logger) (transport.Websocket, *sockets) {
	cfg = cfg.WithDefaults()
	limit := cfg.MaxMessageBytes
	open := &sockets{authn: authn, logger: logger, ping: cfg.PingInterval, every: cfg.RecheckInterval}
	return transport.Websocket{
		Implementation: gorillaImplementation{open: open, ping: cfg.PingInterval, upgrader: websocket.Upgrader{
			HandshakeTimeout: 10 * time.Second,
			CheckOrigin:      originChecker(cfg.AllowedOrigins),
			// No read buffer of its own: the socket reads through the
			// server's (kept for the connection anyway); write buffers
			// are taken from a shared pool for each write.
			WriteBufferPool: &sync.Pool{},
		}},
		InitFunc:         initFunc(authn, open, logger),
		InitTimeout:      cfg.InitTimeout,
		PayloadReadLimit: &limit,
		// Keep-alive pings are websocket ping frames sent by the sockets'
		// loop, not the transport's (a goroutine per socket).
		ErrorFunc: func(ctx context.Context, err error) {
			var ce *websocket.CloseError
			if errors.As(err, &ce) || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				return
			}
			logger.DebugContext(ctx, "websocket", "error", err)
		},
	}, open
}

// originChecker allows requests without an Origin header, from the
// server's own origin, and from the allowed origins.
func originChecker(allowed []string) func(*http.Request) bool {
	norm := make([]string, 0, len(allowed))
	for _, o := range allowed {
		norm = append(norm, strings.TrimRight(strings.ToLower(strings.TrimSpace(o)), "/"))
	}
	return func(r *http.Request) bool {
		origin := r.Header.Get("Origin")
		if origin == "" {
			return true
		}
		u, err := url.Parse(origin)
		if err != nil || u.Host == "" {
			return false
		}
		if strings.EqualFold(u.Host, r.Host) {
			return true
		}
		return slices.Contains(norm, strings.ToLower(u.Scheme+"://"+u.Host))
	}
}

// initFunc authenticates a socket from its connection_init payload
// ({"authorization": "Bearer …"}); open then re-authenticates it every
// RecheckInterval. The socket is closed with 4401 when the token does not
// (or no longer) authenticate, with 4403 when what it may see changed
// (role or teams), so the client reconnects with its new rights, and with
// 4500 when connection_init's token cannot be checked (the database did
// not answer; the error is logged with an id).
func initFunc(authn Authenticator, open *sockets, logger *slog.Logger) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		token, ok := bearerToken(payload.Authorization())
		if !ok {
			return refuse(ctx, CloseUnauthorized, "authentication required: send {\"authorization\": \"Bearer <token>\"} in connection_init")
		}
		v, err := authn.Authenticate(ctx, token)
		if err != nil {
			if !errors.Is(err, apperr.ErrUnauthenticated) {
				id := requestID()
				requestlog.AddErrorID(ctx, id)
				logger.ErrorContext(ctx, "authenticating a websocket", "error_id", id, "error", err)
				return refuse(ctx, CloseInternalError, "internal error (id "+id+"): the token could not be checked; reconnect later")
			}
			return refuse(ctx, CloseUnauthorized, "invalid or expired token")
		}
		requestlog.SetViewer(ctx, v.LogName())
		ctx = auth.WithViewer(ctx, v)
		if conn := connFrom(ctx); conn != nil {
			// Cancelled when the socket closes, or its token is refused.
			var cancel context.CancelFunc
			ctx, cancel = context.WithCancel(ctx)
			open.authenticated(conn, &watch{token: token, viewer: v, cancel: cancel})
		}
		return ctx, nil, nil
	}
}

// refuse fails connection_init with the given close code.
func refuse(ctx context.Context, code int, reason string) (context.Context, *transport.InitPayload, error) {
	ctx = transport.WithWebsocketCloseCode(ctx, code)
	ctx = transport.AppendCloseReason(ctx, reason)
	return ctx, nil, errors.New(reason)
}

// sameRights reports whether two authentications of one token give the
// same read rights.
func sameRights(a, b auth.Viewer) bool {
	return a.AgentID == b.AgentID && a.Role == b.Role && a.CustomerID == b.CustomerID &&
		slices.Equal(a.TeamIDs, b.TeamIDs) && slices.Equal(a.Scopes, b.Scopes)
}

// connSlotKey carries, in a websocket request's context, the slot the
// adapter puts the accepted connection in, so that the init function can
// close it with a code of its own.
type connSlotKey struct{}

type connSlot struct{ conn *gorillaConn }

// withConnSlot prepares a websocket request for the adapter.
func withConnSlot(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			r = r.WithContext(context.WithValue(r.Context(), connSlotKey{}, &connSlot{}))
		}
		next.ServeHTTP(w, r)
	})
}

func connFrom(ctx context.Context) *gorillaConn {
	if s, ok := ctx.Value(connSlotKey{}).(*connSlot); ok {
		return s.conn
	}
	return nil
}

// gorillaImplementation accepts gqlgen's websocket connections with
// gorilla/websocket, and keeps them in open.
type gorillaImplementation struct {
	upgrader websocket.Upgrader
	open     *sockets
	ping     time.Duration
}

// Accept upgrades the request, negotiating one of gqlgen's sub-protocols.
func (g gorillaImplementation) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	up := g.upgrader
	up.Subprotocols = opts.Subprotocols
	ws, err := up.Upgrade(hijacker{w}, r, opts.ResponseHeader)
	if err != nil {
		return nil, err
	}
	c := &gorillaConn{ws: ws, open: g.open}
	// A client that answers no ping for two intervals times out.
	_ = ws.SetReadDeadline(time.Now().Add(2 * g.ping))
	ws.SetPongHandler(func(string) error { return ws.SetReadDeadline(time.Now().Add(2 * g.ping)) })
	if !g.open.add(c) {
		c.closeWith(CloseGoingAway, "server shutting down: reconnect and resume")
	}
	if s, ok := r.Context().Value(connSlotKey{}).(*connSlot); ok {
		s.conn = c
	}
	return c, nil
}

// hijacker reaches the connection under wrapped response writers
// (gorilla asks for http.Hijacker directly).
type hijacker struct{ http.ResponseWriter }

func (h hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(h.ResponseWriter).Hijack()
}

// gorillaConn is a gorilla connection as gqlgen's transport uses it.
// Writes are serialised by the transport; the close frame is sent once.
type gorillaConn struct {
	ws    *websocket.Conn
	open  *sockets
	watch *watch // set once authenticated; guarded by open.mu

	mu     sync.Mutex
	closed bool
}

var (
	_ transport.WebsocketConn          = (*gorillaConn)(nil)
	_ transport.WebsocketReadLimiter   = (*gorillaConn)(nil)
	_ transport.WebsocketReadDeadliner = (*gorillaConn)(nil)
)

func (c *gorillaConn) Close() error {
	if w := c.open.remove(c); w != nil {
		w.cancel()
	}
	return c.ws.Close()
}

func (c *gorillaConn) NextReader() (int, io.Reader, error) {
	t, r, err := c.ws.NextReader()
	if websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseNoStatusReceived) {
		return t, nil, transport.ErrWebsocketClosed
	}
	return t, r, err
}

func (c *gorillaConn) WriteJSON(v any) error { return c.ws.WriteJSON(v) }

// WriteClose sends a close frame, unless one was sent already.
func (c *gorillaConn) WriteClose(code int, message string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	return c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, message), time.Now().Add(time.Second))
}

// closeWith sends a close frame with the code and closes the connection;
// the transport then ends the socket's operations.
func (c *gorillaConn) closeWith(code int, message string) {
	if c == nil {
		return
	}
	_ = c.WriteClose(code, message)
	_ = c.Close()
}

func (c *gorillaConn) Subprotocol() string { return c.ws.Subprotocol() }

func (c *gorillaConn) SetReadLimit(limit int64) { c.ws.SetReadLimit(limit) }

func (c *gorillaConn) SetReadDeadline(t time.Time) error { return c.ws.SetReadDeadline(t) }
