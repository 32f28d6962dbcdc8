package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// priorities are the ticket priorities; every priority has two live
// queues, so the subscribers share len(queues) distinct filters.
var priorities = []string{"URGENT", "HIGH", "MEDIUM", "LOW"}

// queues are the filters subscriber i subscribes with (queue i mod len).
var queues = func() []map[string]any {
	var q []map[string]any
	for _, p := range priorities {
		q = append(q,
			map[string]any{"priority": p},
			map[string]any{"priority": p, "statusNotIn": []string{"RESOLVED", "CLOSED", "CANCELLED"}})
	}
	return q
}()

const subscription = `subscription($where: TicketWhereInput) {
  ticketEvents(where: $where) { id kind queueChange totalCount cursor ticket { id } changes { field to } }
}`

// delivery is one event received by a subscriber: the change it carries
// (from the title "load-<k>") and when it arrived.
type delivery struct {
	change int
	at     int64
}

// subscriber is one websocket client of the load.
type subscriber struct {
	conn     *websocket.Conn
	wmu      sync.Mutex
	received atomic.Int64
	mu       sync.Mutex
	got      []delivery
}

// clientResult is what the client process reports to the driver.
type clientResult struct {
	Deliveries int64   `json:"deliveries"`
	Latencies  []int64 `json:"-"`
	// Nanoseconds from commit to receipt, by percentile.
	P50, P90, P99, Max int64
	Unmatched          int64 `json:"unmatched"`
	Errors             int64 `json:"errors"`
	// Closed counts the sockets the server closed, e.g. because the
	// subscriber fell behind; CloseCodes counts them by close code.
	Closed         int64         `json:"closed"`
	CloseCodes     map[int]int64 `json:"closeCodes"`
	LastReceipt    int64         `json:"lastReceipt"`
	CPUSeconds     float64
	HeapInuse, Sys uint64
}

// runClients is the client process: it opens n subscriptions to url,
// reports "ready" once each has received an event, then reads the
// driver's commit stamps ("c <change> <unix nanos>") from stdin until
// "end <expected>", and prints its results as one JSON line.
func runClients(url, token string, n int) error {
	wsURL := strings.Replace(url, "http://", "ws://", 1) + "/graphql"
	subs := make([]*subscriber, n)
	var errs atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	dialer := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 30 * time.Second,
		ReadBufferSize: 1024, WriteBufferSize: 1024}
	var dialErr atomic.Value
	for i := range subs {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			s, err := subscribe(dialer, wsURL, token, queues[i%len(queues)])
			if err != nil {
				dialErr.Store(fmt.Errorf("subscriber %d: %w", i, err))
				return
			}
			subs[i] = s
		}(i)
	}
	wg.Wait()
	if err, _ := dialErr.Load().(error); err != nil {
		return err
	}
	closed := make(chan int, n)
	for _, s := range subs {
		go s.read(&errs, closed)
	}
	fmt.Println("subscribed")
	for {
		all := true
		for _, s := range subs {
			if s.received.Load() == 0 {
				all = false
				break
			}
		}
		if all {
			break
		}
		if len(closed) > 0 {
			return fmt.Errorf("the server closed %d sockets before they were live (first close code %d)", len(closed), <-closed)
		}
		time.Sleep(50 * time.Millisecond)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("ready %d %d\n", ms.HeapInuse+ms.StackInuse, ms.Sys)

	commits := map[int]int64{}
	in := bufio.NewScanner(os.Stdin)
	expected := int64(-1)
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) == 3 && f[0] == "c" {
			k, _ := strconv.Atoi(f[1])
			t, _ := strconv.ParseInt(f[2], 10, 64)
			commits[k] = t
		} else if len(f) == 2 && f[0] == "end" {
			expected, _ = strconv.ParseInt(f[1], 10, 64)
			break
		}
	}
	// Wait for the expected deliveries, or until none has come for 5s.
	for last, quiet := int64(-1), 0; quiet < 100; {
		m := matched(subs)
		if m >= expected {
			break
		}
		if m == last {
			quiet++
		} else {
			quiet = 0
		}
		last = m
		time.Sleep(50 * time.Millisecond)
	}
	var res clientResult
	res.Errors = errs.Load()
	res.CloseCodes = map[int]int64{}
	for len(closed) > 0 {
		res.CloseCodes[<-closed]++
		res.Closed++
	}
	for _, s := range subs {
		s.mu.Lock()
		for _, d := range s.got {
			c, ok := commits[d.change]
			if !ok {
				res.Unmatched++
				continue
			}
			res.Latencies = append(res.Latencies, d.at-c)
			if d.at > res.LastReceipt {
				res.LastReceipt = d.at
			}
		}
		s.mu.Unlock()
	}
	res.Deliveries = int64(len(res.Latencies))
	res.P50, res.P90, res.P99, res.Max = percentiles(res.Latencies)
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		res.CPUSeconds = cpuSeconds(ru)
	}
	runtime.ReadMemStats(&ms)
	res.HeapInuse, res.Sys = ms.HeapInuse+ms.StackInuse, ms.Sys
	out, err := json.Marshal(res)
	if err != nil {
		return err
	}
	fmt.Printf("result %s\n", out)
	for _, s := range subs {
		_ = s.conn.Close()
	}
	return nil
}

// matched counts the deliveries of measured changes received so far.
func matched(subs []*subscriber) int64 {
	var m int64
	for _, s := range subs {
		s.mu.Lock()
		for _, d := range s.got {
			if d.change >= 0 {
				m++
			}
		}
		s.mu.Unlock()
	}
	return m
}

// subscribe opens one socket, initialises it and starts the live queue.
func subscribe(d websocket.Dialer, url, token string, where map[string]any) (*subscriber, error) {
	conn, _, err := d.Dial(url, http.Header{})
	if err != nil {
		return nil, err
	}
	s := &subscriber{conn: conn}
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
		"payload": map[string]any{"query": subscription, "variables": map[string]any{"where": where}}})
	if err != nil {
		conn.Close()
		return nil, err
	}
	return s, nil
}

// read receives the subscriber's messages, answering pings and stamping
// each event with its arrival time.
func (s *subscriber) read(errs *atomic.Int64, closed chan<- int) {
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
			if c.Field == "title" && c.To != nil && strings.HasPrefix(*c.To, "load-") {
				change, _ = strconv.Atoi(strings.TrimPrefix(*c.To, "load-"))
			}
		}
		if change >= 0 {
			s.mu.Lock()
			s.got = append(s.got, delivery{change: change, at: at})
			s.mu.Unlock()
		}
		s.received.Add(1)
	}
}
