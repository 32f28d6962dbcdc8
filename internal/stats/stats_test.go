package stats_test

import (
	"context"
	"math"
	"testing"
	"time"

	"helpdesk/ent"
	"helpdesk/ent/schematype"
	"helpdesk/ent/ticket"
	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/authz"
	"helpdesk/internal/gid"
	"helpdesk/internal/stats"
	"helpdesk/internal/testdb"
)

// fixture is a small hand-computed world: six tickets over two teams, a
// three-level category tree and two days around midnight in Hanoi.
type fixture struct {
	svc                          *stats.Service
	teamA, teamB                 gid.ID
	billing, refunds, card, tech gid.ID
	tagX, tagY                   gid.ID
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func newFixture(t *testing.T, dial string) (context.Context, *fixture) {
	t.Helper()
	ctx := auth.WithViewer(context.Background(), auth.System)
	db := testdb.Open(t, dial)
	c := db.Client
	en, err := authz.New(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	en.InstallScopes(c)
	f := &fixture{svc: &stats.Service{Client: c, Dialect: db.Dialect, Authz: en}}
	f.teamA = c.Team.Create().SetName("A").SaveX(ctx).ID
	f.teamB = c.Team.Create().SetName("B").SaveX(ctx).ID
	f.billing = c.Category.Create().SetName("Billing").SetLevel(1).SaveX(ctx).ID
	f.refunds = c.Category.Create().SetName("Refunds").SetLevel(2).SetParentID(f.billing).SaveX(ctx).ID
	f.card = c.Category.Create().SetName("Card").SetLevel(3).SetParentID(f.refunds).SaveX(ctx).ID
	f.tech = c.Category.Create().SetName("Tech").SetLevel(1).SaveX(ctx).ID
	f.tagX = c.Tag.Create().SetName("x").SaveX(ctx).ID
	f.tagY = c.Tag.Create().SetName("y").SaveX(ctx).ID

	type spec struct {
		created          string
		team, cat        *gid.ID
		status           ticket.Status
		priority         schematype.Priority
		firstResponse    time.Duration   // after creation; 0: none
		resolution       time.Duration   // after creation; 0: none
		sla              ticket.SLAState // as the SLA engine summarised the clocks
		working, waiting int
		tags             []gid.ID
	}
	specs := []spec{
		// t1: responded after its target: breached.
		{created: "2026-03-01T16:30:00Z", team: &f.teamA, cat: &f.card, status: ticket.StatusRESOLVED, priority: schematype.PriorityHigh,
			firstResponse: time.Minute, resolution: time.Hour, sla: ticket.SLAStateBREACHED, working: 100, waiting: 20, tags: []gid.ID{f.tagX, f.tagY}},
		// t2: responded in time, no resolution target: met.
		{created: "2026-03-01T17:30:00Z", team: &f.teamA, cat: &f.refunds, status: ticket.StatusOPEN, priority: schematype.PriorityHigh,
			firstResponse: 2 * time.Minute, sla: ticket.SLAStateMET, working: 50, tags: []gid.ID{f.tagX}},
		// t3: no SLA clock.
		{created: "2026-03-02T03:00:00Z", team: &f.teamA, cat: &f.billing, status: ticket.StatusIN_PROGRESS, priority: schematype.PriorityLow,
			firstResponse: 3 * time.Minute, sla: ticket.SLAStateNONE, working: 30},
		// t4: resolved after its target: breached.
		{created: "2026-03-02T10:00:00Z", team: &f.teamB, cat: &f.tech, status: ticket.StatusCLOSED, priority: schematype.PriorityLow,
			firstResponse: 10 * time.Minute, resolution: 2 * time.Hour, sla: ticket.SLAStateBREACHED, working: 200, waiting: 40},
		// t5: never answered, its first-response clock fired: breached.
		{created: "2026-03-02T11:00:00Z", team: &f.teamB, status: ticket.StatusUNASSIGNED, priority: schematype.PriorityMedium, sla: ticket.SLAStateBREACHED},
		// t6: waiting for the customer, its clock paused: pending.
		{created: "2026-03-02T12:00:00.5Z", cat: &f.card, status: ticket.StatusWAITING, priority: schematype.PriorityMedium, sla: ticket.SLAStatePAUSED},
	}
	for i, s := range specs {
		created := at(s.created)
		q := c.Ticket.Create().SetNumber(i + 1).SetTitle("t").SetChannel(ticket.ChannelEMAIL).
			SetStatus(s.status).SetPriority(s.priority).SetPriorityRank(1).
			SetCreatedAt(created).SetUpdatedAt(created).
			SetNillableTeamID(s.team).SetNillableCategoryID(s.cat).
			SetWorkingSeconds(s.working).SetWaitingSeconds(s.waiting).SetSLAState(s.sla).AddTagIDs(s.tags...)
		if s.firstResponse > 0 {
			q.SetFirstRespondedAt(created.Add(s.firstResponse))
		}
		if s.resolution > 0 {
			q.SetResolvedAt(created.Add(s.resolution))
		}
		q.SaveX(ctx)
	}
	return ctx, f
}

func TestTicketStatsTotals(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		ctx, f := newFixture(t, dial)
		bs, err := f.svc.Tickets(ctx, stats.Request{})
		if err != nil {
			t.Fatal(err)
		}
		if len(bs) != 1 {
			t.Fatalf("got %d buckets without grouping, want 1", len(bs))
		}
		b := bs[0]
		if b.Count != 6 || b.Open != 4 || b.Resolved != 2 {
			t.Fatalf("count/open/resolved = %d/%d/%d, want 6/4/2", b.Count, b.Open, b.Resolved)
		}
		// First responses 60, 120, 180, 600 s: median between 120 and
		// 180, 90th percentile at rank 1+0.9·3 = 3.7: 180 + 0.7·420.
		checkDurations(t, "first response", b.FirstResponse, 4, 240, 150, 474)
		// Resolutions 3600 and 7200 s.
		checkDurations(t, "resolution", b.Resolution, 2, 5400, 5400, 6840)
		if b.WorkingTime.Seconds != 380 || b.WaitingTime.Seconds != 60 {
			t.Fatalf("working/waiting = %d/%d, want 380/60", b.WorkingTime.Seconds, b.WaitingTime.Seconds)
		}
		if b.SLA != (stats.SLA{Met: 1, Breached: 3, Pending: 1}) {
			t.Fatalf("SLA = %+v, want 1 met, 3 breached, 1 pending", b.SLA)
		}
		if c := b.SLA.Compliance(); c == nil || *c != 25 {
			t.Fatalf("compliance = %v, want 25", c)
		}
	})
}

