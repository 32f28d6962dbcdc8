package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/internal/auth"
	"helpdesk/internal/directory"
	"helpdesk/internal/gid"
	"helpdesk/internal/gqltest"
	"helpdesk/internal/server"
	"helpdesk/internal/testdb"
)

// postRaw sends body to the GraphQL endpoint as JSON and returns the
// status and the response text.
func postRaw(t *testing.T, url string, body []byte) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(out)
}

func TestMalformedRequestsGetShortAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.Dialects[0])
	secret := strings.Repeat("do-not-echo-", 10_000)
	for _, tc := range []struct {
		name string
		body []byte
		want string
	}{
		{"not JSON", []byte(`{"query": "` + secret), "not valid JSON"},
		{"query of the wrong type", []byte(`{"query": 42, "pad": "` + secret + `"}`), `"query" must be a string`},
		{"variables of the wrong type", []byte(`{"query": "{ viewer { id } }", "variables": [1]}`), `"variables" must be an object`},
		{"an array", []byte(`[{"query": "{ viewer { id } }"}]`), "must be a JSON object"},
		{"invalid UTF-8", []byte("{\"query\": \"{ viewer { id } }\", \"variables\": {\"x\": \"\xff\xfe\"}}"), "not valid UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postRaw(t, e.anon.URL, tc.body)
			if status != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", status)
			}
			if len(body) > 300 || strings.Contains(body, "do-not-echo") || strings.Contains(body, "transport.") || strings.Contains(body, "Go value") {
				t.Errorf("answer echoes the body or names server types: %.300s", body)
			}
			var resp gqltest.Response
			if err := json.Unmarshal([]byte(body), &resp); err != nil || len(resp.Errors) != 1 {
				t.Fatalf("answer is not one GraphQL error: %s", body)
			}
			if resp.Errors[0].Code() != "BAD_USER_INPUT" || !strings.Contains(resp.Errors[0].Message, tc.want) {
				t.Errorf("error = %q (%s), want BAD_USER_INPUT containing %q", resp.Errors[0].Message, resp.Errors[0].Code(), tc.want)
			}
		})
	}
}

// NUL characters and invalid UTF-8 are refused the same way on both
// databases, wherever the text comes from, and change nothing.
func TestControlTextIsRefusedOnBothDatabases(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, e *env) {
		customer := e.createCustomer(t, "Plain Text", "plain@example.com")
		before := e.counts(t)
		for _, tc := range []struct {
			name, query, field string
			vars               map[string]any
		}{
			{"NUL in a variable", createTicketMutation, "in.title",
				map[string]any{"in": map[string]any{"title": "Bad\x00title", "channel": "EMAIL", "customerID": customer}}},
			{"NUL in a list variable", createTicketMutation, "in.tags.1",
				map[string]any{"in": map[string]any{"title": "Tags", "channel": "EMAIL", "customerID": customer, "tags": []string{"ok", "b\x00d"}}}},
			{"NUL in a literal", `mutation($c: ID!) { createTicket(input: {title: "Bad\u0000title", channel: EMAIL, customerID: $c}) { id } }`, "input.title",
				map[string]any{"c": customer}},
			{"NUL in a customer name", `mutation { createCustomer(input: {name: "Nul\u0000Name"}) { id } }`, "input.name", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := e.admin.MustFail(t, "BAD_USER_INPUT", tc.query, tc.vars)
				if err.Field() != tc.field {
					t.Errorf("field = %q, want %q (%s)", err.Field(), tc.field, err.Message)
				}
			})
		}
		if after := e.counts(t); after != before {
			t.Fatalf("refused requests changed the database: %v → %v", before, after)
		}
	})
}

