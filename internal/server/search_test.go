package server_test

import (
	"strconv"
	"testing"

	"helpdesk/ent/comment"
	"helpdesk/ent/schematype"
	"helpdesk/internal/directory"
	"helpdesk/internal/gid"
	"helpdesk/internal/gqltest"
	"helpdesk/internal/search"
	"helpdesk/internal/server"
	"helpdesk/internal/testdb"
	"helpdesk/internal/ticketing"
)

// searchWorld is a helpdesk with Vietnamese and Thai tickets in three
// teams, for the search tests.
type searchWorld struct {
	*org
	duc, somchai        gid.ID // customers
	phone, refund, thai gid.ID // tickets
	fraud               gid.ID // a ticket of duc's with an internal note
	thaiNumber          int
}

func newSearchWorld(t *testing.T, dial string, options ...func(*server.Options)) *searchWorld {
	t.Helper()
	o := newOrgOn(t, testdb.Open(t, dial), options...)
	w := &searchWorld{org: o}
	phone := "090 123 4567"
	duc, err := o.app.Directory.CreateCustomer(sys(), directory.CreateCustomerInput{Name: "Nguyễn Văn Đức", Email: ptr("duc@example.vn"), Phone: &phone})
	if err != nil {
		t.Fatal(err)
	}
	w.duc = duc.ID
	w.somchai = o.newCustomer(t, "สมชาย ใจดี", "somchai@example.th")
	high := schematype.PriorityHigh
	w.phone = o.createTicket(t, ticketing.CreateTicketInput{Title: "Khiếu nại về điện thoại bị hỏng", CustomerID: &w.duc, TeamID: ptr(o.teams["A"])})
	w.refund = o.createTicket(t, ticketing.CreateTicketInput{Title: "Refund request", Description: ptr("Khách hàng KHIẾU NẠI đơn hàng giao trễ"),
		CustomerID: &w.somchai, TeamID: ptr(o.teams["B"]), Priority: &high})
	w.thai = o.createTicket(t, ticketing.CreateTicketInput{Title: "ระบบตั๋วสนับสนุนลูกค้าใช้งานไม่ได้", CustomerID: &w.somchai, TeamID: ptr(o.teams["C"])})
	w.fraud = o.createTicket(t, ticketing.CreateTicketInput{Title: "Printer jam", CustomerID: &w.duc, TeamID: ptr(o.teams["A"])})
	o.comment(t, w.fraud, "Nghi ngờ gian lận, đừng hoàn tiền", comment.VisibilityINTERNAL)
	o.comment(t, w.fraud, "Chúng tôi đang kiểm tra máy in", comment.VisibilityPUBLIC)
	tk, err := o.app.DB.Client.Ticket.Get(sys(), w.thai)
	if err != nil {
		t.Fatal(err)
	}
	w.thaiNumber = tk.Number
	return w
}

type foundPage struct {
	TotalCount int
	PageInfo   struct {
		HasNextPage, HasPreviousPage bool
		StartCursor, EndCursor       string
	}
	Edges []struct {
		Cursor string
		Node   struct{ ID, Title string }
	}
}

func (p foundPage) ids() []string {
	var out []string
	for _, e := range p.Edges {
		out = append(out, e.Node.ID)
	}
	return out
}

const searchTickets = `query($s: String, $w: TicketWhereInput, $o: [TicketOrder!], $first: Int, $after: Cursor, $last: Int, $before: Cursor) {
	tickets(search: $s, where: $w, orderBy: $o, first: $first, after: $after, last: $last, before: $before) {
		totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id title } } } }`

func findTickets(t *testing.T, c *gqltest.Client, vars map[string]any) foundPage {
	t.Helper()
	var out struct{ Tickets foundPage }
	c.Must(t, searchTickets, vars, &out)
	return out.Tickets
}

func wantIDs(t *testing.T, what string, got foundPage, want ...gid.ID) {
	t.Helper()
	ids := got.ids()
	ok := len(ids) == len(want) && got.TotalCount >= len(want)
	for i := range want {
		ok = ok && ids[i] == string(want[i])
	}
	if !ok {
		t.Fatalf("%s found %v (total %d), want %v", what, ids, got.TotalCount, want)
	}
}

