package export

import (
	"bufio"
	"bytes"
	"compress/zlib"
	_ "embed"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// The fonts embedded in PDFs (fonts/LICENSE.md): Noto Sans covers Latin
// with every Vietnamese letter; Noto Sans Thai the Thai script. Each run
// of text is set in the font of its script. Glyphs are placed one after
// the other without OpenType shaping, so Thai combining vowels and tone
// marks sit where the font's default offsets put them: readable, but a
// tone mark above an upper vowel may overlap it instead of being raised.
var (
	//go:embed fonts/NotoSans-Regular.ttf
	notoSans []byte
	//go:embed fonts/NotoSansThai-Regular.ttf
	notoSansThai []byte
)

// The fonts, by index into pdfFonts.
const (
	fontLatin = iota
	fontThai
)

const (
	fontSize  = 7.0  // points
	rowHeight = 5.0  // millimetres
	margin    = 10.0 // millimetres
	pageW     = 297.0
	pageH     = 210.0
	ptPerMM   = 72 / 25.4
)

// columnWidths in millimetres, filling an A4 landscape page between the
// margins; times, priorities and SLA states fit whole.
var columnWidths = []float64{12, 33, 22, 22, 16, 18, 16, 13, 12, 24, 24, 24, 12, 12, 17}

// pdfFont is an embedded TrueType font, parsed once and shared by every
// export (sfnt fonts are safe for concurrent use with a Buffer each).
type pdfFont struct {
	resource string // name in the pages' resources
	name     string // PostScript name
	sfnt     *sfnt.Font
	unitsEm  float64
	src      []byte // the TrueType file
	// descriptor metrics in thousandths of an em.
	bbox                     [4]int
	ascent, descent, capTall int
}

var pdfFonts = sync.OnceValues(func() ([]*pdfFont, error) {
	var fonts []*pdfFont
	for i, src := range [][]byte{notoSans, notoSansThai} {
		f, err := loadFont(fmt.Sprintf("F%d", i+1), src)
		if err != nil {
			return nil, err
		}
		fonts = append(fonts, f)
	}
	return fonts, nil
})

func loadFont(resource string, src []byte) (*pdfFont, error) {
	f, err := sfnt.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("parsing an embedded font: %w", err)
	}
	var buf sfnt.Buffer
	name, err := f.Name(&buf, sfnt.NameIDPostScript)
	if err != nil {
		return nil, fmt.Errorf("reading a font's name: %w", err)
	}
	upem := f.UnitsPerEm()
	ppem := fixed.I(int(upem))
	bounds, err := f.Bounds(&buf, ppem, font.HintingNone)
	if err != nil {
		return nil, err
	}
	m, err := f.Metrics(&buf, ppem, font.HintingNone)
	if err != nil {
		return nil, err
	}
	per1000 := func(v fixed.Int26_6) int { return int(float64(v) / 64 * 1000 / float64(upem)) }
	// sfnt's bounds grow downwards; PDF's upwards.
	return &pdfFont{
		resource: resource, name: name, sfnt: f, unitsEm: float64(upem), src: src,
		bbox:    [4]int{per1000(bounds.Min.X), -per1000(bounds.Max.Y), per1000(bounds.Max.X), -per1000(bounds.Min.Y)},
		ascent:  per1000(m.Ascent),
		descent: -per1000(m.Descent),
		capTall: per1000(m.CapHeight),
	}, nil
}

// glyph is a rune's glyph in a font: its id (the character code in the
// PDF, with Identity-H encoding and CIDToGIDMap /Identity) and advance
// width in thousandths of an em.
type glyph struct {
	id    uint16
	width int
}

// fontUse is what one PDF sets in one font: the glyphs of the runes met
// so far, and for each glyph used the rune it stands for (for the
// ToUnicode map). Both are bounded by the font's glyph count.
type fontUse struct {
	font   *pdfFont
	glyphs map[rune]glyph
	used   map[uint16]rune
	widths map[uint16]int
	obj    int // object number of the Type0 font, once written
}

func (u *fontUse) glyph(buf *sfnt.Buffer, r rune) glyph {
	if g, ok := u.glyphs[r]; ok {
		return g
	}
	var g glyph
	if id, err := u.font.sfnt.GlyphIndex(buf, r); err == nil {
		adv, err := u.font.sfnt.GlyphAdvance(buf, id, fixed.I(int(u.font.unitsEm)), font.HintingNone)
		if err == nil {
			g = glyph{id: uint16(id), width: int(float64(adv)/64*1000/u.font.unitsEm + 0.5)}
		}
	}
	u.glyphs[r] = g
	return g
}