func TestBadCursorsAreBadInput(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, e *env) {
		customer := e.createCustomer(t, "Cursor Customer", "cursor@example.com")
		for range 3 {
			e.createTicket(t, map[string]any{"title": "Paged", "channel": "EMAIL", "customerID": customer})
		}
		ticketID := gid.ID("tkt_01JD00000000000000000000AB")
		forged := func(c ent.Cursor) string {
			var buf bytes.Buffer
			c.MarshalGQL(&buf)
			var s string
			if err := json.Unmarshal(buf.Bytes(), &s); err != nil {
				t.Fatal(err)
			}
			return s
		}
		const byNumber = `query($c: Cursor) { tickets(first: 2, after: $c, orderBy: [{field: NUMBER}]) { totalCount } }`
		for _, tc := range []struct{ name, cursor string }{
			{"garbage", "not-a-cursor"},
			{"base64 of nothing useful", "gqFp2gAA"},
			{"text where a number is ordered", forged(ent.Cursor{ID: ticketID, Value: []any{"abc"}})},
			{"wrong number of values", forged(ent.Cursor{ID: ticketID, Value: []any{1, 2}})},
			{"a single value for a list of orders", forged(ent.Cursor{ID: ticketID, Value: 1})},
			{"an id of another type", forged(ent.Cursor{ID: gid.ID("cus_01JD00000000000000000000AB"), Value: []any{1}})},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := e.admin.MustFail(t, "BAD_USER_INPUT", byNumber, map[string]any{"c": tc.cursor})
				if err.Field() != "after" {
					t.Errorf("field = %q, want after (%s)", err.Field(), err.Message)
				}
				if strings.Contains(err.Message, "msgpack") || strings.Contains(strings.ToLower(err.Message), "sql") {
					t.Errorf("message names internals: %q", err.Message)
				}
			})
		}
		// A real cursor still pages.
		var page struct {
			Tickets struct {
				PageInfo struct{ EndCursor string }
				Edges    []struct{ Node struct{ Number int } }
			}
		}
		e.admin.Must(t, `{ tickets(first: 2, orderBy: [{field: NUMBER}]) { pageInfo { endCursor } edges { node { number } } } }`, nil, &page)
		e.admin.Must(t, `query($c: Cursor) { tickets(first: 2, after: $c, orderBy: [{field: NUMBER}]) { pageInfo { endCursor } edges { node { number } } } }`,
			map[string]any{"c": page.Tickets.PageInfo.EndCursor}, &page)
		if len(page.Tickets.Edges) != 1 || page.Tickets.Edges[0].Node.Number != 3 {
			t.Fatalf("second page = %+v, want ticket #3 only", page.Tickets.Edges)
		}
	})
}

// syncBuffer is a log destination tests can read while the server writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) lines(t *testing.T) []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		out = append(out, m)
	}
	return out
}

// Every request's log line names its id, its viewer and its operation,
// and FORBIDDEN answers say what was refused in the API's words.
func TestRequestLogAndForbiddenMessages(t *testing.T) {
	t.Parallel()
	ctx := auth.WithViewer(context.Background(), auth.System)
	db := testdb.Open(t, testdb.Dialects[0])
	var logs syncBuffer
	app, err := server.NewApp(ctx, db, server.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil)), PasswordCost: testPasswordCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	role := agent.RoleAGENT
	a, err := app.Directory.CreateAgent(ctx, directory.CreateAgentInput{Name: "Plain Agent", Email: "plain@example.com", Password: adminPassword, Role: &role})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler)
	t.Cleanup(srv.Close)
	anon := &gqltest.Client{URL: srv.URL + "/graphql"}
	var login struct{ Login struct{ Token string } }
	anon.Must(t, `mutation { login(email: "plain@example.com", password: "`+adminPassword+`") { token } }`, nil, &login)
	agentClient := &gqltest.Client{URL: anon.URL, Token: login.Login.Token}

	ferr := agentClient.MustFail(t, "FORBIDDEN", `mutation CreateTeam { createTeam(input: {name: "Mine"}) { id } }`, nil)
	if !strings.HasPrefix(ferr.Message, "createTeam: ") || strings.Contains(ferr.Message, "config") {
		t.Errorf("FORBIDDEN message = %q, want it to name createTeam and no policy object", ferr.Message)
	}

	var found bool
	for _, l := range logs.lines(t) {
		if l["msg"] != "request" || l["operation"] != "mutation CreateTeam" {
			continue
		}
		found = true
		if l["viewer"] != string(a.ID) || l["request_id"] == "" || l["request_id"] == nil {
			t.Errorf("request line = %v, want viewer %s and a request id", l, a.ID)
		}
	}
	if !found {
		t.Fatalf("no request line for the CreateTeam operation in:\n%s", logs.buf.String())
	}
}
