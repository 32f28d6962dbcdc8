package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"helpdesk/internal/apperr"
	"helpdesk/internal/metrics"
)

// Media types of GraphQL over HTTP.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// httpTransport serves queries and mutations over HTTP as the
// GraphQL-over-HTTP specification says, in every MUST and SHOULD:
//
//   - POST takes an application/json body (UTF-8); GET takes the
//     parameters in the URL and serves queries only (a mutation is 405
//     with Allow: POST); other methods are 405.
//   - The answer is application/graphql-response+json or application/json
//     as the Accept header prefers (application/json without one, or for
//     */*), always UTF-8; 406 when neither is acceptable.
//   - A body that is not a GraphQL request is 400 with a short message
//     (never the body echoed back). A request that fails before execution
//     (parsing, validation, variables, a query limit, an unknown persisted
//     query) has no data entry and is 200 under application/json but 400
//     under application/graphql-response+json.
//
// The body is decoded once, here. Requests refused before they run are
// recorded in metrics (when set); the others by observeOperations.
type httpTransport struct {
	metrics *metrics.Metrics
}

var _ graphql.Transport = httpTransport{}

// Supports implements graphql.Transport: every request but websocket
// upgrades, OPTIONS and multipart uploads, which other transports take.
func (httpTransport) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" || r.Method == http.MethodOptions {
		return false
	}
	if r.Method == http.MethodPost {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		return mt != "multipart/form-data"
	}
	return true
}

// Do implements graphql.Transport.
func (h httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	media, ok := responseMediaType(r.Header.Get("Accept"))
	if !ok {
		writeRequestError(w, mediaJSON, http.StatusNotAcceptable,
			"the Accept header names no media type this server answers with (application/graphql-response+json, application/json)")
		return
	}
	start := graphql.Now()
	var params *graphql.RawParams
	switch r.Method {
	case http.MethodPost:
		var status int
		var msg string
		if params, status, msg = postParams(r); params == nil {
			writeRequestError(w, media, status, msg)
			return
		}
	case http.MethodGet:
		var msg string
		if params, msg = getParams(r); params == nil {
			writeRequestError(w, media, http.StatusBadRequest, msg)
			return
		}
	default:
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		writeRequestError(w, media, http.StatusMethodNotAllowed, "GraphQL is served over GET (queries) and POST")
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	ctx := r.Context()
	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		h.metrics.ObserveRequest(params.OperationName, time.Since(start), errorCodes(resp))
		status := http.StatusOK
		if media == mediaGraphQLResponse {
			status = http.StatusBadRequest
		}
		writeErrors(w, media, status, resp)
		return
	}
	if r.Method == http.MethodGet && rc.Operation != nil && rc.Operation.Operation != ast.Query {
		w.Header().Set("Allow", "POST")
		writeRequestError(w, media, http.StatusMethodNotAllowed,
			fmt.Sprintf("GET serves queries only; send a %s with POST", rc.Operation.Operation))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	resp := responses(ctx)
	body, err := encodeResponse(resp)
	if err != nil {
		panic(fmt.Errorf("encoding a GraphQL response: %w", err))
	}
	setContentType(w, media)
	_, _ = w.Write(body)
}

// encodeResponse encodes resp as json.Marshal does. A response that is
// only data, without a character json.Marshal would escape (<, >, & and
// the line and paragraph separators, all of whose UTF-8 encodings are
// found by their bytes), is written around the data gqlgen has already
// encoded, without json.Marshal checking and copying it byte by byte.
func encodeResponse(resp *graphql.Response) ([]byte, error) {
	if len(resp.Errors) > 0 || resp.Label != "" || resp.Path != nil || resp.HasNext != nil || len(resp.Extensions) > 0 ||
		len(resp.Data) == 0 || escapes(resp.Data) {
		return json.Marshal(resp)
	}
	const head, tail = `{"data":`, `}`
	body := make([]byte, 0, len(head)+len(resp.Data)+len(tail))
	body = append(body, head...)
	body = append(body, resp.Data...)
	return append(body, tail...), nil
}

// escapes reports whether json.Marshal would escape a character of data.
func escapes(data []byte) bool {
	return bytes.IndexAny(data, "<>&") >= 0 || bytes.Contains(data, []byte("\u2028")) || bytes.Contains(data, []byte("\u2029"))
}

// responseMediaType picks the answer's media type from an Accept header:
// the acceptable one of highest quality, the first listed on a tie;
// application/json when the header is missing or allows any type.
func responseMediaType(accept string) (string, bool) {
	if strings.TrimSpace(accept) == "" {
		return mediaJSON, true
	}
	best, bestQ := "", 0.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil {
				continue
			}
		}
		var candidate string
		switch mt {
		case mediaGraphQLResponse, mediaJSON:
			candidate = mt
		case "*/*", "application/*":
			candidate = mediaJSON
		default:
			continue
		}
		if q > bestQ {
			best, bestQ = candidate, q
		}
	}
	return best, best != ""
}

