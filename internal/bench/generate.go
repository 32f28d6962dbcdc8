package bench

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	"github.com/oklog/ulid/v2"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/ent/comment"
	"helpdesk/ent/customer"
	"helpdesk/ent/schematype"
	"helpdesk/ent/searchdocument"
	"helpdesk/ent/setting"
	"helpdesk/ent/team"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/auth"
	"helpdesk/internal/catalog"
	"helpdesk/internal/directory"
	"helpdesk/internal/gid"
	"helpdesk/internal/search"
	"helpdesk/internal/server"
	"helpdesk/internal/store"
)

// loadStreams is how many tables load at once on PostgreSQL (each
// through a COPY of its own).
const loadStreams = 2

// agentPassword is every generated agent's password.
const agentPassword = "bench-password"

// sizeSetting records the size of the generated data set, so that a
// later run on the same database reuses it.
const sizeSetting = "bench_size"

// managerEmail is the generated manager's, who reads statistics.
const managerEmail = "manager@bench.helpdesk"

func customerEmail(i int) string { return fmt.Sprintf("customer%d@example.com", i+1) }

func agentEmail(i int) string { return fmt.Sprintf("agent%03d@bench.helpdesk", i+1) }

// world is what the scenarios need to know of the generated helpdesk.
type world struct {
	Size       Size
	Teams      []gid.ID
	Agents     []benchAgent
	Categories []gid.ID
	Customers  []gid.ID
	// Heavy are tickets with Size.HeavyComments comments each.
	Heavy []heavyTicket
}

type benchAgent struct {
	Email string
	ID    gid.ID
	Team  gid.ID
}

type heavyTicket struct {
	ID       gid.ID
	Assignee gid.ID
	Team     gid.ID
}

// prepare returns the data set in db: the existing one when the bench
// generated it before, else a new one of the given size.
func prepare(ctx context.Context, app *server.App, size Size, log io.Writer) (*world, error) {
	ctx = auth.WithViewer(ctx, auth.System)
	client := app.DB.Client
	stored, err := client.Setting.Query().Where(setting.ID(sizeSetting)).Only(ctx)
	switch {
	case err == nil:
		var existing Size
		if err := json.Unmarshal([]byte(stored.Value), &existing); err != nil {
			return nil, fmt.Errorf("reading the stored data set size: %w", err)
		}
		fmt.Fprintf(log, "reusing the data set in the database: %d tickets, %d customers, %d agents in %d teams\n",
			existing.Tickets, existing.Customers, existing.Agents, existing.Teams)
		return loadWorld(ctx, client, existing)
	case !ent.IsNotFound(err):
		return nil, fmt.Errorf("reading the stored data set size: %w", err)
	}
	if n, err := client.Ticket.Query().Count(ctx); err != nil || n > 0 {
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("the database holds %d tickets the bench did not generate: use an empty database", n)
	}
	g := &generator{app: app, size: size, log: log, now: time.Now().UTC().Truncate(time.Second)}
	if err := g.run(ctx); err != nil {
		return nil, err
	}
	raw, _ := json.Marshal(size)
	if err := client.Setting.Create().SetID(sizeSetting).SetValue(string(raw)).Exec(ctx); err != nil {
		return nil, fmt.Errorf("recording the data set size: %w", err)
	}
	return loadWorld(ctx, client, size)
}

// loadWorld reads the reference data of a generated data set.
func loadWorld(ctx context.Context, client *ent.Client, size Size) (*world, error) {
	w := &world{Size: size}
	var err error
	if w.Teams, err = client.Team.Query().Order(ent.Asc(team.FieldName)).IDs(ctx); err != nil {
		return nil, err
	}
	agents, err := client.Agent.Query().Where(agent.EmailHasSuffix("@bench.helpdesk")).
		WithMemberships().Order(ent.Asc(agent.FieldEmail)).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range agents {
		if len(a.Edges.Memberships) > 0 {
			w.Agents = append(w.Agents, benchAgent{Email: a.Email, ID: a.ID, Team: a.Edges.Memberships[0].TeamID})
		}
	}
	if w.Categories, err = client.Category.Query().IDs(ctx); err != nil {
		return nil, err
	}
	if w.Customers, err = client.Customer.Query().Order(ent.Asc(customer.FieldID)).IDs(ctx); err != nil {
		return nil, err
	}
	heavy, err := client.Ticket.Query().Where(ticket.NumberLTE(size.HeavyTickets), ticket.AssigneeIDNotNil()).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range heavy {
		h := heavyTicket{ID: t.ID, Assignee: *t.AssigneeID}
		if t.TeamID != nil {
			h.Team = *t.TeamID
		}
		w.Heavy = append(w.Heavy, h)
	}
	if len(w.Agents) == 0 || len(w.Teams) == 0 || len(w.Customers) == 0 {
		return nil, fmt.Errorf("the data set has no agents, teams or customers")
	}
	return w, nil
}

