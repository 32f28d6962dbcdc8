package server_test

import (
	"testing"
	"time"

	"helpdesk/internal/testdb"
	"helpdesk/internal/ticketing"
)

const agentStatsQuery = `query($from: Time!, $to: Time!, $order: AgentStatsOrder, $team: ID) {
  agentStats(from: $from, to: $to, orderBy: $order, teamID: $team) {
    agent { id name } received resolved reopened handleTime firstResponseTime load
    sla { met breached compliance }
  }
}`

type agentRow struct {
	Agent                         struct{ ID, Name string }
	Received, Resolved, Reopened  int
	HandleTime, FirstResponseTime *float64
	Load                          int
}

func agentStats(t *testing.T, o *org, viewer string, vars map[string]any) map[string]agentRow {
	t.Helper()
	var out struct{ AgentStats []agentRow }
	o.clients[viewer].Must(t, agentStatsQuery, vars, &out)
	rows := map[string]agentRow{}
	for _, r := range out.AgentStats {
		rows[r.Agent.Name] = r
	}
	return rows
}

// TestAgentStats follows two agents' work through the event log:
// assignments received, a first response, a resolution and a reopening,
// and checks who may see whose figures.
func TestAgentStats(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		o := newOrg(t, dial)
		from := time.Now().Add(-time.Hour).UTC()
		cus := o.newCustomer(t, "KPI Customer", "kpi@example.com")
		t1 := o.createTicket(t, ticketing.CreateTicketInput{Title: "One", CustomerID: &cus, TeamID: ptr(o.teams["A"]), AssigneeID: ptr(o.agents["agentA"])})
		o.createTicket(t, ticketing.CreateTicketInput{Title: "Two", CustomerID: &cus, TeamID: ptr(o.teams["C"]), AssigneeID: ptr(o.agents["agentC"])})
		agentA := o.clients["agentA"]
		agentA.Must(t, `mutation($id: ID!) { addComment(input: {ticketID: $id, body: "On it", visibility: PUBLIC}) { id } }`, map[string]any{"id": t1}, nil)
		for _, st := range []string{"IN_PROGRESS", "RESOLVED"} {
			agentA.Must(t, `mutation($id: ID!, $s: TicketStatus!) { setTicketStatus(id: $id, status: $s) { id } }`, map[string]any{"id": t1, "s": st}, nil)
		}
		o.clients["admin"].Must(t, `mutation($id: ID!) { setTicketStatus(id: $id, status: OPEN) { id } }`, map[string]any{"id": t1}, nil)
		vars := map[string]any{"from": from.Format(time.RFC3339Nano), "to": time.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano)}

		all := agentStats(t, o, "manager", vars)
		if len(all) != len(o.agents) {
			t.Fatalf("a manager sees %d agents, want %d", len(all), len(o.agents))
		}
		a := all["agentA"]
		if a.Received != 1 || a.Resolved != 1 || a.Reopened != 1 || a.Load != 1 || a.FirstResponseTime == nil || a.HandleTime == nil {
			t.Fatalf("agentA: %+v, want 1 received, resolved, reopened, in load, with response and handle times", a)
		}
		if c := all["agentC"]; c.Received != 1 || c.Resolved != 0 || c.Load != 1 || c.FirstResponseTime != nil {
			t.Fatalf("agentC: %+v, want 1 received and in load, nothing else", c)
		}
		if b := all["agentAB"]; b.Received != 0 || b.Load != 0 {
			t.Fatalf("agentAB: %+v, want nothing", b)
		}
		// A period before any of it counts nothing but the current load.
		early := agentStats(t, o, "manager", map[string]any{"from": from.Add(-time.Hour).Format(time.RFC3339Nano), "to": from.Format(time.RFC3339Nano)})
		if e := early["agentA"]; e.Received != 0 || e.Resolved != 0 || e.Load != 1 {
			t.Fatalf("agentA before the period: %+v", e)
		}

		names := func(rows map[string]agentRow) map[string]bool {
			out := map[string]bool{}
			for n := range rows {
				out[n] = true
			}
			return out
		}
		for viewer, want := range map[string][]string{
			"leadA":  {"leadA", "agentA", "agentAB"},
			"agentC": {"agentC"},
			"loner":  {"loner"},
		} {
			got := names(agentStats(t, o, viewer, vars))
			if len(got) != len(want) {
				t.Fatalf("%s sees the figures of %v, want %v", viewer, got, want)
			}
			for _, n := range want {
				if !got[n] {
					t.Fatalf("%s sees the figures of %v, want %v", viewer, got, want)
				}
			}
		}
		if got := names(agentStats(t, o, "manager", map[string]any{"from": vars["from"], "to": vars["to"], "team": string(o.teams["B"])})); len(got) != 1 || !got["agentAB"] {
			t.Fatalf("team B's leaderboard lists %v", got)
		}

		var board struct{ AgentStats []agentRow }
		o.clients["manager"].Must(t, agentStatsQuery, map[string]any{"from": vars["from"], "to": vars["to"], "order": map[string]any{"field": "RECEIVED", "direction": "DESC"}}, &board)
		for i := 1; i < len(board.AgentStats); i++ {
			if board.AgentStats[i].Received > board.AgentStats[i-1].Received {
				t.Fatalf("leaderboard by received is not descending: %+v", board.AgentStats)
			}
		}
		if board.AgentStats[0].Received != 1 {
			t.Fatalf("leaderboard starts with %+v", board.AgentStats[0])
		}

		portal, _ := o.apiToken(t, map[string]any{"name": "Portal", "customerID": string(cus)})
		portal.MustFail(t, "FORBIDDEN", agentStatsQuery, vars)
		o.clients["admin"].MustFail(t, "BAD_USER_INPUT", agentStatsQuery, map[string]any{"from": vars["to"], "to": vars["from"]})
	})
}
