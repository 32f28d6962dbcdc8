package graph

import (
	"helpdesk/ent"
	"helpdesk/internal/search"
)

// searchPage carries a connection's paging arguments to a search.
func searchPage(after *ent.Cursor, first *int, before *ent.Cursor, last *int) search.Page {
	return search.Page{After: after, First: first, Before: before, Last: last}
}
