package export

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	gtfont "github.com/go-text/typesetting/font"
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

// placement is a glyph as a page draws it: its glyph id in the font and
// its origin in points.
type placement struct {
	gid  uint16
	x, y float64
}

// placements interprets the page's text operators (the subset this
// package writes: Tf, Tm, Tj) and returns, for the font resource named,
// where each glyph is drawn: codes go through the font's CIDToGIDMap, the
// pen advances by its W widths.
func placements(t *testing.T, r *pdf.Reader, n int, resource string) []placement {
	t.Helper()
	page := r.Page(n)
	content, err := io.ReadAll(page.V.Key("Contents").Reader())
	if err != nil {
		t.Fatal(err)
	}
	cidFont := page.Font(resource).V.Key("DescendantFonts").Index(0)
	widths := map[int]float64{}
	w := cidFont.Key("W")
	for i := 0; i+1 < w.Len(); i += 2 {
		first, ws := int(w.Index(i).Int64()), w.Index(i+1)
		for k := 0; k < ws.Len(); k++ {
			widths[first+k] = ws.Index(k).Float64()
		}
	}
	var gids []byte
	if m := cidFont.Key("CIDToGIDMap"); m.Kind() == pdf.Stream {
		if gids, err = io.ReadAll(m.Reader()); err != nil {
			t.Fatal(err)
		}
	}
	var out []placement
	var size float64
	current := ""
	tf := regexp.MustCompile(`^/(\w+) ([\d.]+) Tf$`)
	show := regexp.MustCompile(`^1 0 0 1 ([\d.-]+) ([\d.-]+) Tm <([0-9A-F]*)> Tj$`)
	for _, line := range strings.Split(string(content), "\n") {
		if m := tf.FindStringSubmatch(line); m != nil {
			current = m[1]
			size, _ = strconv.ParseFloat(m[2], 64)
			continue
		}
		m := show.FindStringSubmatch(line)
		if m == nil || current != resource {
			continue
		}
		x, _ := strconv.ParseFloat(m[1], 64)
		y, _ := strconv.ParseFloat(m[2], 64)
		for i := 0; i+4 <= len(m[3]); i += 4 {
			code, _ := strconv.ParseUint(m[3][i:i+4], 16, 16)
			gid := uint16(code)
			if 2*int(code)+1 < len(gids) {
				gid = uint16(gids[2*code])<<8 | uint16(gids[2*code+1])
			}
			out = append(out, placement{gid: gid, x: x, y: y})
			x += widths[int(code)] * size / 1000
		}
	}
	return out
}

// TestPDFShapesThaiAndMarks: runs with combining marks are shaped with the
// fonts' OpenType tables and drawn where the shaper puts each glyph — a
// Thai tone mark above an upper vowel takes the font's raised small form,
// a tone mark on a tall consonant moves left and down, ญ drops its tail
// above a lower vowel, SARA AM is split so its nikhahit sits under the
// tone mark, a Vietnamese letter typed as a base and two combining marks
// becomes the font's precomposed letter — and the text copied from the
// page is still the input, character for character.
func TestPDFShapesThaiAndMarks(t *testing.T) {
	thai := "ที่นี่ น้ำ ปั้ม ญู"
	nfd := "Khie\u0302\u0301u na\u0323i"
	data := writePDF(t, [][]string{{"1", thai, nfd}})
	r := openPDF(t, data)
	text, _ := pageText(t, r, 1)
	if !strings.Contains(text, "1"+thai+nfd) {
		t.Fatalf("page text lacks the input: %q", text)
	}

	face, err := gtfont.ParseTTF(bytes.NewReader(notoSansThai))
	if err != nil {
		t.Fatal(err)
	}
	nominal := func(r rune) uint16 {
		g, _ := face.NominalGlyph(r)
		return uint16(g)
	}
	name := func(g uint16) string { return face.GlyphName(gtfont.GID(g)) }
	got := placements(t, r, 1, "F2")
	// The row's Thai glyphs follow the header (which has none).
	if len(got) == 0 {
		t.Fatal("no Thai glyphs on the page")
	}
	// Every glyph sits where the shaper puts it, relative to the first.
	var sh shaper
	want := sh.shape(face, float64(face.Upem()), scriptOf(fontThai, thai), thai)
	if len(got) != len(want) {
		t.Fatalf("%d Thai glyphs drawn, the shaper set %d", len(got), len(want))
	}
	var pen float64
	for i, g := range want {
		x, y := got[0].x+(pen+float64(g.dx))*fontSize/1000, got[0].y+float64(g.dy)*fontSize/1000
		if got[i].gid != g.id || math.Abs(got[i].x-x) > 0.02 || math.Abs(got[i].y-y) > 0.02 {
			t.Fatalf("glyph %d: drawn %d at (%.2f, %.2f), shaped %d at (%.2f, %.2f)", i, got[i].gid, got[i].x, got[i].y, g.id, x, y)
		}
		pen += float64(g.adv)
	}
	// ที่: the tone mark above SARA II is the raised small form, not the
	// character's own glyph.
	if g := got[2].gid; g == nominal('่') || name(g) != "uni0E48.small" || got[1].gid != nominal('ี') {
		t.Fatalf("ที่ is drawn with %s, %s", name(got[1].gid), name(g))
	}
	// น้ำ: four glyphs for three characters: น, nikhahit, the tone mark,
	// SARA AA.
	namm := got[7:11]
	if namm[0].gid != nominal('น') || namm[1].gid != nominal('ํ') || !strings.HasPrefix(name(namm[2].gid), "uni0E49") || namm[3].gid != nominal('า') {
		t.Fatalf("น้ำ is drawn with %s %s %s %s", name(namm[0].gid), name(namm[1].gid), name(namm[2].gid), name(namm[3].gid))
	}
	// ปั้ม: the tone mark clears the tall ป: left of the vowel above and
	// lower than its own default place.
	pam := got[12:16]
	if name(pam[1].gid) != "uni0E31.narrow" || !strings.HasPrefix(name(pam[2].gid), "uni0E49") || pam[2].y >= pam[0].y || pam[2].x >= pam[1].x {
		t.Fatalf("ปั้ม is drawn as %+v (%s, %s)", pam, name(pam[1].gid), name(pam[2].gid))
	}
	// ญู: ญ without its tail.
	if yo := got[17]; yo.gid == nominal('ญ') || name(yo.gid) != "uni0E0D.less" {
		t.Fatalf("ญู is drawn with %s", name(yo.gid))
	}

	// The Vietnamese letters typed as base + marks are the precomposed
	// glyphs of Noto Sans, as if typed precomposed.
	latin, err := gtfont.ParseTTF(bytes.NewReader(notoSans))
	if err != nil {
		t.Fatal(err)
	}
	var ids []uint16
	for _, p := range placements(t, r, 1, "F1") {
		ids = append(ids, p.gid)
	}
	var precomposed []uint16
	for _, c := range "Khiếu nại" {
		g, _ := latin.NominalGlyph(c)
		precomposed = append(precomposed, uint16(g))
	}
	if !strings.Contains(fmt.Sprint(ids), strings.Trim(fmt.Sprint(precomposed), "[]")) {
		t.Fatalf("Latin glyphs %v lack the precomposed %v", ids, precomposed)
	}
}
