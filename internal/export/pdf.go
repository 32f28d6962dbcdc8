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

	gtfont "github.com/go-text/typesetting/font"
	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// The fonts embedded in PDFs (fonts/LICENSE.md): Noto Sans covers Latin
// with every Vietnamese letter; Noto Sans Thai the Thai script. Each run
// of text is set in the font of its script. Runs with combining marks
// (Thai vowels above and below and tone marks, Vietnamese diacritics
// typed as separate marks) are shaped with the fonts' OpenType tables
// (shape.go): a tone mark above an upper vowel takes the font's raised
// form, marks move clear of tall consonants, a consonant drops its tail
// above a lower vowel; the PDF places each glyph where the shaper put
// it. Other runs are set glyph after glyph.
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
	shapes   *gtfont.Font
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
	shapes, err := gtfont.ParseTTF(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("parsing an embedded font's layout tables: %w", err)
	}
	per1000 := func(v fixed.Int26_6) int { return int(float64(v) / 64 * 1000 / float64(upem)) }
	// sfnt's bounds grow downwards; PDF's upwards.
	return &pdfFont{
		resource: resource, name: name, sfnt: f, unitsEm: float64(upem), src: src, shapes: shapes.Font,
		bbox:    [4]int{per1000(bounds.Min.X), -per1000(bounds.Max.Y), per1000(bounds.Max.X), -per1000(bounds.Min.Y)},
		ascent:  per1000(m.Ascent),
		descent: -per1000(m.Descent),
		capTall: per1000(m.CapHeight),
	}, nil
}

// glyph is a rune's own glyph in a font: its id and advance width in
// thousandths of an em.
type glyph struct {
	id    uint16
	width int32
}

// fontUse is what one PDF sets in one font: the glyphs of the runes met
// so far, and the character codes (CIDs) used, each with its glyph and
// the text it stands for (the ToUnicode map).
//
// A glyph's code is its glyph id (CIDToGIDMap /Identity) as long as it
// stands for one text only. The shaper may set the same glyph for other
// text (the first glyph of a cluster stands for the whole cluster, the
// others for none; a precomposed letter for a letter and its marks): such
// a pair takes a code above the font's glyph ids, and the font gets a
// CIDToGIDMap stream. Codes are bounded by 65,536 and, in practice, by
// the clusters a script has.
type fontUse struct {
	font   *pdfFont
	face   *gtfont.Face
	glyphs map[rune]glyph
	cids   map[uint16]cid
	extra  map[cidKey]uint16
	next   int // the next code above the glyph ids
	obj    int // object number of the Type0 font, once written
}

// cid is what a character code in the PDF stands for.
type cid struct {
	gid   uint16
	width int32 // the glyph's advance, thousandths of an em
	r     rune  // the character, or 0 and text
	text  string
}

type cidKey struct {
	gid  uint16
	text string
}

func (u *fontUse) glyph(r rune) glyph {
	if g, ok := u.glyphs[r]; ok {
		return g
	}
	var g glyph
	if id, ok := u.face.NominalGlyph(r); ok {
		g = glyph{id: uint16(id), width: u.width(uint16(id))}
	}
	u.glyphs[r] = g
	return g
}

// width is a glyph's advance in thousandths of an em.
func (u *fontUse) width(id uint16) int32 {
	return int32(float64(u.face.HorizontalAdvance(gtfont.GID(id)))*1000/u.font.unitsEm + 0.5)
}

