package server_test

import (
	"net/http"
	"testing"
	"time"

	"helpdesk/internal/gqltest"
	"helpdesk/internal/server"
	"helpdesk/internal/testdb"
)

// fastRecheck re-authenticates sockets often, so tests see a revoked
// token's socket close quickly.
var fastRecheck = server.Options{Websocket: server.WebsocketConfig{RecheckInterval: 100 * time.Millisecond}}

func TestWebsocketAuthentication(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		e := newEnvWith(t, dial, fastRecheck)
		url := e.anon.URL

		// Both sub-protocols accept a valid token.
		for _, proto := range []string{gqltest.TransportWS, gqltest.LegacyWS} {
			s := gqltest.Connect(t, url, proto, e.admin.Token)
			if s.CloseError() != nil {
				t.Fatalf("%s: %v", proto, s.CloseError())
			}
		}

		// A missing or bad token is refused with 4401.
		for _, token := range []string{"", "not-a-token", "hd_unknown"} {
			s, _, err := gqltest.DialSocket(url, gqltest.TransportWS, nil)
			if err != nil {
				t.Fatal(err)
			}
			s.Init(t, token)
			msgs, err := s.Closed(t)
			if gqltest.CloseCode(err) != server.CloseUnauthorized || len(msgs) != 0 {
				t.Fatalf("token %q: closed with %v after %v, want 4401 and no message", token, err, msgs)
			}
		}
		// The legacy protocol also says why, in connection_error.
		s, _, err := gqltest.DialSocket(url, gqltest.LegacyWS, nil)
		if err != nil {
			t.Fatal(err)
		}
		s.Init(t, "bad")
		msgs, err := s.Closed(t)
		if gqltest.CloseCode(err) != server.CloseUnauthorized || len(msgs) != 1 || msgs[0].Type != "connection_error" {
			t.Fatalf("legacy bad token: closed with %v after %v, want connection_error and 4401", err, msgs)
		}

		// An agent deactivated while connected loses the socket.
		var created struct{ CreateAgent struct{ ID string } }
		e.admin.Must(t, `mutation { createAgent(input: {name: "Temp", email: "temp@example.com", password: "temp-password"}) { id } }`, nil, &created)
		var login struct{ Login struct{ Token string } }
		e.anon.Must(t, `mutation { login(email: "temp@example.com", password: "temp-password") { token } }`, nil, &login)
		temp := gqltest.Connect(t, url, gqltest.TransportWS, login.Login.Token)
		e.admin.Must(t, `mutation($id: ID!) { updateAgent(id: $id, input: {active: false}) { id } }`,
			map[string]any{"id": created.CreateAgent.ID}, nil)
		if _, err := temp.Closed(t); gqltest.CloseCode(err) != server.CloseUnauthorized {
			t.Fatalf("deactivated agent's socket closed with %v, want 4401", err)
		}

		// A revoked API token's socket is closed too.
		var issued struct {
			CreateAPIToken struct {
				Token    string
				APIToken struct{ ID string }
			}
		}
		e.admin.Must(t, `mutation { createAPIToken(input: {name: "Wallboard", scopes: [TICKETS_READ]}) { token apiToken { id } } }`, nil, &issued)
		wallboard := gqltest.Connect(t, url, gqltest.TransportWS, issued.CreateAPIToken.Token)
		e.admin.Must(t, `mutation($id: ID!) { revokeAPIToken(id: $id) { id } }`,
			map[string]any{"id": issued.CreateAPIToken.APIToken.ID}, nil)
		if _, err := wallboard.Closed(t); gqltest.CloseCode(err) != server.CloseUnauthorized {
			t.Fatalf("revoked token's socket closed with %v, want 4401", err)
		}
	})
}

func TestWebsocketOrigins(t *testing.T) {
	e := newEnvWith(t, testdb.Dialects[0], server.Options{
		Websocket: server.WebsocketConfig{AllowedOrigins: []string{"https://desk.example.com"}},
	})
	url := e.anon.URL
	cases := []struct {
		origin string
		ok     bool
	}{
		{"", true},
		{"https://desk.example.com", true},
		{"https://evil.example.com", false},
		{"null", false},
	}
	for _, c := range cases {
		h := http.Header{}
		if c.origin != "" {
			h.Set("Origin", c.origin)
		}
		s, res, err := gqltest.DialSocket(url, gqltest.TransportWS, h)
		if c.ok {
			if err != nil {
				t.Fatalf("origin %q refused: %v", c.origin, err)
			}
			s.Close()
			continue
		}
		if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
			t.Fatalf("origin %q: err %v, response %v; want 403", c.origin, err, res)
		}
	}
	// The server's own origin is allowed.
	h := http.Header{"Origin": []string{url[:len(url)-len("/graphql")]}}
	s, _, err := gqltest.DialSocket(url, gqltest.TransportWS, h)
	if err != nil {
		t.Fatalf("same origin refused: %v", err)
	}
	s.Close()
}

// A stopping server closes every open socket with 1001 (going away), so
// that clients reconnect and resume instead of seeing the connection drop;
// a socket opened while it stops is closed the same way.
func TestWebsocketsGoAwayOnShutdown(t *testing.T) {
	e := newEnv(t, testdb.Dialects[0])
	var open []*gqltest.Socket
	for _, proto := range []string{gqltest.TransportWS, gqltest.LegacyWS} {
		s := gqltest.Connect(t, e.anon.URL, proto, e.admin.Token)
		s.Subscribe(t, "q", `subscription { ticketEvents { id } }`, nil)
		open = append(open, s)
	}
	e.app.Close()
	for _, s := range open {
		if _, err := s.Closed(t); gqltest.CloseCode(err) != server.CloseGoingAway {
			t.Fatalf("%s: closed with %v, want 1001", s, err)
		}
	}
	late, _, err := gqltest.DialSocket(e.anon.URL, gqltest.TransportWS, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(late.Close)
	if _, err := late.Closed(t); gqltest.CloseCode(err) != server.CloseGoingAway {
		t.Fatalf("a socket opened while stopping: closed with %v, want 1001", err)
	}
}
