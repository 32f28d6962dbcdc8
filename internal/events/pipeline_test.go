package events_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"golang.org/x/crypto/bcrypt"

	"helpdesk/ent"
	"helpdesk/ent/schematype"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/auth"
	"helpdesk/internal/events"
	"helpdesk/internal/gid"
	"helpdesk/internal/server"
	"helpdesk/internal/testdb"
	"helpdesk/internal/ticketing"
)

// recorder is a Publisher that keeps what it is given.
type recorder struct {
	mu      sync.Mutex
	batches [][]*ent.TicketEvent
}

func (r *recorder) Publish(_ context.Context, evs []*ent.TicketEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches = append(r.batches, evs)
}

func (r *recorder) sequences() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int64
	for _, b := range r.batches {
		for _, ev := range b {
			out = append(out, ev.Sequence)
		}
	}
	return out
}

type world struct {
	app     *server.App
	tickets []gid.ID
}

func sys() context.Context { return auth.WithViewer(context.Background(), auth.System) }

func newWorld(t *testing.T, dial string, tickets int) *world {
	t.Helper()
	app, err := server.NewApp(sys(), testdb.Open(t, dial), server.Options{PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	w := &world{app: app}
	internal := true
	for i := range tickets {
		tk, err := app.Tickets.CreateTicket(sys(), ticketing.CreateTicketInput{
			Title: fmt.Sprintf("Ticket %d", i), Channel: ticket.ChannelINTERNAL, Internal: &internal,
		})
		if err != nil {
			t.Fatal(err)
		}
		w.tickets = append(w.tickets, tk.ID)
	}
	return w
}

// retitle changes a ticket's title on tx and records it.
func retitle(ctx context.Context, tx *events.Tx, id gid.ID, title string) error {
	if err := tx.Ticket.UpdateOneID(id).SetTitle(title).Exec(ctx); err != nil {
		return err
	}
	to := title
	return tx.Record(ctx, events.Change{
		TicketID: id, Kind: ticketevent.KindUPDATED, At: time.Now(),
		Changes: []schematype.FieldChange{{Field: "title", To: &to}},
	})
}

func (w *world) count(t *testing.T, query string) int {
	t.Helper()
	var n int
	if err := w.app.DB.SQL.QueryRowContext(context.Background(), query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A change that fails after reactors wrote rows and enqueued a job
// leaves nothing behind: no row, no job, no event, nothing published.
func TestRolledBackChangeLeavesNothing(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		w := newWorld(t, dial, 1)
		pub := &recorder{}
		p := &events.Pipeline{Client: w.app.DB.Client, Dialect: w.app.DB.Dialect, Jobs: w.app.Jobs, Publisher: pub}
		p.React(events.ReactorFunc(func(ctx context.Context, tx *events.Tx, c events.Change) error {
			if err := tx.Tag.Create().SetName("reactor-" + string(c.TicketID)).Exec(ctx); err != nil {
				return err
			}
			return tx.EnqueueJob(ctx, ticketing.AutoCloseArgs{TicketID: c.TicketID, ResolvedAt: c.At}, nil)
		}))
		events0, jobs0 := w.count(t, "SELECT count(*) FROM ticket_events"), w.count(t, "SELECT count(*) FROM river_job")

		boom := errors.New("boom")
		err := p.WithTx(sys(), func(tx *events.Tx) error {
			if err := retitle(sys(), tx, w.tickets[0], "Never"); err != nil {
				return err
			}
			if n := w.count(t, "SELECT count(*) FROM tags"); dial == dialect.Postgres && n != 0 {
				t.Errorf("uncommitted tag visible outside the transaction")
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("WithTx = %v, want boom", err)
		}
		if n := w.count(t, "SELECT count(*) FROM tags WHERE name LIKE 'reactor-%'"); n != 0 {
			t.Errorf("the reactor's row survived the rollback")
		}
		if n := w.count(t, "SELECT count(*) FROM river_job"); n != jobs0 {
			t.Errorf("jobs = %d after rollback, want %d", n, jobs0)
		}
		if n := w.count(t, "SELECT count(*) FROM ticket_events"); n != events0 {
			t.Errorf("events = %d after rollback, want %d", n, events0)
		}
		if len(pub.sequences()) != 0 {
			t.Errorf("a rolled-back change was published: %v", pub.sequences())
		}

		// The same change committed leaves all three, and is published.
		if err := p.WithTx(sys(), func(tx *events.Tx) error { return retitle(sys(), tx, w.tickets[0], "Kept") }); err != nil {
			t.Fatal(err)
		}
		if n := w.count(t, "SELECT count(*) FROM tags WHERE name LIKE 'reactor-%'"); n != 1 {
			t.Errorf("reactor rows = %d after commit, want 1", n)
		}
		if n := w.count(t, "SELECT count(*) FROM river_job"); n != jobs0+1 {
			t.Errorf("jobs = %d after commit, want %d", n, jobs0+1)
		}
		if got := pub.sequences(); len(got) != 1 {
			t.Errorf("published %v, want one event", got)
		}
	})
}

// The publisher sees committed events only, each once, in sequence order,
// and the sequences have no gaps even when transactions roll back.
func TestPublisherSeesCommittedEventsInOrder(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		w := newWorld(t, dial, 4)
		pub := &recorder{}
		p := &events.Pipeline{Client: w.app.DB.Client, Dialect: w.app.DB.Dialect, Publisher: pub}
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = p.WithTx(sys(), func(tx *events.Tx) error {
					id := w.tickets[i%len(w.tickets)]
					if err := retitle(sys(), tx, id, fmt.Sprintf("Take %d", i)); err != nil {
						return err
					}
					if err := retitle(sys(), tx, id, fmt.Sprintf("Take %d, again", i)); err != nil {
						return err
					}
					if i%5 == 0 {
						return errors.New("rolled back on purpose")
					}
					return nil
				})
			}()
		}
		wg.Wait()
		got := pub.sequences()
		if len(got) != 2*32 {
			t.Fatalf("published %d events, want %d", len(got), 2*32)
		}
		stored, err := w.app.DB.Client.TicketEvent.Query().Where(ticketevent.KindEQ(ticketevent.KindUPDATED)).
			Order(ent.Asc(ticketevent.FieldSequence)).All(sys())
		if err != nil {
			t.Fatal(err)
		}
		var want []int64
		for _, ev := range stored {
			want = append(want, ev.Sequence)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("published sequences %v\nwant the stored ones in order %v", got, want)
		}
		all, err := w.app.DB.Client.TicketEvent.Query().Order(ent.Asc(ticketevent.FieldSequence)).All(sys())
		if err != nil {
			t.Fatal(err)
		}
		for i, ev := range all {
			if ev.Sequence != int64(i+1) {
				t.Fatalf("event %d has sequence %d: the log has a gap", i, ev.Sequence)
			}
		}
	})
}

