package server_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"helpdesk/ent/agent"
	"helpdesk/internal/auth"
	"helpdesk/internal/directory"
	"helpdesk/internal/gqltest"
	"helpdesk/internal/server"
	"helpdesk/internal/store"
	"helpdesk/internal/testdb"
)

const adminPassword = "admin-password"

// testPasswordCost is the bcrypt cost of the tests' Apps: the lowest
// bcrypt allows, so that creating agents and logging in is fast under the
// race detector. Production hashes at auth.DefaultPasswordCost.
const testPasswordCost = bcrypt.MinCost

// testTokenKey signs the tests' tokens, so that a second App on the same
// database (a replica) accepts them.
const testTokenKey = "test-token-key-0123456789abcdefghijk"

// env is one test's running API over a fresh database, with an admin
// logged in.
type env struct {
	app   *server.App
	db    *store.DB
	admin *gqltest.Client
	anon  *gqltest.Client
}

func newEnv(t *testing.T, dial string) *env { return newEnvWith(t, dial, server.Options{}) }

// newEnvWith is newEnv with the given options (the test token key is
// added when none is set).
func newEnvWith(t *testing.T, dial string, opts server.Options) *env {
	t.Helper()
	ctx := auth.WithViewer(context.Background(), auth.System)
	db := testdb.Open(t, dial)
	if opts.TokenKey == "" {
		opts.TokenKey = testTokenKey
	}
	opts.PasswordCost = testPasswordCost
	app, err := server.NewApp(ctx, db, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	role := agent.RoleADMIN
	if _, err := app.Directory.CreateAgent(ctx, directory.CreateAgentInput{
		Name: "Ada Admin", Email: "ada@example.com", Password: adminPassword, Role: &role,
	}); err != nil {
		t.Fatal(err)
	}
	return serveApp(t, app)
}

// serveApp serves an App on loopback, with the admin logged in.
func serveApp(t *testing.T, app *server.App) *env {
	t.Helper()
	srv := httptest.NewServer(app.Handler)
	t.Cleanup(srv.Close)
	anon := &gqltest.Client{URL: srv.URL + "/graphql"}
	var login struct {
		Login struct{ Token string }
	}
	anon.Must(t, `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`,
		map[string]any{"e": "ada@example.com", "p": adminPassword}, &login)
	return &env{app: app, db: app.DB, anon: anon, admin: &gqltest.Client{URL: anon.URL, Token: login.Login.Token}}
}

// forEachDialect runs the test body once per database, on a fresh env
// each, in parallel subtests (testdb.ForEach).
func forEachDialect(t *testing.T, body func(t *testing.T, e *env)) {
	t.Helper()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		body(t, newEnv(t, dial))
	})
}

func jsonUnmarshal(data []byte, out any) error { return json.Unmarshal(data, out) }
