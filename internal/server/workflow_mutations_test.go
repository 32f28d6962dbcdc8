package server_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/ent/schematype"
	"helpdesk/ent/team"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/directory"
	"helpdesk/internal/gid"
	"helpdesk/internal/gqltest"
	"helpdesk/internal/testdb"
)

// serve serves the desk's App and logs the named agents in.
func (d *desk) serve(names ...string) map[string]*gqltest.Client {
	d.t.Helper()
	srv := httptest.NewServer(d.app.Handler)
	d.t.Cleanup(srv.Close)
	out := map[string]*gqltest.Client{}
	for _, n := range names {
		p, err := d.app.Auth.Login(context.Background(), n+"@example.com", adminPassword)
		if err != nil {
			d.t.Fatal(err)
		}
		out[n] = &gqltest.Client{URL: srv.URL + "/graphql", Token: p.Token}
	}
	return out
}

func (d *desk) lead(agentID, teamID gid.ID) {
	d.t.Helper()
	if err := d.app.Authz.SetTeamLead(agentID, teamID, true); err != nil {
		d.t.Fatal(err)
	}
}

func (d *desk) lastEvent(id gid.ID) (ticketevent.Kind, map[string]*string) {
	d.t.Helper()
	ev, err := d.app.DB.Client.TicketEvent.Query().Where(ticketevent.TicketID(id)).
		Order(ticketevent.BySequence()).All(d.ctx)
	if err != nil || len(ev) == 0 {
		d.t.Fatalf("reading events: %v", err)
	}
	last := ev[len(ev)-1]
	ch := map[string]*string{}
	for _, c := range last.Changes {
		ch[c.Field] = c.To
	}
	return last.Kind, ch
}

const (
	claimQ    = `mutation($id: ID!) { claimTicket(id: $id) { status assignee { id } } }`
	assignQ   = `mutation($id: ID!, $a: ID) { assignTicket(id: $id, assigneeID: $a) { status assignee { id } } }`
	transferQ = `mutation($id: ID!, $to: ID!, $n: String) { transferTicket(id: $id, toAgentID: $to, note: $n) { status assignee { id } } }`
	escalateQ = `mutation($id: ID!, $r: String) { escalateTicket(id: $id, reason: $r) { status priority team { id } assignee { id } } }`
)

