package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"helpdesk/internal/directory"
	"helpdesk/internal/gqltest"
	"helpdesk/internal/server"
	"helpdesk/internal/testdb"
)

// postStatus posts a query with a token and returns the HTTP status, the
// Retry-After header and the first error's extensions.
func postStatus(t *testing.T, url, token, query string) (int, string, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Errors []struct{ Extensions map[string]any }
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	var ext map[string]any
	if len(out.Errors) > 0 {
		ext = out.Errors[0].Extensions
	}
	return resp.StatusCode, resp.Header.Get("Retry-After"), ext
}

// TestRateLimitsPerTokenAndAddress holds one token to its rate while
// another token on the same address goes on, then holds the address.
func TestRateLimitsPerTokenAndAddress(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		// A token refills one request every 100s: the first 3 pass.
		e := newEnvWith(t, dial, server.Options{RateLimits: server.RateLimits{PerToken: 0.01, TokenBurst: 3, PerAddress: 0.01, AddressBurst: 8}})
		second := e.createAgentClient(t, "second@example.com")
		used := 2 // the two logins
		for range 3 {
			if status, _, ext := postStatus(t, e.admin.URL, e.admin.Token, `{ viewer { id } }`); status != http.StatusOK || ext != nil {
				t.Fatalf("request within the token's burst: %d %v", status, ext)
			}
			used++
		}
		status, retry, ext := postStatus(t, e.admin.URL, e.admin.Token, `{ viewer { id } }`)
		if status != http.StatusTooManyRequests || ext["code"] != "RATE_LIMITED" {
			t.Fatalf("request over the token's limit: %d %v", status, ext)
		}
		wait, _ := ext["retryAfter"].(float64)
		if n, err := strconv.Atoi(retry); err != nil || n < 1 || float64(n) != wait {
			t.Fatalf("Retry-After %q and retryAfter %v, want the same whole number of seconds", retry, ext["retryAfter"])
		}
		// The refused request took nothing from the address: another
		// token on it still passes until the address's burst is spent.
		for used < 8 {
			if status, _, ext := postStatus(t, second.URL, second.Token, `{ viewer { id } }`); status != http.StatusOK || ext != nil {
				t.Fatalf("another token's request %d on the address: %d %v", used+1, status, ext)
			}
			used++
		}
		if status, _, ext := postStatus(t, second.URL, second.Token, `{ viewer { id } }`); status != http.StatusTooManyRequests || ext["code"] != "RATE_LIMITED" {
			t.Fatalf("request over the address's limit: %d %v", status, ext)
		}
		if status, _, ext := postStatus(t, e.anon.URL, "", `mutation { login(email: "ada@example.com", password: "x") { token } }`); status != http.StatusTooManyRequests || ext["code"] != "RATE_LIMITED" {
			t.Fatalf("an anonymous request from the held address: %d %v", status, ext)
		}
	})
}

// createAgentClient creates an agent and logs it in over HTTP.
func (e *env) createAgentClient(t *testing.T, email string) *gqltest.Client {
	t.Helper()
	if _, err := e.app.Directory.CreateAgent(sys(), directory.CreateAgentInput{Name: email, Email: email, Password: adminPassword}); err != nil {
		t.Fatal(err)
	}
	var login struct{ Login struct{ Token string } }
	e.anon.Must(t, `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`,
		map[string]any{"e": email, "p": adminPassword}, &login)
	return &gqltest.Client{URL: e.anon.URL, Token: login.Login.Token}
}