func checkDurations(t *testing.T, what string, d stats.Durations, n int, avg, median, p90 float64) {
	t.Helper()
	near := func(p *float64, want float64) bool { return p != nil && math.Abs(*p-want) < 1e-6 }
	if d.Count != n || !near(d.Average, avg) || !near(d.Median, median) || !near(d.P90, p90) {
		t.Fatalf("%s: n=%d avg=%v median=%v p90=%v, want %d %v %v %v", what, d.Count, deref(d.Average), deref(d.Median), deref(d.P90), n, avg, median, p90)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// key names a bucket in test expectations.
func key(b *stats.Bucket) string {
	s := ""
	add := func(v string) { s += v + "|" }
	opt := func(p *gid.ID) {
		if p == nil {
			add("-")
		} else {
			add(string(*p))
		}
	}
	if b.Status != nil {
		add(string(*b.Status))
	}
	if b.Priority != nil {
		add(string(*b.Priority))
	}
	if b.TeamID != nil || b.CategoryID != nil || b.TagID != nil {
		opt(b.TeamID)
		opt(b.CategoryID)
		opt(b.TagID)
	}
	if b.Period != nil {
		add(b.Period.Start.Format(time.RFC3339) + "/" + b.Period.End.Format(time.RFC3339))
	}
	return s
}

func counts(t *testing.T, ctx context.Context, f *fixture, req stats.Request) map[string]int {
	t.Helper()
	bs, err := f.svc.Tickets(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, b := range bs {
		if _, dup := out[key(b)]; dup {
			t.Fatalf("bucket %s twice", key(b))
		}
		out[key(b)] = b.Count
	}
	return out
}

func checkCounts(t *testing.T, what string, got, want map[string]int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Fatalf("%s: got %v, want %v", what, got, want)
		}
	}
}

func TestTicketStatsCategoryRollUp(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		ctx, f := newFixture(t, dial)
		k := func(cat *gid.ID) string {
			b := &stats.Bucket{CategoryID: cat}
			return key(b)
		}
		nilCat := "" // no category
		for level, want := range map[int]map[string]int{
			1: {k(&f.billing): 4, k(&f.tech): 1, nilCat: 1},
			2: {k(&f.refunds): 3, k(&f.billing): 1, k(&f.tech): 1, nilCat: 1},
			3: {k(&f.card): 2, k(&f.refunds): 1, k(&f.billing): 1, k(&f.tech): 1, nilCat: 1},
		} {
			got := counts(t, ctx, f, stats.Request{GroupBy: []stats.Dimension{stats.Category}, CategoryLevel: level})
			checkCounts(t, "category level "+string(rune('0'+level)), got, want)
		}
	})
}

