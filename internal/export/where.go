package export

import (
	"bytes"
	"encoding/json"
	"fmt"

	"helpdesk/ent"
	"helpdesk/internal/apperr"
	"helpdesk/internal/catalog"
	"helpdesk/internal/gid"
)

// ParseWhere reads a ticket filter written as the JSON of the `tickets`
// query's `where` argument (TicketWhereInput, e.g. {"statusIn":
// ["OPEN"], "inCategory": "cat_…"}). Empty input is no filter; malformed
// JSON or an unknown field is BAD_USER_INPUT on "where".
func ParseWhere(data []byte) (*ent.TicketWhereInput, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	w, err := parseWhere(data)
	if err != nil {
		return nil, apperr.Invalid("where", "is not a TicketWhereInput: %v", err)
	}
	return w, nil
}

// parseWhere decodes one level; inCategory (a field the API resolves
// itself) and the nested not/and/or are read here, the rest by the
// generated struct's JSON names.
func parseWhere(data []byte) (*ent.TicketWhereInput, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, err
	}
	if fields == nil {
		return nil, fmt.Errorf("want an object")
	}
	w := &ent.TicketWhereInput{}
	if raw, ok := fields["inCategory"]; ok {
		delete(fields, "inCategory")
		var id *gid.ID
		if err := json.Unmarshal(raw, &id); err != nil {
			return nil, fmt.Errorf("inCategory: %w", err)
		}
		if id != nil {
			w.Predicates = append(w.Predicates, catalog.InSubtree(*id))
		}
	}
	if raw, ok := fields["not"]; ok {
		delete(fields, "not")
		if string(bytes.TrimSpace(raw)) != "null" {
			not, err := parseWhere(raw)
			if err != nil {
				return nil, fmt.Errorf("not: %w", err)
			}
			w.Not = not
		}
	}
	for _, name := range []string{"and", "or"} {
		raw, ok := fields[name]
		if !ok {
			continue
		}
		delete(fields, name)
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for _, item := range list {
			sub, err := parseWhere(item)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			if name == "and" {
				w.And = append(w.And, sub)
			} else {
				w.Or = append(w.Or, sub)
			}
		}
	}
	rest, err := json.Marshal(fields)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(rest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(w); err != nil {
		return nil, err
	}
	return w, nil
}
