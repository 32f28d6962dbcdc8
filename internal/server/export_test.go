package server_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ledongthuc/pdf"
	"github.com/xuri/excelize/v2"

	"helpdesk/internal/gqltest"
	"helpdesk/internal/testdb"
)

// download GETs /export/tickets with the client's token and returns the
// status, content type and body.
func download(t *testing.T, c *gqltest.Client, params map[string]string) (int, string, []byte) {
	t.Helper()
	q := url.Values{}
	for k, v := range params {
		q.Set(k, v)
	}
	req, err := http.NewRequest(http.MethodGet, strings.TrimSuffix(c.URL, "/graphql")+"/export/tickets?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header.Get("Content-Type"), body
}

// csvRows downloads a CSV export and returns its rows after the header.
func csvRows(t *testing.T, c *gqltest.Client, params map[string]string) [][]string {
	t.Helper()
	params["format"] = "csv"
	status, _, body := download(t, c, params)
	if status != http.StatusOK {
		t.Fatalf("CSV export %v: HTTP %d: %s", params, status, body)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || rows[0][0] != "Number" || len(rows[0]) != 15 || rows[0][14] != "SLA state" {
		t.Fatalf("CSV header = %v", rows)
	}
	return rows[1:]
}

func titles(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r[1])
	}
	return out
}

// TestExportFormats: CSV, XLSX and PDF hold the rows the list shows, in
// number order, with Vietnamese and Thai text intact; a PDF parser reads
// the PDF's text back, the Thai set in Noto Sans Thai.
func TestExportFormats(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		w := newSearchWorld(t, dial)
		admin := w.clients["admin"]
		want := []string{"Khiếu nại về điện thoại bị hỏng", "Refund request", "ระบบตั๋วสนับสนุนลูกค้าใช้งานไม่ได้", "Printer jam"}

		rows := csvRows(t, admin, map[string]string{})
		if got := titles(rows); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("CSV titles = %q", got)
		}
		if r := rows[0]; r[0] != "1" || r[2] != "Nguyễn Văn Đức" || r[4] != "Team A" || r[6] != "UNASSIGNED" || r[8] != "EMAIL" || r[12] != "0:00:00" {
			t.Fatalf("CSV row = %q", r)
		}

		status, ctype, body := download(t, admin, map[string]string{"format": "xlsx"})
		if status != http.StatusOK || !strings.Contains(ctype, "spreadsheetml") {
			t.Fatalf("XLSX export: HTTP %d %s: %.200s", status, ctype, body)
		}
		book, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer book.Close()
		sheet, err := book.GetRows("Tickets")
		if err != nil {
			t.Fatal(err)
		}
		if len(sheet) != 5 || sheet[0][1] != "Title" || sheet[3][1] != want[2] || sheet[3][2] != "สมชาย ใจดี" || sheet[1][1] != want[0] {
			t.Fatalf("XLSX rows = %q", sheet)
		}

		status, ctype, body = download(t, admin, map[string]string{"format": "pdf"})
		if status != http.StatusOK || ctype != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF-")) {
			t.Fatalf("PDF export: HTTP %d %s: %.100s", status, ctype, body)
		}
		doc, err := pdf.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil || doc.NumPage() != 1 {
			t.Fatalf("reading the PDF: %v", err)
		}
		// Text read back through the fonts' ToUnicode maps, with the
		// fonts that set it (named without their subset tags).
		var text strings.Builder
		byFont := map[string]string{}
		for _, c := range doc.Page(1).Content().Text {
			text.WriteString(c.S)
			byFont[c.Font[strings.IndexByte(c.Font, '+')+1:]] += c.S
		}
		for _, s := range []string{"1Khiếu nại về điện thoại", "Nguyễn Văn Đức", "3ระบบตั๋วสนับสนุน", "Printer jam"} {
			if !strings.Contains(text.String(), s) {
				t.Fatalf("the PDF's text lacks %q: %q", s, text.String())
			}
		}
		if !strings.Contains(byFont["NotoSansThai-Regular"], "ระบบตั๋ว") || !strings.Contains(byFont["NotoSans-Regular"], "Nguyễn Văn Đức") {
			t.Fatalf("the PDF sets Thai and Vietnamese in %q", byFont)
		}
	})
}

