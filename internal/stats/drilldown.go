package stats

import (
	"cmp"
	"slices"
	"time"

	"helpdesk/internal/gid"
)

// drillDown is the TicketWhereInput value (in its GraphQL form) that
// lists exactly b's tickets: the request's filter as the client wrote it,
// and b's keys.
func drillDown(req Request, st *statement, b *Bucket) map[string]any {
	w := map[string]any{}
	for _, dim := range st.keys {
		switch dim {
		case Status:
			w["status"] = string(*b.Status)
		case Priority:
			w["priority"] = string(*b.Priority)
		case Channel:
			w["channel"] = string(*b.Channel)
		case Team:
			idOrNil(w, "teamID", b.TeamID)
		case Assignee:
			idOrNil(w, "assigneeID", b.AssigneeID)
		case Customer:
			idOrNil(w, "customerID", b.CustomerID)
		case Category:
			switch {
			case b.CategoryID == nil:
				w["categoryIDIsNil"] = true
			case b.categoryKeyLevel == st.categoryLevel && st.categoryLevel < 3:
				// The category and its sub-categories, rolled up.
				w["inCategory"] = string(*b.CategoryID)
			default:
				// A category shallower than the level: its own tickets.
				w["categoryID"] = string(*b.CategoryID)
			}
		case Tag:
			if b.TagID == nil {
				w["hasTags"] = false
			} else {
				w["hasTagsWith"] = []any{map[string]any{"id": string(*b.TagID)}}
			}
		}
	}
	if st.bucket != nil {
		field := "createdAt"
		if st.bucket.Field == Resolved {
			field = "resolvedAt"
		}
		if b.Period == nil {
			w[field+"IsNil"] = true
		} else {
			w[field+"GTE"] = b.Period.Start.UTC().Format(time.RFC3339Nano)
			w[field+"LT"] = b.Period.End.UTC().Format(time.RFC3339Nano)
		}
	}
	if req.WrittenWhere == nil {
		return w
	}
	if len(w) == 0 {
		return map[string]any{"and": []any{req.WrittenWhere}}
	}
	return map[string]any{"and": []any{req.WrittenWhere, w}}
}

func idOrNil(w map[string]any, field string, id *gid.ID) {
	if id == nil {
		w[field+"IsNil"] = true
		return
	}
	w[field] = string(*id)
}

// sortBuckets orders buckets by their keys, a missing key last, so the
// result is the same on both databases.
func sortBuckets(bs []*Bucket) {
	slices.SortStableFunc(bs, func(a, b *Bucket) int {
		for _, k := range [][2]*string{
			{strp(a.Status), strp(b.Status)}, {strp(a.Priority), strp(b.Priority)}, {strp(a.Channel), strp(b.Channel)},
			{strp(a.TeamID), strp(b.TeamID)}, {strp(a.AssigneeID), strp(b.AssigneeID)}, {strp(a.CategoryID), strp(b.CategoryID)},
			{strp(a.CustomerID), strp(b.CustomerID)}, {strp(a.TagID), strp(b.TagID)}, {periodKey(a.Period), periodKey(b.Period)},
		} {
			if c := compareOptional(k[0], k[1]); c != 0 {
				return c
			}
		}
		return 0
	})
}

func compareOptional(a, b *string) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return cmp.Compare(*a, *b)
}

func strp[S ~string](s *S) *string {
	if s == nil {
		return nil
	}
	v := string(*s)
	return &v
}

func periodKey(p *Period) *string {
	if p == nil {
		return nil
	}
	s := p.Start.UTC().Format(time.RFC3339Nano)
	return &s
}
