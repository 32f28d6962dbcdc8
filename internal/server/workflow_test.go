package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/ent/schematype"
	"helpdesk/ent/team"
	"helpdesk/ent/ticket"
	"helpdesk/internal/auth"
	"helpdesk/internal/directory"
	"helpdesk/internal/gid"
	"helpdesk/internal/server"
	"helpdesk/internal/testdb"
	"helpdesk/internal/ticketing"
)

// desk is a helpdesk built through the services, for workflow tests.
type desk struct {
	t     *testing.T
	app   *server.App
	ctx   context.Context
	clock *fakeClock
	n     int
}

func newDesk(t *testing.T, dial string) *desk {
	t.Helper()
	ctx := auth.WithViewer(context.Background(), auth.System)
	clock := &fakeClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	app, err := server.NewApp(ctx, testdb.Open(t, dial), server.Options{Now: clock.Now, PasswordCost: testPasswordCost, TokenKey: testTokenKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	return &desk{t: t, app: app, ctx: ctx, clock: clock}
}

// agent creates an agent with a capacity, ONLINE unless said otherwise.
func (d *desk) agent(name string, capacity int, availability agent.Availability) gid.ID {
	d.t.Helper()
	a, err := d.app.Directory.CreateAgent(d.ctx, directory.CreateAgentInput{
		Name: name, Email: name + "@example.com", Password: adminPassword, Capacity: &capacity,
	})
	if err != nil {
		d.t.Fatal(err)
	}
	if availability != agent.AvailabilityOFFLINE {
		d.availability(a.ID, availability)
	}
	return a.ID
}

func (d *desk) availability(id gid.ID, a agent.Availability) {
	d.t.Helper()
	if _, err := d.app.Directory.SetAvailability(d.ctx, id, a); err != nil {
		d.t.Fatal(err)
	}
}

// team creates a team with the members in order.
func (d *desk) team(name string, strategy team.AssignmentStrategy, members ...gid.ID) gid.ID {
	d.t.Helper()
	tm, err := d.app.Directory.CreateTeam(d.ctx, directory.CreateTeamInput{Name: name, AssignmentStrategy: &strategy})
	if err != nil {
		d.t.Fatal(err)
	}
	for _, m := range members {
		if _, err := d.app.Directory.AddTeamMember(d.ctx, tm.ID, m, nil); err != nil {
			d.t.Fatal(err)
		}
	}
	return tm.ID
}

// ticket opens an internal ticket for the team, a second after the last.
func (d *desk) ticket(teamID gid.ID, priority schematype.Priority) *ent.Ticket {
	d.t.Helper()
	d.clock.Advance(time.Second)
	d.n++
	internal := true
	tk, err := d.app.Tickets.CreateTicket(d.ctx, ticketing.CreateTicketInput{
		Title: fmt.Sprintf("Ticket %d", d.n), Channel: ticket.ChannelINTERNAL, Internal: &internal,
		TeamID: &teamID, Priority: &priority,
	})
	if err != nil {
		d.t.Fatal(err)
	}
	return tk
}

func (d *desk) get(id gid.ID) *ent.Ticket {
	d.t.Helper()
	tk, err := d.app.DB.Client.Ticket.Get(d.ctx, id)
	if err != nil {
		d.t.Fatal(err)
	}
	return tk
}

func (d *desk) status(id gid.ID, to ticket.Status) {
	d.t.Helper()
	d.clock.Advance(time.Second)
	if _, err := d.app.Tickets.SetTicketStatus(d.ctx, id, to, nil); err != nil {
		d.t.Fatal(err)
	}
}

func assigneeOf(tk *ent.Ticket) gid.ID {
	if tk.AssigneeID == nil {
		return ""
	}
	return *tk.AssigneeID
}

// Each strategy gives new tickets to the member it should, skips members
// who are offline or full, and leaves the ticket queued when nobody is
// free.
func TestStrategiesAssignNewTickets(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		d := newDesk(t, dial)
		ana := d.agent("ana", 2, agent.AvailabilityONLINE)
		bao := d.agent("bao", 2, agent.AvailabilityOFFLINE)
		chi := d.agent("chi", 2, agent.AvailabilityONLINE)
		dan := d.agent("dan", 3, agent.AvailabilityONLINE)

		expect := func(name string, teamID gid.ID, want ...gid.ID) {
			t.Helper()
			for i, w := range want {
				tk := d.ticket(teamID, schematype.PriorityMedium)
				wantStatus := ticket.StatusOPEN
				if w == "" {
					wantStatus = ticket.StatusUNASSIGNED
				}
				if assigneeOf(tk) != w || tk.Status != wantStatus {
					t.Fatalf("%s: ticket %d went to %q (%s), want %q (%s)", name, i+1, assigneeOf(tk), tk.Status, w, wantStatus)
				}
				if w != "" && (tk.FirstAssignedAt == nil || tk.FirstAssignmentSeconds == nil || *tk.FirstAssignmentSeconds != 0) {
					t.Fatalf("%s: ticket %d: first assignment not noted: %v %v", name, i+1, tk.FirstAssignedAt, tk.FirstAssignmentSeconds)
				}
			}
		}

		// PRIORITY fills the first free member in order, skipping bao (offline).
		prio := d.team("Priority", team.AssignmentStrategyPRIORITY, ana, bao, chi)
		expect("priority", prio, ana, ana, chi, chi, "")
		// MANUAL gives nothing, even with dan free.
		manual := d.team("Manual", team.AssignmentStrategyMANUAL, dan)
		expect("manual", manual, "")
		// LEAST_LOADED: ana and chi are full; dan (0) and eve (0) share by order.
		eve := d.agent("eve", 3, agent.AvailabilityONLINE)
		least := d.team("Least", team.AssignmentStrategyLEAST_LOADED, ana, eve, chi, dan)
		expect("least loaded", least, eve, dan, eve, dan, eve, dan, "")
	})
}