// Writers to different tickets do not wait for a slow one: one writer
// changes its ticket and then keeps its transaction open; the nineteen
// others change theirs and commit meanwhile. Sequences follow commit
// order, so the slow writer's event comes last.
func TestWritersToDifferentTicketsDoNotWaitForEachOther(t *testing.T) {
	w := newWorld(t, dialect.Postgres, 20)
	p := w.app.Events
	release := make(chan struct{})
	slowDone := make(chan error, 1)
	slowChanged := make(chan struct{})
	go func() {
		slowDone <- p.WithTx(sys(), func(tx *events.Tx) error {
			if err := retitle(sys(), tx, w.tickets[0], "Slow"); err != nil {
				return err
			}
			close(slowChanged)
			select {
			case <-release:
				return nil
			case <-time.After(30 * time.Second):
				return errors.New("the other writers never finished")
			}
		})
	}()
	<-slowChanged
	var wg sync.WaitGroup
	errs := make(chan error, 19)
	for i := 1; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- p.WithTx(sys(), func(tx *events.Tx) error { return retitle(sys(), tx, w.tickets[i], "Quick") })
		}()
	}
	wg.Wait() // would hang until the slow writer's timeout if they waited for it
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	select {
	case err := <-slowDone:
		t.Fatalf("the slow writer finished before it was released: %v", err)
	default:
	}
	close(release)
	if err := <-slowDone; err != nil {
		t.Fatal(err)
	}
	last, err := w.app.DB.Client.TicketEvent.Query().Order(ent.Desc(ticketevent.FieldSequence)).First(sys())
	if err != nil {
		t.Fatal(err)
	}
	if last.TicketID != w.tickets[0] {
		t.Fatalf("the last sequence belongs to %s, want the slow writer's ticket %s", last.TicketID, w.tickets[0])
	}
}