// TestSearchFindsVietnameseWithoutAccentsAndThaiSubstrings: words typed
// without accents find accented Vietnamese (đ included) in titles and
// descriptions, ranked title first; a piece of a Thai sentence finds it;
// a number finds its ticket first; customers are found by name, email
// and phone digits.
func TestSearchFindsVietnameseWithoutAccentsAndThaiSubstrings(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		w := newSearchWorld(t, dial)
		admin := w.clients["admin"]

		wantIDs(t, "khieu nai", findTickets(t, admin, map[string]any{"s": "khieu nai"}), w.phone, w.refund)
		wantIDs(t, "dien thoai", findTickets(t, admin, map[string]any{"s": "dien thoai"}), w.phone)
		wantIDs(t, "Điện Thoại", findTickets(t, admin, map[string]any{"s": "Điện Thoại"}), w.phone)
		wantIDs(t, "don hang tre", findTickets(t, admin, map[string]any{"s": "don hang tre"}), w.refund)
		wantIDs(t, "a Thai substring", findTickets(t, admin, map[string]any{"s": "ตั๋วสนับสนุน"}), w.thai)
		wantIDs(t, "no match", findTickets(t, admin, map[string]any{"s": "khieu nai xyzzy"}))
		// The customer's name, email and phone find their tickets.
		wantIDs(t, "duc", findTickets(t, admin, map[string]any{"s": "nguyen van duc"}), w.phone, w.fraud)
		wantIDs(t, "somchai's email", findTickets(t, admin, map[string]any{"s": "somchai@example"}), w.refund, w.thai)
		// A number finds its ticket, ranked before any text match.
		number := findTickets(t, admin, map[string]any{"s": "#" + strconv.Itoa(w.thaiNumber)})
		if len(number.Edges) == 0 || number.Edges[0].Node.ID != string(w.thai) {
			t.Fatalf("#%d found %v", w.thaiNumber, number.ids())
		}
		if got := findTickets(t, admin, map[string]any{"s": strconv.Itoa(w.thaiNumber)}); len(got.Edges) == 0 || got.Edges[0].Node.ID != string(w.thai) {
			t.Fatalf("%d found %v", w.thaiNumber, got.ids())
		}

		var customers struct {
			Customers struct {
				TotalCount int
				Edges      []struct{ Node struct{ ID string } }
			}
		}
		for _, s := range []string{"duc", "ĐỨC", "0901234567", "090 123", "duc@example.vn"} {
			admin.Must(t, `query($s: String) { customers(search: $s) { totalCount edges { node { id } } } }`, map[string]any{"s": s}, &customers)
			if customers.Customers.TotalCount != 1 || len(customers.Customers.Edges) != 1 || customers.Customers.Edges[0].Node.ID != string(w.duc) {
				t.Fatalf("customers(search: %q) = %+v", s, customers.Customers)
			}
		}
		admin.Must(t, `{ customers(search: "ใจดี") { totalCount edges { node { id } } } }`, nil, &customers)
		if customers.Customers.TotalCount != 1 || customers.Customers.Edges[0].Node.ID != string(w.somchai) {
			t.Fatalf("customers(search: Thai surname) = %+v", customers.Customers)
		}
	})
}