// TestExportKeepsToTheListsScope: the export shows what the caller's
// tickets query would — an agent its teams' tickets, a customer its own
// and never through an internal note — with where and search applied;
// without a token or with bad parameters it is refused with a clear code.
func TestExportKeepsToTheListsScope(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		w := newSearchWorld(t, dial)
		admin := w.clients["admin"]
		portal, _ := w.apiToken(t, map[string]any{"name": "Portal", "customerID": string(w.duc)})

		if got := titles(csvRows(t, w.clients["agentC"], map[string]string{})); len(got) != 1 || got[0] != "ระบบตั๋วสนับสนุนลูกค้าใช้งานไม่ได้" {
			t.Fatalf("agentC exported %q", got)
		}
		if got := titles(csvRows(t, portal, map[string]string{})); len(got) != 2 || got[0] != "Khiếu nại về điện thoại bị hỏng" || got[1] != "Printer jam" {
			t.Fatalf("the customer exported %q", got)
		}
		if got := csvRows(t, portal, map[string]string{"search": "gian lan"}); len(got) != 0 {
			t.Fatalf("the customer found an internal note: %q", got)
		}
		if got := csvRows(t, portal, map[string]string{"where": `{"hasCommentsWith":[{"bodyContains":"gian"}]}`}); len(got) != 0 {
			t.Fatalf("the customer filtered on an internal note: %q", got)
		}
		if got := titles(csvRows(t, admin, map[string]string{"where": `{"hasCommentsWith":[{"bodyContains":"gian"}]}`})); len(got) != 1 || got[0] != "Printer jam" {
			t.Fatalf("staff filter on an internal note exported %q", got)
		}
		if got := titles(csvRows(t, admin, map[string]string{"search": "khieu nai", "where": `{"priority":"HIGH"}`})); len(got) != 1 || got[0] != "Refund request" {
			t.Fatalf("search and where exported %q", got)
		}
		if got := titles(csvRows(t, admin, map[string]string{"where": `{"or":[{"teamID":"` + string(w.teams["C"]) + `"},{"not":{"hasTeam":true}}]}`})); len(got) != 1 {
			t.Fatalf("or/not filter exported %q", got)
		}

		for _, c := range []struct {
			client *gqltest.Client
			params map[string]string
			status int
			code   string
			field  string
		}{
			{w.anonClient(), map[string]string{"format": "csv"}, http.StatusUnauthorized, "UNAUTHENTICATED", ""},
			{admin, map[string]string{"format": "docx"}, http.StatusBadRequest, "BAD_USER_INPUT", "format"},
			{admin, map[string]string{"format": "csv", "where": `{"statusIn":`}, http.StatusBadRequest, "BAD_USER_INPUT", "where"},
			{admin, map[string]string{"format": "csv", "where": `{"colour":"red"}`}, http.StatusBadRequest, "BAD_USER_INPUT", "where"},
			{admin, map[string]string{"format": "xlsx", "search": "%%"}, http.StatusBadRequest, "BAD_USER_INPUT", "search"},
			{admin, map[string]string{"format": "pdf", "tz": "Mars/Olympus"}, http.StatusBadRequest, "BAD_USER_INPUT", "tz"},
		} {
			status, _, body := download(t, c.client, c.params)
			var res struct {
				Errors []gqltest.Error
			}
			if err := json.Unmarshal(body, &res); err != nil || status != c.status || len(res.Errors) != 1 ||
				res.Errors[0].Code() != c.code || res.Errors[0].Field() != c.field {
				t.Fatalf("export %v: HTTP %d %.300q, want %d %s on %q", c.params, status, body, c.status, c.code, c.field)
			}
		}
	})
}

func (w *searchWorld) anonClient() *gqltest.Client { return &gqltest.Client{URL: w.url} }

// TestExportSLAState: the SLA state column is the state the SLA engine
// keeps on each ticket, as the slaState field shows it: at risk after a
// reminder, paused while waiting on the customer, on track, and none for
// a priority the policy has no target for.
func TestExportSLAState(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		clock := &fakeClock{now: friday1630}
		w := newSLAWorld(t, dial, clock.Now)
		atRisk := w.createTicket(t, "HIGH")
		timers := w.timers(t)
		if len(timers) == 0 {
			t.Fatal("no SLA timers for a HIGH ticket")
		}
		clock.now = timers[0].scheduledAt
		w.fire(t, timers[0])
		paused, onTrack, none := w.createTicket(t, "HIGH"), w.createTicket(t, "HIGH"), w.createTicket(t, "LOW")
		w.setStatus(t, paused, "WAITING")

		rows := csvRows(t, w.admin, map[string]string{})
		if len(rows) != 4 {
			t.Fatalf("exported %d tickets, want 4", len(rows))
		}
		for i, c := range []struct{ id, want string }{{atRisk, "AT_RISK"}, {paused, "PAUSED"}, {onTrack, "ON_TRACK"}, {none, "NONE"}} {
			if state := w.ticket(t, c.id).SLAState; state != c.want || rows[i][14] != state {
				t.Fatalf("ticket %d: slaState %s, exported %q, want %s", i+1, state, rows[i][14], c.want)
			}
		}
	})
}