// generator writes one data set.
type generator struct {
	app  *server.App
	size Size
	log  io.Writer
	now  time.Time

	teams      []gid.ID
	members    map[gid.ID][]gid.ID
	agents     []gid.ID
	categories []category
	policies   []gid.ID
	customers  []gid.ID
	// customerNames are the customers' names, in the order of customers.
	customerNames []string
	tags          []gid.ID
	events        int
}

type category struct {
	id     gid.ID
	team   gid.ID
	policy gid.ID
}

func (g *generator) run(ctx context.Context) error {
	start := time.Now()
	if err := g.reference(ctx); err != nil {
		return err
	}
	fmt.Fprintf(g.log, "reference data: %d teams, %d agents, %d categories, %d SLA policies, %d tags in %s\n",
		len(g.teams), len(g.agents), len(g.categories), len(g.policies), len(g.tags), time.Since(start).Round(time.Millisecond))
	var (
		rows int
		mu   sync.Mutex
	)
	report := func(name string, n int, took time.Duration) {
		if n > 0 {
			fmt.Fprintf(g.log, "%-25s %10d rows in %8s (%.0f rows/s)\n", name, n, took.Round(time.Millisecond), float64(n)/took.Seconds())
		} else {
			fmt.Fprintf(g.log, "%-36s in %8s\n", name, took.Round(time.Millisecond))
		}
	}
	tables := []string{customer.Table, ticket.Table, ticket.TagsTable, ticket.WatchersTable, comment.Table, ticketevent.Table, searchdocument.Table}
	err := withoutIndexes(ctx, g.app.DB.SQL, g.app.DB.Dialect, tables, func(what string, took time.Duration) { report(what, 0, took) }, func() error {
		// Customers first: tickets pick theirs from them. The other
		// tables are independent while their foreign keys are dropped,
		// and load side by side.
		pass := func(name string, fn func(context.Context) (int, error)) error {
			began := time.Now()
			n, err := fn(ctx)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			rows += n
			report(name, n, time.Since(began))
			return nil
		}
		if err := pass("customers", g.writeCustomers); err != nil {
			return err
		}
		passes := []struct {
			name string
			fn   func(context.Context) (int, error)
		}{
			{"tickets", g.writeTickets},
			{"ticket tags and watchers", g.writeTicketLinks},
			{"comments", g.writeComments},
			{"ticket events", g.writeEvents},
			{"search documents", g.writeSearchDocuments},
		}
		if g.app.DB.Dialect != dialect.Postgres {
			// SQLite has one writer.
			for _, p := range passes {
				if err := pass(p.name, p.fn); err != nil {
					return err
				}
			}
			return nil
		}
		began := time.Now()
		defer func() {
			fmt.Fprintf(g.log, "%-25s %10d rows in %8s (%.0f rows/s)\n", "copied", rows, time.Since(began).Round(time.Millisecond), float64(rows)/time.Since(began).Seconds())
		}()
		errs := make([]error, len(passes))
		sem := make(chan struct{}, loadStreams)
		var wg sync.WaitGroup
		for i, p := range passes {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				errs[i] = pass(p.name, p.fn)
			})
		}
		wg.Wait()
		return errors.Join(errs...)
	})
	if err != nil {
		return err
	}
	if err := g.finish(ctx); err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Fprintf(g.log, "loaded %d rows in %s (%.0f rows/s)\n", rows, took.Round(time.Millisecond), float64(rows)/took.Seconds())
	return nil
}

