package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
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

func (s *csvSheet) row(cells []string) error {
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

// xlsxSheet writes one worksheet with excelize's streaming writer, which
// keeps rows past its memory threshold in a temporary file; the workbook
// is zipped to w on close.
type xlsxSheet struct {
	out  io.Writer
	file *excelize.File
	sw   *excelize.StreamWriter
	next int
}

const sheetName = "Tickets"

func newXLSXSheet(w io.Writer) (*xlsxSheet, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", sheetName); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheetName)
	if err != nil {
		return nil, err
	}
	return &xlsxSheet{out: w, file: f, sw: sw, next: 1}, nil
}

func (s *xlsxSheet) header(names []string) error {
	if err := s.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return s.row(names)
}

// row writes the ticket number as a number, everything else as text.
func (s *xlsxSheet) row(cells []string) error {
	values := make([]any, len(cells))
	for i, c := range cells {
		values[i] = c
	}
	if s.next > 1 {
		if n, err := strconv.Atoi(cells[0]); err == nil {
			values[0] = n
		}
	}
	cell, err := excelize.CoordinatesToCellName(1, s.next)
	if err != nil {
		return err
	}
	s.next++
	return s.sw.SetRow(cell, values)
}

func (s *xlsxSheet) close() error {
	defer s.file.Close()
	if err := s.sw.Flush(); err != nil {
		return err
	}
	return s.file.Write(s.out)
}