func TestTicketStatsTimeZoneBuckets(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		ctx, f := newFixture(t, dial)
		hanoi, err := stats.LoadLocation("timezone", "Asia/Ho_Chi_Minh")
		if err != nil {
			t.Fatal(err)
		}
		berlin, err := stats.LoadLocation("timezone", "Europe/Berlin")
		if err != nil {
			t.Fatal(err)
		}
		period := func(start, end string) string {
			return key(&stats.Bucket{Period: &stats.Period{Start: at(start), End: at(end)}})
		}
		for _, c := range []struct {
			name string
			loc  *time.Location
			b    stats.TimeBucket
			want map[string]int
		}{
			{"UTC days", time.UTC, stats.TimeBucket{Unit: stats.Day}, map[string]int{
				period("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"): 2,
				period("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"): 4,
			}},
			// 17:30Z on 1 March is 00:30 on 2 March in Hanoi (UTC+7).
			{"Hanoi days", hanoi, stats.TimeBucket{Unit: stats.Day}, map[string]int{
				period("2026-02-28T17:00:00Z", "2026-03-01T17:00:00Z"): 1,
				period("2026-03-01T17:00:00Z", "2026-03-02T17:00:00Z"): 5,
			}},
			// 1 March 2026 is a Sunday; weeks start on Monday.
			{"Hanoi weeks", hanoi, stats.TimeBucket{Unit: stats.Week}, map[string]int{
				period("2026-02-22T17:00:00Z", "2026-03-01T17:00:00Z"): 1,
				period("2026-03-01T17:00:00Z", "2026-03-08T17:00:00Z"): 5,
			}},
			{"Berlin months", berlin, stats.TimeBucket{Unit: stats.Month}, map[string]int{
				period("2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z"): 6, // summer time from 29 March
			}},
			{"Hanoi hours", hanoi, stats.TimeBucket{Unit: stats.Hour, Field: stats.Resolved}, map[string]int{
				period("2026-03-01T17:00:00Z", "2026-03-01T18:00:00Z"): 1, // t1 resolved 17:30Z
				period("2026-03-02T12:00:00Z", "2026-03-02T13:00:00Z"): 1, // t4 resolved 12:00Z
				"": 4, // never resolved
			}},
		} {
			b := c.b
			got := counts(t, ctx, f, stats.Request{Bucket: &b, Location: c.loc})
			checkCounts(t, c.name, got, c.want)
		}
	})
}

func TestTicketStatsTeamsAndTags(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		ctx, f := newFixture(t, dial)
		got := counts(t, ctx, f, stats.Request{GroupBy: []stats.Dimension{stats.Team, stats.Tag}})
		checkCounts(t, "team × tag", got, map[string]int{
			string(f.teamA) + "|-|" + string(f.tagX) + "|": 2,
			string(f.teamA) + "|-|" + string(f.tagY) + "|": 1,
			string(f.teamA) + "|-|-|":                      1,
			string(f.teamB) + "|-|-|":                      2,
			"":                                             1, // no team, no tag
		})
		bs, err := f.svc.Tickets(ctx, stats.Request{GroupBy: []stats.Dimension{stats.Status, stats.Team}})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bs {
			if *b.Status == ticket.StatusRESOLVED {
				checkDurations(t, "resolved team A", b.Resolution, 1, 3600, 3600, 3600)
			}
		}
	})
}

func TestTicketStatsRejectsBadInput(t *testing.T) {
	for _, name := range []string{"Mars/Olympus", "Local", "../etc/passwd", "UTC'; --"} {
		if _, err := stats.LoadLocation("timezone", name); err == nil {
			t.Fatalf("LoadLocation(%q) succeeded", name)
		}
	}
	ctx := auth.WithViewer(context.Background(), auth.System)
	svc := &stats.Service{}
	for _, req := range []stats.Request{
		{GroupBy: []stats.Dimension{stats.Team, stats.Team}},
		{GroupBy: []stats.Dimension{"WEATHER"}},
		{CategoryLevel: 4},
		{Bucket: &stats.TimeBucket{Unit: "YEAR"}},
	} {
		if _, err := svc.Tickets(ctx, req); err == nil {
			t.Fatalf("request %+v accepted", req)
		}
	}
}