// reference creates teams, agents, categories, SLA policies and tags
// through the services, as an administrator would.
func (g *generator) reference(ctx context.Context) error {
	app := g.app
	for _, p := range []struct {
		name    string
		minutes [4]int
	}{{"Standard", [4]int{60, 240, 480, 1440}}, {"Premium", [4]int{30, 60, 240, 480}}, {"Basic", [4]int{240, 480, 1440, 2880}}} {
		var targets []schematype.SLATarget
		for i, pr := range []schematype.Priority{schematype.PriorityUrgent, schematype.PriorityHigh, schematype.PriorityMedium, schematype.PriorityLow} {
			first, resolution := p.minutes[i], p.minutes[i]*8
			targets = append(targets, schematype.SLATarget{Priority: pr, FirstResponseMinutes: &first, ResolutionMinutes: &resolution})
		}
		policy, err := app.Catalog.CreateSLAPolicy(ctx, catalog.CreateSLAPolicyInput{Name: p.name, Targets: targets, IsDefault: ptr(p.name == "Standard")})
		if err != nil {
			return fmt.Errorf("creating SLA policy: %w", err)
		}
		g.policies = append(g.policies, policy.ID)
	}
	strategies := []team.AssignmentStrategy{team.AssignmentStrategyLEAST_LOADED, team.AssignmentStrategyROUND_ROBIN, team.AssignmentStrategyPRIORITY}
	g.members = map[gid.ID][]gid.ID{}
	for i := range g.size.Teams {
		tm, err := app.Directory.CreateTeam(ctx, directory.CreateTeamInput{
			Name: fmt.Sprintf("Team %02d", i+1), IsDefault: ptr(i == 0), AssignmentStrategy: &strategies[i%len(strategies)],
		})
		if err != nil {
			return fmt.Errorf("creating team: %w", err)
		}
		g.teams = append(g.teams, tm.ID)
	}
	manager := agent.RoleMANAGER
	if _, err := app.Directory.CreateAgent(ctx, directory.CreateAgentInput{
		Name: "Bench Manager", Email: managerEmail, Password: agentPassword, Role: &manager,
	}); err != nil {
		return fmt.Errorf("creating manager: %w", err)
	}
	role := agent.RoleAGENT
	for i := range g.size.Agents {
		a, err := app.Directory.CreateAgent(ctx, directory.CreateAgentInput{
			Name: fmt.Sprintf("Agent %03d", i+1), Email: agentEmail(i), Password: agentPassword, Role: &role, Capacity: ptr(1000),
		})
		if err != nil {
			return fmt.Errorf("creating agent: %w", err)
		}
		if _, err := app.Directory.SetAvailability(ctx, a.ID, agent.AvailabilityONLINE); err != nil {
			return fmt.Errorf("setting availability: %w", err)
		}
		tm := g.teams[i%len(g.teams)]
		if _, err := app.Directory.AddTeamMember(ctx, tm, a.ID, nil); err != nil {
			return fmt.Errorf("adding team member: %w", err)
		}
		g.agents = append(g.agents, a.ID)
		g.members[tm] = append(g.members[tm], a.ID)
	}
	for i := range 5 {
		root, err := app.Catalog.CreateCategory(ctx, catalog.CreateCategoryInput{
			Name: topics[i], DefaultTeamID: &g.teams[i%len(g.teams)], SLAPolicyID: &g.policies[i%len(g.policies)],
		})
		if err != nil {
			return fmt.Errorf("creating category: %w", err)
		}
		g.categories = append(g.categories, category{root.ID, g.teams[i%len(g.teams)], g.policies[i%len(g.policies)]})
		for j := range 5 {
			// Sub-categories route to teams of their own, so that the 20
			// teams share the work.
			subTeam := g.teams[(5+i*5+j)%len(g.teams)]
			sub, err := app.Catalog.CreateCategory(ctx, catalog.CreateCategoryInput{
				Name: fmt.Sprintf("%s %d", topics[i], j+1), ParentID: &root.ID, DefaultTeamID: &subTeam,
			})
			if err != nil {
				return fmt.Errorf("creating category: %w", err)
			}
			g.categories = append(g.categories, category{sub.ID, subTeam, g.policies[i%len(g.policies)]})
			for k := range 5 {
				leaf, err := app.Catalog.CreateCategory(ctx, catalog.CreateCategoryInput{
					Name: fmt.Sprintf("%s %d.%d", topics[i], j+1, k+1), ParentID: &sub.ID,
				})
				if err != nil {
					return fmt.Errorf("creating category: %w", err)
				}
				g.categories = append(g.categories, category{leaf.ID, subTeam, g.policies[i%len(g.policies)]})
			}
		}
	}
	now := g.now
	creates := make([]*ent.TagCreate, g.size.Tags)
	for i := range creates {
		creates[i] = g.app.DB.Client.Tag.Create().SetName(fmt.Sprintf("tag-%02d", i+1)).SetCreatedAt(now).SetUpdatedAt(now)
	}
	tags, err := g.app.DB.Client.Tag.CreateBulk(creates...).Save(ctx)
	if err != nil {
		return fmt.Errorf("creating tags: %w", err)
	}
	for _, t := range tags {
		g.tags = append(g.tags, t.ID)
	}
	return nil
}

