package main_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"helpdesk/internal/gqltest"
	"helpdesk/internal/testdb"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "helpdesk-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "helpdesk")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building helpdesk:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// process is the helpdesk binary running on a loopback port.
type process struct {
	cmd  *exec.Cmd
	base string
	logs *strings.Builder
}

// start runs the binary with env added to the environment and waits until
// /readyz answers.
func start(t *testing.T, env ...string) *process {
	t.Helper()
	p := newProcess(t, env...)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitReady(t, p)
	return p
}

// waitReady waits until the started process's /readyz answers 200.
func waitReady(t *testing.T, p *process) {
	t.Helper()
	deadline := time.Now().Add(120 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(p.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("server did not become ready:\n%s", p.logs.String())
}

// newProcess prepares the binary on a free loopback port, with env added
// to the environment; it is killed when the test ends.
func newProcess(t *testing.T, env ...string) *process {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	p := &process{base: "http://" + addr, logs: &strings.Builder{}}
	p.cmd = exec.Command(binary)
	p.cmd.Env = append(os.Environ(), append([]string{"HELPDESK_ADDR=" + addr}, env...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	t.Cleanup(func() {
		if p.cmd.Process != nil && p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("server output:\n%s", p.logs.String())
		}
	})
	return p
}

// stop sends SIGTERM and expects a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("server exited with %v:\n%s", err, p.logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not shut down within 20s")
	}
}

func (p *process) client() *gqltest.Client { return &gqltest.Client{URL: p.base + "/graphql"} }

func login(t *testing.T, c *gqltest.Client, email, password string) *gqltest.Client {
	t.Helper()
	var out struct{ Login struct{ Token string } }
	c.Must(t, `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`,
		map[string]any{"e": email, "p": password}, &out)
	return &gqltest.Client{URL: c.URL, Token: out.Login.Token}
}

func databaseEnv(t *testing.T, dial string) []string {
	if dial == dialect.Postgres {
		return []string{"DATABASE_URL=" + testdb.CreatePostgres(t),
			"HELPDESK_TOKEN_KEY_FILE=" + filepath.Join(t.TempDir(), "token-key")}
	}
	return []string{"HELPDESK_SQLITE_PATH=" + filepath.Join(t.TempDir(), "helpdesk.db")}
}

// TestEndToEnd plays an agent's first hour against the real binary on
// each database, then restarts it and checks that nothing was lost.
func TestEndToEnd(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		env := append(databaseEnv(t, dial), "HELPDESK_DEMO=false",
			"HELPDESK_ADMIN_EMAIL=root@example.com", "HELPDESK_ADMIN_PASSWORD=root-password")
		p := start(t, env...)
		scenario(t, p)
		token := login(t, p.client(), "root@example.com", "root-password")
		p.stop(t)

		// After a restart the data and the issued token are still good.
		p = start(t, env...)
		var res struct{ Tickets struct{ TotalCount int } }
		token.URL = p.client().URL
		token.Must(t, `{ tickets { totalCount } }`, nil, &res)
		if res.Tickets.TotalCount != 3 {
			t.Fatalf("after restart: %d tickets, want 3", res.Tickets.TotalCount)
		}
		p.stop(t)
	})
}

