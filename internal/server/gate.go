package server

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Gate is the process's HTTP handler from the moment it listens to the
// moment it exits. While the service starts (migrations, the demo load)
// it answers the probes itself — /healthz ok, /readyz 503 naming what is
// under way — and every other request 503 with Retry-After; once Serve
// is called it hands requests to the App's handler; once Drain is called
// (shutdown began) /readyz answers 503 again, so a load balancer stops
// sending new requests while those in flight finish.
type Gate struct {
	// phase is what the process is doing when it is not serving ("" when
	// it is).
	phase   atomic.Pointer[string]
	handler atomic.Pointer[http.Handler]
	// ping checks the database for /readyz.
	ping atomic.Pointer[func(context.Context) error]

	mu      sync.Mutex
	onDrain []func()
}

// Phases a Gate reports on /readyz.
const (
	PhaseStarting  = "starting"
	PhaseMigrating = "migrating the database"
	PhaseDemo      = "loading demo data"
	PhaseDraining  = "shutting down"
)

// NewGate returns a Gate in PhaseStarting.
func NewGate() *Gate {
	g := &Gate{}
	g.Starting(PhaseStarting)
	return g
}

// Starting reports what the process is doing before it serves.
func (g *Gate) Starting(phase string) { g.phase.Store(&phase) }

// Serve hands requests to h from now on; ping tells /readyz whether the
// database answers.
func (g *Gate) Serve(h http.Handler, ping func(context.Context) error) {
	g.ping.Store(&ping)
	g.handler.Store(&h)
	empty := ""
	g.phase.Store(&empty)
}

// OnDrain registers f to run when Drain is called, after readiness
// turned false: the place to tell open websockets the server is going
// away.
func (g *Gate) OnDrain(f func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.onDrain = append(g.onDrain, f)
}

// Drain makes /readyz fail from now on, then runs the OnDrain functions;
// requests still reach the handler.
func (g *Gate) Drain() {
	g.Starting(PhaseDraining)
	g.mu.Lock()
	hooks := g.onDrain
	g.mu.Unlock()
	for _, f := range hooks {
		f()
	}
}

// Ready returns nil when the process should get traffic, or why not.
func (g *Gate) Ready(ctx context.Context) error {
	if phase := *g.phase.Load(); phase != "" {
		return notReady(phase)
	}
	ping := g.ping.Load()
	if ping == nil {
		return nil
	}
	if err := (*ping)(ctx); err != nil {
		return notReady("database unavailable")
	}
	return nil
}

type notReady string

func (n notReady) Error() string { return string(n) }

// ServeHTTP implements http.Handler.
func (g *Gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/healthz":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
		return
	case "/readyz":
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := g.Ready(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(err.Error() + "\n"))
			return
		}
		_, _ = w.Write([]byte("ok\n"))
		return
	}
	if h := g.handler.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Retry-After", "5")
	w.WriteHeader(http.StatusServiceUnavailable)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{
		"message":    "the server is starting (" + *g.phase.Load() + "); try again shortly",
		"extensions": map[string]any{"code": "UNAVAILABLE"},
	}}})
}