// TestTicketStatsBucketLimit: a request may produce MaxBuckets buckets;
// one more is BAD_USER_INPUT naming groupBy, not a list cut short.
func TestTicketStatsBucketLimit(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		ctx, f := newFixture(t, dial)
		c := f.svc.Client
		// The fixture's six tickets fall in six distinct hours; add
		// tickets an hour apart, from a year later, up to MaxBuckets hours.
		start := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
		add := func(from, n int) {
			for lo := from; lo < from+n; lo += 500 {
				var creates []*ent.TicketCreate
				for i := lo; i < min(lo+500, from+n); i++ {
					created := start.Add(time.Duration(i) * time.Hour)
					creates = append(creates, c.Ticket.Create().SetNumber(100+i).SetTitle("t").SetChannel(ticket.ChannelEMAIL).
						SetStatus(ticket.StatusOPEN).SetPriority(schematype.PriorityLow).SetPriorityRank(4).
						SetCreatedAt(created).SetUpdatedAt(created))
				}
				c.Ticket.CreateBulk(creates...).SaveX(ctx)
			}
		}
		add(0, stats.MaxBuckets-6)
		hours := stats.Request{Bucket: &stats.TimeBucket{Unit: stats.Hour}}
		bs, err := f.svc.Tickets(ctx, hours)
		if err != nil || len(bs) != stats.MaxBuckets {
			t.Fatalf("%d hours: %d buckets, %v; want %d", stats.MaxBuckets, len(bs), err, stats.MaxBuckets)
		}
		add(stats.MaxBuckets-6, 1)
		_, err = f.svc.Tickets(ctx, hours)
		if ae, ok := apperr.As(err); !ok || ae.Code != apperr.CodeBadUserInput || ae.Field != "groupBy" {
			t.Fatalf("%d hours: %v, want BAD_USER_INPUT on groupBy", stats.MaxBuckets+1, err)
		}
		// A narrower filter brings the request back under the limit.
		narrower := stats.Request{Bucket: hours.Bucket, Where: &ent.TicketWhereInput{CreatedAtGTE: &start}}
		if bs, err := f.svc.Tickets(ctx, narrower); err != nil || len(bs) != stats.MaxBuckets-5 {
			t.Fatalf("from %s: %d buckets, %v; want %d", start, len(bs), err, stats.MaxBuckets-5)
		}
	})
}

// TestTicketStatsMeasures: a request computes only the figures it asks
// for, and those are the same as when every figure is computed.
func TestTicketStatsMeasures(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		ctx, f := newFixture(t, dial)
		all, err := f.svc.Tickets(ctx, stats.Request{GroupBy: []stats.Dimension{stats.Team}})
		if err != nil {
			t.Fatal(err)
		}
		some, err := f.svc.Tickets(ctx, stats.Request{GroupBy: []stats.Dimension{stats.Team}, Measures: &stats.Measures{
			Resolved: true, FirstResponse: stats.DurationMeasures{Median: true, P90: true}, Resolution: stats.DurationMeasures{Median: true}, SLA: true,
		}})
		if err != nil {
			t.Fatal(err)
		}
		if len(some) != len(all) || len(all) != 3 {
			t.Fatalf("%d buckets with some figures, %d with all", len(some), len(all))
		}
		for i, b := range some {
			a := all[i]
			if key(a) != key(b) || a.Count != b.Count || a.Resolved != b.Resolved || a.SLA != b.SLA ||
				deref(a.FirstResponse.Median) != deref(b.FirstResponse.Median) || deref(a.FirstResponse.P90) != deref(b.FirstResponse.P90) ||
				deref(a.Resolution.Median) != deref(b.Resolution.Median) {
				t.Fatalf("bucket %s: %+v with some figures, %+v with all", key(b), b, a)
			}
			// Not asked for: left out.
			if b.Open != 0 || b.FirstResponse.Count != 0 || b.FirstResponse.Average != nil || b.Resolution.P90 != nil ||
				b.Resolution.Count != 0 || b.WorkingTime != (stats.Total{}) || b.WaitingTime != (stats.Total{}) {
				t.Fatalf("bucket %s has figures it did not ask for: %+v", key(b), b)
			}
		}
		// Team A: first responses 60, 120 and 180 s; one resolution of an
		// hour.
		a := some[0]
		if deref(a.FirstResponse.Median) != 120.0 || deref(a.FirstResponse.P90) != 168.0 || deref(a.Resolution.Median) != 3600.0 || a.Resolved != 1 {
			t.Fatalf("team A: %+v", a)
		}
	})
}
