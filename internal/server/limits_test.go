package server_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"helpdesk/ent/agent"
	"helpdesk/graph"
	"helpdesk/internal/auth"
	"helpdesk/internal/directory"
	"helpdesk/internal/gqltest"
	"helpdesk/internal/server"
	"helpdesk/internal/store"
	"helpdesk/internal/testdb"
)

// exponentialFragments is a chain of fragments each spreading the next
// twice: about a kilobyte that expands to 2^levels fields.
func exponentialFragments(levels int) string {
	var b strings.Builder
	b.WriteString("query { ...F0 }\n")
	for i := range levels {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Query { __typename }\n", levels)
	return b.String()
}

func aliased(n int, format string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, format+" ", i)
	}
	return b.String()
}

func TestExpensiveQueriesAreRefusedWithoutAToken(t *testing.T) {
	t.Parallel()
	nested := "title"
	for range 3 {
		nested = "customer { tickets(first: 100) { edges { node { " + nested + " } } } }"
	}
	cases := []struct {
		name, query, limit string
	}{
		{"exponential fragment chain", exponentialFragments(30), "fieldRepeats"},
		{"90,000 repeated __typename", "{ " + strings.Repeat("__typename ", 90000) + "}", "tokens"},
		{"1,000 aliased __schema", "{ " + aliased(1000, "s%d: __schema { queryType { name } }") + "}", "fieldRepeats"},
		{"two __schema", "{ a: __schema { queryType { name } } b: __schema { types { name } } }", "introspection"},
		{"three nested connections of 100", "{ ticketByNumber(number: 1) { " + nested + " } }", "depth"},
		{"two nested connections of 100 with comments", "{ tickets(first: 100) { edges { node { customer { tickets(first: 100) { edges { node { comments(first: 100) { totalCount } } } } } } } } }", "complexity"},
		{"two logins", `mutation { a: login(email: "ada@example.com", password: "admin-password") { token } b: login(email: "ada@example.com", password: "wrong") { token } }`, "login"},
		{"201 logins", "mutation { " + aliased(201, `l%d: login(email: "ada@example.com", password: "admin-password") { token }`) + "}", "fieldRepeats"},
	}
	forEachDialect(t, func(t *testing.T, e *env) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				res := e.anon.Post(t, c.query, nil)
				if len(res.Errors) != 1 || res.Errors[0].Code() != graph.CodeQueryTooComplex {
					t.Fatalf("want one %s error, got %+v", graph.CodeQueryTooComplex, res.Errors)
				}
				if got := res.Errors[0].Extensions["limit"]; got != c.limit {
					t.Fatalf("limit = %v, want %s (%s)", got, c.limit, res.Errors[0].Message)
				}
				if d := strings.TrimSpace(string(res.Data)); d != "" && d != "null" {
					t.Fatalf("a refused query answered data: %s", d)
				}
			})
		}
		// The server still answers, and the next request is served.
		var viewer struct{ Viewer struct{ Email string } }
		e.admin.Must(t, `{ viewer { email } }`, nil, &viewer)
		if viewer.Viewer.Email != "ada@example.com" {
			t.Fatalf("viewer = %+v", viewer)
		}
	})
}

func TestRealQueriesAreWithinTheLimits(t *testing.T) {
	t.Parallel()
	introspection, err := os.ReadFile("../../graph/testdata/introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	forEachDialect(t, func(t *testing.T, e *env) {
		customer := e.createCustomer(t, "Limits Customer", "limits@example.com")
		e.createTicket(t, map[string]any{"title": "Within limits", "channel": "EMAIL", "customerID": customer})

		// GraphiQL introspects without a token.
		var schema struct {
			Schema struct {
				Types []struct{ Name string }
			} `json:"__schema"`
		}
		e.anon.Must(t, string(introspection), nil, &schema)
		if len(schema.Schema.Types) < 50 {
			t.Fatalf("introspection returned %d types", len(schema.Schema.Types))
		}

		var queue struct {
			Tickets struct {
				TotalCount int
				Edges      []struct {
					Node struct{ Title string }
				}
			}
		}
		e.admin.Must(t, `{
		  tickets(first: 100, where: {statusIn: [UNASSIGNED, OPEN]}, orderBy: [{field: PRIORITY}, {field: CREATED_AT}]) {
		    totalCount
		    pageInfo { hasNextPage endCursor }
		    edges { cursor node {
		      id number title priority status channel createdAt version
		      customer { id name email } team { name } assignee { name } categoryPath { name } tags { name }
		      comments(last: 20) { edges { node { body visibility authorAgent { name } } } }
		    } }
		  }
		}`, nil, &queue)
		if queue.Tickets.TotalCount != 1 || queue.Tickets.Edges[0].Node.Title != "Within limits" {
			t.Fatalf("queue = %+v", queue)
		}
		e.admin.Must(t, `{ categories(where: {level: 1}) { edges { node { id name children { name children { name } } } } } }`, nil, nil)
		// Page sizes keep their own check, which names the argument.
		e.admin.MustFail(t, "BAD_USER_INPUT", `{ tickets(first: 1000) { totalCount } }`, nil)
	})
}