// ROUND_ROBIN rotates over the free members; the rotation is kept in the
// database, so a second App (a restart, or another replica) continues it.
func TestRoundRobinContinuesAcrossApps(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		d := newDesk(t, dial)
		a := d.agent("amy", 10, agent.AvailabilityONLINE)
		b := d.agent("ben", 10, agent.AvailabilityONLINE)
		c := d.agent("cai", 10, agent.AvailabilityONLINE)
		rr := d.team("Rotation", team.AssignmentStrategyROUND_ROBIN, a, b, c)
		var got []gid.ID
		for range 4 {
			got = append(got, assigneeOf(d.ticket(rr, schematype.PriorityLow)))
		}
		other, err := server.NewApp(d.ctx, d.app.DB, server.Options{Now: d.clock.Now, PasswordCost: testPasswordCost, TokenKey: testTokenKey})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(other.Close)
		d2 := &desk{t: t, app: other, ctx: d.ctx, clock: d.clock, n: d.n}
		for range 2 {
			got = append(got, assigneeOf(d2.ticket(rr, schematype.PriorityLow)))
		}
		want := []gid.ID{a, b, c, a, b, c}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("round robin gave %v, want %v", got, want)
		}
	})
}

// When everyone is busy a new ticket waits; when an agent resolves one,
// the most urgent, then oldest, queued ticket is theirs at once.
func TestResolvingPullsTheNextQueuedTicket(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		d := newDesk(t, dial)
		ana := d.agent("ana", 1, agent.AvailabilityONLINE)
		bao := d.agent("bao", 1, agent.AvailabilityONLINE)
		tm := d.team("Support", team.AssignmentStrategyPRIORITY, ana, bao)
		first := d.ticket(tm, schematype.PriorityMedium)
		second := d.ticket(tm, schematype.PriorityMedium)
		if assigneeOf(first) != ana || assigneeOf(second) != bao {
			t.Fatalf("first two went to %q and %q, want ana and bao", assigneeOf(first), assigneeOf(second))
		}
		oldLow := d.ticket(tm, schematype.PriorityLow)
		oldHigh := d.ticket(tm, schematype.PriorityHigh)
		newHigh := d.ticket(tm, schematype.PriorityHigh)
		for _, q := range []*ent.Ticket{oldLow, oldHigh, newHigh} {
			if q.Status != ticket.StatusUNASSIGNED || q.AssigneeID != nil {
				t.Fatalf("ticket %s should wait in the queue: %s, %q", q.Title, q.Status, assigneeOf(q))
			}
		}
		d.status(first.ID, ticket.StatusIN_PROGRESS)
		d.status(first.ID, ticket.StatusRESOLVED)
		if got := d.get(oldHigh.ID); assigneeOf(got) != ana || got.Status != ticket.StatusOPEN {
			t.Fatalf("after ana resolved, the oldest HIGH ticket is %q (%s), want ana's and OPEN", assigneeOf(got), got.Status)
		}
		if got := d.get(oldHigh.ID); got.FirstAssignmentSeconds == nil || *got.FirstAssignmentSeconds != 3 {
			t.Fatalf("time to first assignment = %v, want 3 s", got.FirstAssignmentSeconds)
		}
		// Putting a ticket on hold frees bao too, unless WAITING counts
		// (the default): it does, so nothing moves.
		d.status(second.ID, ticket.StatusIN_PROGRESS)
		d.status(second.ID, ticket.StatusWAITING)
		if got := d.get(newHigh.ID); got.AssigneeID != nil {
			t.Fatalf("a WAITING ticket counts against capacity by default, yet bao got another")
		}
		d.status(second.ID, ticket.StatusCANCELLED)
		if got := d.get(newHigh.ID); assigneeOf(got) != bao {
			t.Fatalf("after bao's ticket was cancelled, the next HIGH ticket is %q's, want bao's", assigneeOf(got))
		}
		if got := d.get(oldLow.ID); got.AssigneeID != nil {
			t.Fatalf("the LOW ticket should still wait")
		}
	})
}