func (g *generator) writeCustomers(ctx context.Context) (int, error) {
	b, err := g.open(ctx, customer.Table, customer.FieldID, customer.FieldCreatedAt, customer.FieldUpdatedAt, customer.FieldName,
		customer.FieldEmail, customer.FieldEmails, customer.FieldExternalIds, customer.FieldCustomFields, customer.FieldNotes)
	if err != nil {
		return 0, err
	}
	r := rand.New(rand.NewPCG(1, 1))
	since := g.now.Add(-3 * 365 * 24 * time.Hour)
	for i := range g.size.Customers {
		at := since.Add(time.Duration(r.Int64N(int64(3 * 365 * 24 * time.Hour))))
		id := newID(gid.Customer, at, r)
		name := firstNames[r.IntN(len(firstNames))] + " " + lastNames[r.IntN(len(lastNames))]
		email := customerEmail(i)
		if err := b.Row(string(id), at, at, name, email, `["`+email+`"]`, "{}", "{}", ""); err != nil {
			return 0, err
		}
		g.customers = append(g.customers, id)
		g.customerNames = append(g.customerNames, name)
	}
	return g.size.Customers, b.Close()
}

// spec is one generated ticket; ticket(i) always returns the same one,
// so that the passes writing its comments and events agree with it.
type spec struct {
	id          gid.ID
	number      int
	created     time.Time
	status      ticket.Status
	priority    schematype.Priority
	channel     ticket.Channel
	customer    gid.ID
	category    category
	team        gid.ID
	assignee    gid.ID
	title       string
	description string
	comments    int
	tags        []gid.ID
	watcher     gid.ID
	r           *rand.Rand
	firstDue    time.Time
	resolveBy   time.Time
}

var priorities = []schematype.Priority{schematype.PriorityUrgent, schematype.PriorityHigh, schematype.PriorityMedium, schematype.PriorityLow}

var channels = []ticket.Channel{ticket.ChannelEMAIL, ticket.ChannelCHAT, ticket.ChannelPHONE, ticket.ChannelFACEBOOK, ticket.ChannelWEB, ticket.ChannelAPI}

