package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// gqlClient posts GraphQL operations to the server over HTTP.
type gqlClient struct {
	url   string
	token string
	http  *http.Client
}

func newGQLClient(baseURL string) *gqlClient {
	return &gqlClient{url: baseURL + "/graphql", http: &http.Client{Timeout: 30 * time.Second}}
}

// do runs one operation and decodes its data into out; GraphQL errors
// are returned as an error.
func (c *gqlClient) do(query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		return fmt.Errorf("decoding the answer (HTTP %d): %w", res.StatusCode, err)
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("graphql: %s", r.Errors[0].Message)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(r.Data, out)
}

// login exchanges the administrator's credentials for a token.
func (c *gqlClient) login(email, password string) error {
	var out struct {
		Login struct{ Token string } `json:"login"`
	}
	err := c.do(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`,
		map[string]any{"e": email, "p": password}, &out)
	c.token = out.Login.Token
	return err
}

// createTicket creates an internal ticket of the given priority and
// returns its id.
func (c *gqlClient) createTicket(title, priority string) (string, error) {
	var out struct {
		CreateTicket struct{ ID string } `json:"createTicket"`
	}
	err := c.do(`mutation($in: CreateTicketInput!) { createTicket(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"title": title, "priority": priority, "channel": "INTERNAL", "internal": true}}, &out)
	return out.CreateTicket.ID, err
}

// retitle changes a ticket's title; the change is committed when the
// answer arrives.
func (c *gqlClient) retitle(id, title string) error {
	return c.do(`mutation($id: ID!, $t: String!) { updateTicket(id: $id, input: {title: $t}) { id } }`,
		map[string]any{"id": id, "t": title}, nil)
}
