package realtime

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"entgo.io/ent/dialect/sql"

	"helpdesk/ent"
	"helpdesk/ent/predicate"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/authz"
	"helpdesk/internal/gid"
)

// evaluations is what every live queue of the process needs to know of
// each event, read once for all of them: the event's content with its
// ticket, the facts the read policy depends on (authz.TicketFacts), and
// which of the queues' distinct filters (without any viewer's scope) the
// ticket matches. Each queue then decides in memory whether its viewer
// may read the ticket (Queue.Reads), so the statements an event costs do
// not grow with the number of queues or of viewers.
//
// The first queue to handle a sequence evaluates it, for every filter
// followed at that moment, in a few statements (the content, the facts,
// one for all the filters); the others reuse what it read. A filter that
// joined later is evaluated alone on the sequences it asks for.
type evaluations struct {
	mu      sync.Mutex
	filters map[string]*followed // filters followed, by Queue.Filter
	bySeq   map[int64]*evaluated
	last    int64 // the highest sequence evaluated
}

// followed is a filter and how many subscribers follow it.
type followed struct {
	match predicate.Ticket // nil: every ticket
	subs  int
}

// evaluated is one sequence's evaluation.
type evaluated struct {
	content *ent.TicketEvent // nil when the log no longer holds it
	facts   *authz.TicketFacts
	batch   *evaluatedBatch
}

// evaluatedBatch holds the filters' answers for the tickets of the
// sequences evaluated together.
type evaluatedBatch struct {
	tickets []gid.ID
	// matches holds, per filter evaluated, the tickets that match it.
	matches map[string]map[gid.ID]bool
}

// judgement is what a queue learns of one event: whether its ticket
// matches the queue's filter, its content and its ticket's facts (nil
// when the log no longer holds it).
type judgement struct {
	matches bool
	content *ent.TicketEvent
	facts   *authz.TicketFacts
}

// follow registers a subscriber's filter under key.
func (e *evaluations) follow(key string, match predicate.Ticket) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.filters == nil {
		e.filters = map[string]*followed{}
	}
	f := e.filters[key]
	if f == nil {
		f = &followed{match: match}
		e.filters[key] = f
	}
	f.subs++
}

// unfollow forgets a subscriber's filter.
func (e *evaluations) unfollow(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if f := e.filters[key]; f != nil {
		if f.subs--; f.subs == 0 {
			delete(e.filters, key)
		}
	}
}

// judge returns, by sequence, what the queue following the filter key
// (match) learns of evs, reading what no queue has read yet. keep bounds
// how many sequences are remembered.
func (e *evaluations) judge(ctx context.Context, f *Feed, key string, match predicate.Ticket, evs []*ent.TicketEvent, keep int64) (map[int64]judgement, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.bySeq == nil {
		e.bySeq = map[int64]*evaluated{}
	}
	var fresh []*ent.TicketEvent
	for _, ev := range evs {
		if e.bySeq[ev.Sequence] == nil {
			fresh = append(fresh, ev)
		}
	}
	if len(fresh) > 0 {
		if err := e.evaluate(ctx, f, fresh); err != nil {
			return nil, err
		}
	}
	out := make(map[int64]judgement, len(evs))
	for _, ev := range evs {
		se := e.bySeq[ev.Sequence]
		in, ok := se.batch.matches[key]
		if !ok {
			// A filter followed since the sequence was evaluated.
			got, err := matchFilters(systemContext(ctx), f, se.batch.tickets, []string{key}, []predicate.Ticket{match})
			if err != nil {
				return nil, err
			}
			in = got[key]
			se.batch.matches[key] = in
		}
		out[ev.Sequence] = judgement{matches: in[ev.TicketID], content: se.content, facts: se.facts}
	}
	if int64(len(e.bySeq)) > 2*keep {
		for seq := range e.bySeq {
			if seq <= e.last-keep {
				delete(e.bySeq, seq)
			}
		}
	}
	return out, nil
}