// ticket returns the i-th ticket (0-based) of the data set: created over
// the last two years in number order, mostly closed, the recent ones
// still being worked.
func (g *generator) ticket(i int) spec {
	r := rand.New(rand.NewPCG(2, uint64(i)))
	span := 2 * 365 * 24 * time.Hour
	step := span / time.Duration(g.size.Tickets)
	created := g.now.Add(-span + time.Duration(i)*step + time.Duration(r.Int64N(int64(max(step, 1)))))
	s := spec{number: i + 1, created: created, r: r}
	s.id = newID(gid.Ticket, created, r)
	age := g.now.Sub(created)
	x := r.Float64()
	switch {
	case age > 10*24*time.Hour:
		s.status = pick(x, []float64{0.90, 0.95, 0.985, 1}, []ticket.Status{ticket.StatusCLOSED, ticket.StatusCANCELLED, ticket.StatusWAITING, ticket.StatusIN_PROGRESS})
	default:
		s.status = pick(x, []float64{0.15, 0.30, 0.50, 0.65, 0.85, 1}, []ticket.Status{ticket.StatusUNASSIGNED, ticket.StatusOPEN, ticket.StatusIN_PROGRESS, ticket.StatusWAITING, ticket.StatusRESOLVED, ticket.StatusCLOSED})
	}
	s.priority = pick(r.Float64(), []float64{0.05, 0.25, 0.75, 1}, priorities)
	s.channel = channels[r.IntN(len(channels))]
	s.customer = g.customers[r.IntN(len(g.customers))]
	s.category = g.categories[r.IntN(len(g.categories))]
	s.team = s.category.team
	if r.IntN(5) == 0 {
		s.team = g.teams[r.IntN(len(g.teams))]
	}
	if s.status != ticket.StatusUNASSIGNED {
		members := g.members[s.team]
		s.assignee = members[r.IntN(len(members))]
	}
	s.title, s.description = ticketText(r)
	s.comments = r.IntN(2*g.size.CommentsPerTicket + 1)
	if s.number <= g.size.HeavyTickets {
		// Long conversations still being worked (the fanout scenario
		// changes them).
		s.comments = g.size.HeavyComments
		s.status = ticket.StatusOPEN
		if s.assignee == "" {
			s.assignee = g.members[s.team][0]
		}
	}
	for range r.IntN(4) {
		t := g.tags[r.IntN(len(g.tags))]
		if !slices.Contains(s.tags, t) {
			s.tags = append(s.tags, t)
		}
	}
	if r.IntN(50) == 0 {
		s.watcher = g.agents[r.IntN(len(g.agents))]
	}
	target := []time.Duration{time.Hour, 4 * time.Hour, 8 * time.Hour, 24 * time.Hour}[s.priority.Rank()-1]
	s.firstDue, s.resolveBy = created.Add(target), created.Add(8*target)
	return s
}

func (g *generator) writeTickets(ctx context.Context) (int, error) {
	b, err := g.open(ctx, ticket.Table, ticket.FieldID, ticket.FieldCreatedAt, ticket.FieldUpdatedAt, ticket.FieldNumber, ticket.FieldTitle,
		ticket.FieldDescription, ticket.FieldStatus, ticket.FieldPriority, ticket.FieldPriorityRank, ticket.FieldChannel, ticket.FieldInternal,
		ticket.FieldVersion, ticket.FieldCustomFields, ticket.FieldFirstResponseDueAt, ticket.FieldResolutionDueAt, ticket.FieldStatusChangedAt,
		ticket.FieldFirstRespondedAt, ticket.FieldResolvedAt, ticket.FieldClosedAt, ticket.FieldWorkingSeconds, ticket.FieldWaitingSeconds,
		ticket.FieldCustomerID, ticket.FieldCategoryID, ticket.FieldTeamID, ticket.FieldAssigneeID, ticket.FieldSLAPolicyID)
	if err != nil {
		return 0, err
	}
	for i := range g.size.Tickets {
		s := g.ticket(i)
		r := s.r
		updated, changed := s.created, s.created
		var responded, resolved, closed any
		if s.comments > 0 && s.assignee != "" {
			responded = s.created.Add(time.Duration(r.Int64N(int64(4 * time.Hour))))
		}
		switch s.status {
		case ticket.StatusRESOLVED, ticket.StatusCLOSED:
			at := s.created.Add(time.Duration(r.Int64N(int64(5 * 24 * time.Hour))))
			at = minTime(at, g.now)
			resolved, changed, updated = at, at, at
			if s.status == ticket.StatusCLOSED {
				c := minTime(at.Add(7*24*time.Hour), g.now)
				closed, changed, updated = c, c, c
			}
		case ticket.StatusCANCELLED:
			changed = minTime(s.created.Add(time.Hour), g.now)
			updated = changed
		}
		if err := b.Row(string(s.id), s.created, updated, s.number, s.title,
			s.description,
			string(s.status), string(s.priority), s.priority.Rank(), string(s.channel), false,
			1+s.comments, "{}", s.firstDue, s.resolveBy, changed,
			responded, resolved, closed, r.IntN(7200), r.IntN(86400),
			string(s.customer), string(s.category.id), string(s.team), nullID(s.assignee), string(s.category.policy)); err != nil {
			return 0, err
		}
	}
	return g.size.Tickets, b.Close()
}

