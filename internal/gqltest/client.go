// Package gqltest is a small GraphQL-over-HTTP client for tests: it posts
// a query with variables and a bearer token, and decodes data and errors.
package gqltest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
)

// Client talks to one GraphQL endpoint.
type Client struct {
	URL   string
	Token string
	HTTP  *http.Client
}

// Error is one GraphQL error as the client sees it.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code returns extensions.code.
func (e Error) Code() string { s, _ := e.Extensions["code"].(string); return s }

// Field returns extensions.field.
func (e Error) Field() string { s, _ := e.Extensions["field"].(string); return s }

// Response is a decoded GraphQL response.
type Response struct {
	Data   json.RawMessage `json:"data"`
	Errors []Error         `json:"errors"`
}

// Post sends the query and returns the decoded response.
func (c *Client) Post(t testing.TB, query string, vars map[string]any) Response {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err != nil {
		t.Fatalf("posting GraphQL request: %v", err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out Response
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("decoding GraphQL response (HTTP %d): %v\n%s", res.StatusCode, err, raw)
	}
	return out
}

// Must sends the query, fails the test on any GraphQL error, and decodes
// data into out (if out is not nil).
func (c *Client) Must(t testing.TB, query string, vars map[string]any, out any) {
	t.Helper()
	res := c.Post(t, query, vars)
	if len(res.Errors) > 0 {
		t.Fatalf("GraphQL errors: %s\nquery: %s", fmtErrors(res.Errors), query)
	}
	if out != nil {
		if err := json.Unmarshal(res.Data, out); err != nil {
			t.Fatalf("decoding data: %v\n%s", err, res.Data)
		}
	}
}

// MustFail sends the query and returns its single error, failing the test
// if there is not exactly one or its code differs.
func (c *Client) MustFail(t testing.TB, code, query string, vars map[string]any) Error {
	t.Helper()
	res := c.Post(t, query, vars)
	if len(res.Errors) != 1 {
		t.Fatalf("want exactly one %s error, got %s\ndata: %s", code, fmtErrors(res.Errors), res.Data)
	}
	if got := res.Errors[0].Code(); got != code {
		t.Fatalf("error code = %q, want %q (%s)", got, code, res.Errors[0].Message)
	}
	return res.Errors[0]
}

func fmtErrors(errs []Error) string {
	b, _ := json.Marshal(errs)
	return fmt.Sprintf("%d: %s", len(errs), b)
}
