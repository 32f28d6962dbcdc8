package events

import (
	"context"
	"fmt"
	"hash/maphash"
	"sync/atomic"

	"helpdesk/ent"
	"helpdesk/ent/category"
	"helpdesk/ent/customer"
	"helpdesk/ent/hook"
	"helpdesk/ent/slapolicy"
	"helpdesk/internal/auth"
	"helpdesk/internal/gid"
)

// Ticket rows are cached per transaction: a change reads its ticket once
// and its reactors (assignment, notifications, SLA, the read-back) take
// that row instead of reading it again. Every ent mutation of tickets, in
// any transaction, bumps a generation counter of the ticket (a slot of
// ticketGenerations picked by its id; a mutation of many rows bumps
// bulkGeneration), and a cached row is used only while the counters it
// was read at are unchanged. Writers that hold the row they wrote keep it
// with KeepTicket; writes outside ent call WroteTicket.

// ticketGenerations counts mutations per slot of ticket ids.
var ticketGenerations [1024]atomic.Uint64

// bulkGeneration counts mutations of tickets selected by predicates.
var bulkGeneration atomic.Uint64

var generationSeed = maphash.MakeSeed()

func generationOf(id gid.ID) *atomic.Uint64 {
	return &ticketGenerations[maphash.String(generationSeed, string(id))%uint64(len(ticketGenerations))]
}

// cachedTicket is a ticket row and the generations it was current at.
type cachedTicket struct {
	row        *ent.Ticket
	generation uint64
	bulk       uint64
}

// CacheRows installs on the pipeline's client the hooks that let
// transactions cache ticket rows (see Tx.LoadTicket) and reference rows
// (see Remember). Call it once, before first use; without it every
// LoadTicket and Remember reads.
func (p *Pipeline) CacheRows() {
	p.Client.Use(func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if !referenceTypes[m.Type()] {
				return next.Mutate(ctx, m)
			}
			referenceGeneration.Add(1)
			defer referenceGeneration.Add(1)
			return next.Mutate(ctx, m)
		})
	})
	p.Client.Ticket.Use(func(next ent.Mutator) ent.Mutator {
		return hook.TicketFunc(func(ctx context.Context, m *ent.TicketMutation) (ent.Value, error) {
			bump := func() {
				if id, ok := m.ID(); ok && (m.Op().Is(ent.OpUpdateOne) || m.Op().Is(ent.OpDeleteOne)) {
					generationOf(id).Add(1)
				} else if !m.Op().Is(ent.OpCreate) {
					bulkGeneration.Add(1)
				}
			}
			// Before and after: a read racing the write sees a change
			// either way.
			bump()
			defer bump()
			return next.Mutate(ctx, m)
		})
	})
	p.cacheTickets = true
}

// LoadTicket returns the ticket's row as this transaction has it now,
// read as the system (a change's reactors see every row of the change).
// The row is the caller's to modify.
func (tx *Tx) LoadTicket(ctx context.Context, id gid.ID) (*ent.Ticket, error) {
	if c, ok := tx.tickets[id]; ok && tx.p.cacheTickets &&
		c.generation == generationOf(id).Load() && c.bulk == bulkGeneration.Load() {
		row := *c.row
		return &row, nil
	}
	generation, bulk := generationOf(id).Load(), bulkGeneration.Load()
	t, err := tx.Ticket.Get(auth.WithViewer(ctx, auth.System), id)
	if err != nil {
		return nil, err
	}
	tx.store(t, generation, bulk)
	return t, nil
}

// KeepTicket records t as the ticket's current row in this transaction:
// the full row a write just returned (UpdateOne's Save).
func (tx *Tx) KeepTicket(t *ent.Ticket) {
	tx.store(t, generationOf(t.ID).Load(), bulkGeneration.Load())
}

func (tx *Tx) store(t *ent.Ticket, generation, bulk uint64) {
	if !tx.p.cacheTickets {
		return
	}
	if tx.tickets == nil {
		tx.tickets = map[gid.ID]cachedTicket{}
	}
	row := *t
	row.Edges = ent.TicketEdges{}
	tx.tickets[t.ID] = cachedTicket{row: &row, generation: generation, bulk: bulk}
}

// WroteTicket applies to the cached row of a ticket a write made outside
// ent (fn makes the same change to the row).
func (tx *Tx) WroteTicket(id gid.ID, fn func(*ent.Ticket)) {
	if c, ok := tx.tickets[id]; ok {
		fn(c.row)
	}
}

// referenceTypes are the rows Remember's values are made of: a mutation
// of any of them, anywhere, voids every remembered value.
var referenceTypes = map[string]bool{
	ent.TypeCategory: true, ent.TypeSLAPolicy: true, ent.TypeBusinessCalendar: true,
	ent.TypeTeam: true, ent.TypeCustomer: true,
}

// referenceGeneration counts mutations of referenceTypes.
var referenceGeneration atomic.Uint64

// remembered is a value of Remember and the generation it was read at.
type remembered struct {
	value      any
	generation uint64
}

