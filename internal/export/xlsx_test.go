package export

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestXLSXStreamsManyRows: 20,000 rows written while the heap stays put
// make a workbook excelize opens, with the header, numbers as numbers
// and text (Vietnamese, Thai, markup characters, a line break) intact.
func TestXLSXStreamsManyRows(t *testing.T) {
	const rows = 20000
	row := func(i int) []string {
		return []string{fmt.Sprint(i), fmt.Sprintf("Khiếu nại <số> %d & \"ระบบตั๋ว\"", i), "Nguyễn Văn Đức\nHà Nội", "", " Team A "}
	}
	var out bytes.Buffer
	s, err := newXLSXSheet(&out)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.header(Columns); err != nil {
		t.Fatal(err)
	}
	heap := func() int64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return int64(m.HeapAlloc) - int64(out.Cap())
	}
	var before int64
	for i := 1; i <= rows; i++ {
		if err := s.row(row(i)); err != nil {
			t.Fatal(err)
		}
		if i == 2000 {
			before = heap()
		}
	}
	if grown := heap() - before; grown > 1<<20 {
		t.Fatalf("the heap grew by %d bytes over 18,000 rows", grown)
	}
	if err := s.close(); err != nil {
		t.Fatal(err)
	}

	book, err := excelize.OpenReader(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	if sheets := book.GetSheetList(); len(sheets) != 1 || sheets[0] != "Tickets" {
		t.Fatalf("sheets = %q", sheets)
	}
	got, err := book.GetRows("Tickets")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != rows+1 || len(got[0]) != len(Columns) || got[0][0] != "Number" || got[0][14] != "SLA state" {
		t.Fatalf("%d rows, header %q", len(got), got[0])
	}
	for _, i := range []int{1, 777, rows} {
		want := row(i)
		if r := got[i]; len(r) != len(want) || r[0] != want[0] || r[1] != want[1] || r[2] != want[2] || r[4] != want[4] {
			t.Fatalf("row %d = %q, want %q", i, r, want)
		}
	}
	if typ, err := book.GetCellType("Tickets", "A20001"); err != nil || typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
		t.Fatalf("A20001 is of type %v, %v", typ, err)
	}
	if typ, _ := book.GetCellType("Tickets", "A1"); typ != excelize.CellTypeInlineString {
		t.Fatalf("A1 is of type %v", typ)
	}
	if panes, err := book.GetPanes("Tickets"); err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Fatalf("panes = %+v, %v", panes, err)
	}
}