// TestSearchPagesFiltersAndOrders: search combines with where, pages with
// cursors that stay valid in both directions, and follows orderBy when
// one is given.
func TestSearchPagesFiltersAndOrders(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		w := newSearchWorld(t, dial)
		admin := w.clients["admin"]

		wantIDs(t, "with where", findTickets(t, admin, map[string]any{"s": "khieu nai", "w": map[string]any{"priority": "HIGH"}}), w.refund)

		first := findTickets(t, admin, map[string]any{"s": "khieu nai", "first": 1})
		wantIDs(t, "page 1", first, w.phone)
		if first.TotalCount != 2 || !first.PageInfo.HasNextPage {
			t.Fatalf("page 1: total %d, hasNextPage %v", first.TotalCount, first.PageInfo.HasNextPage)
		}
		second := findTickets(t, admin, map[string]any{"s": "khieu nai", "first": 1, "after": first.PageInfo.EndCursor})
		wantIDs(t, "page 2", second, w.refund)
		if second.TotalCount != 2 || second.PageInfo.HasNextPage {
			t.Fatalf("page 2: total %d, hasNextPage %v", second.TotalCount, second.PageInfo.HasNextPage)
		}
		back := findTickets(t, admin, map[string]any{"s": "khieu nai", "last": 1, "before": second.PageInfo.StartCursor})
		wantIDs(t, "back to page 1", back, w.phone)
		wantIDs(t, "last", findTickets(t, admin, map[string]any{"s": "khieu nai", "last": 1}), w.refund)

		ordered := findTickets(t, admin, map[string]any{"s": "khieu nai", "o": []any{map[string]any{"field": "NUMBER", "direction": "DESC"}}, "first": 1})
		wantIDs(t, "by number", ordered, w.refund)
		next := findTickets(t, admin, map[string]any{"s": "khieu nai", "o": []any{map[string]any{"field": "NUMBER", "direction": "DESC"}}, "first": 1, "after": ordered.PageInfo.EndCursor})
		wantIDs(t, "by number, page 2", next, w.phone)

		// A cursor of another list is refused, as is a blank search.
		plain := findTickets(t, admin, map[string]any{"first": 1})
		admin.MustFail(t, "BAD_USER_INPUT", searchTickets, map[string]any{"s": "khieu nai", "after": plain.PageInfo.EndCursor})
		admin.MustFail(t, "BAD_USER_INPUT", searchTickets, map[string]any{"s": "khieu nai", "after": ordered.PageInfo.EndCursor})
		if e := admin.MustFail(t, "BAD_USER_INPUT", searchTickets, map[string]any{"s": "  % "}); e.Field() != "search" {
			t.Fatalf("blank search names %q", e.Field())
		}
	})
}

// TestSearchKeepsToTheReadScope: a customer's token never finds a ticket
// through an internal note (but does through a public reply), and an
// agent finds no ticket outside its teams.
func TestSearchKeepsToTheReadScope(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		w := newSearchWorld(t, dial)
		portal, _ := w.apiToken(t, map[string]any{"name": "Portal", "customerID": string(w.duc)})

		wantIDs(t, "staff, internal note", findTickets(t, w.clients["admin"], map[string]any{"s": "gian lan"}), w.fraud)
		wantIDs(t, "agentA, internal note", findTickets(t, w.clients["agentA"], map[string]any{"s": "gian lan"}), w.fraud)
		wantIDs(t, "customer, internal note", findTickets(t, portal, map[string]any{"s": "gian lan"}))
		wantIDs(t, "customer, internal note words", findTickets(t, portal, map[string]any{"s": "hoan tien"}))
		wantIDs(t, "customer, public reply", findTickets(t, portal, map[string]any{"s": "kiem tra may in"}), w.fraud)
		wantIDs(t, "customer, own ticket", findTickets(t, portal, map[string]any{"s": "dien thoai"}), w.phone)
		wantIDs(t, "customer, another's ticket", findTickets(t, portal, map[string]any{"s": "don hang"}))

		// agentC (team C) sees team C's unassigned ticket only.
		wantIDs(t, "agentC, team A's ticket", findTickets(t, w.clients["agentC"], map[string]any{"s": "khieu nai"}))
		wantIDs(t, "agentC, team C's ticket", findTickets(t, w.clients["agentC"], map[string]any{"s": "ตั๋ว"}), w.thai)
		wantIDs(t, "agentC, by number", findTickets(t, w.clients["agentC"], map[string]any{"s": strconv.Itoa(w.thaiNumber - 2)}))
	})
}

// TestSearchIndexFollowsChanges: retitling a ticket, renaming a customer
// and adding a comment change what search finds at once.
func TestSearchIndexFollowsChanges(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		w := newSearchWorld(t, dial)
		admin := w.clients["admin"]
		if _, err := w.app.Tickets.UpdateTicket(sys(), w.phone, ticketing.UpdateTicketInput{Title: ptr("Màn hình vỡ")}); err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "old title", findTickets(t, admin, map[string]any{"s": "dien thoai"}))
		wantIDs(t, "new title", findTickets(t, admin, map[string]any{"s": "man hinh vo"}), w.phone)

		if _, err := w.app.Directory.UpdateCustomer(sys(), w.somchai, directory.UpdateCustomerInput{Name: ptr("Trần Thị Bích")}); err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "old name", findTickets(t, admin, map[string]any{"s": "สมชาย"}))
		wantIDs(t, "new name", findTickets(t, admin, map[string]any{"s": "tran thi bich"}), w.refund, w.thai)

		w.comment(t, w.thai, "Đã gửi mã kích hoạt mới", comment.VisibilityPUBLIC)
		wantIDs(t, "new comment", findTickets(t, admin, map[string]any{"s": "ma kich hoat"}), w.thai)

		// A database written before search existed is indexed at start.
		if _, err := w.app.DB.SQL.Exec("DELETE FROM search_documents"); err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "emptied index", findTickets(t, admin, map[string]any{"s": "ma kich hoat"}))
		if err := search.Backfill(sys(), w.app.DB.Client); err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "backfilled comment", findTickets(t, admin, map[string]any{"s": "ma kich hoat"}), w.thai)
		wantIDs(t, "backfilled title and customer", findTickets(t, admin, map[string]any{"s": "khieu nai"}), w.refund)
		wantIDs(t, "backfilled note", findTickets(t, admin, map[string]any{"s": "gian lan"}), w.fraud)
		wantIDs(t, "backfilled customer", findTickets(t, admin, map[string]any{"s": "bich"}), w.refund, w.thai)
	})
}

