package server_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"helpdesk/internal/testdb"
)

// httpAnswer is a raw answer of the GraphQL endpoint.
type httpAnswer struct {
	status int
	header http.Header
	body   map[string]any
}

func (a httpAnswer) code() string {
	errs, _ := a.body["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	ext, _ := errs[0].(map[string]any)["extensions"].(map[string]any)
	code, _ := ext["code"].(string)
	return code
}

func send(t *testing.T, method, target string, header map[string]string, body string) httpAnswer {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	a := httpAnswer{status: res.StatusCode, header: res.Header}
	if len(raw) > 0 && json.Unmarshal(raw, &a.body) != nil {
		t.Fatalf("%s %s: answer is not JSON: %s", method, target, raw)
	}
	return a
}

// TestGraphQLOverHTTPStatuses checks the answers the GraphQL-over-HTTP
// specification prescribes, beyond what the audit covers: statuses per
// media type (query limits included), GET for queries only, methods,
// content types and negotiation.
func TestGraphQLOverHTTPStatuses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.Dialects[0])
	endpoint := e.anon.URL
	jsonReq := map[string]string{"Content-Type": "application/json", "Accept": "application/json"}
	gqlReq := map[string]string{"Content-Type": "application/json; charset=utf-8", "Accept": "application/graphql-response+json"}
	deep := "{ __typename " + strings.Repeat("tickets { edges { node { customer { ", 5) + "id" + strings.Repeat(" } } } }", 5) + " }"
	for _, tc := range []struct {
		name      string
		method    string
		target    string
		header    map[string]string
		body      string
		status    int
		code      string
		media     string
		hasData   bool
		allowWant string
	}{
		{"validation error, application/json", "POST", endpoint, jsonReq, `{"query":"{ nope }"}`, 200, "GRAPHQL_VALIDATION_FAILED", "application/json", false, ""},
		{"validation error, graphql-response+json", "POST", endpoint, gqlReq, `{"query":"{ nope }"}`, 400, "GRAPHQL_VALIDATION_FAILED", "application/graphql-response+json", false, ""},
		{"parse error, graphql-response+json", "POST", endpoint, gqlReq, `{"query":"{"}`, 400, "GRAPHQL_PARSE_FAILED", "application/graphql-response+json", false, ""},
		{"query limit, application/json", "POST", endpoint, jsonReq, `{"query":` + strconvQuote(deep) + `}`, 200, "QUERY_TOO_COMPLEX", "application/json", false, ""},
		{"query limit, graphql-response+json", "POST", endpoint, gqlReq, `{"query":` + strconvQuote(deep) + `}`, 400, "QUERY_TOO_COMPLEX", "application/graphql-response+json", false, ""},
		{"field error after execution", "POST", endpoint, gqlReq, `{"query":"{ viewer { id } }"}`, 200, "UNAUTHENTICATED", "application/graphql-response+json", true, ""},
		{"query over GET", "GET", endpoint + "?query=" + url.QueryEscape("{ __typename }"), nil, "", 200, "", "application/json", true, ""},
		{"mutation over GET", "GET", endpoint + "?query=" + url.QueryEscape(`mutation { login(email: "a@b.c", password: "x") { token } }`), nil, "", 405, "BAD_USER_INPUT", "application/json", false, "POST"},
		{"PUT", "PUT", endpoint, jsonReq, `{"query":"{ __typename }"}`, 405, "BAD_USER_INPUT", "application/json", false, "GET, POST, OPTIONS"},
		{"no content type", "POST", endpoint, map[string]string{"Accept": "application/json"}, `{"query":"{ __typename }"}`, 415, "BAD_USER_INPUT", "application/json", false, ""},
		{"form content type", "POST", endpoint, map[string]string{"Content-Type": "text/plain"}, `{"query":"{ __typename }"}`, 415, "BAD_USER_INPUT", "application/json", false, ""},
		{"latin-1 body", "POST", endpoint, map[string]string{"Content-Type": "application/json; charset=iso-8859-1"}, `{"query":"{ __typename }"}`, 415, "BAD_USER_INPUT", "application/json", false, ""},
		{"unacceptable Accept", "POST", endpoint, map[string]string{"Content-Type": "application/json", "Accept": "text/html"}, `{"query":"{ __typename }"}`, 406, "BAD_USER_INPUT", "application/json", false, ""},
		{"Apollo Client's Accept", "POST", endpoint, map[string]string{"Content-Type": "application/json", "Accept": "application/graphql-response+json,application/json;q=0.9"}, `{"query":"{ __typename }"}`, 200, "", "application/graphql-response+json", true, ""},
		{"preferred by quality", "POST", endpoint, map[string]string{"Content-Type": "application/json", "Accept": "application/graphql-response+json;q=0.5, application/json"}, `{"query":"{ __typename }"}`, 200, "", "application/json", true, ""},
		{"missing query", "POST", endpoint, gqlReq, `{"qeury":"{ __typename }"}`, 400, "BAD_USER_INPUT", "application/graphql-response+json", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := send(t, tc.method, tc.target, tc.header, tc.body)
			if a.status != tc.status || a.code() != tc.code {
				t.Fatalf("status %d, code %q, want %d, %q: %v", a.status, a.code(), tc.status, tc.code, a.body)
			}
			if ct := a.header.Get("Content-Type"); ct != tc.media+"; charset=utf-8" {
				t.Errorf("Content-Type %q, want %q with charset=utf-8", ct, tc.media)
			}
			if _, has := a.body["data"]; has != tc.hasData {
				t.Errorf("data entry present: %v, want %v: %v", has, tc.hasData, a.body)
			}
			if tc.allowWant != "" && a.header.Get("Allow") != tc.allowWant {
				t.Errorf("Allow %q, want %q", a.header.Get("Allow"), tc.allowWant)
			}
		})
	}
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestAutomaticPersistedQueries follows Apollo's protocol: a hash the
// server does not know is PERSISTED_QUERY_NOT_FOUND; sending the query
// with its hash registers it; then the hash alone runs it, over POST and
// GET; a hash that does not match its query is refused.
func TestAutomaticPersistedQueries(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.Dialects[0])
	query := "query Me { viewer { id name } }"
	sum := sha256.Sum256([]byte(query))
	hash := hex.EncodeToString(sum[:])
	ext := `{"persistedQuery":{"version":1,"sha256Hash":"` + hash + `"}}`
	header := map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + e.admin.Token}

	a := send(t, "POST", e.anon.URL, header, `{"extensions":`+ext+`}`)
	if a.status != 200 || a.code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("unknown hash: %d %v, want 200 PERSISTED_QUERY_NOT_FOUND", a.status, a.body)
	}
	a = send(t, "POST", e.anon.URL, header, `{"query":`+strconvQuote(query)+`,"extensions":`+ext+`}`)
	if a.status != 200 || a.code() != "" || a.body["data"].(map[string]any)["viewer"].(map[string]any)["name"] != "Ada Admin" {
		t.Fatalf("registering: %d %v", a.status, a.body)
	}
	a = send(t, "POST", e.anon.URL, header, `{"extensions":`+ext+`}`)
	if a.status != 200 || a.code() != "" || a.body["data"].(map[string]any)["viewer"] == nil {
		t.Fatalf("hash alone over POST: %d %v", a.status, a.body)
	}
	a = send(t, "GET", e.anon.URL+"?operationName=Me&extensions="+url.QueryEscape(ext), map[string]string{"Authorization": header["Authorization"]}, "")
	if a.status != 200 || a.code() != "" || a.body["data"].(map[string]any)["viewer"] == nil {
		t.Fatalf("hash alone over GET: %d %v", a.status, a.body)
	}
	// Without a token the persisted query is refused like the query itself.
	a = send(t, "POST", e.anon.URL, map[string]string{"Content-Type": "application/json"}, `{"extensions":`+ext+`}`)
	if a.code() != "UNAUTHENTICATED" {
		t.Fatalf("persisted query without a token: %d %v", a.status, a.body)
	}
	wrong := `{"persistedQuery":{"version":1,"sha256Hash":"` + strings.Repeat("0", 64) + `"}}`
	a = send(t, "POST", e.anon.URL, header, `{"query":`+strconvQuote(query)+`,"extensions":`+wrong+`}`)
	if a.code() == "" {
		t.Fatalf("a hash that does not match the query was accepted: %v", a.body)
	}
}
