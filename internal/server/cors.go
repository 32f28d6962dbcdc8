package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/rs/cors"
)

// CORSConfig lets browser pages served from other origins call /graphql
// and the export routes. No origins (the default) means no cross-origin
// access: no CORS header is ever sent, so browsers refuse such calls.
type CORSConfig struct {
	// AllowedOrigins are the origins (https://host[:port]) whose pages
	// may call the API; "*" means any origin.
	AllowedOrigins []string
	// AllowCredentials lets those pages send cookies and HTTP
	// authentication. The API authenticates with bearer tokens, which
	// need no credentials mode; it cannot be combined with "*".
	AllowCredentials bool
}

// Check reports a configuration that would expose the API too widely.
func (c CORSConfig) Check() error {
	for _, o := range c.AllowedOrigins {
		if o == "*" && c.AllowCredentials {
			return errors.New("CORS: the origin * cannot be combined with credentials; list the origins")
		}
		if o != "*" && !strings.Contains(o, "://") {
			return errors.New("CORS: origin " + o + " must be scheme://host[:port] or *")
		}
	}
	return nil
}

// withCORS answers preflight requests and adds the CORS headers on the
// given paths, for the configured origins only. Without origins it
// returns next unchanged.
func withCORS(c CORSConfig, paths map[string]bool, next http.Handler) http.Handler {
	if len(c.AllowedOrigins) == 0 {
		return next
	}
	policy := cors.New(cors.Options{
		AllowedOrigins:   c.AllowedOrigins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:   []string{"Authorization", "Content-Type", "Accept"},
		ExposedHeaders:   []string{"X-Request-Id", "Retry-After", "Content-Disposition"},
		AllowCredentials: c.AllowCredentials,
		MaxAge:           600,
	}).Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if paths[r.URL.Path] {
			policy.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// routePath returns the path of a ServeMux pattern ("GET /export/x" →
// "/export/x").
func routePath(pattern string) string {
	if _, p, ok := strings.Cut(pattern, " "); ok {
		return strings.TrimSpace(p)
	}
	return pattern
}