// OnEvent hands each reactor the event of the change it reacted to, even
// when another reactor recorded a change meanwhile; outside a reactor it
// is refused.
func TestOnEventGetsTheChangesOwnEvent(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		w := newWorld(t, dial, 2)
		pub := &recorder{}
		p := &events.Pipeline{Client: w.app.DB.Client, Dialect: w.app.DB.Dialect, Publisher: pub}
		// The first reactor answers a change of ticket 0 with a change of
		// ticket 1, so the second sees two changes, nested.
		p.React(events.ReactorFunc(func(ctx context.Context, tx *events.Tx, c events.Change) error {
			if c.TicketID != w.tickets[0] {
				return nil
			}
			return retitle(ctx, tx, w.tickets[1], "Echo")
		}))
		got := map[gid.ID]int64{}
		p.React(events.ReactorFunc(func(ctx context.Context, tx *events.Tx, c events.Change) error {
			return tx.OnEvent(func(ctx context.Context, ev *ent.TicketEvent) error {
				if ev.TicketID != c.TicketID {
					return fmt.Errorf("event of %s handed to the reaction to %s", ev.TicketID, c.TicketID)
				}
				got[c.TicketID] = ev.Sequence
				return nil
			})
		}))
		err := p.WithTx(sys(), func(tx *events.Tx) error {
			if err := tx.OnEvent(func(context.Context, *ent.TicketEvent) error { return nil }); !errors.Is(err, events.ErrNotReacting) {
				return fmt.Errorf("OnEvent outside a reactor = %v", err)
			}
			return retitle(sys(), tx, w.tickets[0], "Origin")
		})
		if err != nil {
			t.Fatal(err)
		}
		seqs := pub.sequences()
		if len(seqs) != 2 || got[w.tickets[0]] != seqs[0] || got[w.tickets[1]] != seqs[1] {
			t.Fatalf("reactions saw %v, published %v", got, seqs)
		}
	})
}

// A transaction's cached ticket rows and remembered values follow every
// write made through ent, on the transaction or by a bulk update, and the
// rows handed out are copies.
func TestCachedRowsFollowWrites(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		w := newWorld(t, dial, 1)
		id := w.tickets[0]
		title := func(tx *events.Tx) string {
			t.Helper()
			row, err := tx.LoadTicket(sys(), id)
			if err != nil {
				t.Fatal(err)
			}
			return row.Title
		}
		err := w.app.Events.WithTx(sys(), func(tx *events.Tx) error {
			first, err := tx.LoadTicket(sys(), id)
			if err != nil {
				return err
			}
			first.Title = "changed in memory only"
			if got := title(tx); got == first.Title {
				t.Fatalf("a caller's change to its row reached the cache: %q", got)
			}
			if err := tx.Ticket.UpdateOneID(id).SetTitle("one row").Exec(sys()); err != nil {
				return err
			}
			if got := title(tx); got != "one row" {
				t.Fatalf("after an update of the row: %q", got)
			}
			if err := tx.Ticket.Update().Where(ticket.ID(id)).SetTitle("bulk").Exec(sys()); err != nil {
				return err
			}
			if got := title(tx); got != "bulk" {
				t.Fatalf("after a bulk update: %q", got)
			}

			loads := 0
			load := func() (int, error) { loads++; return loads, nil }
			for range 2 {
				if v, err := events.Remember(tx, "key", load); err != nil || v != 1 {
					t.Fatalf("remembered %d, %v; want the first load", v, err)
				}
			}
			if err := tx.Team.Create().SetName("Cache breakers").Exec(sys()); err != nil {
				return err
			}
			if v, err := events.Remember(tx, "key", load); err != nil || v != 2 {
				t.Fatalf("after a write to teams: %d, %v; want a new load", v, err)
			}
			return errors.New("rolled back on purpose")
		})
		if err == nil || err.Error() != "rolled back on purpose" {
			t.Fatal(err)
		}
	})
}
