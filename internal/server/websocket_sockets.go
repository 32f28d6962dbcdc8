package server

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
)

// CloseGoingAway is the close code every open socket gets when the server
// stops (RFC 6455's 1001): the client reconnects, to another replica or
// after the restart, and resumes with `after`.
const CloseGoingAway = websocket.CloseGoingAway

// sockets is the set of open websockets. One goroutine, running while
// any socket is open, serves them all: every RecheckInterval it
// authenticates each distinct token once and closes the sockets whose
// token no longer authenticates (4401) or whose rights changed (4403);
// every PingInterval it pings each socket (a websocket ping frame, which
// every client answers; a socket whose pong does not come within two
// intervals times out on its read deadline). A stopping server closes
// them all with a proper close frame (an http.Server does not track the
// connections it handed over).
type sockets struct {
	authn  Authenticator
	logger *slog.Logger
	ping   time.Duration
	every  time.Duration

	mu      sync.Mutex
	open    map[*gorillaConn]struct{}
	running bool // the loop goroutine is running
	stopped bool
}

// watch is what the loop checks of an authenticated socket.
type watch struct {
	token  string
	viewer auth.Viewer
	cancel context.CancelFunc // ends the socket's operations
}

// add records a new socket; false when the server is stopping (the
// socket is to be closed at once).
func (s *sockets) add(c *gorillaConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return false
	}
	if s.open == nil {
		s.open = map[*gorillaConn]struct{}{}
	}
	s.open[c] = struct{}{}
	if !s.running {
		s.running = true
		go s.loop()
	}
	return true
}

// remove forgets a closed socket and returns its watch (nil when it was
// never authenticated).
func (s *sockets) remove(c *gorillaConn) *watch {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.open, c)
	return c.watch
}

// authenticated starts re-checking a socket's token.
func (s *sockets) authenticated(c *gorillaConn, w *watch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.watch = w
}

// closeAll closes every open socket with 1001 and refuses new ones.
func (s *sockets) closeAll() {
	s.mu.Lock()
	s.stopped = true
	open := s.open
	s.open = nil
	s.mu.Unlock()
	for c := range open {
		c.closeWith(CloseGoingAway, "server shutting down: reconnect and resume")
	}
}

// loop pings and re-checks the open sockets until there are none.
func (s *sockets) loop() {
	ping := time.NewTicker(s.ping)
	defer ping.Stop()
	recheck := time.NewTicker(s.every)
	defer recheck.Stop()
	for {
		var pinging bool
		select {
		case <-ping.C:
			pinging = true
		case <-recheck.C:
		}
		s.mu.Lock()
		if len(s.open) == 0 {
			s.running = false
			s.mu.Unlock()
			return
		}
		conns := make([]*gorillaConn, 0, len(s.open))
		byToken := map[string][]*gorillaConn{}
		for c := range s.open {
			conns = append(conns, c)
			if c.watch != nil {
				byToken[c.watch.token] = append(byToken[c.watch.token], c)
			}
		}
		s.mu.Unlock()
		if pinging {
			deadline := time.Now().Add(s.ping / 2)
			for _, c := range conns {
				_ = c.ws.WriteControl(websocket.PingMessage, nil, deadline)
			}
			continue
		}
		for token, cs := range byToken {
			s.recheck(token, cs)
		}
	}
}

// recheck authenticates token once and closes those of its sockets that
// may no longer see what they were opened with.
func (s *sockets) recheck(token string, cs []*gorillaConn) {
	now, err := s.authn.Authenticate(context.Background(), token)
	if err != nil && !errors.Is(err, apperr.ErrUnauthenticated) {
		// The database did not answer: keep the sockets, check again.
		s.logger.Warn("re-authenticating websockets", "sockets", len(cs), "error", err)
		return
	}
	for _, c := range cs {
		switch {
		case err != nil:
			c.closeWith(CloseUnauthorized, "token expired or revoked")
		case !sameRights(c.watch.viewer, now):
			c.closeWith(CloseForbidden, "permissions changed: reconnect")
		}
	}
}
