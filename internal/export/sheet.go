package export

import (
	"archive/zip"
	"bufio"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// sheet writes rows of text in one format.
type sheet interface {
	header(names []string) error
	row(cells []string) error
	// close writes what is left; nothing is written after it.
	close() error
}

func newSheet(f Format, w io.Writer) (sheet, error) {
	switch f {
	case CSV:
		return newCSVSheet(w)
	case XLSX:
		return newXLSXSheet(w)
	case PDF:
		return newPDFSheet(w)
	}
	return nil, fmt.Errorf("no writer for format %q", f)
}

// csvSheet writes CSV with a byte order mark, so that spreadsheet
// programs read it as UTF-8, flushing every PageSize rows.
type csvSheet struct {
	w    *csv.Writer
	rows int
}

func newCSVSheet(w io.Writer) (*csvSheet, error) {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return nil, err
	}
	return &csvSheet{w: csv.NewWriter(w)}, nil
}

func (s *csvSheet) header(names []string) error { return s.row(names) }

// row writes cells; text a spreadsheet would take for a formula (a
// ticket titled "=HYPERLINK(…)") is written with a leading apostrophe,
// so that opening the file runs nothing.
func (s *csvSheet) row(cells []string) error {
	var safe []string
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			if safe == nil {
				safe = slices.Clone(cells)
			}
			safe[i] = "'" + c
		}
	}
	if safe != nil {
		cells = safe
	}
	if err := s.w.Write(cells); err != nil {
		return err
	}
	if s.rows++; s.rows%PageSize == 0 {
		s.w.Flush()
	}
	return s.w.Error()
}

func (s *csvSheet) close() error {
	s.w.Flush()
	return s.w.Error()
}

// xlsxSheet writes a workbook of one worksheet straight into a zip
// stream on w: the fixed parts first, then the sheet's rows as they come,
// as inline strings (no shared-string table to keep). What it holds is
// the zip compressor's window, whatever the number of rows.
type xlsxSheet struct {
	zip  *zip.Writer
	rows *bufio.Writer
	next int
	ref  []byte
}

const sheetName = "Tickets"

// The parts of the workbook besides its sheet.
var xlsxParts = []struct{ name, body string }{
	{"[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
		`</Types>`},
	{"_rels/.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
		`</Relationships>`},
	{"xl/workbook.xml", `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		`<sheets><sheet name="` + sheetName + `" sheetId="1" r:id="rId1"/></sheets></workbook>`},
	{"xl/_rels/workbook.xml.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
		`</Relationships>`},
	// Style 1 is the header's bold.
	{"xl/styles.xml", `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		`<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>` +
		`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
		`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
		`<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>` +
		`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
		`</styleSheet>`},
}

const xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

func newXLSXSheet(w io.Writer) (*xlsxSheet, error) {
	z := zip.NewWriter(w)
	for _, p := range xlsxParts {
		part, err := z.Create(p.name)
		if err != nil {
			return nil, err
		}
		if _, err := io.WriteString(part, xmlHeader+p.body); err != nil {
			return nil, err
		}
	}
	part, err := z.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return nil, err
	}
	return &xlsxSheet{zip: z, rows: bufio.NewWriterSize(part, 32<<10), next: 1}, nil
}

// header starts the sheet: the header row stays in view (a frozen pane)
// and columns are about as wide as the PDF's.
func (s *xlsxSheet) header(names []string) error {
	b := s.rows
	b.WriteString(xmlHeader + `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		`<sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>` +
		`<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews><cols>`)
	for i, w := range columnWidths {
		fmt.Fprintf(b, `<col min="%d" max="%d" width="%d" customWidth="1"/>`, i+1, i+1, int(w*0.6)+2)
	}
	b.WriteString(`</cols><sheetData>`)
	return s.write(names, 1)
}

// row writes the ticket number as a number, everything else as text.
func (s *xlsxSheet) row(cells []string) error { return s.write(cells, 0) }

func (s *xlsxSheet) write(cells []string, style int) error {
	b := s.rows
	row := strconv.Itoa(s.next)
	b.WriteString(`<row r="` + row + `">`)
	for i, c := range cells {
		s.ref = append(columnName(s.ref[:0], i), row...)
		b.WriteString(`<c r="`)
		b.Write(s.ref)
		if style != 0 {
			b.WriteString(`" s="` + strconv.Itoa(style))
		}
		if _, err := strconv.Atoi(c); err == nil && i == 0 && s.next > 1 {
			b.WriteString(`"><v>` + c + `</v></c>`)
			continue
		}
		b.WriteString(`" t="inlineStr"><is><t`)
		if strings.TrimSpace(c) != c {
			b.WriteString(` xml:space="preserve"`)
		}
		b.WriteString(`>`)
		if err := xml.EscapeText(b, []byte(c)); err != nil {
			return err
		}
		b.WriteString(`</t></is></c>`)
	}
	s.next++
	_, err := b.WriteString(`</row>`) // a failed write fails every later one
	return err
}

// columnName appends the letters of the zero-based column i (A, B, …, Z,
// AA, …).
func columnName(dst []byte, i int) []byte {
	if i >= 26 {
		dst = columnName(dst, i/26-1)
	}
	return append(dst, byte('A'+i%26))
}

func (s *xlsxSheet) close() error {
	s.rows.WriteString(`</sheetData></worksheet>`)
	if err := s.rows.Flush(); err != nil {
		return err
	}
	return s.zip.Close()
}
