// Package server wires the HTTP side of the service: the GraphQL endpoint
// behind authentication and a body-size limit, the GraphiQL page, health
// and readiness probes, request logging, and graceful shutdown.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"helpdesk/internal/auth"
	"helpdesk/internal/requestlog"
	"helpdesk/internal/server/graphiql"
)

// Config is the HTTP server's configuration.
type Config struct {
	// MaxBodyBytes bounds a request body on /graphql.
	MaxBodyBytes int64
	// ShutdownTimeout bounds how long Run waits for requests in flight.
	ShutdownTimeout time.Duration
}

// Authenticator resolves a bearer token to the viewer.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (auth.Viewer, error)
}

// Handler returns the service's HTTP handler.
func Handler(cfg Config, graphql http.Handler, authn Authenticator, ready func(context.Context) error, logger *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/graphql", limitBody(cfg.MaxBodyBytes, authenticate(authn, graphql)))
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
	mux.Handle("/", graphiql.Handler("/graphql"))
	return logRequests(logger, mux)
}

// authenticate puts the viewer of a valid bearer token in the request
// context. Requests without one go on anonymously; the GraphQL layer
// refuses every field but login to them.
func authenticate(authn Authenticator, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearerToken(r.Header.Get("Authorization"))
		if ok {
			if v, err := authn.Authenticate(r.Context(), token); err == nil {
				r = r.WithContext(auth.WithViewer(r.Context(), v))
				requestlog.SetViewer(r.Context(), v.LogName())
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
// id, viewer, operation and internal error ids (see requestlog), so this
// line and every line logged while serving the request can be matched.
func logRequests(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx, _ := requestlog.Start(r.Context(), requestID())
		w.Header().Set("X-Request-Id", requestlog.From(ctx).ID)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(ctx))
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
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
// in flight.
func Run(ctx context.Context, cfg Config, listener net.Listener, handler http.Handler, logger *slog.Logger) error {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		// Requests in flight finish during shutdown: their context is not
		// cancelled with ctx.
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
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down HTTP server: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
