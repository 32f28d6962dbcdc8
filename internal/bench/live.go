package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// LiveQueueSubscription is the live queue a fanout subscriber follows.
const LiveQueueSubscription = `subscription($where: TicketWhereInput) {
  ticketEvents(where: $where) { id kind queueChange totalCount cursor ticket { id } changes { field to } }
}`

// ChangePrefix starts the titles a load gives the tickets it changes:
// "<prefix><k>" is change k, so that a subscriber knows which change an
// event carries.
const ChangePrefix = "load-"

// Delivery is one measured change received by a subscriber: the change
// (k of its title) and when it arrived (Unix nanoseconds).
type Delivery struct {
	Change int
	At     int64
}

// Subscriber is one websocket client (graphql-transport-ws) on a live
// queue.
type Subscriber struct {
	conn *websocket.Conn
	wmu  sync.Mutex
	// Received counts the events received, measured changes or not.
	Received atomic.Int64
	mu       sync.Mutex
	got      []Delivery
}

// Dialer is the websocket dialer of subscribers: small buffers, as a
// browser tab's.
var Dialer = websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 30 * time.Second,
	ReadBufferSize: 1024, WriteBufferSize: 1024}

// WebsocketURL is the websocket address of a GraphQL endpoint.
func WebsocketURL(graphqlURL string) string {
	if rest, ok := strings.CutPrefix(graphqlURL, "https://"); ok {
		return "wss://" + rest
	}
	return "ws://" + strings.TrimPrefix(graphqlURL, "http://")
}

// Subscribe opens one socket to the GraphQL endpoint at wsURL, initialises
// it with token and starts the live queue of where.
func Subscribe(wsURL, token string, where map[string]any) (*Subscriber, error) {
	conn, _, err := Dialer.Dial(wsURL, http.Header{})
	if err != nil {
		return nil, err
	}
	s := &Subscriber{conn: conn}
	if err := conn.WriteJSON(map[string]any{"type": "connection_init", "payload": map[string]any{"authorization": "Bearer " + token}}); err != nil {
		conn.Close()
		return nil, err
	}
	for {
		var m struct{ Type string }
		if err := conn.ReadJSON(&m); err != nil {
			conn.Close()
			return nil, fmt.Errorf("waiting for connection_ack: %w", err)
		}
		if m.Type == "connection_ack" {
			break
		}
	}
	err = conn.WriteJSON(map[string]any{"id": "1", "type": "subscribe",
		"payload": map[string]any{"query": LiveQueueSubscription, "variables": map[string]any{"where": where}}})
	if err != nil {
		conn.Close()
		return nil, err
	}
	return s, nil
}

// SubscribeAll opens n subscribers, at most 64 handshakes at a time;
// subscriber i follows where(i) with token(i).
func SubscribeAll(wsURL string, n int, token func(i int) string, where func(i int) map[string]any) ([]*Subscriber, error) {
	return subscribeAll(wsURL, n, token, where, nil)
}

// SubscribeAllReading is SubscribeAll with each subscriber reading (Read,
// into errs and closed) as soon as it has subscribed, so that the first
// ones answer the server's pings while the others open: opening thousands
// of sockets on a busy machine can take longer than the server waits for
// a pong.
func SubscribeAllReading(wsURL string, n int, token func(i int) string, where func(i int) map[string]any, errs *atomic.Int64, closed chan<- int) ([]*Subscriber, error) {
	return subscribeAll(wsURL, n, token, where, func(s *Subscriber) { go s.Read(errs, closed) })
}

func subscribeAll(wsURL string, n int, token func(i int) string, where func(i int) map[string]any, opened func(*Subscriber)) ([]*Subscriber, error) {
	subs := make([]*Subscriber, n)
	var (
		wg      sync.WaitGroup
		sem     = make(chan struct{}, 64)
		dialErr atomic.Value
	)
	for i := range subs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			s, err := Subscribe(wsURL, token(i), where(i))
			if err != nil {
				dialErr.CompareAndSwap(nil, fmt.Errorf("subscriber %d: %w", i, err))
				return
			}
			subs[i] = s
			if opened != nil {
				opened(s)
			}
		})
	}
	wg.Wait()
	if err, _ := dialErr.Load().(error); err != nil {
		CloseAll(subs)
		return nil, err
	}
	return subs, nil
}

// CloseAll closes the subscribers' sockets.
func CloseAll(subs []*Subscriber) {
	for _, s := range subs {
		if s != nil {
			_ = s.conn.Close()
		}
	}
}

// Read receives the subscriber's messages until its socket closes,
// answering pings and stamping each measured change with its arrival
// time. Malformed messages and GraphQL errors count in errs; the close
// code goes to closed (-1 when the socket ended without one).
func (s *Subscriber) Read(errs *atomic.Int64, closed chan<- int) {
	for {
		_, data, err := s.conn.ReadMessage()
		at := time.Now().UnixNano()
		if err != nil {
			code := -1
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				code = ce.Code
			}
			closed <- code
			return
		}
		var m struct {
			Type    string
			Payload struct {
				Data struct {
					TicketEvents struct {
						// Changes is null on a withheld LEFT.
						Changes []struct {
							Field string
							To    *string
						}
					} `json:"ticketEvents"`
				}
				Errors json.RawMessage
			}
		}
		if err := json.Unmarshal(data, &m); err != nil {
			errs.Add(1)
			continue
		}
		switch m.Type {
		case "ping":
			s.wmu.Lock()
			_ = s.conn.WriteJSON(map[string]any{"type": "pong"})
			s.wmu.Unlock()
			continue
		case "next":
		case "error", "complete":
			errs.Add(1)
			continue
		default:
			continue
		}
		if len(m.Payload.Errors) > 0 {
			errs.Add(1)
		}
		change := -1
		for _, c := range m.Payload.Data.TicketEvents.Changes {
			if c.Field == "title" && c.To != nil && strings.HasPrefix(*c.To, ChangePrefix) {
				change, _ = strconv.Atoi(strings.TrimPrefix(*c.To, ChangePrefix))
			}
		}
		if change >= 0 {
			s.mu.Lock()
			s.got = append(s.got, Delivery{Change: change, At: at})
			s.mu.Unlock()
		}
		s.Received.Add(1)
	}
}

// Deliveries returns the measured changes the subscriber has received.
func (s *Subscriber) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

// Matched counts the measured changes the subscribers have received.
func Matched(subs []*Subscriber) int64 {
	var m int64
	for _, s := range subs {
		s.mu.Lock()
		m += int64(len(s.got))
		s.mu.Unlock()
	}
	return m
}

// AllLive reports whether every subscriber has received an event.
func AllLive(subs []*Subscriber) bool {
	for _, s := range subs {
		if s.Received.Load() == 0 {
			return false
		}
	}
	return true
}

// Percentiles returns the 50th, 90th, 99th percentiles and the maximum
// of v (sorted in place).
func Percentiles(v []int64) (p50, p90, p99, pmax int64) {
	if len(v) == 0 {
		return
	}
	slices.Sort(v)
	at := func(p float64) int64 { return v[int(p*float64(len(v)-1))] }
	return at(0.50), at(0.90), at(0.99), v[len(v)-1]
}

// RaiseFileLimit lifts the open-file limit to its hard maximum (each
// subscription holds a socket on both sides) and returns the limit.
func RaiseFileLimit() uint64 {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
		_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l)
	}
	return l.Cur
}