// claimTicket, assignTicket, transferTicket and escalateTicket: who may,
// what they do, and the event kind each writes.
func TestWorkflowMutations(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		d := newDesk(t, dial)
		ana := d.agent("ana", 2, agent.AvailabilityAWAY)
		bao := d.agent("bao", 2, agent.AvailabilityAWAY)
		out := d.agent("out", 2, agent.AvailabilityAWAY)
		lea := d.agent("lea", 2, agent.AvailabilityAWAY)
		tier2Member := d.agent("tom", 2, agent.AvailabilityONLINE)
		tier2 := d.team("Tier 2", team.AssignmentStrategyPRIORITY, tier2Member)
		yes := true
		tm, err := d.app.Directory.CreateTeam(d.ctx, directory.CreateTeamInput{Name: "Tier 1", EscalationTeamID: &tier2,
			TeamOptions: directory.TeamOptions{EscalationRaisesPriority: &yes}})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []gid.ID{ana, bao, lea} {
			if _, err := d.app.Directory.AddTeamMember(d.ctx, tm.ID, m, nil); err != nil {
				t.Fatal(err)
			}
		}
		d.lead(lea, tm.ID)
		c := d.serve("ana", "bao", "out", "lea")
		tk := d.ticket(tm.ID, schematype.PriorityMedium)
		if tk.Status != ticket.StatusUNASSIGNED {
			t.Fatalf("nobody is ONLINE: the ticket should be queued, it is %s", tk.Status)
		}
		vars := map[string]any{"id": tk.ID}

		// An agent outside the team does not see the ticket; assigning is
		// for leads.
		c["out"].MustFail(t, "NOT_FOUND", claimQ, vars)
		c["ana"].MustFail(t, "FORBIDDEN", assignQ, map[string]any{"id": tk.ID, "a": ana})

		// ana claims; bao, second, gets CONFLICT.
		var claimed struct {
			ClaimTicket struct {
				Status   string
				Assignee struct{ ID gid.ID }
			}
		}
		c["ana"].Must(t, claimQ, vars, &claimed)
		if claimed.ClaimTicket.Status != "OPEN" || claimed.ClaimTicket.Assignee.ID != ana {
			t.Fatalf("claim gave %+v, want OPEN and ana's", claimed.ClaimTicket)
		}
		if k, _ := d.lastEvent(tk.ID); k != ticketevent.KindCLAIMED {
			t.Fatalf("claim recorded %s, want CLAIMED", k)
		}
		c["bao"].MustFail(t, "CONFLICT", claimQ, vars)

		// ana transfers to bao with a note; not to someone outside the team.
		if e := c["ana"].MustFail(t, "FORBIDDEN", transferQ, map[string]any{"id": tk.ID, "to": out}); e.Message == "" {
			t.Fatal("no message")
		}
		c["ana"].Must(t, transferQ, map[string]any{"id": tk.ID, "to": bao, "n": "billing question, yours"}, nil)
		if k, ch := d.lastEvent(tk.ID); k != ticketevent.KindTRANSFERRED || ch["note"] == nil || *ch["note"] != "billing question, yours" {
			t.Fatalf("transfer recorded %s with %v, want TRANSFERRED with the note", k, ch)
		}
		// Now bao's, the ticket is out of ana's sight.
		c["ana"].MustFail(t, "NOT_FOUND", transferQ, map[string]any{"id": tk.ID, "to": ana})

		// The lead assigns within the team, and un-assigns with null.
		c["lea"].Must(t, assignQ, map[string]any{"id": tk.ID, "a": ana}, nil)
		if k, _ := d.lastEvent(tk.ID); k != ticketevent.KindASSIGNED || assigneeOf(d.get(tk.ID)) != ana {
			t.Fatalf("lead's assignment recorded %s, ticket is %q's", k, assigneeOf(d.get(tk.ID)))
		}
		c["lea"].MustFail(t, "FORBIDDEN", assignQ, map[string]any{"id": tk.ID, "a": out})
		c["lea"].Must(t, assignQ, map[string]any{"id": tk.ID, "a": nil}, nil)
		if got := d.get(tk.ID); got.AssigneeID != nil || got.Status != ticket.StatusUNASSIGNED {
			t.Fatalf("null assignee should return the ticket to the queue: %q, %s", assigneeOf(got), got.Status)
		}
		if k, _ := d.lastEvent(tk.ID); k != ticketevent.KindUNASSIGNED {
			t.Fatalf("un-assigning recorded %s", k)
		}

		// bao claims it back and escalates: it goes to Tier 2, one step
		// more urgent, and Tier 2's free member gets it.
		c["bao"].Must(t, claimQ, vars, nil)
		c["out"].MustFail(t, "NOT_FOUND", escalateQ, map[string]any{"id": tk.ID})
		var esc struct {
			EscalateTicket struct {
				Status, Priority string
				Team             struct{ ID gid.ID }
				Assignee         struct{ ID gid.ID }
			}
		}
		c["bao"].Must(t, escalateQ, map[string]any{"id": tk.ID, "r": "needs a database fix"}, &esc)
		got := esc.EscalateTicket
		if got.Team.ID != tier2 || got.Priority != "HIGH" || got.Assignee.ID != tier2Member || got.Status != "OPEN" {
			t.Fatalf("escalation gave %+v, want Tier 2, HIGH, tom's and OPEN", got)
		}
		evs, err := d.app.DB.Client.TicketEvent.Query().Where(ticketevent.TicketID(tk.ID), ticketevent.KindEQ(ticketevent.KindESCALATED)).All(d.ctx)
		if err != nil || len(evs) != 1 {
			t.Fatalf("want one ESCALATED event, got %d (%v)", len(evs), err)
		}
		reason := false
		for _, ch := range evs[0].Changes {
			reason = reason || ch.Field == "escalationReason" && ch.To != nil && *ch.To == "needs a database fix"
		}
		if !reason {
			t.Fatalf("the escalation's reason is not in the history: %+v", evs[0].Changes)
		}
		// Tier 2 has no escalation team.
		if e := c["lea"].Post(t, escalateQ, map[string]any{"id": tk.ID}); len(e.Errors) == 0 {
			t.Fatal("escalating past the last team should fail")
		}
	})
}

