package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/server"
)

type authenticatorFunc func(ctx context.Context, token string) (auth.Viewer, error)

func (f authenticatorFunc) Authenticate(ctx context.Context, token string) (auth.Viewer, error) {
	return f(ctx, token)
}

// A token that cannot be checked is not taken for no token: the client is
// told to retry (503, INTERNAL) rather than that it is logged out.
func TestUncheckableTokensAreNotAnonymous(t *testing.T) {
	t.Parallel()
	var reached []string
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := auth.ViewerFrom(r.Context())
		reached = append(reached, v.Name+map[bool]string{true: "", false: "(anonymous)"}[ok])
		w.WriteHeader(http.StatusOK)
	})
	for _, tc := range []struct {
		name   string
		err    error
		status int
	}{
		{"database down", errors.New("dial tcp: connection refused"), http.StatusServiceUnavailable},
		{"bad token", apperr.Unauthenticated("invalid or expired token"), http.StatusOK},
		{"good token", nil, http.StatusOK},
	} {
		authn := authenticatorFunc(func(context.Context, string) (auth.Viewer, error) {
			return auth.Viewer{AgentID: "agt_01JD00000000000000000000AB", Name: "Ada"}, tc.err
		})
		h := server.Handler(server.Config{}, next, authn, func(context.Context) error { return nil }, slog.New(slog.NewTextHandler(io.Discard, nil)))
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ viewer { id } }"}`))
		req.Header.Set("Authorization", "Bearer some-token")
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, rec.Code, tc.status)
		}
		if tc.status == http.StatusServiceUnavailable {
			var body struct {
				Errors []struct {
					Message    string
					Extensions map[string]any
				}
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 || body.Errors[0].Extensions["code"] != "INTERNAL" {
				t.Errorf("%s: body %s, want one INTERNAL error", tc.name, rec.Body.String())
			}
			if strings.Contains(rec.Body.String(), "connection refused") {
				t.Errorf("%s: the driver's error reached the client: %s", tc.name, rec.Body.String())
			}
		}
	}
	if want := []string{"(anonymous)", "Ada"}; len(reached) != 2 || reached[0] != want[0] || reached[1] != want[1] {
		t.Fatalf("requests reached the API as %v, want %v", reached, want)
	}
}
