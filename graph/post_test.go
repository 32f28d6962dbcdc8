package graph

import (
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// encodeResponse writes the same bytes as json.Marshal, whether it takes
// its shortcut (data only, nothing to escape) or not.
func TestEncodeResponseMatchesJSONMarshal(t *testing.T) {
	yes := true
	for name, resp := range map[string]*graphql.Response{
		"data":             {Data: json.RawMessage(`{"tickets":{"totalCount":2,"edges":[{"node":{"title":"Late \"order\" \\ é"}}]}}`)},
		"html characters":  {Data: json.RawMessage(`{"ticket":{"title":"<b>a & b</b>"}}`)},
		"line separator":   {Data: json.RawMessage("{\"ticket\":{\"title\":\"a\u2028b\u2029c\"}}")},
		"null data":        {},
		"errors":           {Data: json.RawMessage(`{"ticket":null}`), Errors: gqlerror.List{{Message: "not found"}}},
		"extensions":       {Data: json.RawMessage(`{"ticket":null}`), Extensions: map[string]any{"cost": 3}},
		"incremental part": {Data: json.RawMessage(`{"a":1}`), Label: "l", HasNext: &yes},
	} {
		want, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		got, err := encodeResponse(resp)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if string(got) != string(want) {
			t.Errorf("%s: encodeResponse wrote\n%s\njson.Marshal writes\n%s", name, got, want)
		}
	}
}