// postParams reads a POST request's parameters from its JSON body, or
// says why it cannot (with the status to answer).
func postParams(r *http.Request) (*graphql.RawParams, int, string) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil, http.StatusUnsupportedMediaType, "a POST request needs Content-Type: application/json"
	}
	mt, ctParams, err := mime.ParseMediaType(ct)
	if err != nil || mt != mediaJSON {
		return nil, http.StatusUnsupportedMediaType, "a POST request's body must be application/json"
	}
	if cs, ok := ctParams["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, http.StatusUnsupportedMediaType, "a POST request's body must be UTF-8"
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", tooLarge.Limit)
		}
		return nil, http.StatusBadRequest, "could not read the request body"
	}
	if !utf8.Valid(body) {
		return nil, http.StatusBadRequest, "request body is not valid UTF-8"
	}
	var req requestBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		return nil, http.StatusBadRequest, decodeProblem(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, http.StatusBadRequest, "request body is not valid JSON (data after the request object)"
	}
	return req.params()
}

// getParams reads a GET request's parameters from its URL.
func getParams(r *http.Request) (*graphql.RawParams, string) {
	q := r.URL.Query()
	req := requestBody{}
	if q.Has("query") {
		s := q.Get("query")
		req.Query = &s
	}
	if q.Has("operationName") {
		s := q.Get("operationName")
		req.OperationName = &s
	}
	for _, p := range []struct {
		name string
		into *map[string]any
	}{{"variables", &req.Variables}, {"extensions", &req.Extensions}} {
		if v := q.Get(p.name); v != "" {
			dec := json.NewDecoder(strings.NewReader(v))
			dec.UseNumber()
			if err := dec.Decode(p.into); err != nil {
				return nil, fmt.Sprintf("the %s parameter must be a JSON object", p.name)
			}
		}
	}
	params, _, msg := req.params()
	return params, msg
}

// requestBody is the shape of a GraphQL-over-HTTP request.
type requestBody struct {
	Query         *string        `json:"query"`
	OperationName *string        `json:"operationName"`
	Variables     map[string]any `json:"variables"`
	Extensions    map[string]any `json:"extensions"`
}

// params checks that the request has a query (or names a persisted one)
// and returns it as gqlgen's parameters.
func (b requestBody) params() (*graphql.RawParams, int, string) {
	p := &graphql.RawParams{Variables: b.Variables, Extensions: b.Extensions}
	if b.OperationName != nil {
		p.OperationName = *b.OperationName
	}
	switch {
	case b.Query != nil:
		p.Query = *b.Query
	case b.Extensions["persistedQuery"] == nil:
		return nil, http.StatusBadRequest, `request body: "query" is required`
	}
	return p, 0, ""
}

// decodeProblem describes what makes a body unacceptable, never quoting
// it.
func decodeProblem(err error) string {
	var syntax *json.SyntaxError
	var wrongType *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("request body is not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &wrongType) && wrongType.Field != "":
		return fmt.Sprintf("request body: %q must be %s", wrongType.Field, jsonKind(wrongType.Field))
	case errors.As(err, &wrongType):
		return "request body must be a JSON object with a query"
	case errors.Is(err, io.EOF):
		return "request body is empty"
	}
	return "request body is not valid JSON"
}

func jsonKind(field string) string {
	switch field {
	case "variables", "extensions":
		return "an object"
	}
	return "a string"
}

func setContentType(w http.ResponseWriter, media string) {
	w.Header().Set("Content-Type", media+"; charset=utf-8")
}

// errorResponse is a response to a request that failed before execution:
// it has no data entry.
type errorResponse struct {
	Errors     gqlerror.List  `json:"errors"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

func writeErrors(w http.ResponseWriter, media string, status int, resp *graphql.Response) {
	setContentType(w, media)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(errorResponse{Errors: resp.Errors, Extensions: resp.Extensions})
}

func writeRequestError(w http.ResponseWriter, media string, status int, msg string) {
	setContentType(w, media)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(errorResponse{Errors: gqlerror.List{{
		Message:    msg,
		Extensions: map[string]any{"code": string(apperr.CodeBadUserInput)},
	}}})
}
