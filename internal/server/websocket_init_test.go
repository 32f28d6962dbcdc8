package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"helpdesk/graph"
	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/gqltest"
)

type authenticatorFunc func(ctx context.Context, token string) (auth.Viewer, error)

func (f authenticatorFunc) Authenticate(ctx context.Context, token string) (auth.Viewer, error) {
	return f(ctx, token)
}

// lockedBuffer is a log destination written by the server's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A socket whose token cannot be checked (the database did not answer) is
// closed with 4500, which tells the client to reconnect later, not with
// 4401, which would log its user out; the error is logged with an id that
// the legacy protocol's connection_error also names, and no driver text
// reaches the client.
func TestWebsocketInitWhenTheTokenCannotBeChecked(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		code int
	}{
		{"database down", errors.New("dial tcp 127.0.0.1:5432: connection refused"), CloseInternalError},
		{"bad token", apperr.Unauthenticated("invalid or expired token"), CloseUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs lockedBuffer
			logger := slog.New(slog.NewJSONHandler(&logs, nil))
			authn := authenticatorFunc(func(context.Context, string) (auth.Viewer, error) { return auth.Viewer{}, tc.err })
			gql := graph.NewServer(&graph.Resolver{}, graph.Limits{}, logger)
			ws, _ := websocketTransport(WebsocketConfig{}, authn, logger)
			gql.AddTransport(ws)
			srv := httptest.NewServer(withConnSlot(gql))
			t.Cleanup(srv.Close)

			for _, proto := range []string{gqltest.TransportWS, gqltest.LegacyWS} {
				s, _, err := gqltest.DialSocket(srv.URL, proto, nil)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(s.Close)
				s.Init(t, "some-token")
				msgs, err := s.Closed(t)
				if got := gqltest.CloseCode(err); got != tc.code {
					t.Fatalf("%s: closed with %v, want %d", proto, err, tc.code)
				}
				for _, m := range msgs {
					if strings.Contains(string(m.Payload), "connection refused") {
						t.Fatalf("%s: the driver's error reached the client: %s", proto, m.Payload)
					}
				}
				if tc.code != CloseInternalError {
					continue
				}
				logged := regexp.MustCompile(`"error_id":"([0-9a-f]+)"`).FindAllStringSubmatch(logs.String(), -1)
				if len(logged) == 0 || !strings.Contains(logs.String(), "connection refused") {
					t.Fatalf("%s: the error was not logged with an id: %s", proto, logs.String())
				}
				if proto == gqltest.LegacyWS {
					var ce struct{ Message string }
					id := logged[len(logged)-1][1]
					if len(msgs) != 1 || msgs[0].Type != "connection_error" ||
						json.Unmarshal(msgs[0].Payload, &ce) != nil || !strings.Contains(ce.Message, id) {
						t.Fatalf("legacy: got %v, want a connection_error naming error id %s", msgs, id)
					}
				}
			}
		})
	}
}

// Open sockets' tokens are re-checked once per token, however many
// sockets share it; a token that stops authenticating closes all of its
// sockets (4401) and no other.
func TestWebsocketRecheckOncePerToken(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	calls := map[string]int{}
	revoked := map[string]bool{}
	authn := authenticatorFunc(func(_ context.Context, token string) (auth.Viewer, error) {
		mu.Lock()
		defer mu.Unlock()
		calls[token]++
		if revoked[token] {
			return auth.Viewer{}, apperr.Unauthenticated("revoked")
		}
		return auth.Viewer{AgentID: "agt_01JD00000000000000000000AB", Name: token}, nil
	})
	logger := slog.New(slog.NewTextHandler(&lockedBuffer{}, nil))
	gql := graph.NewServer(&graph.Resolver{}, graph.Limits{}, logger)
	ws, _ := websocketTransport(WebsocketConfig{RecheckInterval: 20 * time.Millisecond}, authn, logger)
	gql.AddTransport(ws)
	srv := httptest.NewServer(withConnSlot(gql))
	t.Cleanup(srv.Close)

	var shared []*gqltest.Socket
	for range 4 {
		shared = append(shared, gqltest.Connect(t, srv.URL, gqltest.TransportWS, "wallboard"))
	}
	alone := gqltest.Connect(t, srv.URL, gqltest.TransportWS, "agent")
	count := func(token string) int {
		mu.Lock()
		defer mu.Unlock()
		return calls[token]
	}
	for count("agent") < 6 {
		time.Sleep(10 * time.Millisecond)
	}
	// Each socket was authenticated once at connection_init; after that
	// both tokens were checked in the same rounds.
	if a, w := count("agent")-1, count("wallboard")-4; w > a+1 {
		t.Fatalf("%d re-checks of the token of 4 sockets, %d of the token of 1: want one per token per round", w, a)
	}

	mu.Lock()
	revoked["wallboard"] = true
	mu.Unlock()
	for i, s := range shared {
		if _, err := s.Closed(t); gqltest.CloseCode(err) != CloseUnauthorized {
			t.Fatalf("socket %d of the revoked token closed with %v, want 4401", i, err)
		}
	}
	if err := alone.CloseError(); err != nil {
		t.Fatalf("the other token's socket closed too: %v", err)
	}
}

// Open sockets are pinged (websocket ping frames); a client that does not
// answer is closed after two intervals.
func TestWebsocketKeepAlive(t *testing.T) {
	t.Parallel()
	authn := authenticatorFunc(func(context.Context, string) (auth.Viewer, error) {
		return auth.Viewer{AgentID: "agt_01JD00000000000000000000AB", Name: "Ada"}, nil
	})
	logger := slog.New(slog.NewTextHandler(&lockedBuffer{}, nil))
	gql := graph.NewServer(&graph.Resolver{}, graph.Limits{}, logger)
	ws, _ := websocketTransport(WebsocketConfig{PingInterval: 100 * time.Millisecond}, authn, logger)
	gql.AddTransport(ws)
	srv := httptest.NewServer(withConnSlot(gql))
	t.Cleanup(srv.Close)

	dial := func(answer bool) (*websocket.Conn, chan int) {
		t.Helper()
		url := strings.Replace(srv.URL, "http://", "ws://", 1)
		c, _, err := (&websocket.Dialer{Subprotocols: []string{gqltest.TransportWS}}).Dial(url, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		pings := make(chan int, 100)
		n := 0
		c.SetPingHandler(func(data string) error {
			n++
			pings <- n
			if !answer {
				return nil
			}
			return c.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
		})
		if err := c.WriteJSON(map[string]any{"type": "connection_init", "payload": map[string]any{"authorization": "Bearer t"}}); err != nil {
			t.Fatal(err)
		}
		return c, pings
	}
	silent, _ := dial(false)
	alive, pings := dial(true)
	go func() {
		for { // reads, so that the ping handler runs
			if _, _, err := alive.ReadMessage(); err != nil {
				return
			}
		}
	}()
	// The silent client is dropped (its socket ends).
	for {
		if _, _, err := silent.ReadMessage(); err != nil {
			break
		}
	}
	// The answering client is pinged.
	select {
	case <-pings:
	case <-time.After(gqltest.Wait):
		t.Fatalf("no ping within %s", gqltest.Wait)
	}
}