// Many agents claiming one ticket at once: exactly one wins, the others
// get CONFLICT.
func TestConcurrentClaimsHaveOneWinner(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		d := newDesk(t, dial)
		var names []string
		var ids []gid.ID
		for _, n := range []string{"a1", "a2", "a3", "a4", "a5", "a6"} {
			names = append(names, n)
			ids = append(ids, d.agent(n, 5, agent.AvailabilityAWAY))
		}
		tm := d.team("Racers", team.AssignmentStrategyMANUAL, ids...)
		tk := d.ticket(tm, schematype.PriorityHigh)
		c := d.serve(names...)
		var wg sync.WaitGroup
		codes := make([]string, len(names))
		for i, n := range names {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res := c[n].Post(t, claimQ, map[string]any{"id": tk.ID})
				if len(res.Errors) > 0 {
					codes[i] = res.Errors[0].Code()
				} else {
					codes[i] = "OK"
				}
			}()
		}
		wg.Wait()
		wins := 0
		for _, code := range codes {
			switch code {
			case "OK":
				wins++
			case "CONFLICT":
			default:
				t.Fatalf("a claim failed with %s: %v", code, codes)
			}
		}
		if wins != 1 {
			t.Fatalf("%d claims won, want exactly 1: %v", wins, codes)
		}
	})
}

// A member may not hand a ticket to a teammate at capacity; the team's
// lead may, deliberately.
func TestMemberTransferRespectsCapacity(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		d := newDesk(t, dial)
		ana := d.agent("ana", 3, agent.AvailabilityAWAY)
		bao := d.agent("bao", 1, agent.AvailabilityAWAY)
		lea := d.agent("lea", 3, agent.AvailabilityAWAY)
		tm := d.team("Billing", team.AssignmentStrategyMANUAL, ana, bao, lea)
		d.lead(lea, tm)
		c := d.serve("ana", "bao", "lea")
		first, second, third := d.ticket(tm, schematype.PriorityLow), d.ticket(tm, schematype.PriorityLow), d.ticket(tm, schematype.PriorityLow)
		for _, tk := range []*ent.Ticket{first, second} {
			c["ana"].Must(t, claimQ, map[string]any{"id": tk.ID}, nil)
		}
		c["bao"].Must(t, claimQ, map[string]any{"id": third.ID}, nil)

		e := c["ana"].MustFail(t, "CONFLICT", transferQ, map[string]any{"id": first.ID, "to": bao})
		if !strings.Contains(e.Message, "capacity") {
			t.Fatalf("the refusal does not say why: %q", e.Message)
		}
		if got := d.get(first.ID); assigneeOf(got) != ana {
			t.Fatalf("a refused transfer moved the ticket to %q", assigneeOf(got))
		}
		// Once bao has room, the transfer goes through.
		c["bao"].Must(t, `mutation($id: ID!) { setTicketStatus(id: $id, status: RESOLVED) { status } }`, map[string]any{"id": third.ID}, nil)
		c["ana"].Must(t, transferQ, map[string]any{"id": first.ID, "to": bao}, nil)
		// bao is full again; the lead still moves work to bao on purpose.
		c["lea"].Must(t, transferQ, map[string]any{"id": second.ID, "to": bao}, nil)
		if got := d.get(second.ID); assigneeOf(got) != bao {
			t.Fatalf("the lead's transfer left the ticket with %q", assigneeOf(got))
		}
	})
}
