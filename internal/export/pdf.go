package export

import (
	_ "embed"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
)

// The fonts embedded in PDFs (fonts/LICENSE.md): Noto Sans covers Latin
// with every Vietnamese letter; Noto Sans Thai the Thai script. Each run
// of text is set in the font of its script. fpdf places glyphs one after
// the other without OpenType shaping, so Thai combining vowels and tone
// marks sit where the font's default offsets put them: readable, but a
// tone mark above an upper vowel may overlap it instead of being raised.
var (
	//go:embed fonts/NotoSans-Regular.ttf
	notoSans []byte
	//go:embed fonts/NotoSansThai-Regular.ttf
	notoSansThai []byte
)

const (
	fontLatin = "NotoSans"
	fontThai  = "NotoSansThai"
	fontSize  = 7.0
	rowHeight = 5.0
	margin    = 10.0
)

// columnWidths in millimetres, for an A4 landscape page.
var columnWidths = []float64{11, 40, 24, 26, 16, 18, 16, 12, 12, 20, 20, 20, 12, 12, 14}

// pdfSheet lays rows out as a table over A4 landscape pages, repeating
// the header on each page.
type pdfSheet struct {
	out    io.Writer
	pdf    *fpdf.Fpdf
	names  []string
	y      float64
	height float64
}

func newPDFSheet(w io.Writer) (*pdfSheet, error) {
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(false, margin)
	pdf.AddUTF8FontFromBytes(fontLatin, "", notoSans)
	pdf.AddUTF8FontFromBytes(fontThai, "", notoSansThai)
	pdf.SetTitle("Tickets", true)
	pdf.SetCreator("Helpdesk", true)
	_, h := pdf.GetPageSize()
	return &pdfSheet{out: w, pdf: pdf, height: h}, pdf.Error()
}

func (s *pdfSheet) header(names []string) error {
	s.names = names
	s.newPage()
	return s.pdf.Error()
}

func (s *pdfSheet) newPage() {
	s.pdf.AddPage()
	s.y = margin
	s.pdf.SetFillColor(225, 228, 235)
	s.pdf.Rect(margin, s.y, sum(columnWidths), rowHeight, "F")
	s.drawRow(s.names)
}

func (s *pdfSheet) row(cells []string) error {
	if s.y+rowHeight > s.height-margin {
		s.newPage()
	}
	s.drawRow(cells)
	return s.pdf.Error()
}

func (s *pdfSheet) drawRow(cells []string) {
	x := margin
	for i, c := range cells {
		if i < len(columnWidths) {
			s.drawCell(x, columnWidths[i], c)
			x += columnWidths[i]
		}
	}
	s.pdf.SetDrawColor(200, 200, 200)
	s.pdf.Line(margin, s.y+rowHeight, x, s.y+rowHeight)
	s.y += rowHeight
}

// drawCell writes text in a cell, cut with an ellipsis when too wide,
// switching fonts between scripts.
func (s *pdfSheet) drawCell(x, width float64, text string) {
	runs := s.fit(scriptRuns(text), width-2)
	cx := x + 1
	for _, r := range runs {
		s.pdf.SetFont(r.font, "", fontSize)
		s.pdf.Text(cx, s.y+rowHeight-1.6, r.text)
		cx += s.pdf.GetStringWidth(r.text)
	}
}

// run is text set in one font.
type run struct{ font, text string }

// scriptRuns splits text into runs of Thai and of everything else;
// spaces stay in the run they follow.
func scriptRuns(text string) []run {
	var runs []run
	for _, r := range text {
		font := fontLatin
		if r >= 0x0E00 && r <= 0x0E7F {
			font = fontThai
		}
		if n := len(runs); n > 0 && (runs[n-1].font == font || r == ' ') {
			runs[n-1].text += string(r)
			continue
		}
		runs = append(runs, run{font: font, text: string(r)})
	}
	return runs
}

// fit cuts runs to width, ending them with an ellipsis when cut.
func (s *pdfSheet) fit(runs []run, width float64) []run {
	if s.width(runs) <= width {
		return runs
	}
	for len(runs) > 0 {
		last := &runs[len(runs)-1]
		_, size := utf8.DecodeLastRuneInString(last.text)
		last.text = last.text[:len(last.text)-size]
		if last.text == "" {
			runs = runs[:len(runs)-1]
			continue
		}
		cut := append(append([]run(nil), runs...), run{font: fontLatin, text: "…"})
		if s.width(cut) <= width {
			return cut
		}
	}
	return nil
}

func (s *pdfSheet) width(runs []run) float64 {
	w := 0.0
	for _, r := range runs {
		s.pdf.SetFont(r.font, "", fontSize)
		w += s.pdf.GetStringWidth(r.text)
	}
	return w
}

func (s *pdfSheet) close() error {
	if err := s.pdf.Error(); err != nil {
		return fmt.Errorf("laying out the PDF: %w", err)
	}
	return s.pdf.Output(s.out)
}

func sum(xs []float64) float64 {
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t
}