func (g *generator) writeTicketLinks(ctx context.Context) (int, error) {
	tags, err := g.open(ctx, ticket.TagsTable, ticket.TagsPrimaryKey...)
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range g.size.Tickets {
		s := g.ticket(i)
		for _, t := range s.tags {
			if err := tags.Row(string(s.id), string(t)); err != nil {
				return 0, err
			}
			n++
		}
	}
	if err := tags.Close(); err != nil {
		return 0, err
	}
	watchers, err := g.open(ctx, ticket.WatchersTable, ticket.WatchersPrimaryKey...)
	if err != nil {
		return 0, err
	}
	for i := range g.size.Tickets {
		if s := g.ticket(i); s.watcher != "" {
			if err := watchers.Row(string(s.id), string(s.watcher)); err != nil {
				return 0, err
			}
			n++
		}
	}
	return n, watchers.Close()
}

// commentOf is the j-th comment of a ticket: the customer and the
// assignee take turns, one agent reply in four is an internal note.
func (g *generator) commentOf(s spec, j int, r *rand.Rand) (id gid.ID, at time.Time, byAgent bool, vis comment.Visibility) {
	step := min(6*time.Hour, g.now.Sub(s.created)/time.Duration(s.comments+1))
	at = s.created.Add(time.Duration(j+1) * step)
	byAgent = j%2 == 1 && s.assignee != ""
	vis = comment.VisibilityPUBLIC
	if byAgent && r.IntN(4) == 0 {
		vis = comment.VisibilityINTERNAL
	}
	return newID(gid.Comment, at, r), at, byAgent, vis
}

func (g *generator) writeComments(ctx context.Context) (int, error) {
	b, err := g.open(ctx, comment.Table, comment.FieldID, comment.FieldCreatedAt, comment.FieldUpdatedAt, comment.FieldBody,
		comment.FieldVisibility, comment.FieldTicketID, comment.FieldAuthorAgentID, comment.FieldAuthorCustomerID)
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range g.size.Tickets {
		s := g.ticket(i)
		r := rand.New(rand.NewPCG(3, uint64(i)))
		for j := range s.comments {
			id, at, byAgent, vis := g.commentOf(s, j, r)
			var agentID, customerID any = nil, string(s.customer)
			if byAgent {
				agentID, customerID = string(s.assignee), nil
			}
			if err := b.Row(string(id), at, at, replies[r.IntN(len(replies))], string(vis), string(s.id), agentID, customerID); err != nil {
				return 0, err
			}
			n++
		}
	}
	return n, b.Close()
}

func (g *generator) writeEvents(ctx context.Context) (int, error) {
	b, err := g.open(ctx, ticketevent.Table, ticketevent.FieldID, ticketevent.FieldSequence, ticketevent.FieldKind, ticketevent.FieldChanges,
		ticketevent.FieldCreatedAt, ticketevent.FieldTicketID, ticketevent.FieldActorID, ticketevent.FieldCommentID)
	if err != nil {
		return 0, err
	}
	sequence := 0
	for i := range g.size.Tickets {
		s := g.ticket(i)
		changes := []schematype.FieldChange{
			{Field: "number", To: ptr(strconv.Itoa(s.number))},
			{Field: "title", To: &s.title},
			{Field: "status", To: ptr(string(ticket.StatusUNASSIGNED))},
			{Field: "priority", To: ptr(string(s.priority))},
			{Field: "channel", To: ptr(string(s.channel))},
			{Field: "customer", To: ptr(string(s.customer))},
			{Field: "team", To: ptr(string(s.team))},
		}
		raw, _ := json.Marshal(changes)
		sequence++
		r := rand.New(rand.NewPCG(3, uint64(i)))
		if err := b.Row(string(newID(gid.TicketEvent, s.created, s.r)), sequence, string(ticketevent.KindCREATED), string(raw),
			s.created, string(s.id), nil, nil); err != nil {
			return 0, err
		}
		for j := range s.comments {
			id, at, byAgent, vis := g.commentOf(s, j, r)
			_ = replies[r.IntN(len(replies))] // keep r in step with writeComments
			var actor any
			if byAgent {
				actor = string(s.assignee)
			}
			raw, _ := json.Marshal([]schematype.FieldChange{{Field: "visibility", To: ptr(string(vis))}})
			sequence++
			if err := b.Row(string(newID(gid.TicketEvent, at, s.r)), sequence, string(ticketevent.KindCOMMENTED), string(raw),
				at, string(s.id), actor, string(id)); err != nil {
				return 0, err
			}
		}
	}
	g.events = sequence
	return sequence, b.Close()
}