// PDF object numbers fixed in advance, so that pages can name them;
// they are written last. Pages take two numbers each from firstPageObj.
const (
	catalogObj = iota + 1
	pagesObj
	resourcesObj
	infoObj
	firstPageObj
)

// pdfSheet lays rows out as a table over A4 landscape pages, repeating
// the header on each page, and writes each page to out as soon as it is
// full: what it keeps grows only by an offset per object (two per page)
// and by the glyphs it has used. Fonts, page tree and cross-reference
// table follow the last page.
type pdfSheet struct {
	out     *countingWriter
	fonts   []*fontUse
	buf     sfnt.Buffer
	names   []string
	offsets []int64 // by object number; 0 is unused
	pages   int
	y       float64 // millimetres from the top of the page
	content bytes.Buffer
	packed  bytes.Buffer
	zw      *zlib.Writer
	created time.Time
}

type countingWriter struct {
	w   *bufio.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

func (c *countingWriter) printf(format string, args ...any) { fmt.Fprintf(c, format, args...) }

func newPDFSheet(w io.Writer) (*pdfSheet, error) {
	fonts, err := pdfFonts()
	if err != nil {
		return nil, err
	}
	s := &pdfSheet{out: &countingWriter{w: bufio.NewWriterSize(w, 64<<10)}, offsets: make([]int64, firstPageObj), created: time.Now().UTC()}
	for _, f := range fonts {
		s.fonts = append(s.fonts, &fontUse{font: f, glyphs: map[rune]glyph{}, used: map[uint16]rune{}, widths: map[uint16]int{}})
	}
	// Level 3 compresses 100,000 rows with about 25 % less CPU than the
	// default level for a file about 15 % larger.
	s.zw, _ = zlib.NewWriterLevel(&s.packed, 3)
	s.out.printf("%%PDF-1.7\n%%\xe2\xe3\xcf\xd3\n")
	return s, s.out.err
}

func (s *pdfSheet) header(names []string) error {
	s.names = names
	s.newPage()
	return s.out.err
}

// newPage starts a page with the header row.
func (s *pdfSheet) newPage() {
	s.content.Reset()
	s.y = margin
	fmt.Fprintf(&s.content, "0.882 0.894 0.922 rg %s %s %s %s re f 0 g\n",
		pt(margin), pt(pageH-margin-rowHeight), pt(sum(columnWidths)), pt(rowHeight))
	s.drawRow(s.names)
}

func (s *pdfSheet) row(cells []string) error {
	if s.y+rowHeight > pageH-margin {
		s.endPage()
		s.newPage()
	}
	s.drawRow(cells)
	return s.out.err
}

func (s *pdfSheet) drawRow(cells []string) {
	x := margin
	s.content.WriteString("BT\n")
	current := -1
	for i, c := range cells {
		if i >= len(columnWidths) {
			break
		}
		cx := x + 1
		for _, r := range s.fit(scriptRuns(c), columnWidths[i]-2) {
			if r.font != current {
				fmt.Fprintf(&s.content, "/%s %g Tf\n", s.fonts[r.font].font.resource, fontSize)
				current = r.font
			}
			fmt.Fprintf(&s.content, "1 0 0 1 %s %s Tm <", pt(cx), pt(pageH-(s.y+rowHeight-1.6)))
			cx += s.show(r)
			s.content.WriteString("> Tj\n")
		}
		x += columnWidths[i]
	}
	s.content.WriteString("ET\n")
	fmt.Fprintf(&s.content, "0.784 g 0.784 G 0.2 w %s %s m %s %s l S 0 g\n",
		pt(margin), pt(pageH-s.y-rowHeight), pt(x), pt(pageH-s.y-rowHeight))
	s.y += rowHeight
}

// show writes the glyph ids of a run in hexadecimal, records them as
// used, and returns the run's width in millimetres.
func (s *pdfSheet) show(r run) float64 {
	u := s.fonts[r.font]
	width := 0
	for _, c := range r.text {
		g := u.glyph(&s.buf, c)
		s.content.Write([]byte{hexDigits[g.id>>12], hexDigits[g.id>>8&15], hexDigits[g.id>>4&15], hexDigits[g.id&15]})
		if _, ok := u.used[g.id]; !ok {
			u.used[g.id] = c
			u.widths[g.id] = g.width
		}
		width += g.width
	}
	return s.mm(width)
}

func (s *pdfSheet) mm(thousandths int) float64 {
	return float64(thousandths) * fontSize / 1000 / ptPerMM
}

// endPage compresses the page's content and writes the page.
func (s *pdfSheet) endPage() {
	s.packed.Reset()
	s.zw.Reset(&s.packed)
	_, _ = s.zw.Write(s.content.Bytes())
	_ = s.zw.Close()
	page := s.object()
	s.out.printf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Resources %d 0 R /Contents %d 0 R >>\nendobj\n",
		pagesObj, pt(pageW), pt(pageH), resourcesObj, page+1)
	s.object()
	s.stream(s.packed.Bytes(), "/Filter /FlateDecode")
	s.pages++
}

