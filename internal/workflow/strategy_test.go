package workflow

import (
	"fmt"
	"testing"

	"helpdesk/ent/team"
	"helpdesk/ent/ticket"
	"helpdesk/internal/gid"
)

// crew is a team of four in order: ana (busy: at capacity), bao (offline),
// chi (two active tickets, served at turn 7) and dan (one active, served
// at turn 3).
func crew() []Member {
	return []Member{
		{AgentID: "ana", Position: 1, Online: true, Capacity: 2, Active: 2, Turn: 1},
		{AgentID: "bao", Position: 2, Online: false, Capacity: 5, Active: 0},
		{AgentID: "chi", Position: 3, Online: true, Capacity: 5, Active: 2, Turn: 7},
		{AgentID: "dan", Position: 4, Online: true, Capacity: 5, Active: 1, Turn: 3},
	}
}

func TestChoose(t *testing.T) {
	for _, tc := range []struct {
		name     string
		strategy team.AssignmentStrategy
		members  []Member
		want     gid.ID
	}{
		{"priority: first free member in order (ana is full, bao offline)", team.AssignmentStrategyPRIORITY, crew(), "chi"},
		{"round robin: the free member served longest ago", team.AssignmentStrategyROUND_ROBIN, crew(), "dan"},
		{"least loaded: fewest active tickets among the free", team.AssignmentStrategyLEAST_LOADED, crew(), "dan"},
		{"manual: nobody", team.AssignmentStrategyMANUAL, crew(), ""},
		{"nobody free: the ticket waits", team.AssignmentStrategyPRIORITY, crew()[:2], ""},
		{"no members", team.AssignmentStrategyLEAST_LOADED, nil, ""},
		{"round robin: never served goes first, ties by order", team.AssignmentStrategyROUND_ROBIN, []Member{
			{AgentID: "x", Position: 1, Online: true, Capacity: 1, Turn: 4},
			{AgentID: "y", Position: 3, Online: true, Capacity: 1},
			{AgentID: "z", Position: 2, Online: true, Capacity: 1},
		}, "z"},
		{"least loaded: ties by order", team.AssignmentStrategyLEAST_LOADED, []Member{
			{AgentID: "x", Position: 2, Online: true, Capacity: 3, Active: 1},
			{AgentID: "y", Position: 1, Online: true, Capacity: 3, Active: 1},
		}, "y"},
		{"capacity zero is never free", team.AssignmentStrategyPRIORITY, []Member{
			{AgentID: "x", Position: 1, Online: true, Capacity: 0},
		}, ""},
	} {
		got, ok := Choose(tc.strategy, tc.members)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s: Choose = %q, %v; want %q", tc.name, got, ok, tc.want)
		}
	}
}

// TestRoundRobinIsEven plays a day of round-robin assignment with the
// turns kept as the database keeps them: every member gets the same share.
func TestRoundRobinIsEven(t *testing.T) {
	members := []Member{
		{AgentID: "a", Position: 1, Online: true, Capacity: 100},
		{AgentID: "b", Position: 2, Online: true, Capacity: 100},
		{AgentID: "c", Position: 3, Online: true, Capacity: 100},
	}
	got := map[gid.ID]int{}
	for turn := int64(1); turn <= 30; turn++ {
		id, ok := Choose(team.AssignmentStrategyROUND_ROBIN, members)
		if !ok {
			t.Fatal("nobody chosen")
		}
		got[id]++
		for i := range members {
			if members[i].AgentID == id {
				members[i].Turn = turn
				members[i].Active++
			}
		}
	}
	for _, id := range []gid.ID{"a", "b", "c"} {
		if got[id] != 10 {
			t.Errorf("round robin gave %s %d of 30 tickets, want 10 (%v)", id, got[id], got)
		}
	}
}

func TestIsActive(t *testing.T) {
	for _, tc := range []struct {
		status        ticket.Status
		waitingCounts bool
		want          bool
	}{
		{ticket.StatusUNASSIGNED, true, false},
		{ticket.StatusOPEN, true, true},
		{ticket.StatusIN_PROGRESS, false, true},
		{ticket.StatusWAITING, true, true},
		{ticket.StatusWAITING, false, false},
		{ticket.StatusRESOLVED, true, false},
		{ticket.StatusCLOSED, true, false},
		{ticket.StatusCANCELLED, true, false},
	} {
		if got := IsActive(tc.status, tc.waitingCounts); got != tc.want {
			t.Errorf("IsActive(%s, waiting counts %v) = %v, want %v", tc.status, tc.waitingCounts, got, tc.want)
		}
	}
}

// TestRank lists the free members in the strategy's order, the first
// being Choose's pick, so that an assigner who cannot have the first
// takes the next.
func TestRank(t *testing.T) {
	ids := func(ms []Member) []gid.ID {
		var out []gid.ID
		for _, m := range ms {
			out = append(out, m.AgentID)
		}
		return out
	}
	members := []Member{
		{AgentID: "w", Position: 4, Online: true, Capacity: 5, Active: 1, Turn: 3},
		{AgentID: "x", Position: 1, Online: true, Capacity: 5, Active: 5, Turn: 1}, // full
		{AgentID: "y", Position: 2, Online: true, Capacity: 5, Active: 2, Turn: 2},
		{AgentID: "z", Position: 3, Online: true, Capacity: 5, Active: 1},
		{AgentID: "v", Position: 5, Online: false, Capacity: 5},
	}
	for _, tc := range []struct {
		strategy team.AssignmentStrategy
		want     []gid.ID
	}{
		{team.AssignmentStrategyPRIORITY, []gid.ID{"y", "z", "w"}},
		{team.AssignmentStrategyROUND_ROBIN, []gid.ID{"z", "y", "w"}},
		{team.AssignmentStrategyLEAST_LOADED, []gid.ID{"z", "w", "y"}},
		{team.AssignmentStrategyMANUAL, nil},
	} {
		got := ids(Rank(tc.strategy, members))
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: Rank = %v, want %v", tc.strategy, got, tc.want)
		}
		if first, ok := Choose(tc.strategy, members); ok != (len(tc.want) > 0) || ok && first != tc.want[0] {
			t.Errorf("%s: Choose = %q, %v; want the first of %v", tc.strategy, first, ok, tc.want)
		}
	}
}
