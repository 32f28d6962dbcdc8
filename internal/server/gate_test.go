package server_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"helpdesk/internal/server"
)

// TestGateReadiness follows /readyz through a process's life: starting,
// migrating, loading the demo, serving (with the database up and down)
// and draining at shutdown.
func TestGateReadiness(t *testing.T) {
	g := server.NewGate()
	get := func(path string) (int, string) {
		t.Helper()
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		body, _ := io.ReadAll(rec.Result().Body)
		return rec.Code, string(body)
	}
	expect := func(path string, status int, contains string) {
		t.Helper()
		code, body := get(path)
		if code != status || !strings.Contains(body, contains) {
			t.Fatalf("GET %s = %d %q, want %d containing %q", path, code, body, status, contains)
		}
	}

	for _, phase := range []string{server.PhaseStarting, server.PhaseMigrating, server.PhaseDemo} {
		g.Starting(phase)
		expect("/readyz", http.StatusServiceUnavailable, phase)
		expect("/healthz", http.StatusOK, "ok")
		expect("/graphql", http.StatusServiceUnavailable, "UNAVAILABLE")
	}

	var dbDown bool
	app := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("app")) })
	g.Serve(app, func(context.Context) error {
		if dbDown {
			return errors.New("connection refused")
		}
		return nil
	})
	expect("/readyz", http.StatusOK, "ok")
	expect("/graphql", http.StatusOK, "app")
	dbDown = true
	expect("/readyz", http.StatusServiceUnavailable, "database unavailable")
	dbDown = false
	expect("/readyz", http.StatusOK, "ok")

	var drained bool
	g.OnDrain(func() {
		drained = true
		expect("/readyz", http.StatusServiceUnavailable, server.PhaseDraining)
	})
	g.Drain()
	if !drained {
		t.Fatal("Drain did not run the OnDrain functions")
	}
	expect("/readyz", http.StatusServiceUnavailable, server.PhaseDraining)
	expect("/graphql", http.StatusOK, "app") // requests in flight still finish
}
