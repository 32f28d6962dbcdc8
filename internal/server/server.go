// Package server wires the HTTP side of the service: the GraphQL endpoint
// behind authentication and a body-size limit, the GraphiQL page, health
// and readiness probes, request logging, and graceful shutdown.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"

	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/requestlog"
	"helpdesk/internal/server/graphiql"
	"helpdesk/internal/tracing"
)

// Config is the HTTP server's configuration. Zero fields take the
// defaults of DefaultConfig.
type Config struct {
	// MaxBodyBytes bounds a request body on /graphql.
	MaxBodyBytes int64
	// RequestTimeout bounds one request on /graphql: its context is
	// cancelled then, which stops its resolvers and database statements.
	RequestTimeout time.Duration
	// ReadTimeout bounds reading one request, body included.
	ReadTimeout time.Duration
	// IdleTimeout bounds how long a kept-alive connection waits for its
	// next request.
	IdleTimeout time.Duration
	// ShutdownTimeout bounds how long Run waits for requests in flight
	// before it closes their connections.
	ShutdownTimeout time.Duration
	// OnShutdown run, in order, when shutdown begins, before Run waits
	// for requests in flight: readiness turns false (Gate.Drain), open
	// websockets are told the server is going away.
	OnShutdown []func()
	// Routes are more endpoints (pattern → handler, e.g. the exports),
	// served behind authentication and request logging but without the
	// GraphQL request timeout.
	Routes map[string]http.Handler
	// CORS lets pages of other origins call /graphql and Routes; none
	// by default.
	CORS CORSConfig
	// Tracer, when set, gives each request a span whose trace id is the
	// request's id in the logs (see internal/tracing); nil traces nothing.
	Tracer trace.Tracer
}

// DefaultConfig is the configuration the server runs with unless told
// otherwise.
var DefaultConfig = Config{
	MaxBodyBytes:    1 << 20,
	RequestTimeout:  30 * time.Second,
	ReadTimeout:     30 * time.Second,
	IdleTimeout:     120 * time.Second,
	ShutdownTimeout: 15 * time.Second,
}

// writeGrace is how long after its deadline a request may still take to
// write its answer before the connection's write deadline cuts it off.
const writeGrace = 10 * time.Second

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	d := DefaultConfig
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = d.MaxBodyBytes
	}
	for _, p := range []struct{ v, def *time.Duration }{
		{&c.RequestTimeout, &d.RequestTimeout},
		{&c.ReadTimeout, &d.ReadTimeout},
		{&c.IdleTimeout, &d.IdleTimeout},
		{&c.ShutdownTimeout, &d.ShutdownTimeout},
	} {
		if *p.v <= 0 {
			*p.v = *p.def
		}
	}
	return c
}

// Authenticator resolves a bearer token to the viewer.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (auth.Viewer, error)
}

// Handler returns the service's HTTP handler.
func Handler(cfg Config, graphql http.Handler, authn Authenticator, ready func(context.Context) error, logger *slog.Logger) http.Handler {
	cfg = cfg.WithDefaults()
	mux := http.NewServeMux()
	mux.Handle("/graphql", withDeadline(cfg.RequestTimeout, limitBody(cfg.MaxBodyBytes, authenticate(authn, logger, graphql))))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := ready(ctx); err != nil {
			logger.WarnContext(ctx, "not ready", "error", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("database unavailable\n"))
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	for pattern, h := range cfg.Routes {
		mux.Handle(pattern, authenticate(authn, logger, h))
	}
	mux.Handle("/", graphiql.Handler("/graphql"))
	corsPaths := map[string]bool{"/graphql": true}
	for pattern := range cfg.Routes {
		corsPaths[routePath(pattern)] = true
	}
	h := logRequests(logger, withCORS(cfg.CORS, corsPaths, mux))
	if cfg.Tracer == nil {
		return h
	}
	// Probes are polled every few seconds by orchestrators: tracing them
	// would bury the requests worth looking at.
	traced := tracing.HTTP(cfg.Tracer, h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isProbe(r.URL.Path) {
			h.ServeHTTP(w, r)
			return
		}
		traced.ServeHTTP(w, r)
	})
}

