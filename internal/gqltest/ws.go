package gqltest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The websocket sub-protocols a Socket speaks.
const (
	TransportWS = "graphql-transport-ws"
	LegacyWS    = "graphql-ws"
)

// Wait is how long a Socket waits for a message the test expects.
const Wait = 20 * time.Second

// Socket is a GraphQL websocket client (graphql-transport-ws or the legacy
// graphql-ws) for tests. It answers the server's pings itself.
type Socket struct {
	Protocol string
	conn     *websocket.Conn
	wmu      sync.Mutex
	msgs     chan Message
	done     chan struct{}
	// closeErr is the close frame or read error that ended the socket.
	closeErr error
}

// Message is one message from the server.
type Message struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// DialSocket opens a socket to url (http:// or ws://) with the given
// sub-protocol and request headers, without initialising it.
func DialSocket(url, protocol string, header http.Header) (*Socket, *http.Response, error) {
	url = strings.Replace(strings.Replace(url, "https://", "wss://", 1), "http://", "ws://", 1)
	d := websocket.Dialer{Subprotocols: []string{protocol}, HandshakeTimeout: 10 * time.Second}
	conn, res, err := d.Dial(url, header)
	if err != nil {
		return nil, res, err
	}
	s := &Socket{Protocol: protocol, conn: conn, msgs: make(chan Message, 1024), done: make(chan struct{})}
	go s.read()
	return s, res, nil
}

// Connect opens a socket and initialises it with the bearer token (none
// when empty); it fails the test unless the server acknowledges.
func Connect(t testing.TB, url, protocol, token string) *Socket {
	t.Helper()
	s, _, err := DialSocket(url, protocol, nil)
	if err != nil {
		t.Fatalf("opening websocket: %v", err)
	}
	t.Cleanup(s.Close)
	s.Init(t, token)
	m := s.NextMessage(t)
	if m.Type != "connection_ack" {
		t.Fatalf("connection_init answered with %s %s (socket: %v)", m.Type, m.Payload, s.CloseError())
	}
	return s
}

// Init sends connection_init with the token.
func (s *Socket) Init(t testing.TB, token string) {
	t.Helper()
	payload := map[string]any{}
	if token != "" {
		payload["authorization"] = "Bearer " + token
	}
	s.InitWith(t, payload)
}

// InitWith sends connection_init with the given payload (GraphiQL sends
// its Headers tab, e.g. {"Authorization": "Bearer …"}).
func (s *Socket) InitWith(t testing.TB, payload map[string]any) {
	t.Helper()
	s.send(t, map[string]any{"type": "connection_init", "payload": payload})
}

// Subscribe starts an operation under id.
func (s *Socket) Subscribe(t testing.TB, id, query string, vars map[string]any) {
	t.Helper()
	typ := "subscribe"
	if s.Protocol == LegacyWS {
		typ = "start"
	}
	s.send(t, map[string]any{"id": id, "type": typ, "payload": map[string]any{"query": query, "variables": vars}})
}

// Stop ends the operation id.
func (s *Socket) Stop(t testing.TB, id string) {
	t.Helper()
	typ := "complete"
	if s.Protocol == LegacyWS {
		typ = "stop"
	}
	s.send(t, map[string]any{"id": id, "type": typ})
}

func (s *Socket) send(t testing.TB, v any) {
	t.Helper()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.conn.WriteJSON(v); err != nil {
		t.Fatalf("writing to websocket: %v", err)
	}
}

func (s *Socket) read() {
	for {
		var m Message
		if err := s.conn.ReadJSON(&m); err != nil {
			// done before msgs: a reader that sees msgs closed finds the
			// close error already set.
			s.closeErr = err
			close(s.done)
			close(s.msgs)
			return
		}
		switch m.Type {
		case "ping":
			s.wmu.Lock()
			_ = s.conn.WriteJSON(map[string]any{"type": "pong"})
			s.wmu.Unlock()
			continue
		case "pong", "ka":
			continue
		}
		s.msgs <- m
	}
}

// NextMessage returns the next message other than pings and keep-alives;
// it fails the test when none comes within Wait.
func (s *Socket) NextMessage(t testing.TB) Message {
	t.Helper()
	select {
	case m, ok := <-s.msgs:
		if !ok {
			return Message{Type: "closed"}
		}
		return m
	case <-time.After(Wait):
		t.Fatalf("no websocket message within %s", Wait)
	}
	return Message{}
}

// TryNext returns the next message other than pings and keep-alives if
// one comes within d; ok is false otherwise (the socket stays usable).
func (s *Socket) TryNext(d time.Duration) (m Message, ok bool) {
	select {
	case m, open := <-s.msgs:
		if !open {
			return Message{Type: "closed"}, true
		}
		return m, true
	case <-time.After(d):
		return Message{}, false
	}
}

// Next returns the data of the next result of operation id, decoded into
// out; it fails the test on an error, a completion or a closed socket.
func (s *Socket) Next(t testing.TB, id string, out any) {
	t.Helper()
	m := s.NextMessage(t)
	if m.Type == "closed" {
		t.Fatalf("socket closed while waiting for a result of %s: %v", id, s.CloseError())
	}
	if m.ID != id || (m.Type != "next" && m.Type != "data") {
		t.Fatalf("waiting for a result of %s, got %s for %q: %s", id, m.Type, m.ID, m.Payload)
	}
	var res Response
	if err := json.Unmarshal(m.Payload, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) > 0 {
		t.Fatalf("result of %s has errors: %s", id, m.Payload)
	}
	if out != nil {
		if err := json.Unmarshal(res.Data, out); err != nil {
			t.Fatalf("decoding %s: %v", res.Data, err)
		}
	}
}

// Closed waits for the server to close the socket and returns its close
// error (a *websocket.CloseError when it sent a close frame); it fails the
// test when the socket is still open after Wait. Messages still arriving
// are returned too.
func (s *Socket) Closed(t testing.TB) ([]Message, error) {
	t.Helper()
	var got []Message
	timeout := time.After(Wait)
	for {
		select {
		case m, ok := <-s.msgs:
			if !ok {
				return got, s.CloseError()
			}
			got = append(got, m)
		case <-timeout:
			t.Fatalf("socket still open after %s (messages: %v)", Wait, got)
			return got, nil
		}
	}
}

// CloseCode returns the close code the server sent, or 0.
func CloseCode(err error) int {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 0
}

// CloseError returns what ended the socket, once it has ended.
func (s *Socket) CloseError() error {
	select {
	case <-s.done:
		return s.closeErr
	default:
		return nil
	}
}

// Close closes the socket.
func (s *Socket) Close() { _ = s.conn.Close() }

// String describes the socket for failure messages.
func (s *Socket) String() string { return fmt.Sprintf("socket(%s)", s.Protocol) }
