package server_test

import (
	"strconv"
	"testing"
	"time"

	"helpdesk/ent/agent"
	"helpdesk/ent/comment"
	"helpdesk/ent/team"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/auth"
	"helpdesk/internal/directory"
	"helpdesk/internal/gid"
	"helpdesk/internal/gqltest"
	"helpdesk/internal/testdb"
	"helpdesk/internal/ticketing"
)

const recomputeMutation = `mutation($id: ID!) { recomputeTicketTimes(id: $id) {
	version workingSeconds waitingSeconds firstAssignedAt firstAssignmentSeconds
	firstRespondedAt firstResponseSeconds resolvedAt resolutionSeconds } }`

// ticketTimes are the time figures a ticket stores.
type ticketTimes struct {
	Version                                      int
	WorkingSeconds, WaitingSeconds               int
	FirstAssignedAt, FirstRespondedAt            *time.Time
	ResolvedAt                                   *time.Time
	FirstAssignmentSeconds, FirstResponseSeconds *int
	ResolutionSeconds                            *int
}

func (a ticketTimes) equal(b ticketTimes) bool {
	sameTime := func(x, y *time.Time) bool { return x == nil && y == nil || x != nil && y != nil && x.Equal(*y) }
	sameInt := func(x, y *int) bool { return x == nil && y == nil || x != nil && y != nil && *x == *y }
	return a.WorkingSeconds == b.WorkingSeconds && a.WaitingSeconds == b.WaitingSeconds &&
		sameTime(a.FirstAssignedAt, b.FirstAssignedAt) && sameTime(a.FirstRespondedAt, b.FirstRespondedAt) &&
		sameTime(a.ResolvedAt, b.ResolvedAt) && sameInt(a.FirstAssignmentSeconds, b.FirstAssignmentSeconds) &&
		sameInt(a.FirstResponseSeconds, b.FirstResponseSeconds) && sameInt(a.ResolutionSeconds, b.ResolutionSeconds)
}

func (d *desk) times(id gid.ID) ticketTimes {
	d.t.Helper()
	tk := d.get(id)
	return ticketTimes{Version: tk.Version, WorkingSeconds: tk.WorkingSeconds, WaitingSeconds: tk.WaitingSeconds,
		FirstAssignedAt: tk.FirstAssignedAt, FirstRespondedAt: tk.FirstRespondedAt, ResolvedAt: tk.ResolvedAt,
		FirstAssignmentSeconds: tk.FirstAssignmentSeconds, FirstResponseSeconds: tk.FirstResponseSeconds,
		ResolutionSeconds: tk.ResolutionSeconds}
}

