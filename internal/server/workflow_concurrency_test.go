package server_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"helpdesk/ent/agent"
	"helpdesk/ent/schematype"
	"helpdesk/ent/team"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/gid"
	"helpdesk/internal/testdb"
	"helpdesk/internal/ticketing"
)

// 50 agents with capacity 2, members of two teams (one assigning by
// least load, one by hand); 500 tickets created and claimed from 20
// goroutines at once, on each database. No ticket is ever given to two
// agents, no agent ends above capacity, every place is filled and every
// other ticket is queued. (On SQLite the writers take turns in the
// process's write queue, in order, rather than race for the database's
// lock.)
func TestConcurrentAssignmentKeepsCapacities(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		const agents, capacity, tickets, workers = 50, 2, 500, 20
		d := newDesk(t, dial)
		ids := make([]gid.ID, agents)
		viewers := make([]context.Context, agents)
		for i := range agents {
			ids[i] = d.agent(fmt.Sprintf("agent%02d", i), capacity, agent.AvailabilityONLINE)
		}
		auto := d.team("Automatic", team.AssignmentStrategyLEAST_LOADED, ids...)
		manual := d.team("By hand", team.AssignmentStrategyMANUAL, ids...)
		for i := range agents {
			p, err := d.app.Auth.Login(context.Background(), fmt.Sprintf("agent%02d@example.com", i), adminPassword)
			if err != nil {
				t.Fatal(err)
			}
			v, err := d.app.Auth.Authenticate(context.Background(), p.Token)
			if err != nil {
				t.Fatal(err)
			}
			viewers[i] = auth.WithViewer(context.Background(), v)
		}

		var mu sync.Mutex
		owners := map[gid.ID]gid.ID{} // ticket → the agent a successful claim gave it to
		created := make([]gid.ID, 0, tickets)
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		internal := true
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := w; n < tickets; n += workers {
					who := (n * 7) % agents
					tm := auto
					if n%2 == 1 {
						tm = manual
					}
					tk, err := d.app.Tickets.CreateTicket(viewers[who], ticketing.CreateTicketInput{
						Title: fmt.Sprintf("Load %d", n), Channel: ticket.ChannelINTERNAL, Internal: &internal,
						TeamID: &tm, Priority: ptr(schematype.PriorityMedium),
					})
					if err != nil {
						errs <- fmt.Errorf("creating ticket %d: %w", n, err)
						return
					}
					mu.Lock()
					created = append(created, tk.ID)
					mu.Unlock()
					// Two agents race for it, whether or not it was assigned.
					for _, claimer := range []int{(n * 13) % agents, (n*13 + 1) % agents} {
						got, err := d.app.Tickets.ClaimTicket(viewers[claimer], tk.ID)
						var ae *apperr.Error
						switch {
						case err == nil:
							mu.Lock()
							if prev, ok := owners[tk.ID]; ok && prev != *got.AssigneeID {
								errs <- fmt.Errorf("ticket %s claimed by %s and by %s", tk.ID, prev, *got.AssigneeID)
							}
							owners[tk.ID] = *got.AssigneeID
							mu.Unlock()
						case errors.As(err, &ae) && (ae.Code == apperr.CodeConflict || ae.Code == apperr.CodeNotFound):
							// Lost the race, at capacity, or (assigned to
							// someone else) no longer visible.
						default:
							errs <- fmt.Errorf("claiming ticket %d: %w", n, err)
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if len(created) != tickets {
			t.Fatalf("created %d tickets, want %d", len(created), tickets)
		}

		all, err := d.app.DB.Client.Ticket.Query().All(d.ctx)
		if err != nil {
			t.Fatal(err)
		}
		load := map[gid.ID]int{}
		queued := 0
		for _, tk := range all {
			switch {
			case tk.Status == ticket.StatusOPEN && tk.AssigneeID != nil:
				load[*tk.AssigneeID]++
			case tk.Status == ticket.StatusUNASSIGNED && tk.AssigneeID == nil:
				queued++
			default:
				t.Fatalf("ticket %s is %s with assignee %q: neither assigned nor queued", tk.ID, tk.Status, assigneeOf(tk))
			}
			if owner, ok := owners[tk.ID]; ok && assigneeOf(tk) != owner {
				t.Fatalf("ticket %s was claimed by %s but belongs to %q", tk.ID, owner, assigneeOf(tk))
			}
		}
		for id, n := range load {
			if n > capacity {
				t.Fatalf("agent %s holds %d tickets, capacity %d", id, n, capacity)
			}
		}
		if got := len(all) - queued; got != agents*capacity {
			t.Fatalf("%d tickets assigned, want every place filled (%d)", got, agents*capacity)
		}
		// The log agrees: each assigned ticket was given away exactly once,
		// and no queued ticket ever was.
		gives, err := d.app.DB.Client.TicketEvent.Query().
			Where(ticketevent.KindIn(ticketevent.KindASSIGNED, ticketevent.KindCLAIMED, ticketevent.KindUNASSIGNED)).All(d.ctx)
		if err != nil {
			t.Fatal(err)
		}
		perTicket := map[gid.ID]int{}
		for _, ev := range gives {
			if ev.Kind == ticketevent.KindUNASSIGNED {
				t.Fatalf("ticket %s was un-assigned during the run", ev.TicketID)
			}
			perTicket[ev.TicketID]++
		}
		for _, tk := range all {
			want := 0
			if tk.AssigneeID != nil {
				want = 1
			}
			if perTicket[tk.ID] != want {
				t.Fatalf("ticket %s was given away %d times, want %d", tk.ID, perTicket[tk.ID], want)
			}
		}
	})
}

// Tickets created at once into one team of each assigning strategy, from
// 16 goroutines, on each database: only the agent a ticket goes to is
// locked, yet no agent ends above capacity, a PRIORITY team fills its
// members strictly in order (the third gets a ticket only once the first
// two are full), and ROUND_ROBIN and LEAST_LOADED spread the tickets
// nearly evenly. How nearly depends on the contention: a request that
// finds its picks taken twice takes any free member (fairness yields to
// progress, capacity never does; see lockChoice), so the loads may part
// by up to the number of requests creating into the team at once
// (workers / teams), not by one or two.
func TestConcurrentCreationFollowsEachStrategy(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		const perTeam, workers = 48, 16
		d := newDesk(t, dial)
		var prio, rr, ll []gid.ID
		for i := range 4 {
			prio = append(prio, d.agent(fmt.Sprintf("prio%d", i), 20, agent.AvailabilityONLINE))
			rr = append(rr, d.agent(fmt.Sprintf("rr%d", i), 100, agent.AvailabilityONLINE))
			ll = append(ll, d.agent(fmt.Sprintf("ll%d", i), 100, agent.AvailabilityONLINE))
		}
		teams := []gid.ID{
			d.team("Priority", team.AssignmentStrategyPRIORITY, prio...),
			d.team("Round robin", team.AssignmentStrategyROUND_ROBIN, rr...),
			d.team("Least loaded", team.AssignmentStrategyLEAST_LOADED, ll...),
		}
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		internal := true
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := w; n < perTeam*len(teams); n += workers {
					tm := teams[n%len(teams)]
					if _, err := d.app.Tickets.CreateTicket(d.ctx, ticketing.CreateTicketInput{
						Title: fmt.Sprintf("Load %d", n), Channel: ticket.ChannelINTERNAL, Internal: &internal,
						TeamID: &tm, Priority: ptr(schematype.PriorityMedium),
					}); err != nil {
						errs <- fmt.Errorf("creating ticket %d: %w", n, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		all, err := d.app.DB.Client.Ticket.Query().All(d.ctx)
		if err != nil {
			t.Fatal(err)
		}
		load := map[gid.ID]int{}
		for _, tk := range all {
			if tk.AssigneeID == nil || tk.Status != ticket.StatusOPEN {
				t.Fatalf("ticket %s is %s with assignee %q: every team had room", tk.ID, tk.Status, assigneeOf(tk))
			}
			load[*tk.AssigneeID]++
		}
		loads := func(ids []gid.ID) []int {
			out := make([]int, len(ids))
			for i, id := range ids {
				out[i] = load[id]
			}
			return out
		}
		if got, want := loads(prio), []int{20, 20, 8, 0}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("PRIORITY team loads %v, want %v", got, want)
		}
		for name, ids := range map[string][]gid.ID{"ROUND_ROBIN": rr, "LEAST_LOADED": ll} {
			got := loads(ids)
			lo, hi := got[0], got[0]
			for _, n := range got {
				lo, hi = min(lo, n), max(hi, n)
			}
			if lo == 0 || hi-lo > workers/len(teams) {
				t.Errorf("%s team loads %v: not spread evenly", name, got)
			}
		}
	})
}