// A member who comes ONLINE, gains capacity or joins a team takes the
// queue's tickets at once; one going OFFLINE hands their OPEN tickets
// back when the team says so, and the team's strategy passes them on.
func TestAvailabilityCapacityAndMembershipMoveTheQueue(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		d := newDesk(t, dial)
		ana := d.agent("ana", 1, agent.AvailabilityOFFLINE)
		bao := d.agent("bao", 1, agent.AvailabilityONLINE)
		tm := d.team("Support", team.AssignmentStrategyPRIORITY, ana)
		q1 := d.ticket(tm, schematype.PriorityMedium)
		q2 := d.ticket(tm, schematype.PriorityUrgent)
		q3 := d.ticket(tm, schematype.PriorityLow)
		if q1.AssigneeID != nil || q2.AssigneeID != nil {
			t.Fatal("with its only member offline, the team's tickets should wait")
		}

		d.availability(ana, agent.AvailabilityONLINE)
		if got := d.get(q2.ID); assigneeOf(got) != ana {
			t.Fatalf("ana came ONLINE: the URGENT ticket should be hers, it is %q's", assigneeOf(got))
		}
		if got := d.get(q1.ID); got.AssigneeID != nil {
			t.Fatal("ana has capacity 1: the MEDIUM ticket should still wait")
		}

		capacity := 2
		if _, err := d.app.Directory.UpdateAgent(d.ctx, ana, directory.UpdateAgentInput{Capacity: &capacity}); err != nil {
			t.Fatal(err)
		}
		if got := d.get(q1.ID); assigneeOf(got) != ana {
			t.Fatalf("ana gained capacity: the MEDIUM ticket should be hers, it is %q's", assigneeOf(got))
		}

		if _, err := d.app.Directory.AddTeamMember(d.ctx, tm, bao, nil); err != nil {
			t.Fatal(err)
		}
		if got := d.get(q3.ID); assigneeOf(got) != bao {
			t.Fatalf("bao joined the team: the LOW ticket should be his, it is %q's", assigneeOf(got))
		}

		// OFFLINE without the team's say-so keeps the tickets.
		d.availability(ana, agent.AvailabilityOFFLINE)
		if got := d.get(q1.ID); assigneeOf(got) != ana {
			t.Fatal("the team does not requeue: ana's ticket should stay hers")
		}
		d.availability(ana, agent.AvailabilityONLINE)
		yes := true
		if _, err := d.app.Directory.UpdateTeam(d.ctx, tm, directory.UpdateTeamInput{TeamOptions: directory.TeamOptions{RequeueWhenOffline: &yes}}); err != nil {
			t.Fatal(err)
		}
		d.status(q2.ID, ticket.StatusIN_PROGRESS) // started: stays with ana
		capacity = 5
		if _, err := d.app.Directory.UpdateAgent(d.ctx, bao, directory.UpdateAgentInput{Capacity: &capacity}); err != nil {
			t.Fatal(err)
		}
		d.availability(ana, agent.AvailabilityOFFLINE)
		if got := d.get(q1.ID); assigneeOf(got) != bao || got.Status != ticket.StatusOPEN {
			t.Fatalf("ana went OFFLINE: her OPEN ticket should pass to bao, it is %q's (%s)", assigneeOf(got), got.Status)
		}
		if got := d.get(q2.ID); assigneeOf(got) != ana {
			t.Fatal("ana's IN_PROGRESS ticket should stay hers")
		}
	})
}