// Remember returns what load returns for key, loading it at most once per
// transaction: for values read from categories, SLA policies, business
// calendars, teams and customers only (any write to those rows voids
// them), the same whoever reads (no viewer scope applies), and that the
// callers do not modify.
func Remember[T any](tx *Tx, key string, load func() (T, error)) (T, error) {
	if !tx.p.cacheTickets {
		return load()
	}
	generation := referenceGeneration.Load()
	if r, ok := tx.remembered[key]; ok && r.generation == generation {
		return r.value.(T), nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	if tx.remembered == nil {
		tx.remembered = map[string]remembered{}
	}
	tx.remembered[key] = remembered{value: v, generation: generation}
	return v, nil
}

// Category returns a category with its default team and SLA policy, read
// once per transaction (see Remember): routing and the SLA reactor both
// walk the new ticket's category path.
func Category(ctx context.Context, tx *Tx, id gid.ID) (*ent.Category, error) {
	return Remember(tx, "category:"+string(id), func() (*ent.Category, error) {
		return tx.Category.Query().Where(category.ID(id)).WithDefaultTeam().WithSLAPolicy().Only(ctx)
	})
}

// ActiveSLAPolicies returns the active SLA policies by position, then
// name, read once per transaction: a new ticket's default policy and the
// SLA reactor's choice both look at them.
func ActiveSLAPolicies(ctx context.Context, tx *Tx) ([]*ent.SLAPolicy, error) {
	return Remember(tx, "sla-policies", func() ([]*ent.SLAPolicy, error) {
		return tx.SLAPolicy.Query().Where(slapolicy.Active(true)).
			Order(ent.Asc(slapolicy.FieldPosition), ent.Asc(slapolicy.FieldName)).All(ctx)
	})
}

// Customer returns a customer read as the system, once per transaction.
// It is for reactors, which see every row: it never applies a viewer's
// scope.
func Customer(ctx context.Context, tx *Tx, id gid.ID) (*ent.Customer, error) {
	return Remember(tx, "customer:"+string(id), func() (*ent.Customer, error) {
		return tx.Customer.Query().Where(customer.ID(id)).Only(auth.WithViewer(ctx, auth.System))
	})
}

// KeepCustomer records a customer row a change has read (within any
// viewer's scope: the row is the same), for Customer to return.
func KeepCustomer(tx *Tx, c *ent.Customer) {
	if !tx.p.cacheTickets {
		return
	}
	if tx.remembered == nil {
		tx.remembered = map[string]remembered{}
	}
	tx.remembered["customer:"+string(c.ID)] = remembered{value: c, generation: referenceGeneration.Load()}
}

// sharedRows is the row cache that the transactions of ShareRows have in
// common.
type sharedRows struct {
	tickets    map[gid.ID]cachedTicket
	remembered map[string]remembered
	kept       map[string]any
	// events are the events appended by the changes, not yet written
	// (see AppendShared).
	events []*ent.TicketEvent
}

type sharedRowsKey struct{}

// ShareRows returns ctx under which the pipeline's transactions share
// one row cache (LoadTicket, Remember) instead of one each: a row read or
// written by one change serves the next ones, as long as the generation
// counters say it is current. It is for a batch of changes made one
// after another by one goroutine inside one database transaction
// (store.InOneTransaction), where no other writer can change the rows
// between them: the demo loader replaying its history. A change that
// fails empties the cache.
//
// The changes' events are not inserted one change at a time: each
// change's event gets its id and sequence as usual, and AppendShared
// writes them all, in sequence order, once the batch is done. Nothing may
// read the event log before then.
func ShareRows(ctx context.Context) context.Context {
	return context.WithValue(ctx, sharedRowsKey{}, &sharedRows{
		tickets: map[gid.ID]cachedTicket{}, remembered: map[string]remembered{}, kept: map[string]any{},
	})
}

func sharedRowsFrom(ctx context.Context) *sharedRows {
	s, _ := ctx.Value(sharedRowsKey{}).(*sharedRows)
	return s
}

// forget empties the cache (nothing on a nil one). The events of a
// change that failed are dropped with the batch's transaction: the batch
// is in one, which the failed change dooms.
func (s *sharedRows) forget() {
	if s != nil {
		clear(s.tickets)
		clear(s.remembered)
		clear(s.kept)
	}
}

// appendBatch is how many events AppendShared inserts per statement.
const appendBatch = 500

// AppendShared writes through client the events the changes of ctx's
// ShareRows appended, in batches (nothing without ShareRows). Call it
// once the changes are done, on the same database transaction.
func AppendShared(ctx context.Context, client *ent.Client) error {
	s := sharedRowsFrom(ctx)
	if s == nil {
		return nil
	}
	for len(s.events) > 0 {
		n := min(appendBatch, len(s.events))
		creates := make([]*ent.TicketEventCreate, n)
		for i, ev := range s.events[:n] {
			creates[i] = client.TicketEvent.Create().
				SetID(ev.ID).
				SetSequence(ev.Sequence).
				SetKind(ev.Kind).
				SetChanges(ev.Changes).
				SetCreatedAt(ev.CreatedAt).
				SetTicketID(ev.TicketID).
				SetNillableActorID(ev.ActorID).
				SetNillableCommentID(ev.CommentID)
		}
		if err := client.TicketEvent.CreateBulk(creates...).Exec(ctx); err != nil {
			return fmt.Errorf("appending ticket events: %w", err)
		}
		s.events = s.events[n:]
	}
	return nil
}

// Keep keeps v under key for the following changes of ShareRows (it does
// nothing without it), for Kept to return. It is for a reactor's copy of
// rows that it alone writes: it must keep the copy current with every
// write it makes, and callers must not modify v.
func Keep(ctx context.Context, key string, v any) {
	if s := sharedRowsFrom(ctx); s != nil {
		s.kept[key] = v
	}
}

// Kept returns the value kept under key by Keep, if any.
func Kept(ctx context.Context, key string) (any, bool) {
	s := sharedRowsFrom(ctx)
	if s == nil {
		return nil, false
	}
	v, ok := s.kept[key]
	return v, ok
}