// TestSearchCountsUpToItsLimit: a search reads the most recent matches up
// to the server's limit; finding more, it ranks and pages those and
// reports one more than the limit as totalCount, with orderBy too, while
// a narrower search is counted exactly.
func TestSearchCountsUpToItsLimit(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		w := newSearchWorld(t, dial, func(o *server.Options) { o.SearchMaxCount = 2 })
		admin := w.clients["admin"]
		high := schematype.PriorityHigh
		older := w.createTicket(t, ticketing.CreateTicketInput{Title: "Máy in kẹt giấy", CustomerID: &w.somchai, TeamID: ptr(w.teams["B"]), Priority: &high})
		middle := w.createTicket(t, ticketing.CreateTicketInput{Title: "Máy in hết mực", CustomerID: &w.somchai, TeamID: ptr(w.teams["B"])})
		newest := w.createTicket(t, ticketing.CreateTicketInput{Title: "Máy in báo lỗi", CustomerID: &w.somchai, TeamID: ptr(w.teams["B"])})

		// "may in" is in four tickets: the printer jam's public reply and
		// the three titles. The two newest are ranked (titles, newest id
		// last on equal rank); the count says "more than 2".
		capped := findTickets(t, admin, map[string]any{"s": "may in"})
		wantIDs(t, "capped", capped, middle, newest)
		if capped.TotalCount != 3 || capped.PageInfo.HasNextPage {
			t.Fatalf("capped: total %d, hasNextPage %v, want 3 and false", capped.TotalCount, capped.PageInfo.HasNextPage)
		}
		ordered := findTickets(t, admin, map[string]any{"s": "may in", "o": []any{map[string]any{"field": "NUMBER", "direction": "ASC"}}})
		wantIDs(t, "capped, by number", ordered, middle, newest)
		if ordered.TotalCount != 3 {
			t.Fatalf("capped, by number: total %d, want 3", ordered.TotalCount)
		}
		// Within the limit the count is exact, old tickets included.
		exact := findTickets(t, admin, map[string]any{"s": "may in", "w": map[string]any{"priority": "HIGH"}})
		wantIDs(t, "narrowed by where", exact, older)
		if exact.TotalCount != 1 {
			t.Fatalf("narrowed by where: total %d, want 1", exact.TotalCount)
		}
		both := findTickets(t, admin, map[string]any{"s": "may in kiem tra"})
		wantIDs(t, "narrowed by words", both, w.fraud)
		if both.TotalCount != 1 {
			t.Fatalf("narrowed by words: total %d, want 1", both.TotalCount)
		}
		// The read scope applies before the limit: agentA sees only the
		// printer jam (team A), exactly.
		scoped := findTickets(t, w.clients["agentA"], map[string]any{"s": "may in"})
		wantIDs(t, "scoped", scoped, w.fraud)
		if scoped.TotalCount != 1 {
			t.Fatalf("scoped: total %d, want 1", scoped.TotalCount)
		}
	})
}