// appWith starts the API over a fresh database with the given options and
// returns a client logged in as an administrator.
func appWith(t *testing.T, dial string, opts server.Options) (*store.DB, *gqltest.Client) {
	t.Helper()
	db := testdb.Open(t, dial)
	opts.PasswordCost = testPasswordCost
	app, err := server.NewApp(t.Context(), db, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	role := agent.RoleADMIN
	if _, err := app.Directory.CreateAgent(auth.WithViewer(t.Context(), auth.System), directory.CreateAgentInput{
		Name: "Ada Admin", Email: "ada@example.com", Password: adminPassword, Role: &role,
	}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler)
	t.Cleanup(srv.Close)
	payload, err := app.Auth.Login(t.Context(), "ada@example.com", adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	return db, &gqltest.Client{URL: srv.URL + "/graphql", Token: payload.Token}
}

// TestRequestDeadlineStopsDatabaseWork holds a lock that a request needs
// and checks that the request is answered TIMEOUT at its deadline instead
// of waiting for the lock.
func TestRequestDeadlineStopsDatabaseWork(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		db, admin := appWith(t, dial, server.Options{HTTP: server.Config{RequestTimeout: time.Second}})
		tx, err := db.SQL.BeginTx(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		query := `mutation { createCustomer(input: {name: "Blocked", email: "blocked@example.com"}) { id } }`
		if dial == dialect.Postgres {
			// Readers wait for this lock; on SQLite only writers wait.
			if _, err := tx.Exec("LOCK TABLE tickets IN ACCESS EXCLUSIVE MODE"); err != nil {
				t.Fatal(err)
			}
			query = `{ tickets { totalCount } }`
		} else if _, err := tx.Exec("UPDATE agents SET name = name"); err != nil {
			t.Fatal(err)
		}
		res := admin.Post(t, query, nil)
		if len(res.Errors) != 1 || res.Errors[0].Code() != graph.CodeTimeout {
			t.Fatalf("want one %s error, got %+v", graph.CodeTimeout, res.Errors)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		// With the lock gone, the same request succeeds.
		admin.Must(t, query, nil, nil)
	})
}

func TestStatementTimeout(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dsn := testdb.CreatePostgres(t)
	db, err := store.OpenWith(ctx, dsn, store.Options{StatementTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Migrations are exempt: they may run long on a large database.
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrating: %v", err)
	}
	_, err = db.SQL.ExecContext(ctx, "SELECT pg_sleep(5)")
	var pg interface{ SQLState() string }
	if !errors.As(err, &pg) || pg.SQLState() != "57014" {
		t.Fatalf("a statement past the timeout: err = %v, want SQLSTATE 57014", err)
	}

	// A URL that sets its own timeout keeps it.
	own, err := store.OpenWith(ctx, dsn+"&statement_timeout=4000", store.Options{StatementTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	var setting string
	if err := own.SQL.QueryRowContext(ctx, "SHOW statement_timeout").Scan(&setting); err != nil {
		t.Fatal(err)
	}
	if setting != "4s" {
		t.Fatalf("statement_timeout = %s, want the URL's 4s", setting)
	}
}

// fakeAuthenticator knows no tokens.
type fakeAuthenticator struct{}

func (fakeAuthenticator) Authenticate(context.Context, string) (auth.Viewer, error) {
	return auth.Viewer{}, errors.New("no tokens here")
}

func ready(context.Context) error { return nil }

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestRequestDeadline(t *testing.T) {
	ended := make(chan error, 2)
	blocking := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		ended <- r.Context().Err()
	})
	h := server.Handler(server.Config{RequestTimeout: 20 * time.Millisecond}, blocking, fakeAuthenticator{}, ready, quietLogger())
	srv := httptest.NewServer(h)
	defer srv.Close()

	res, err := http.Post(srv.URL+"/graphql", "application/json", strings.NewReader(`{"query":"{ viewer { id } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if err := <-ended; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("request context ended with %v, want the deadline", err)
	}
}

// serve runs server.Run on a loopback listener; stop cancels its context
// and returns Run's result once it has returned.
func serve(t *testing.T, cfg server.Config, h http.Handler) (url string, stop func() error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- server.Run(ctx, cfg, l, h, quietLogger()) }()
	stop = sync.OnceValue(func() error {
		cancel()
		return <-errc
	})
	t.Cleanup(func() { _ = stop() })
	return "http://" + l.Addr().String(), stop
}

func TestClientDisconnectCancelsTheRequest(t *testing.T) {
	started := make(chan struct{})
	ended := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
		ended <- r.Context().Err()
	})
	url, _ := serve(t, server.Config{RequestTimeout: time.Hour}, h)

	ctx, disconnect := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		<-started
		disconnect()
	}()
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("the request finished although the client went away")
	}
	if err := <-ended; !errors.Is(err, context.Canceled) {
		t.Fatalf("request context ended with %v, want cancelled", err)
	}
}

func TestShutdownLetsRequestsInFlightFinish(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		_, _ = w.Write([]byte("finished"))
	})
	url, stop := serve(t, server.Config{ShutdownTimeout: time.Minute}, h)

	answer := make(chan string, 1)
	go func() {
		res, err := http.Get(url + "/")
		if err != nil {
			answer <- err.Error()
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		answer <- string(b)
	}()
	<-started
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	close(release)
	if got := <-answer; got != "finished" {
		t.Fatalf("answer = %q", got)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func TestShutdownCompletesWithAHungRequest(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release // ignores its context: hung
	})
	url, stop := serve(t, server.Config{ShutdownTimeout: 50 * time.Millisecond}, h)

	failed := make(chan error, 1)
	go func() {
		res, err := http.Get(url + "/")
		if err == nil {
			res.Body.Close()
		}
		failed <- err
	}()
	<-started
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if err := <-failed; err == nil {
		t.Fatal("the hung request was answered")
	}
}