// code returns the character code that sets g and stands for its text.
// .notdef (glyph 0, every character the font lacks) is code 0 and stands
// for no text.
func (u *fontUse) code(g placedGlyph) uint16 {
	if g.id == 0 || g.r != 0 {
		c, ok := u.cids[g.id]
		switch {
		case !ok:
			u.cids[g.id] = cid{gid: g.id, width: u.width(g.id), r: g.r}
			return g.id
		case g.id == 0 || c.r == g.r:
			return g.id
		}
	}
	key := cidKey{gid: g.id, text: g.text}
	if g.r != 0 {
		key.text = string(g.r)
	}
	if c, ok := u.extra[key]; ok {
		return c
	}
	if u.next > 0xFFFF {
		return g.id // out of codes: the glyph is right, copied text may not be
	}
	c := uint16(u.next)
	u.next++
	u.cids[c] = cid{gid: g.id, width: u.width(g.id), text: key.text}
	u.extra[key] = c
	return c
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
	shaper  shaper
	shaped  map[shapeKey][]placedGlyph // the shaped runs kept (shapeCacheSize)
	laid    []placedGlyph              // the glyphs of the row being drawn
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
	s := &pdfSheet{out: &countingWriter{w: bufio.NewWriterSize(w, 64<<10)}, offsets: make([]int64, firstPageObj), created: time.Now().UTC(),
		shaped: map[shapeKey][]placedGlyph{}}
	for _, f := range fonts {
		s.fonts = append(s.fonts, &fontUse{font: f, face: gtfont.NewFace(f.shapes), glyphs: map[rune]glyph{},
			cids: map[uint16]cid{}, extra: map[cidKey]uint16{}, next: f.sfnt.NumGlyphs()})
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
	s.laid = s.laid[:0]
	for i, c := range cells {
		if i >= len(columnWidths) {
			break
		}
		cx := x + 1
		for _, r := range s.fit(s.layout(scriptRuns(c)), columnWidths[i]-2) {
			if r.font != current {
				fmt.Fprintf(&s.content, "/%s %g Tf\n", s.fonts[r.font].font.resource, fontSize)
				current = r.font
			}
			cx += s.show(r, cx, pageH-(s.y+rowHeight-1.6))
		}
		x += columnWidths[i]
	}
	s.content.WriteString("ET\n")
	fmt.Fprintf(&s.content, "0.784 g 0.784 G 0.2 w %s %s m %s %s l S 0 g\n",
		pt(margin), pt(pageH-s.y-rowHeight), pt(x), pt(pageH-s.y-rowHeight))
	s.y += rowHeight
}

// show writes a run's glyphs with their baseline starting at (x, y)
// (millimetres from the bottom left): their codes in hexadecimal, in
// pieces (Tm, Tj) that each start where the layout puts their first glyph
// and go on by the font's widths; a glyph the shaper moves (a mark set
// off its default position, raised or lowered) starts a piece. It
// returns the run's width in millimetres.
func (s *pdfSheet) show(r laidRun, x, y float64) float64 {
	u := s.fonts[r.font]
	var pen, at, dy int32 // thousandths of an em from the run's start
	open := false
	for _, g := range r.glyphs {
		if want := pen + g.dx; !open || want != at || g.dy != dy {
			if open {
				s.content.WriteString("> Tj\n")
			}
			fmt.Fprintf(&s.content, "1 0 0 1 %s %s Tm <", pt(x+s.mm(want)), pt(y+s.mm(g.dy)))
			open, at, dy = true, want, g.dy
		}
		c := u.code(g)
		s.content.Write([]byte{hexDigits[c>>12], hexDigits[c>>8&15], hexDigits[c>>4&15], hexDigits[c&15]})
		at += u.cids[c].width
		pen += g.adv
	}
	if open {
		s.content.WriteString("> Tj\n")
	}
	return s.mm(pen)
}

func (s *pdfSheet) mm(thousandths int32) float64 {
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
		if len(u.cids) > 0 {
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
	ids := make([]uint16, 0, len(u.cids))
	keep := make(map[uint16]bool, len(u.cids))
	for id, c := range u.cids {
		ids = append(ids, id)
		keep[c.gid] = true
	}
	slices.Sort(ids)
	// A subset's name starts with a tag of six capitals naming it.
	tag := fnv.New32a()
	for _, id := range ids {
		g := u.cids[id].gid
		_, _ = tag.Write([]byte{byte(id >> 8), byte(id), byte(g >> 8), byte(g)})
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
	cidToGID := "/Identity"
	if len(u.extra) > 0 {
		// Codes are glyph ids but for those above the font's glyphs.
		last := ids[len(ids)-1]
		gids := make([]byte, 2*(int(last)+1))
		for c := range int(last) + 1 {
			g := uint16(c)
			if info, ok := u.cids[g]; ok {
				g = info.gid
			}
			gids[2*c], gids[2*c+1] = byte(g>>8), byte(g)
		}
		s.packed.Reset()
		s.zw.Reset(&s.packed)
		_, _ = s.zw.Write(gids)
		_ = s.zw.Close()
		mapObj := s.object()
		s.stream(s.packed.Bytes(), "/Filter /FlateDecode")
		cidToGID = fmt.Sprintf("%d 0 R", mapObj)
	}
	cidFont := s.object()
	s.out.printf("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /CIDToGIDMap %s /DW 1000 /W [",
		name, descriptor, cidToGID)
	for i, id := range ids {
		if i%8 == 0 {
			s.out.printf("\n")
		}
		s.out.printf("%d [%d] ", id, u.cids[id].width)
	}
	s.out.printf("] >>\nendobj\n")

	var cmap bytes.Buffer
	cmap.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	// Glyph 0, .notdef, stands for every character the font lacks: it maps
	// to none. A glyph inside a cluster whose first glyph carries the
	// cluster's text maps to the empty string.
	mapped := ids
	if len(mapped) > 0 && mapped[0] == 0 {
		mapped = mapped[1:]
	}
	for start := 0; start < len(mapped); start += 100 {
		chunk := mapped[start:min(start+100, len(mapped))]
		fmt.Fprintf(&cmap, "%d beginbfchar\n", len(chunk))
		for _, id := range chunk {
			c := u.cids[id]
			text := []rune(c.text)
			if c.r != 0 {
				text = []rune{c.r}
			}
			fmt.Fprintf(&cmap, "<%04X> <", id)
			for _, unit := range utf16.Encode(text) {
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
		name, cidFont, toUnicode)
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

// laidRun is a run's glyphs, laid out.
type laidRun struct {
	font   int
	glyphs []placedGlyph
}

// layout lays runs out: shaped when they need it (needsShaping), each
// character's own glyph otherwise. The glyphs live until the next row.
func (s *pdfSheet) layout(runs []run) []laidRun {
	out := make([]laidRun, 0, len(runs))
	for _, r := range runs {
		u := s.fonts[r.font]
		if !needsShaping(r.text) {
			start := len(s.laid)
			for _, c := range r.text {
				g := u.glyph(c)
				s.laid = append(s.laid, placedGlyph{id: g.id, adv: g.width, r: c, last: true})
			}
			out = append(out, laidRun{font: r.font, glyphs: s.laid[start:len(s.laid):len(s.laid)]})
			continue
		}
		key := shapeKey{font: r.font, text: r.text}
		gs, ok := s.shaped[key]
		if !ok {
			gs = s.shaper.shape(u.face, u.font.unitsEm, scriptOf(r.font, r.text), r.text)
			if len(r.text) <= shapeCacheText {
				if len(s.shaped) >= shapeCacheSize {
					clear(s.shaped)
				}
				s.shaped[key] = gs
			}
		}
		out = append(out, laidRun{font: r.font, glyphs: gs})
	}
	return out
}

// fit cuts runs to width (millimetres) at the end of a cluster, ending
// them with an ellipsis when cut.
func (s *pdfSheet) fit(runs []laidRun, width float64) []laidRun {
	var total int32
	for _, r := range runs {
		for _, g := range r.glyphs {
			total += g.adv
		}
	}
	if s.mm(total) <= width {
		return runs
	}
	e := s.fonts[fontLatin].glyph('…')
	ellipsis := laidRun{font: fontLatin, glyphs: []placedGlyph{{id: e.id, adv: e.width, r: '…', last: true}}}
	var cut []laidRun
	acc, cluster := e.width, int32(0)
	for _, r := range runs {
		end := 0 // glyphs of r that fit, up to the end of a cluster
		for i, g := range r.glyphs {
			cluster += g.adv
			if !g.last {
				continue
			}
			if s.mm(acc+cluster) > width {
				if end > 0 {
					cut = append(cut, laidRun{font: r.font, glyphs: r.glyphs[:end]})
				}
				return append(cut, ellipsis)
			}
			acc += cluster
			cluster = 0
			end = i + 1
		}
		cut = append(cut, r)
	}
	return append(cut, ellipsis)
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
