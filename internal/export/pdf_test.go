package export

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/ledongthuc/pdf"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// writePDF lays out the header and rows and returns the file.
func writePDF(t *testing.T, rows [][]string) []byte {
	t.Helper()
	var out bytes.Buffer
	s, err := newPDFSheet(&out)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.header(Columns); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := s.row(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// pageText reads a page's text through the fonts' ToUnicode maps, with
// the text set in each font.
func pageText(t *testing.T, r *pdf.Reader, n int) (all string, byFont map[string]string) {
	t.Helper()
	var b strings.Builder
	byFont = map[string]string{}
	for _, c := range r.Page(n).Content().Text {
		b.WriteString(c.S)
		byFont[baseName(c.Font)] += c.S
	}
	return b.String(), byFont
}

// baseName is a font's name without the tag that marks a subset.
func baseName(font string) string {
	if i := strings.IndexByte(font, '+'); i == 6 {
		return font[i+1:]
	}
	return font
}

func openPDF(t *testing.T, data []byte) *pdf.Reader {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("reading the PDF: %v", err)
	}
	return r
}

// TestPDFSetsVietnameseAndThai: a PDF parser reads back the rows'
// Vietnamese and Thai text, the Thai in Noto Sans Thai, whose embedded
// subset has the outline of ต under the code the text uses for it and
// none for a letter the text does not use; long titles are cut with an
// ellipsis.
func TestPDFSetsVietnameseAndThai(t *testing.T) {
	long := strings.Repeat("Giao hàng chậm ", 10)
	data := writePDF(t, [][]string{
		{"1", "Khiếu nại về điện thoại", "Nguyễn Văn Đức"},
		{"2", "ระบบตั๋วใช้งานไม่ได้", "สมชาย ใจดี"},
		{"3", long, "Printer\njam"},
		{"4", "Emoji 😀 and 漢字", "Zoë"},
	})
	r := openPDF(t, data)
	if r.NumPage() != 1 {
		t.Fatalf("pages = %d", r.NumPage())
	}
	text, byFont := pageText(t, r, 1)
	for _, want := range []string{"NumberTitleCustomer", "SLA state", "1Khiếu nại về điện thoạiNguyễn Văn Đức", "2ระบบตั๋วใช้งานไม่ได้สมชาย ใจดี", "Printer jam"} {
		if !strings.Contains(text, want) {
			t.Fatalf("page text lacks %q: %q", want, text)
		}
	}
	// Noto Sans has neither 😀 nor 漢字: they are set as .notdef, which
	// reads as no character rather than as the first one missing.
	if !strings.Contains(text, "4Emoji ") || !strings.Contains(text, "Zoë") || strings.Contains(text, "😀😀") {
		t.Fatalf("characters the fonts lack: %q", text)
	}
	if strings.Contains(text, long) || !strings.Contains(text, "3Giao hàng chậm") || !strings.Contains(text, "…Printer") {
		t.Fatalf("the long title is not cut with an ellipsis: %q", text)
	}
	if thai := byFont["NotoSansThai-Regular"]; !strings.Contains(thai, "ระบบตั๋ว") || !strings.Contains(byFont["NotoSans-Regular"], "Khiếu") {
		t.Fatalf("text by font = %q", byFont)
	}

	thai := r.Page(1).Font("F2")
	if !strings.HasSuffix(thai.BaseFont(), "+NotoSansThai-Regular") || len(thai.BaseFont()) != len("ABCDEF+NotoSansThai-Regular") {
		t.Fatalf("F2 = %s", thai.BaseFont())
	}
	file, err := io.ReadAll(thai.V.Key("DescendantFonts").Index(0).Key("FontDescriptor").Key("FontFile2").Reader())
	if err != nil {
		t.Fatal(err)
	}
	f, err := sfnt.Parse(file)
	if err != nil {
		t.Fatalf("the embedded Thai font: %v", err)
	}
	id, err := f.GlyphIndex(&sfnt.Buffer{}, 'ต')
	if err != nil || id == 0 {
		t.Fatalf("the embedded Thai font has no ต: %d, %v", id, err)
	}
	if got := thai.Encoder().Decode(string([]byte{byte(id >> 8), byte(id)})); got != "ต" {
		t.Fatalf("glyph %d of the Thai font reads as %q", id, got)
	}
	var buf sfnt.Buffer
	if segs, err := f.LoadGlyph(&buf, id, fixed.I(1000), nil); err != nil || len(segs) == 0 {
		t.Fatalf("the outline of ต: %d segments, %v", len(segs), err)
	}
	unused, err := f.GlyphIndex(&buf, 'ฮ')
	if err != nil || unused == 0 {
		t.Fatalf("no glyph id for ฮ: %v", err)
	}
	if segs, err := f.LoadGlyph(&buf, unused, fixed.I(1000), nil); err != nil || len(segs) != 0 {
		t.Fatalf("the unused ฮ kept its outline: %d segments, %v", len(segs), err)
	}
	if len(file) > len(notoSansThai)/2 {
		t.Fatalf("the Thai subset has %d bytes of the font's %d", len(file), len(notoSansThai))
	}
}

// TestPDFStreamsManyRows: 20,000 rows make 541 pages that a parser
// reads, first and last; while they are written the heap does not grow
// with the rows (the pages have gone to the writer).
func TestPDFStreamsManyRows(t *testing.T) {
	const rows, perPage = 20000, 37
	row := func(i int) []string {
		return []string{fmt.Sprint(i), fmt.Sprintf("Khiếu nại số %d ระบบตั๋ว", i), "Nguyễn Văn Đức", "Orders › Delivery", "Team A",
			"Agent 7", "OPEN", "MEDIUM", "EMAIL", "2026-11-25 09:30", "", "", "1:02:03", "0:00:00", "ON_TRACK"}
	}
	var out bytes.Buffer
	s, err := newPDFSheet(&out)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.header(Columns); err != nil {
		t.Fatal(err)
	}
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc - uint64(out.Cap())
	}
	var before uint64
	for i := 1; i <= rows; i++ {
		if err := s.row(row(i)); err != nil {
			t.Fatal(err)
		}
		if i == 2000 {
			before = heap()
		}
	}
	if grown := int64(heap()) - int64(before); grown > 1<<20 {
		t.Fatalf("the heap grew by %d bytes over 18,000 rows", grown)
	}
	if err := s.close(); err != nil {
		t.Fatal(err)
	}

	r := openPDF(t, out.Bytes())
	if want := (rows + perPage - 1) / perPage; r.NumPage() != want {
		t.Fatalf("pages = %d, want %d", r.NumPage(), want)
	}
	first, _ := pageText(t, r, 1)
	last, _ := pageText(t, r, r.NumPage())
	if !strings.Contains(first, "NumberTitle") || !strings.Contains(first, "1Khiếu nại số 1 ระบบตั๋ว") || !strings.Contains(first, "37Khiếu nại số 37 ") ||
		strings.Contains(first, "38Khiếu") {
		t.Fatalf("first page = %q", first)
	}
	if !strings.Contains(last, "NumberTitle") || !strings.Contains(last, "20000Khiếu nại số 20000 ระบบตั๋วNguyễn Văn Đức") ||
		!strings.Contains(last, "OPENMEDIUMEMAIL2026-11-25 09:301:02:030:00:00ON_TRACK") {
		t.Fatalf("last page = %q", last)
	}
}
