package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"helpdesk/internal/apperr"
)

// checkedPOST is gqlgen's JSON POST transport behind a check of the body:
// a body that is not UTF-8 or not a GraphQL request object is answered
// 400 with a short message naming what is wrong — never with the body
// echoed back or the server's type names.
type checkedPOST struct{ transport.POST }

// Do implements graphql.Transport.
func (h checkedPOST) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeRequestError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", tooLarge.Limit))
			return
		}
		writeRequestError(w, http.StatusBadRequest, "could not read the request body")
		return
	}
	if msg := requestBodyProblem(body); msg != "" {
		writeRequestError(w, http.StatusBadRequest, msg)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	h.POST.Do(w, r, exec)
}

// requestBody is the shape of a GraphQL-over-HTTP request.
type requestBody struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
	Extensions    map[string]any `json:"extensions"`
}

// requestBodyProblem describes what makes body unacceptable, or "".
func requestBodyProblem(body []byte) string {
	if !utf8.Valid(body) {
		return "request body is not valid UTF-8"
	}
	var req requestBody
	err := json.Unmarshal(body, &req)
	var syntax *json.SyntaxError
	var wrongType *json.UnmarshalTypeError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &syntax):
		return fmt.Sprintf("request body is not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &wrongType) && wrongType.Field != "":
		return fmt.Sprintf("request body: %q must be %s", wrongType.Field, jsonKind(wrongType.Field))
	case errors.As(err, &wrongType):
		return "request body must be a JSON object with a query"
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

func writeRequestError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{
		"message":    msg,
		"extensions": map[string]any{"code": string(apperr.CodeBadUserInput)},
	}}})
}