// TestSearchShortWords: words under three characters cannot be looked up
// in the trigram index. Alone they are refused (BAD_USER_INPUT naming
// search) unless they are a ticket number, which finds that ticket only;
// beside a longer word they are looked for in every text of the tickets
// the longer word finds, their customers' included.
func TestSearchShortWords(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		w := newSearchWorld(t, dial)
		admin := w.clients["admin"]
		for _, q := range []string{"xe", "bi vo", "#"} {
			if e := admin.MustFail(t, "BAD_USER_INPUT", searchTickets, map[string]any{"s": q}); e.Field() != "search" {
				t.Fatalf("tickets(search: %q) names %q", q, e.Field())
			}
		}
		if e := admin.MustFail(t, "BAD_USER_INPUT", `{ customers(search: "7") { totalCount } }`, nil); e.Field() != "search" {
			t.Fatalf("customers(search: a short number) names %q", e.Field())
		}
		byNumber := findTickets(t, admin, map[string]any{"s": strconv.Itoa(w.thaiNumber)})
		wantIDs(t, "a short number", byNumber, w.thai)
		if byNumber.TotalCount != 1 {
			t.Fatalf("a short number: total %d", byNumber.TotalCount)
		}
		wantIDs(t, "short word in the same title", findTickets(t, admin, map[string]any{"s": "dien thoai bi"}), w.phone)
		wantIDs(t, "short word nowhere", findTickets(t, admin, map[string]any{"s": "dien thoai xe"}))
		// "vn" is only in the customer's email, "printer" only in the title.
		wantIDs(t, "short word in the customer's texts", findTickets(t, admin, map[string]any{"s": "printer vn"}), w.fraud)
		wantIDs(t, "short word not in the customer's texts", findTickets(t, admin, map[string]any{"s": "printer th"}))
		var customers struct{ Customers struct{ TotalCount int } }
		admin.Must(t, `{ customers(search: "duc vn") { totalCount } }`, nil, &customers)
		if customers.Customers.TotalCount != 1 {
			t.Fatalf("customers(search: \"duc vn\") = %d", customers.Customers.TotalCount)
		}
	})
}

// TestSearchCountsCustomersUpToItsLimit: customers(search:) reads the
// most recent matching customers up to the server's limit, as tickets(search:)
// does: finding more, it ranks and pages those and reports one more than
// the limit as totalCount, with orderBy too; a narrower search is exact.
func TestSearchCountsCustomersUpToItsLimit(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		w := newSearchWorld(t, dial, func(o *server.Options) { o.SearchMaxCount = 2 })
		admin := w.clients["admin"]
		ana := w.newCustomer(t, "Ana Example", "ana@mail.test")

		// "example" is in duc's and somchai's emails and in Ana's name:
		// the two newest are ranked (the name first), the count says
		// "more than 2".
		const query = `query($s: String, $w: CustomerWhereInput, $o: [CustomerOrder!]) {
			customers(search: $s, where: $w, orderBy: $o) { totalCount pageInfo { hasNextPage } edges { node { id } } } }`
		var out struct {
			Customers struct {
				TotalCount int
				PageInfo   struct{ HasNextPage bool }
				Edges      []struct{ Node struct{ ID string } }
			}
		}
		ids := func() []string {
			var got []string
			for _, e := range out.Customers.Edges {
				got = append(got, e.Node.ID)
			}
			return got
		}
		admin.Must(t, query, map[string]any{"s": "example"}, &out)
		if got := ids(); out.Customers.TotalCount != 3 || out.Customers.PageInfo.HasNextPage ||
			len(got) != 2 || got[0] != string(ana) || got[1] != string(w.somchai) {
			t.Fatalf("capped: total %d, found %v, want 3 and [%s %s]", out.Customers.TotalCount, got, ana, w.somchai)
		}
		admin.Must(t, query, map[string]any{"s": "example", "o": []any{map[string]any{"field": "NAME", "direction": "ASC"}}}, &out)
		if got := ids(); out.Customers.TotalCount != 3 || len(got) != 2 || got[0] != string(ana) || got[1] != string(w.somchai) {
			t.Fatalf("capped, by name: total %d, found %v", out.Customers.TotalCount, got)
		}
		// Within the limit the count is exact, the oldest customer included.
		admin.Must(t, query, map[string]any{"s": "example vn"}, &out)
		if got := ids(); out.Customers.TotalCount != 1 || len(got) != 1 || got[0] != string(w.duc) {
			t.Fatalf("narrowed by words: total %d, found %v", out.Customers.TotalCount, got)
		}
		admin.Must(t, query, map[string]any{"s": "example", "w": map[string]any{"nameHasPrefix": "Ng"}}, &out)
		if got := ids(); out.Customers.TotalCount != 1 || len(got) != 1 || got[0] != string(w.duc) {
			t.Fatalf("narrowed by where: total %d, found %v", out.Customers.TotalCount, got)
		}
	})
}