// evaluate reads the content, the facts and every followed filter's
// answer for evs.
func (e *evaluations) evaluate(ctx context.Context, f *Feed, evs []*ent.TicketEvent) error {
	ctx = systemContext(ctx)
	evIDs := make([]gid.ID, len(evs))
	for i, ev := range evs {
		evIDs[i] = ev.ID
	}
	rows, err := f.Client.TicketEvent.Query().Where(ticketevent.IDIn(evIDs...)).WithTicket().All(ctx)
	if err != nil {
		return fmt.Errorf("reading the events: %w", err)
	}
	content := make(map[gid.ID]*ent.TicketEvent, len(rows))
	tickets := make([]*ent.Ticket, 0, len(rows))
	for _, ev := range rows {
		content[ev.ID] = ev
		if ev.Edges.Ticket != nil {
			tickets = append(tickets, ev.Edges.Ticket)
		}
	}
	facts, err := authz.ReadTicketFacts(ctx, f.Client, f.Dialect, tickets)
	if err != nil {
		return err
	}
	b := &evaluatedBatch{}
	for id := range facts {
		b.tickets = append(b.tickets, id)
	}
	keys := make([]string, 0, len(e.filters))
	preds := make([]predicate.Ticket, 0, len(e.filters))
	for k, fl := range e.filters {
		keys = append(keys, k)
		preds = append(preds, fl.match)
	}
	if b.matches, err = matchFilters(ctx, f, b.tickets, keys, preds); err != nil {
		return err
	}
	for _, ev := range evs {
		se := &evaluated{content: content[ev.ID], batch: b}
		if se.content != nil && se.content.Edges.Ticket != nil {
			se.facts = facts[se.content.Edges.Ticket.ID]
		}
		if se.facts == nil {
			// The log no longer holds the event (or its ticket): nobody
			// receives it.
			se.content = nil
		}
		e.bySeq[ev.Sequence] = se
		e.last = max(e.last, ev.Sequence)
	}
	return nil
}

// filtersPerStatement bounds the filters evaluated in one statement (a
// UNION ALL of one SELECT per filter), and argsPerStatement the arguments
// it binds.
const (
	filtersPerStatement = 50
	argsPerStatement    = 8000
)

// matchFilters answers filters (preds[i] is the filter named keys[i],
// nil: every ticket) for tickets, as the system: the tickets each
// matches, by key, every key answered. The filters are read together, a
// few statements for any number of them.
func matchFilters(ctx context.Context, f *Feed, tickets []gid.ID, keys []string, preds []predicate.Ticket) (map[string]map[gid.ID]bool, error) {
	out := make(map[string]map[gid.ID]bool, len(keys))
	for _, k := range keys {
		out[k] = map[gid.ID]bool{}
	}
	if len(tickets) == 0 || len(keys) == 0 {
		return out, nil
	}
	ids := make([]any, len(tickets))
	for i, id := range tickets {
		ids[i] = string(id)
	}
	per := max(1, min(filtersPerStatement, argsPerStatement/len(ids)))
	for start := 0; start < len(keys); start += per {
		end := min(start+per, len(keys))
		var query *sql.Selector
		for i := start; i < end; i++ {
			t := sql.Table(ticket.Table)
			s := sql.Dialect(f.Dialect).Select(t.C(ticket.FieldID)).
				AppendSelectExpr(sql.Expr(strconv.Itoa(i))).
				From(t).Where(sql.In(t.C(ticket.FieldID), ids...))
			if preds[i] != nil {
				preds[i](s)
			}
			if query == nil {
				query = s
			} else {
				query.UnionAll(s)
			}
		}
		text, args := query.Query()
		rows, err := f.Client.QueryContext(ctx, text, args...)
		if err != nil {
			return nil, fmt.Errorf("evaluating the live queues' filters: %w", err)
		}
		for rows.Next() {
			var id string
			var i int
			if err := rows.Scan(&id, &i); err != nil {
				rows.Close()
				return nil, fmt.Errorf("evaluating the live queues' filters: %w", err)
			}
			if i >= start && i < end {
				out[keys[i]][gid.ID(id)] = true
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("evaluating the live queues' filters: %w", err)
		}
	}
	return out, nil
}