func scenario(t *testing.T, p *process) {
	p.client().MustFail(t, "UNAUTHENTICATED", `{ tickets { totalCount } }`, nil)
	c := login(t, p.client(), "root@example.com", "root-password")

	var customer struct{ CreateCustomer struct{ ID string } }
	c.Must(t, `mutation { createCustomer(input: {name: "Trần Thị Bình", email: "binh@example.vn", phone: "+84 90 123 4567"}) { id } }`, nil, &customer)

	mkCategory := func(name, parent string) string {
		in := map[string]any{"name": name}
		if parent != "" {
			in["parentID"] = parent
		}
		var out struct{ CreateCategory struct{ ID string } }
		c.Must(t, `mutation($in: CreateCategoryInput!) { createCategory(input: $in) { id } }`, map[string]any{"in": in}, &out)
		return out.CreateCategory.ID
	}
	orders := mkCategory("Orders", "")
	delivery := mkCategory("Delivery", orders)
	late := mkCategory("Late parcel", delivery)
	e := c.MustFail(t, "BAD_USER_INPUT", `mutation($p: ID!) { createCategory(input: {name: "Fourth", parentID: $p}) { id } }`, map[string]any{"p": late})
	if e.Field() != "input.parentID" {
		t.Fatalf("fourth level error field = %q", e.Field())
	}

	var team struct{ CreateTeam struct{ ID string } }
	c.Must(t, `mutation { createTeam(input: {name: "Logistics", isDefault: true, assignmentStrategy: LEAST_LOADED}) { id } }`, nil, &team)
	var viewer struct{ Viewer struct{ ID string } }
	c.Must(t, `{ viewer { id } }`, nil, &viewer)
	c.Must(t, `mutation($t: ID!, $a: ID!) { addTeamMember(teamID: $t, agentID: $a) { id } }`,
		map[string]any{"t": team.CreateTeam.ID, "a": viewer.Viewer.ID}, nil)

	for i, cat := range []string{orders, delivery, late} {
		c.Must(t, `mutation($in: CreateTicketInput!) { createTicket(input: $in) { id } }`, map[string]any{"in": map[string]any{
			"title": fmt.Sprintf("Where is order #%d?", 1000+i), "channel": "EMAIL", "customerID": customer.CreateCustomer.ID,
			"categoryID": cat, "priority": []string{"LOW", "URGENT", "HIGH"}[i],
		}}, nil)
	}

	var page struct {
		Tickets struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage bool
				EndCursor   string
			}
			Edges []struct {
				Node struct {
					ID       string
					Number   int
					Priority string
					Team     struct{ Name string }
				}
			}
		}
	}
	c.Must(t, `query($c: ID!) { tickets(first: 2, where: {inCategory: $c}, orderBy: [{field: PRIORITY}]) {
		totalCount pageInfo { hasNextPage endCursor } edges { node { id number priority team { name } } } } }`,
		map[string]any{"c": orders}, &page)
	if page.Tickets.TotalCount != 3 || len(page.Tickets.Edges) != 2 || !page.Tickets.PageInfo.HasNextPage ||
		page.Tickets.Edges[0].Node.Priority != "URGENT" || page.Tickets.Edges[1].Node.Priority != "HIGH" ||
		page.Tickets.Edges[0].Node.Team.Name != "Logistics" {
		t.Fatalf("first page of the Orders subtree: %+v", page.Tickets)
	}
	urgent := page.Tickets.Edges[0].Node.ID
	c.Must(t, `query($c: ID!, $after: Cursor) { tickets(first: 2, after: $after, where: {inCategory: $c}, orderBy: [{field: PRIORITY}]) {
		totalCount pageInfo { hasNextPage endCursor } edges { node { id number priority team { name } } } } }`,
		map[string]any{"c": orders, "after": page.Tickets.PageInfo.EndCursor}, &page)
	if len(page.Tickets.Edges) != 1 || page.Tickets.Edges[0].Node.Priority != "LOW" || page.Tickets.PageInfo.HasNextPage {
		t.Fatalf("second page: %+v", page.Tickets)
	}

	c.Must(t, `mutation($id: ID!, $a: ID!) { updateTicket(id: $id, input: {assigneeID: $a, expectedVersion: 1}) { id } }`,
		map[string]any{"id": urgent, "a": viewer.Viewer.ID}, nil)
	c.MustFail(t, "CONFLICT", `mutation($id: ID!) { updateTicket(id: $id, input: {title: "stale", expectedVersion: 1}) { id } }`,
		map[string]any{"id": urgent})
	c.Must(t, `mutation($id: ID!) { addComment(input: {ticketID: $id, body: "We are on it.", visibility: PUBLIC}) { id } }`,
		map[string]any{"id": urgent}, nil)

	var history struct {
		Node struct {
			FirstRespondedAt *string
			Events           struct {
				Edges []struct {
					Node struct {
						Kind    string
						Changes []struct{ Field string }
					}
				}
			}
		}
	}
	c.Must(t, `query($id: ID!) { node(id: $id) { ... on Ticket { firstRespondedAt events(orderBy: [{field: SEQUENCE}]) { edges { node { kind changes { field } } } } } } }`,
		map[string]any{"id": urgent}, &history)
	var kinds []string
	for _, edge := range history.Node.Events.Edges {
		kinds = append(kinds, edge.Node.Kind)
	}
	if strings.Join(kinds, ",") != "CREATED,ASSIGNED,COMMENTED" || history.Node.FirstRespondedAt == nil {
		t.Fatalf("history = %v, first response %v", kinds, history.Node.FirstRespondedAt)
	}
}

// TestServesGraphiQLAndProbes checks the endpoints around the API.
func TestServesGraphiQLAndProbes(t *testing.T) {
	p := start(t, append(databaseEnv(t, dialect.SQLite), "HELPDESK_DEMO=false")...)
	for path, want := range map[string]string{"/": "graphiql", "/healthz": "ok", "/readyz": "ok"} {
		res, err := http.Get(p.base + path)
		if err != nil {
			t.Fatal(err)
		}
		body := make([]byte, 64<<10)
		n, _ := res.Body.Read(body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(strings.ToLower(string(body[:n])), want) {
			t.Errorf("GET %s: %d %q…, want 200 containing %q", path, res.StatusCode, string(body[:min(n, 80)]), want)
		}
	}
	p.stop(t)
}