// object starts the next object and returns its number.
func (s *pdfSheet) object() int {
	n := len(s.offsets)
	s.offsets = append(s.offsets, s.out.n)
	s.out.printf("%d 0 obj\n", n)
	return n
}

// fixed starts one of the objects numbered in advance.
func (s *pdfSheet) fixed(n int) {
	s.offsets[n] = s.out.n
	s.out.printf("%d 0 obj\n", n)
}

func (s *pdfSheet) stream(data []byte, dict string) {
	s.out.printf("<< /Length %d %s >>\nstream\n", len(data), dict)
	_, _ = s.out.Write(data)
	s.out.printf("\nendstream\nendobj\n")
}

func (s *pdfSheet) close() error {
	s.endPage()
	for _, u := range s.fonts {
		if len(u.used) > 0 {
			s.writeFont(u)
		}
	}
	s.fixed(resourcesObj)
	s.out.printf("<< /ProcSet [/PDF /Text] /Font <<")
	for _, u := range s.fonts {
		if u.obj != 0 {
			s.out.printf(" /%s %d 0 R", u.font.resource, u.obj)
		}
	}
	s.out.printf(" >> >>\nendobj\n")
	s.fixed(pagesObj)
	s.out.printf("<< /Type /Pages /Count %d /Kids [", s.pages)
	for i := range s.pages {
		if i%10 == 0 {
			s.out.printf("\n")
		}
		s.out.printf("%d 0 R ", firstPageObj+2*i)
	}
	s.out.printf("] >>\nendobj\n")
	s.fixed(catalogObj)
	s.out.printf("<< /Type /Catalog /Pages %d 0 R >>\nendobj\n", pagesObj)
	s.fixed(infoObj)
	s.out.printf("<< /Title (Tickets) /Creator (Helpdesk) /Producer (Helpdesk) /CreationDate (D:%s) >>\nendobj\n",
		s.created.Format("20060102150405Z"))
	xref := s.out.n
	s.out.printf("xref\n0 %d\n0000000000 65535 f \n", len(s.offsets))
	for _, off := range s.offsets[1:] {
		s.out.printf("%010d 00000 n \n", off)
	}
	s.out.printf("trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(s.offsets), catalogObj, infoObj, xref)
	if s.out.err != nil {
		return s.out.err
	}
	return s.out.w.Flush()
}

// writeFont writes a font as a Type0 font over a CIDFontType2 font whose
// CIDs are glyph ids, with the widths and the ToUnicode map of the glyphs
// used and the TrueType file reduced to their outlines.
func (s *pdfSheet) writeFont(u *fontUse) {
	f := u.font
	ids := make([]uint16, 0, len(u.used))
	keep := make(map[uint16]bool, len(u.used))
	for id := range u.used {
		ids = append(ids, id)
		keep[id] = true
	}
	slices.Sort(ids)
	// A subset's name starts with a tag of six capitals naming it.
	tag := fnv.New32a()
	for _, id := range ids {
		_, _ = tag.Write([]byte{byte(id >> 8), byte(id)})
	}
	name := []byte("AAAAAA+" + f.name)
	for i, h := 0, tag.Sum32(); i < 6; i, h = i+1, h/26 {
		name[i] = byte('A' + h%26)
	}
	file, err := subsetTrueType(f.src, keep)
	if err != nil {
		file, name = f.src, []byte(f.name)
	}
	s.packed.Reset()
	s.zw.Reset(&s.packed)
	_, _ = s.zw.Write(file)
	_ = s.zw.Close()
	fileObj := s.object()
	s.stream(s.packed.Bytes(), fmt.Sprintf("/Length1 %d /Filter /FlateDecode", len(file)))
	descriptor := s.object()
	s.out.printf("<< /Type /FontDescriptor /FontName /%s /Flags 32 /FontBBox [%d %d %d %d] /ItalicAngle 0 /Ascent %d /Descent %d /CapHeight %d /StemV 80 /FontFile2 %d 0 R >>\nendobj\n",
		name, f.bbox[0], f.bbox[1], f.bbox[2], f.bbox[3], f.ascent, f.descent, f.capTall, fileObj)
	cid := s.object()
	s.out.printf("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /CIDToGIDMap /Identity /DW 1000 /W [",
		name, descriptor)
	for i, id := range ids {
		if i%8 == 0 {
			s.out.printf("\n")
		}
		s.out.printf("%d [%d] ", id, u.widths[id])
	}
	s.out.printf("] >>\nendobj\n")

	var cmap bytes.Buffer
	cmap.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	// Glyph 0, .notdef, stands for every character the font lacks: it maps
	// to none.
	mapped := ids
	if len(mapped) > 0 && mapped[0] == 0 {
		mapped = mapped[1:]
	}
	for start := 0; start < len(mapped); start += 100 {
		chunk := mapped[start:min(start+100, len(mapped))]
		fmt.Fprintf(&cmap, "%d beginbfchar\n", len(chunk))
		for _, id := range chunk {
			fmt.Fprintf(&cmap, "<%04X> <", id)
			for _, unit := range utf16.Encode([]rune{u.used[id]}) {
				fmt.Fprintf(&cmap, "%04X", unit)
			}
			cmap.WriteString(">\n")
		}
		cmap.WriteString("endbfchar\n")
	}
	cmap.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	s.packed.Reset()
	s.zw.Reset(&s.packed)
	_, _ = s.zw.Write(cmap.Bytes())
	_ = s.zw.Close()
	toUnicode := s.object()
	s.stream(s.packed.Bytes(), "/Filter /FlateDecode")

	u.obj = s.object()
	s.out.printf("<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>\nendobj\n",
		name, cid, toUnicode)
}

// run is text set in one font.
type run struct {
	font int
	text string
}

// scriptRuns splits text into runs of Thai and of everything else;
// spaces stay in the run they follow. Control characters become spaces.
func scriptRuns(text string) []run {
	if strings.ContainsFunc(text, func(r rune) bool { return r < ' ' }) {
		text = strings.Map(func(r rune) rune {
			if r < ' ' {
				return ' '
			}
			return r
		}, text)
	}
	var runs []run
	start, current := 0, -1
	for i, r := range text {
		font := fontLatin
		if r >= 0x0E00 && r <= 0x0E7F {
			font = fontThai
		}
		if font == current || r == ' ' && current >= 0 {
			continue
		}
		if current >= 0 {
			runs = append(runs, run{font: current, text: text[start:i]})
		}
		start, current = i, font
	}
	if current >= 0 {
		runs = append(runs, run{font: current, text: text[start:]})
	}
	return runs
}

// fit cuts runs to width (millimetres), ending them with an ellipsis when
// cut.
func (s *pdfSheet) fit(runs []run, width float64) []run {
	total := 0
	for _, r := range runs {
		for _, c := range r.text {
			total += s.fonts[r.font].glyph(&s.buf, c).width
		}
	}
	if s.mm(total) <= width {
		return runs
	}
	ellipsis := s.fonts[fontLatin].glyph(&s.buf, '…').width
	var cut []run
	acc := ellipsis
	for _, r := range runs {
		for i, c := range r.text {
			w := s.fonts[r.font].glyph(&s.buf, c).width
			if s.mm(acc+w) > width {
				if i > 0 {
					cut = append(cut, run{font: r.font, text: r.text[:i]})
				}
				return append(cut, run{font: fontLatin, text: "…"})
			}
			acc += w
		}
		cut = append(cut, r)
	}
	return append(cut, run{font: fontLatin, text: "…"})
}

const hexDigits = "0123456789ABCDEF"

// pt writes millimetres as points with two decimals.
func pt(mm float64) string { return strconv.FormatFloat(mm*ptPerMM, 'f', 2, 64) }

func sum(xs []float64) float64 {
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t
}