// recomputeTicketTimes rebuilds a ticket's stored time figures from its
// history — here a CLOSED ticket whose figures were damaged in the
// database — records the repair, and is for administrators only.
func TestRecomputeTicketTimesRebuildsTheLogsFigures(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		d := newDesk(t, dial)
		ana := d.agent("ana", 5, agent.AvailabilityOFFLINE)
		d.staff("max", agent.RoleMANAGER)
		d.staff("ada", agent.RoleADMIN)
		tm := d.team("Support", team.AssignmentStrategyPRIORITY, ana)
		cus, err := d.app.Directory.CreateCustomer(d.ctx, directory.CreateCustomerInput{Name: "Carla", Email: ptr("carla@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		tk, err := d.app.Tickets.CreateTicket(d.ctx, ticketing.CreateTicketInput{
			Title: "Parcel arrived damaged", Channel: ticket.ChannelEMAIL, CustomerID: &cus.ID, TeamID: &tm,
		})
		if err != nil {
			t.Fatal(err)
		}
		id := tk.ID
		c := d.serve("ana", "max", "ada")
		anaViewer, err := d.app.Auth.Authenticate(d.ctx, c["ana"].Token)
		if err != nil {
			t.Fatal(err)
		}
		d.clock.Advance(40 * time.Second)
		d.availability(ana, agent.AvailabilityONLINE) // assigned after 40 s
		d.clock.Advance(20 * time.Second)
		if _, err := d.app.Tickets.AddComment(auth.WithViewer(d.ctx, anaViewer), ticketing.AddCommentInput{
			TicketID: id, Body: "On it", Visibility: comment.VisibilityPUBLIC}); err != nil {
			t.Fatal(err) // first response after 60 s
		}
		d.status(id, ticket.StatusIN_PROGRESS)
		d.clock.Advance(100 * time.Second)
		d.status(id, ticket.StatusWAITING)
		d.clock.Advance(50 * time.Second)
		d.status(id, ticket.StatusRESOLVED)
		d.status(id, ticket.StatusCLOSED)
		kept := d.times(id)
		if kept.WorkingSeconds != 101 || kept.WaitingSeconds != 51 || kept.FirstResponseSeconds == nil || *kept.FirstResponseSeconds != 60 ||
			kept.FirstAssignmentSeconds == nil || *kept.FirstAssignmentSeconds != 40 || kept.ResolutionSeconds == nil {
			t.Fatalf("figures kept as it happened: %+v", kept)
		}

		// Damage every figure behind the service's back.
		damage := func() {
			t.Helper()
			err := d.app.DB.Client.Ticket.UpdateOneID(id).
				SetWorkingSeconds(7).SetWaitingSeconds(99999).
				SetFirstAssignedAt(d.clock.Now()).SetFirstAssignmentSeconds(3).
				ClearFirstRespondedAt().ClearFirstResponseSeconds().
				ClearResolvedAt().SetResolutionSeconds(1).Exec(d.ctx)
			if err != nil {
				t.Fatal(err)
			}
		}
		damage()
		damaged := d.times(id)

		// Only administrators may repair them; a refusal changes nothing.
		customerToken, err := d.app.Auth.CreateAPIToken(d.ctx, auth.CreateAPITokenInput{Name: "portal", CustomerID: &cus.ID})
		if err != nil {
			t.Fatal(err)
		}
		for who, r := range map[string]struct {
			c    *gqltest.Client
			code string
		}{
			"the assignee":       {c["ana"], "FORBIDDEN"},
			"a manager":          {c["max"], "FORBIDDEN"},
			"a customer's token": {&gqltest.Client{URL: c["ada"].URL, Token: customerToken.Token}, "FORBIDDEN"},
			"no token":           {&gqltest.Client{URL: c["ada"].URL}, "UNAUTHENTICATED"},
		} {
			t.Logf("as %s", who)
			r.c.MustFail(t, r.code, recomputeMutation, map[string]any{"id": id})
		}
		if now := d.times(id); !now.equal(damaged) || now.Version != damaged.Version {
			t.Fatalf("a refused recompute changed the ticket: %+v, was %+v", now, damaged)
		}

		var out struct{ RecomputeTicketTimes ticketTimes }
		c["ada"].Must(t, recomputeMutation, map[string]any{"id": id}, &out)
		got := out.RecomputeTicketTimes
		if !got.equal(kept) || got.Version != damaged.Version+1 {
			t.Fatalf("recomputed %+v (version %d), want the figures kept as it happened %+v at version %d",
				got, got.Version, kept, damaged.Version+1)
		}
		if stored := d.times(id); !stored.equal(kept) {
			t.Fatalf("stored after recomputing: %+v, want %+v", stored, kept)
		}
		kind, changes := d.lastEvent(id)
		if kind != ticketevent.KindUPDATED {
			t.Fatalf("the repair is recorded as %s, want UPDATED", kind)
		}
		for field, want := range map[string]string{"workingSeconds": "101", "waitingSeconds": "51", "firstAssignmentSeconds": "40",
			"firstResponseSeconds": "60", "resolutionSeconds": strconv.Itoa(*kept.ResolutionSeconds)} {
			if changes[field] == nil || *changes[field] != want {
				t.Fatalf("the repair's %s change is %v, want %s", field, changes[field], want)
			}
		}

		// Nothing left to repair: nothing changes, nothing is recorded.
		c["ada"].Must(t, recomputeMutation, map[string]any{"id": id}, &out)
		if out.RecomputeTicketTimes.Version != got.Version {
			t.Fatalf("a second recompute changed the ticket: version %d → %d", got.Version, out.RecomputeTicketTimes.Version)
		}
		c["ada"].MustFail(t, "NOT_FOUND", recomputeMutation, map[string]any{"id": ana}) // not a ticket's id
	})
}