// isProbe reports whether path is a health or readiness probe.
func isProbe(path string) bool { return path == "/healthz" || path == "/readyz" }

// authenticate puts the viewer of a valid bearer token in the request
// context. Requests without one go on anonymously; the GraphQL layer
// refuses every field but login to them.
//
// A token that cannot be checked (the database did not answer) is not
// treated as no token: the request is answered 503 with an INTERNAL
// error, so a client retries instead of logging its user out.
func authenticate(authn Authenticator, logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearerToken(r.Header.Get("Authorization"))
		if ok {
			v, err := authn.Authenticate(r.Context(), token)
			switch {
			case err == nil:
				r = r.WithContext(auth.WithViewer(r.Context(), v))
				requestlog.SetViewer(r.Context(), v.LogName())
			case !errors.Is(err, apperr.ErrUnauthenticated):
				id := requestID()
				requestlog.AddErrorID(r.Context(), id)
				logger.ErrorContext(r.Context(), "authenticating a request", "error_id", id, "error", err)
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusServiceUnavailable)
				_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{
					"message":    "internal error (id " + id + "): the token could not be checked; try again",
					"extensions": map[string]any{"code": string(apperr.CodeInternal), "errorId": id},
				}}})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// withDeadline cancels a request's context after d, which stops its
// resolvers and database statements. A connection upgrade (a websocket)
// is left without one: a subscription lives as long as its connection.
// gqlgen's HTTP transports refuse any request with an Upgrade header, so
// no query or mutation escapes the deadline that way.
func withDeadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d <= 0 || r.Header.Get("Upgrade") != "" {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func limitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer
// (needed for websocket upgrades and flushing).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// logRequests gives each request an id (sent back as X-Request-Id) and
// writes one line per request when it ends. The logger adds the request's
// id (the trace id when the request is traced), viewer, operation and
// internal error ids (see requestlog), so this
// line and every line logged while serving the request can be matched.
func logRequests(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestID()
		if sc := trace.SpanContextFromContext(r.Context()); sc.IsValid() {
			id = sc.TraceID().String()
		}
		ctx, _ := requestlog.Start(r.Context(), id)
		w.Header().Set("X-Request-Id", requestlog.From(ctx).ID)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(ctx))
		if isProbe(r.URL.Path) {
			return
		}
		logger.InfoContext(ctx, "request", "method", r.Method, "path", r.URL.Path,
			"status", rec.status, "duration_ms", time.Since(start).Milliseconds())
	})
}

func requestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Run serves handler on listener until ctx is cancelled, then stops
// accepting connections and waits up to cfg.ShutdownTimeout for requests
// in flight; connections still busy then are closed, so Run always
// returns.
func Run(ctx context.Context, cfg Config, listener net.Listener, handler http.Handler, logger *slog.Logger) error {
	cfg = cfg.WithDefaults()
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       cfg.ReadTimeout,
		// A request is cancelled at its deadline; this bounds a handler
		// that does not stop, or a client that does not read its answer.
		// (A websocket upgrade clears the connection's deadlines.)
		WriteTimeout: cfg.RequestTimeout + writeGrace,
		IdleTimeout:  cfg.IdleTimeout,
		// Requests in flight finish during shutdown: their context is not
		// cancelled with ctx. A client that disconnects still cancels its
		// request, and every request has its deadline.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(listener) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving HTTP: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	for _, f := range cfg.OnShutdown {
		f()
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		logger.Warn("requests still running after the shutdown timeout; closing their connections",
			"timeout", cfg.ShutdownTimeout, "error", err)
		if err := srv.Close(); err != nil {
			return fmt.Errorf("closing HTTP server: %w", err)
		}
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