// writeSearchDocuments writes the search index of the generated rows as
// the search hooks would (a ticket's title and description, each comment,
// a customer's name and email), so that the server finds it complete.
func (g *generator) writeSearchDocuments(ctx context.Context) (int, error) {
	b, err := g.open(ctx, searchdocument.Table, searchdocument.FieldDocKey, searchdocument.FieldField, searchdocument.FieldFolded,
		searchdocument.FieldTicketID, searchdocument.FieldCommentID, searchdocument.FieldCustomerID)
	if err != nil {
		return 0, err
	}
	n := 0
	row := func(key, field, text string, ticketID, commentID, customerID any) error {
		n++
		return b.Row(key, field, search.Fold(text), ticketID, commentID, customerID)
	}
	for i, id := range g.customers {
		if err := row(string(id)+":name", search.FieldName, g.customerNames[i], nil, nil, string(id)); err != nil {
			return 0, err
		}
		if err := row(string(id)+":email", search.FieldEmail, customerEmail(i), nil, nil, string(id)); err != nil {
			return 0, err
		}
	}
	for i := range g.size.Tickets {
		s := g.ticket(i)
		if err := row(string(s.id)+":title", search.FieldTitle, s.title, string(s.id), nil, nil); err != nil {
			return 0, err
		}
		if err := row(string(s.id)+":description", search.FieldDescription, s.description, string(s.id), nil, nil); err != nil {
			return 0, err
		}
		r := rand.New(rand.NewPCG(3, uint64(i)))
		for j := range s.comments {
			id, _, _, vis := g.commentOf(s, j, r)
			field := search.FieldComment
			if vis != comment.VisibilityPUBLIC {
				field = search.FieldNote
			}
			if err := row(string(id), field, replies[r.IntN(len(replies))], string(s.id), string(id), nil); err != nil {
				return 0, err
			}
		}
	}
	return n, b.Close()
}

// finish moves the counters past the generated numbers and sequences and
// refreshes the planner's statistics.
func (g *generator) finish(ctx context.Context) error {
	err := store.WithTx(ctx, g.app.DB.Client, func(tx *ent.Tx) error {
		if _, err := store.ReserveTicketNumbers(ctx, tx, g.app.DB.Dialect, g.size.Tickets); err != nil {
			return err
		}
		_, err := store.TakeValues(ctx, tx, g.app.DB.Dialect, store.EventSequenceCounter, g.events)
		return err
	})
	if err != nil {
		return fmt.Errorf("setting counters: %w", err)
	}
	// On PostgreSQL, VACUUM also sets the visibility map of the freshly
	// copied pages, so index-only scans read no table rows from the
	// first request on, as on a database that autovacuum has visited.
	refresh := "ANALYZE"
	if g.app.DB.Dialect == dialect.Postgres {
		refresh = "VACUUM (ANALYZE)"
	}
	if _, err := g.app.DB.SQL.ExecContext(ctx, refresh); err != nil {
		return fmt.Errorf("analyzing: %w", err)
	}
	return nil
}

func (g *generator) open(ctx context.Context, table string, columns ...string) (bulkTable, error) {
	return openBulk(ctx, g.app.DB.SQL, g.app.DB.Dialect, table, columns...)
}

// newID is a global id whose ULID carries the given time, so that ids
// sort like creation times, as the service's own do.
func newID(prefix string, at time.Time, r *rand.Rand) gid.ID {
	var u ulid.ULID
	_ = u.SetTime(ulid.Timestamp(at))
	binary.BigEndian.PutUint64(u[6:14], r.Uint64())
	binary.BigEndian.PutUint16(u[14:], uint16(r.Uint32()))
	return gid.ID(prefix + "_" + u.String())
}

func pick[T any](x float64, upTo []float64, values []T) T {
	for i, limit := range upTo {
		if x < limit {
			return values[i]
		}
	}
	return values[len(values)-1]
}

