package server_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"helpdesk/ent/agent"
	"helpdesk/ent/setting"
	"helpdesk/internal/auth"
	"helpdesk/internal/directory"
	"helpdesk/internal/gqltest"
	"helpdesk/internal/server"
	"helpdesk/internal/store"
	"helpdesk/internal/testdb"
)

const (
	accountsKey = "accounts-test-key-0123456789abcdefgh"
	loginQuery  = `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`
)

// accounts is a running API whose signing key the test knows, with an
// administrator (ada@example.com) logged in.
type accounts struct {
	app     *server.App
	anon    *gqltest.Client
	admin   *gqltest.Client
	adminID string
}

// newAccounts starts an App with opts (TokenKey defaults to accountsKey);
// prepare runs on the migrated database before the App is built.
func newAccounts(t *testing.T, dial string, opts server.Options, prepare func(db *store.DB)) *accounts {
	t.Helper()
	ctx := auth.WithViewer(context.Background(), auth.System)
	db := testdb.Open(t, dial)
	if prepare != nil {
		prepare(db)
	}
	if opts.TokenKey == "" {
		opts.TokenKey = accountsKey
	}
	opts.PasswordCost = testPasswordCost
	app, err := server.NewApp(ctx, db, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	role := agent.RoleADMIN
	ada, err := app.Directory.CreateAgent(ctx, directory.CreateAgentInput{
		Name: "Ada Admin", Email: "ada@example.com", Password: adminPassword, Role: &role,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler)
	t.Cleanup(srv.Close)
	a := &accounts{app: app, anon: &gqltest.Client{URL: srv.URL + "/graphql"}, adminID: string(ada.ID)}
	a.admin = a.login(t, "ada@example.com", adminPassword)
	return a
}

func (a *accounts) login(t *testing.T, email, password string) *gqltest.Client {
	t.Helper()
	var res struct{ Login struct{ Token string } }
	a.anon.Must(t, loginQuery, map[string]any{"e": email, "p": password}, &res)
	return &gqltest.Client{URL: a.anon.URL, Token: res.Login.Token}
}

func (a *accounts) createAgent(t *testing.T, email, password string) string {
	t.Helper()
	var res struct{ CreateAgent struct{ ID string } }
	a.admin.Must(t, `mutation($e: String!, $p: String!) { createAgent(input: {name: "Temp", email: $e, password: $p}) { id } }`,
		map[string]any{"e": email, "p": password}, &res)
	return res.CreateAgent.ID
}

// refused checks that a token no longer authenticates.
func refused(t *testing.T, c *gqltest.Client, why string) {
	t.Helper()
	res := c.Post(t, `{ viewer { id } }`, nil)
	if len(res.Errors) != 1 || res.Errors[0].Code() != "UNAUTHENTICATED" {
		t.Fatalf("%s: the old token still works (errors %v, data %s)", why, res.Errors, res.Data)
	}
}

func forEachAccounts(t *testing.T, opts server.Options, body func(t *testing.T, a *accounts)) {
	t.Helper()
	testdb.ForEach(t, func(t *testing.T, dial string) { body(t, newAccounts(t, dial, opts, nil)) })
}

// frozenClock stops the App's clock, so that throttled attempts do not
// come back while slow (race-detector) bcrypt comparisons run.
func frozenClock() server.Options {
	now := time.Now()
	return server.Options{Now: func() time.Time { return now }}
}

func TestLoginIsThrottledPerAccount(t *testing.T) {
	t.Parallel()
	forEachAccounts(t, frozenClock(), func(t *testing.T, a *accounts) {
		vars := map[string]any{"e": "ada@example.com", "p": "wrong-password"}
		codes := map[string]int{}
		for range 100 {
			res := a.anon.Post(t, loginQuery, vars)
			if len(res.Errors) != 1 {
				t.Fatalf("a wrong password got %v", res.Errors)
			}
			codes[res.Errors[0].Code()]++
		}
		if codes["UNAUTHENTICATED"] != 5 || codes["RATE_LIMITED"] != 95 {
			t.Fatalf("100 wrong passwords answered %v; want 5 UNAUTHENTICATED then RATE_LIMITED", codes)
		}
		e := a.anon.MustFail(t, "RATE_LIMITED", loginQuery, map[string]any{"e": "ada@example.com", "p": adminPassword})
		if retry, _ := e.Extensions["retryAfter"].(float64); retry < 1 || retry > 60 {
			t.Fatalf("retryAfter = %v, want 1..60 seconds", e.Extensions["retryAfter"])
		}
		// The throttle keeps to that account, and tokens already issued
		// keep working.
		a.createAgent(t, "bo@example.com", "bo-password")
		a.login(t, "bo@example.com", "bo-password")
		a.admin.Must(t, `{ viewer { id } }`, nil, nil)
	})
}

// forwardedFor adds an X-Forwarded-For header naming a different address
// on every request, as a client trying to look like many would.
type forwardedFor struct{ n int }

func (f *forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	f.n++
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", f.n%250))
	return http.DefaultTransport.RoundTrip(r)
}

func TestLoginIsThrottledPerAddress(t *testing.T) {
	t.Parallel()
	opts := frozenClock()
	opts.LoginLimits.AddressFailures = 8 // fewer slow bcrypt runs than the default 20
	forEachAccounts(t, opts, func(t *testing.T, a *accounts) {
		// X-Forwarded-For is not believed without trusted proxies.
		spoofing := &gqltest.Client{URL: a.anon.URL, HTTP: &http.Client{Transport: &forwardedFor{}}}
		for i := range 8 {
			spoofing.MustFail(t, "UNAUTHENTICATED", loginQuery,
				map[string]any{"e": fmt.Sprintf("guess%d@example.com", i), "p": "wrong-password"})
		}
		spoofing.MustFail(t, "RATE_LIMITED", loginQuery, map[string]any{"e": "guess99@example.com", "p": "wrong-password"})
		// The address is throttled whatever account it tries next.
		a.anon.MustFail(t, "RATE_LIMITED", loginQuery, map[string]any{"e": "ada@example.com", "p": adminPassword})
	})
}

func TestTrustedProxyNamesTheClient(t *testing.T) {
	t.Parallel()
	opts := frozenClock()
	opts.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	opts.LoginLimits.AddressFailures = 3
	a := newAccounts(t, testdb.Dialects[0], opts, nil)
	proxied := &gqltest.Client{URL: a.anon.URL, HTTP: &http.Client{Transport: &forwardedFor{}}}
	// Behind a trusted proxy every request comes from another client, so
	// failures over many emails are not throttled by address.
	for i := range 6 {
		proxied.MustFail(t, "UNAUTHENTICATED", loginQuery,
			map[string]any{"e": fmt.Sprintf("guess%d@example.com", i), "p": "wrong-password"})
	}
}

func TestPasswordResetRevokesTokens(t *testing.T) {
	t.Parallel()
	forEachAccounts(t, server.Options{}, func(t *testing.T, a *accounts) {
		id := a.createAgent(t, "temp@example.com", "temp-password")
		first := a.login(t, "temp@example.com", "temp-password")
		second := a.login(t, "temp@example.com", "temp-password")
		first.Must(t, `{ viewer { id } }`, nil, nil)
		a.admin.Must(t, `mutation($id: ID!) { updateAgent(id: $id, input: {password: "a-new-password"}) { id } }`, map[string]any{"id": id}, nil)
		refused(t, first, "after a password reset")
		refused(t, second, "after a password reset")
		a.anon.MustFail(t, "UNAUTHENTICATED", loginQuery, map[string]any{"e": "temp@example.com", "p": "temp-password"})
		a.login(t, "temp@example.com", "a-new-password").Must(t, `{ viewer { id } }`, nil, nil)
		// Other changes to the account leave its tokens alone.
		current := a.login(t, "temp@example.com", "a-new-password")
		a.admin.Must(t, `mutation($id: ID!) { updateAgent(id: $id, input: {capacity: 3, name: "Renamed"}) { id } }`, map[string]any{"id": id}, nil)
		current.Must(t, `{ viewer { id } }`, nil, nil)
		a.admin.Must(t, `{ viewer { id } }`, nil, nil)
	})
}

func TestReactivatedAgentMustLogInAgain(t *testing.T) {
	t.Parallel()
	forEachAccounts(t, server.Options{}, func(t *testing.T, a *accounts) {
		id := a.createAgent(t, "temp@example.com", "temp-password")
		old := a.login(t, "temp@example.com", "temp-password")
		for _, active := range []bool{false, true} {
			a.admin.Must(t, `mutation($id: ID!, $on: Boolean!) { updateAgent(id: $id, input: {active: $on}) { id } }`,
				map[string]any{"id": id, "on": active}, nil)
		}
		refused(t, old, "after deactivation and reactivation")
		a.login(t, "temp@example.com", "temp-password").Must(t, `{ viewer { id } }`, nil, nil)
	})
}

func TestSignOutEverywhere(t *testing.T) {
	t.Parallel()
	forEachAccounts(t, server.Options{}, func(t *testing.T, a *accounts) {
		bo := a.createAgent(t, "bo@example.com", "bo-password")
		cy := a.createAgent(t, "cy@example.com", "cy-password")
		boPhone, boLaptop := a.login(t, "bo@example.com", "bo-password"), a.login(t, "bo@example.com", "bo-password")
		cyDesk := a.login(t, "cy@example.com", "cy-password")

		// An agent may not sign someone else out.
		boPhone.MustFail(t, "FORBIDDEN", `mutation($a: ID!) { signOutEverywhere(agentID: $a) { id } }`, map[string]any{"a": cy})
		cyDesk.Must(t, `{ viewer { id } }`, nil, nil)

		// An agent signs themselves out of every device.
		var res struct{ SignOutEverywhere struct{ ID string } }
		boLaptop.Must(t, `mutation { signOutEverywhere { id } }`, nil, &res)
		if res.SignOutEverywhere.ID != bo {
			t.Fatalf("signed out %q, want %q", res.SignOutEverywhere.ID, bo)
		}
		refused(t, boPhone, "after signing out everywhere")
		refused(t, boLaptop, "after signing out everywhere")
		a.login(t, "bo@example.com", "bo-password").Must(t, `{ viewer { id } }`, nil, nil)

		// An administrator signs anyone out.
		a.admin.Must(t, `mutation($a: ID!) { signOutEverywhere(agentID: $a) { id } }`, map[string]any{"a": cy}, nil)
		refused(t, cyDesk, "after an administrator signed the agent out")
		a.admin.MustFail(t, "NOT_FOUND", `mutation { signOutEverywhere(agentID: "agt_01JD0000000000000000000000") { id } }`, nil)

		// API tokens may not use it.
		var tok struct{ CreateAPIToken struct{ Token string } }
		a.admin.Must(t, `mutation { createAPIToken(input: {name: "shop", scopes: [TICKETS_READ]}) { token } }`, nil, &tok)
		integration := &gqltest.Client{URL: a.anon.URL, Token: tok.CreateAPIToken.Token}
		integration.MustFail(t, "FORBIDDEN", `mutation($a: ID!) { signOutEverywhere(agentID: $a) { id } }`, map[string]any{"a": a.adminID})
		a.admin.Must(t, `{ viewer { id } }`, nil, nil)
	})
}

// forgeToken signs a login token for agentID as someone holding the key
// would.
func forgeToken(t *testing.T, key, agentID string, iat, exp time.Time) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": "helpdesk", "sub": agentID, "iat": iat.Unix(), "exp": exp.Unix(), "gen": 0,
	}).SignedString([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOverlongTokensAreRefused(t *testing.T) {
	t.Parallel()
	forEachAccounts(t, server.Options{TokenTTL: time.Hour}, func(t *testing.T, a *accounts) {
		now := time.Now()
		// Signed with the right key and within the TTL: accepted, so the
		// forgery itself is sound...
		ok := &gqltest.Client{URL: a.anon.URL, Token: forgeToken(t, accountsKey, a.adminID, now, now.Add(time.Hour))}
		ok.Must(t, `{ viewer { id } }`, nil, nil)
		// ...but a hundred-year token, or one issued in the future, is not.
		for name, token := range map[string]string{
			"a hundred-year token":     forgeToken(t, accountsKey, a.adminID, now.Add(-time.Minute), now.AddDate(100, 0, 0)),
			"a two-hour token":         forgeToken(t, accountsKey, a.adminID, now, now.Add(2*time.Hour)),
			"a token from the future":  forgeToken(t, accountsKey, a.adminID, now.Add(time.Hour), now.Add(90*time.Minute)),
			"a token of the wrong key": forgeToken(t, strings.ToUpper(accountsKey), a.adminID, now, now.Add(time.Hour)),
		} {
			refused(t, &gqltest.Client{URL: a.anon.URL, Token: token}, name)
		}
	})
}

func TestSigningKeyIsNotInTheDatabase(t *testing.T) {
	t.Parallel()
	const legacyKey = "a key an earlier version stored in settings"
	testdb.ForEach(t, func(t *testing.T, dial string) {
		var db *store.DB
		a := newAccounts(t, dial, server.Options{}, func(d *store.DB) {
			db = d
			// An earlier version kept its generated key here.
			if err := d.Client.Setting.Create().SetID("token_signing_key").
				SetValue(base64.StdEncoding.EncodeToString([]byte(legacyKey))).Exec(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
		ctx := auth.WithViewer(context.Background(), auth.System)
		if n, err := db.Client.Setting.Query().Where(setting.ID("token_signing_key")).Count(ctx); err != nil || n != 0 {
			t.Fatalf("the stored key is still there (%d rows, %v)", n, err)
		}
		settings, err := db.Client.Setting.Query().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range settings {
			if strings.Contains(s.Value, accountsKey) || strings.Contains(s.Value, base64.StdEncoding.EncodeToString([]byte(accountsKey))) {
				t.Fatalf("setting %q holds the signing key", s.ID)
			}
		}
		now := time.Now()
		refused(t, &gqltest.Client{URL: a.anon.URL, Token: forgeToken(t, legacyKey, a.adminID, now, now.Add(time.Hour))},
			"a token signed with the key once stored in the database")

		// Without a configured key, an App uses a key of its own that
		// no other App (and no copy of the database) knows.
		other, err := server.NewApp(ctx, db, server.Options{PasswordCost: testPasswordCost})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(other.Close)
		srv := httptest.NewServer(other.Handler)
		t.Cleanup(srv.Close)
		refused(t, &gqltest.Client{URL: srv.URL + "/graphql", Token: a.admin.Token}, "a token of another App's key")
		if n, err := db.Client.Setting.Query().Count(ctx); err != nil || n != len(settings) {
			t.Fatalf("settings rows %d → %d (%v): something was stored", len(settings), n, err)
		}
	})
}
