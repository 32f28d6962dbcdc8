package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// gqlClient posts GraphQL requests as one viewer.
type gqlClient struct {
	http  *http.Client
	url   string
	token string
}

// do runs one operation and returns the response body; GraphQL errors
// are errors.
func (c *gqlClient) do(ctx context.Context, query string, vars map[string]any) ([]byte, error) {
	payload, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	// gqlgen writes errors first: no need to parse a whole page to find
	// them.
	if resp.StatusCode != http.StatusOK || bytes.HasPrefix(body, []byte(`{"errors"`)) {
		return nil, fmt.Errorf("HTTP %d: %.300s", resp.StatusCode, body)
	}
	return body, nil
}

// login returns a client acting as the agent with the given email.
func login(ctx context.Context, httpClient *http.Client, url, email string) (*gqlClient, error) {
	anon := &gqlClient{http: httpClient, url: url}
	body, err := anon.do(ctx, `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`,
		map[string]any{"e": email, "p": agentPassword})
	if err != nil {
		return nil, fmt.Errorf("logging in as %s: %w", email, err)
	}
	var out struct {
		Data struct{ Login struct{ Token string } }
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, err
	}
	return &gqlClient{http: httpClient, url: url, token: out.Data.Login.Token}, nil
}

// schemaFields returns the fields of the Query type and the arguments
// of each, so that scenarios whose fields are missing can be skipped.
func schemaFields(ctx context.Context, c *gqlClient) (map[string][]string, error) {
	body, err := c.do(ctx, `{ __schema { queryType { fields { name args { name } } } } }`, nil)
	if err != nil {
		return nil, err
	}
	var out struct {
		Data struct {
			Schema struct {
				QueryType struct {
					Fields []struct {
						Name string
						Args []struct{ Name string }
					}
				}
			} `json:"__schema"`
		}
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, err
	}
	fields := map[string][]string{}
	for _, f := range out.Data.Schema.QueryType.Fields {
		for _, a := range f.Args {
			fields[f.Name] = append(fields[f.Name], a.Name)
		}
		if fields[f.Name] == nil {
			fields[f.Name] = []string{}
		}
	}
	return fields, nil
}