func nullID(id gid.ID) any {
	if id == "" {
		return nil
	}
	return string(id)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func ptr[T any](v T) *T { return &v }

// ticketText is a ticket's title and description in its customer's
// language: English for about 70 % of tickets, Vietnamese (with its
// accents) for 22 % and Thai (no spaces between words) for 8 %. Each
// Vietnamese problem is in about 2 % of the titles but the last, in
// about 0.2 %, so that searches meet words of every frequency.
func ticketText(r *rand.Rand) (title, description string) {
	order := 10000 + r.IntN(90000)
	x := r.Float64()
	switch {
	case x < 0.22:
		p := localProblem(vietnameseProblems, x/0.22)
		return fmt.Sprintf("%s (đơn hàng %d)", capitalize(p), order),
			"Khách hàng viết: " + localProblem(vietnameseProblems, r.Float64()) + ". Vui lòng kiểm tra giúp."
	case x < 0.30:
		p := localProblem(thaiProblems, (x-0.22)/0.08)
		return fmt.Sprintf("%s (คำสั่งซื้อ %d)", p, order),
			"ลูกค้าแจ้งว่า" + localProblem(thaiProblems, r.Float64()) + " กรุณาตรวจสอบ"
	}
	return fmt.Sprintf("%s: %s (order %d)", topics[r.IntN(len(topics))], englishProblems[r.IntN(len(englishProblems))], order),
		"The customer writes: " + englishProblems[r.IntN(len(englishProblems))] + ". Please look into it."
}

// localProblem picks a problem of list for x in [0, 1): the last one
// for x in the top 1 %, the others evenly.
func localProblem(list []string, x float64) string {
	if x >= 0.99 {
		return list[len(list)-1]
	}
	return list[int(x/0.99*float64(len(list)-1))]
}

func capitalize(s string) string {
	for i, c := range s {
		return strings.ToUpper(string(c)) + s[i+len(string(c)):]
	}
	return s
}

var (
	topics          = []string{"Orders", "Billing", "Shipping", "Accounts", "Products"}
	englishProblems = []string{"parcel arrived damaged", "refund not received", "charged twice", "cannot log in", "wrong size delivered", "invoice missing", "delivery is late", "discount code rejected", "item out of stock", "address change needed"}
	// problems are the texts of tickets the create scenario opens.
	problems = append(slices.Clip(englishProblems), "khiếu nại về đơn hàng giao chậm")
	// vietnameseProblems: each but the last in about 2 % of the titles,
	// the last in about 0.2 %.
	vietnameseProblems = []string{"khiếu nại về đơn hàng giao chậm", "điện thoại bị hỏng màn hình", "chưa nhận được tiền hoàn lại",
		"bị trừ tiền hai lần", "không đăng nhập được tài khoản", "giao sai kích cỡ", "thiếu hóa đơn đỏ", "mã giảm giá không dùng được",
		"sản phẩm hết hàng", "cần đổi địa chỉ giao hàng", "đơn hàng giao trễ bị hủy"}
	// thaiProblems: each but the last in about 0.8 % of the titles, the
	// last in about 0.08 %.
	thaiProblems = []string{"พัสดุเสียหายระหว่างขนส่ง", "ยังไม่ได้รับเงินคืน", "ถูกเรียกเก็บเงินสองครั้ง", "เข้าสู่ระบบไม่ได้",
		"ได้รับสินค้าผิดขนาด", "ไม่ได้รับใบแจ้งหนี้", "การจัดส่งล่าช้า", "รหัสส่วนลดใช้ไม่ได้", "สินค้าหมดสต็อก", "ต้องการเปลี่ยนที่อยู่จัดส่ง",
		"ระบบตั๋วสนับสนุนลูกค้าใช้งานไม่ได้"}
	replies = []string{"Thanks for reaching out, we are looking into it.", "Could you send a photo of the parcel?", "The refund was issued today; it takes 3-5 business days.",
		"I have escalated this to our shipping partner.", "Still waiting for an answer, any news?", "Checked with the warehouse: a replacement ships tomorrow.",
		"Internal: carrier confirms loss, approve the refund.", "Cảm ơn quý khách, chúng tôi đang kiểm tra đơn hàng.", "ขอบคุณค่ะ เรากำลังตรวจสอบคำสั่งซื้อของคุณ"}
	firstNames = []string{"Anna", "Bình", "Carlos", "Dũng", "Emma", "Farid", "Giang", "Hana", "Ivan", "Julia", "Khánh", "Linh", "Minh", "Nora", "Oscar", "Phương", "สมชาย", "สุดา"}
	lastNames  = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Smith", "Garcia", "Muller", "Rossi", "Kim", "Sato", "Dubois", "Novak", "ใจดี", "ศรีสุข"}
)
