// Package demo loads a realistic demo helpdesk into an empty database: a
// business calendar and SLA policies, teams and agents, a category tree,
// customers, and 90 days of tickets with their comments.
//
// Everything is written through the domain services, never as raw ent rows,
// so every ticket carries the same TicketEvent history production writes.
// The services read a demo clock that the loader moves forward as it
// replays the history in time order, so timestamps, event sequences and
// ticket numbers all agree with one another and nothing lies after "now".
// The SLA timers the history schedules fire during the replay, when they
// were due, through the real SLA engine: reminders, breaches and their
// escalations are part of the history, and the server's first start has
// no overdue timer to catch up on.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"helpdesk/ent"
	"helpdesk/internal/auth"
	"helpdesk/internal/authz"
	"helpdesk/internal/catalog"
	"helpdesk/internal/directory"
	"helpdesk/internal/events"
	"helpdesk/internal/gid"
	"helpdesk/internal/jobs"
	"helpdesk/internal/search"
	"helpdesk/internal/sla"
	"helpdesk/internal/store"
	"helpdesk/internal/ticketing"
)

// Services are the domain services the loader writes through. Their Now
// fields are ignored: the loader builds its own copies with a demo clock.
// With DB set (the database the services write to), everything loads in
// one transaction: quickly, and entirely or not at all.
type Services struct {
	DB *store.DB
	// TicketCount is how many tickets to write; zero means
	// DefaultTicketCount.
	TicketCount int
	Tickets     *ticketing.Service
	Directory   *directory.Service
	Catalog     *catalog.Service
	// SLA and Jobs, when set, replay the SLA timers the history schedules
	// as it goes (see timers); without them the server fires the past
	// timers when it starts.
	SLA  *sla.Engine
	Jobs *jobs.Queue
}

// The demo administrator's login, printed when the server starts on demo
// data. Every demo agent has the same password, so any of them can be
// tried out (their emails are name@demo.helpdesk).
const (
	AdminEmail    = "admin@demo.helpdesk"
	AdminPassword = "helpdesk-demo"
)

// Summary counts what Load created.
type Summary struct {
	Teams, Agents, Categories, SLAPolicies, Customers, Tickets, Comments int
}

// historyDays is how far back the tickets' history reaches.
const historyDays = 90

// IsEmpty reports whether the database has no agents yet, which is when
// Load should run.
func IsEmpty(ctx context.Context, client *ent.Client) (bool, error) {
	exists, err := client.Agent.Query().Exist(ctx)
	if err != nil {
		return false, fmt.Errorf("checking for agents: %w", err)
	}
	return !exists, nil
}

// Load fills an empty database with the demo helpdesk. now is "today":
// every ticket is created, and changed, within the historyDays before it.
// The same seed gives the same data (apart from the random ids). Load
// refuses a database that already has agents.
func Load(ctx context.Context, s Services, now time.Time, seed int64) (Summary, error) {
	if s.Tickets == nil || s.Directory == nil || s.Catalog == nil {
		return Summary{}, errors.New("demo: every service is required")
	}
	// The loader's own reads are not an agent's: they see everything.
	ctx = auth.WithViewer(ctx, auth.System)
	if s.DB == nil {
		return load(ctx, s, now, seed)
	}
	var sum Summary
	err := s.DB.InOneTransaction(ctx, func(ctx context.Context) error {
		// Nothing else writes while the one transaction is open: each
		// change may take the rows the previous ones read or wrote, and
		// the search index is built once at the end rather than row by
		// row; the changes' events are written in batches at the end.
		var err error
		shared := events.ShareRows(ctx)
		if sum, err = load(search.Deferred(shared), s, now, seed); err != nil {
			return err
		}
		if err := events.AppendShared(shared, s.Tickets.Client); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if err := search.IndexAll(ctx, s.Tickets.Client); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		return nil
	})
	return sum, err
}

func load(ctx context.Context, s Services, now time.Time, seed int64) (Summary, error) {
	empty, err := IsEmpty(ctx, s.Directory.Client)
	if err != nil {
		return Summary{}, err
	}
	if !empty {
		return Summary{}, errors.New("demo: the database already has agents; demo data only loads into an empty database")
	}
	l := newLoader(s, now, seed)
	for _, load := range []struct {
		what string
		run  func(context.Context) error
	}{
		{"calendar and SLA policies", l.loadSLAPolicies},
		{"teams", l.loadTeams},
		{"agents", l.loadAgents},
		{"categories", l.loadCategories},
		{"customers", l.loadCustomers},
		// No agent, team membership or policy rule changes while the
		// tickets' history is replayed: who may read a ticket is decided
		// once per kind of ticket and agent.
		{"tickets", func(ctx context.Context) error { return l.loadTickets(authz.CacheReads(ctx)) }},
	} {
		if err := load.run(ctx); err != nil {
			return l.sum, fmt.Errorf("demo: loading %s: %w", load.what, err)
		}
	}
	return l.sum, nil
}

// loader holds the services running on the demo clock and what has been
// created so far.
type loader struct {
	now         time.Time
	ticketCount int
	loc         *time.Location
	rng         *rand.Rand
	clock       *clock
	timers      *timers

	tickets   ticketing.Service
	directory directory.Service
	catalog   catalog.Service

	sum        Summary
	calendarID gid.ID
	policies   map[string]*ent.SLAPolicy
	teams      []*demoTeam
	agents     []*demoAgent
	categories []*demoCategory
	customers  []*demoCustomer
}

// setupAge is how long before now the configuration (calendar, teams,
// agents, categories, customers) is dated: before the first ticket.
const setupAge = (historyDays + 30) * 24 * time.Hour

func newLoader(s Services, now time.Time, seed int64) *loader {
	now = now.UTC()
	c := &clock{t: now.Add(-setupAge)}
	l := &loader{
		now:         now,
		ticketCount: s.TicketCount,
		loc:         officeLocation(),
		rng:         rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)),
		clock:       c,
		tickets:     *s.Tickets,
		directory:   *s.Directory,
		catalog:     *s.Catalog,
		policies:    map[string]*ent.SLAPolicy{},
	}
	l.timers = newTimers(s, c)
	l.tickets.Now = c.Now
	l.directory.Now = c.Now
	l.catalog.Now = c.Now
	return l
}
