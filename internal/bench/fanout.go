package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync/atomic"
	"time"

	"helpdesk/internal/gid"
)

// fanout opens cfg.Subscribers websocket subscribers on the live queues
// of the teams of the data set's heavy tickets (as the tickets' assignees,
// who see them there), then retitles those tickets at cfg.ChangeRate for
// cfg.Duration and measures how long each change takes from its commit
// (from the mutation's request) to each subscriber, and the server's memory per
// idle connection.
func (s *scenarios) fanout(ctx context.Context, cfg Config, t *target, progress io.Writer) (Result, error) {
	res := Result{Name: "fanout", Clients: 1, StatementsPerRequest: -1, ServerCPUPerRequest: -1, ServerCPUPercent: -1, ServerRSSMB: -1}
	if len(s.w.Heavy) == 0 {
		res.Skipped = "the data set has no ticket to change"
		return res, nil
	}
	n := max(cfg.Subscribers, 1)
	// Subscriber i is the assignee of heavy ticket i mod len(Heavy) on
	// the live queue of that ticket's team: an agent sees there the
	// tickets assigned to it and the team's unassigned ones.
	agentOf := func(i int) gid.ID { return s.w.Heavy[i%len(s.w.Heavy)].Assignee }
	tokens := make([]string, n)
	following := map[gid.ID]int64{} // subscribers per agent
	for i := range n {
		k := slices.IndexFunc(s.w.Agents, func(a benchAgent) bool { return a.ID == agentOf(i) })
		if k < 0 {
			return res, fmt.Errorf("ticket %s is assigned to an unknown agent", s.w.Heavy[i%len(s.w.Heavy)].ID)
		}
		c, err := s.as(ctx, s.w.Agents[k].Email)
		if err != nil {
			return res, err
		}
		tokens[i] = c.token
		following[agentOf(i)]++
	}
	_, rss0, rssOK := t.usage()
	began := time.Now()
	var errs atomic.Int64
	closed := make(chan int, n)
	subs, err := SubscribeAllReading(WebsocketURL(s.url), n, func(i int) string { return tokens[i] },
		func(i int) map[string]any { return map[string]any{"teamID": s.w.Heavy[i%len(s.w.Heavy)].Team} }, &errs, closed)
	if err != nil {
		return res, err
	}
	defer CloseAll(subs)
	fmt.Fprintf(progress, "fanout: %d subscribers opened in %s\n", n, time.Since(began).Round(time.Millisecond))

	// Warm-up changes until every subscriber has received an event: every
	// subscription is then live.
	changers := make([]*gqlClient, len(s.w.Heavy))
	for i, h := range s.w.Heavy {
		k := slices.IndexFunc(s.w.Agents, func(a benchAgent) bool { return a.ID == h.Assignee })
		if k < 0 {
			return res, fmt.Errorf("ticket %s is assigned to an unknown agent", h.ID)
		}
		if changers[i], err = s.as(ctx, s.w.Agents[k].Email); err != nil {
			return res, err
		}
	}
	retitle := func(i int, title string) error {
		_, err := changers[i].do(ctx, `mutation($id: ID!, $t: String!) { updateTicket(id: $id, input: {title: $t}) { id } }`,
			map[string]any{"id": s.w.Heavy[i].ID, "t": title})
		return err
	}
	deadline := time.Now().Add(max(cfg.Warmup, 30*time.Second+time.Duration(n)*10*time.Millisecond))
	for round := 0; !AllLive(subs); round++ {
		if time.Now().After(deadline) {
			return res, fmt.Errorf("not every subscriber received an event within %s (%d sockets closed, %d errors)", time.Since(began).Round(time.Second), len(closed), errs.Load())
		}
		for i := range s.w.Heavy {
			if err := retitle(i, fmt.Sprintf("warm-up %d", round)); err != nil {
				return res, fmt.Errorf("warm-up change: %w", err)
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Idle: the connections' memory, once they are all live and quiet.
	time.Sleep(2 * time.Second)
	if _, rss1, ok := t.usage(); ok && rssOK {
		res.MemoryPerConnectionKB = float64(rss1-rss0) / 1024 / float64(n)
	}

	// Measured changes at a steady rate.
	profiled := make(chan error, 1)
	if cfg.CPUProfile != "" && cfg.ProfileScenario == "fanout" {
		go func() { profiled <- t.fetchProfile(ctx, cfg.Duration, cfg.CPUProfile) }()
	} else {
		profiled <- nil
	}
	defer func() {
		if err := <-profiled; err != nil {
			fmt.Fprintf(progress, "profiling fanout: %v\n", err)
		}
	}()
	stmts0, stmtsOK := t.statements(ctx)
	cpu0, _, usageOK := t.usage()
	interval := time.Duration(float64(time.Second) / max(cfg.ChangeRate, 0.1))
	tick := time.NewTicker(interval)
	commits := map[int]int64{}
	var expected int64
	start := time.Now()
	for k := 0; time.Since(start) < cfg.Duration && ctx.Err() == nil; k++ {
		<-tick.C
		i := k % len(s.w.Heavy)
		// The change commits between the request and its answer, and a
		// subscriber may hear of it before the answer arrives: latencies
		// count from the request, an upper bound.
		sent := time.Now().UnixNano()
		if err := retitle(i, fmt.Sprintf("%s%d", ChangePrefix, k)); err != nil {
			res.Errors++
			if res.FirstError == "" {
				res.FirstError = err.Error()
			}
			continue
		}
		commits[k] = sent
		// At least the assignee's subscribers hear of it (a watcher's
		// too, when it follows the ticket's team).
		expected += following[s.w.Heavy[i].Assignee]
		res.Requests++
		if k%int(max(cfg.ChangeRate, 1)) == 0 {
			fmt.Fprintf(progress, "\rfanout %4.0fs/%.0fs %6d changes %9d/%d deliveries", time.Since(start).Seconds(), cfg.Duration.Seconds(), k+1, Matched(subs), expected)
		}
	}
	tick.Stop()
	elapsed := time.Since(start)
	// Wait for the deliveries still on their way, or until none has come
	// for 5 s.
	for last, quiet := int64(-1), 0; quiet < 100; {
		m := Matched(subs)
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
	fmt.Fprintf(progress, "\r%-80s\r", "")
	stmts1, stmtsOK1 := t.statements(ctx)
	cpu1, rss, usageOK1 := t.usage()

	var latencies []int64
	for _, sub := range subs {
		seen := map[int]bool{}
		for _, d := range sub.Deliveries() {
			if seen[d.Change] {
				// A change delivered twice to one subscriber.
				res.Errors++
				if res.FirstError == "" {
					res.FirstError = fmt.Sprintf("change %d delivered twice to one subscriber", d.Change)
				}
				continue
			}
			seen[d.Change] = true
			if c, ok := commits[d.Change]; ok {
				latencies = append(latencies, d.At-c)
			}
		}
	}
	res.Subscribers, res.Expected, res.Deliveries = n, expected, int64(len(latencies))
	res.Errors += int(errs.Load()) + len(closed)
	res.Seconds = elapsed.Seconds()
	res.PerSecond = float64(res.Requests) / elapsed.Seconds()
	slices.Sort(latencies)
	ms := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		return float64(latencies[int(float64(len(latencies)-1)*p/100)]) / 1e6
	}
	res.P50, res.P90, res.P95, res.P99 = ms(50), ms(90), ms(95), ms(99)
	if res.Requests > 0 {
		if stmtsOK && stmtsOK1 {
			res.StatementsPerRequest = float64(stmts1-stmts0) / float64(res.Requests)
		}
		if usageOK && usageOK1 {
			cpu := cpu1 - cpu0
			res.ServerCPUPerRequest = float64(cpu.Microseconds()) / 1000 / float64(res.Requests)
			res.ServerCPUPercent = 100 * cpu.Seconds() / elapsed.Seconds()
			res.ServerRSSMB = float64(rss) / (1 << 20)
		}
	}
	return res, nil
}
