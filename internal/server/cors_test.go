package server_test

import (
	"net/http"
	"strings"
	"testing"

	"helpdesk/internal/server"
	"helpdesk/internal/testdb"
)

// preflight sends a CORS preflight for a POST (or GET) from origin.
func preflight(t *testing.T, url, method, origin string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodOptions, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", method)
	req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestCORS checks that only the configured origins may call /graphql and
// the export route from a browser, and that none may by default.
func TestCORS(t *testing.T) {
	const allowed, refused = "https://app.example.com", "https://evil.example.net"
	testdb.ForEach(t, func(t *testing.T, dial string) {
		e := newEnvWith(t, dial, server.Options{HTTP: server.Config{
			CORS: server.CORSConfig{AllowedOrigins: []string{allowed}},
		}})
		base := strings.TrimSuffix(e.admin.URL, "/graphql")
		for _, c := range []struct{ path, method string }{
			{"/graphql", http.MethodPost},
			{"/export/tickets", http.MethodGet},
		} {
			resp := preflight(t, base+c.path, c.method, allowed)
			if resp.StatusCode/100 != 2 || resp.Header.Get("Access-Control-Allow-Origin") != allowed {
				t.Fatalf("preflight %s from %s: %d, Allow-Origin %q", c.path, allowed, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
			}
			if h := strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")); !strings.Contains(h, "authorization") || !strings.Contains(h, "content-type") {
				t.Fatalf("preflight %s: Allow-Headers %q", c.path, h)
			}
			if resp.Header.Get("Access-Control-Allow-Credentials") != "" {
				t.Fatalf("preflight %s allows credentials", c.path)
			}
			resp = preflight(t, base+c.path, c.method, refused)
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
				t.Fatalf("preflight %s from %s: Allow-Origin %q", c.path, refused, got)
			}
		}

		// The actual request from an allowed origin carries the header
		// (with the request id readable); from another origin it does not.
		for origin, want := range map[string]string{allowed: allowed, refused: ""} {
			req, _ := http.NewRequest(http.MethodPost, e.admin.URL, strings.NewReader(`{"query":"{ viewer { email } }"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+e.admin.Token)
			req.Header.Set("Origin", origin)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != want {
				t.Fatalf("POST from %s: %d, Allow-Origin %q, want %q", origin, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), want)
			}
			if want != "" && !strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "X-Request-Id") {
				t.Fatalf("POST from %s: Expose-Headers %q", origin, resp.Header.Get("Access-Control-Expose-Headers"))
			}
		}

		// Without configuration no origin gets access.
		off := newEnv(t, dial)
		resp := preflight(t, off.admin.URL, http.MethodPost, allowed)
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Fatalf("CORS off: preflight Allow-Origin %q", got)
		}
	})
}

// TestCORSWildcardWithCredentials checks that "*" cannot be combined with
// credentials, nor an origin given without its scheme.
func TestCORSWildcardWithCredentials(t *testing.T) {
	if err := (server.CORSConfig{AllowedOrigins: []string{"*"}, AllowCredentials: true}).Check(); err == nil {
		t.Fatal("* with credentials accepted")
	}
	if err := (server.CORSConfig{AllowedOrigins: []string{"app.example.com"}}).Check(); err == nil {
		t.Fatal("origin without scheme accepted")
	}
	for _, ok := range []server.CORSConfig{{}, {AllowedOrigins: []string{"*"}}, {AllowedOrigins: []string{"https://a.example.com"}, AllowCredentials: true}} {
		if err := ok.Check(); err != nil {
			t.Fatalf("%+v: %v", ok, err)
		}
	}
}
