package server

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"helpdesk/internal/apperr"
	"helpdesk/internal/export"
	"helpdesk/internal/requestlog"
)

// exportTickets serves GET /export/tickets?format=csv|xlsx|pdf with the
// optional where (TicketWhereInput as JSON), search and tz (an IANA
// zone for the times) parameters: the tickets the caller's `tickets`
// query would list, as a file. Refusals and bad input are answered
// before any of the file, with a JSON body shaped like a GraphQL error.
func exportTickets(ex *export.Service, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		req, err := exportRequest(q.Get("format"), q.Get("where"), q.Get("search"), q.Get("tz"))
		out := &lazyWriter{w: w, start: func() {
			w.Header().Set("Content-Type", req.Format.ContentType())
			w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="tickets.%s"`, req.Format))
		}}
		if err == nil {
			err = ex.Tickets(r.Context(), out, req)
		}
		if err == nil {
			return
		}
		if out.started {
			// The file is cut short; the client sees a broken download.
			logger.ErrorContext(r.Context(), "exporting tickets", "error", err)
			panic(http.ErrAbortHandler)
		}
		writeError(w, r, logger, err)
	})
}

func exportRequest(format, where, search, tz string) (export.Request, error) {
	f, err := export.ParseFormat(format)
	if err != nil {
		return export.Request{}, err
	}
	w, err := export.ParseWhere([]byte(where))
	if err != nil {
		return export.Request{}, err
	}
	loc := time.UTC
	if tz != "" {
		if loc, err = time.LoadLocation(tz); err != nil {
			return export.Request{}, apperr.Invalid("tz", "is not an IANA time zone such as Asia/Ho_Chi_Minh")
		}
	}
	return export.Request{Format: f, Where: w, Search: search, Location: loc}, nil
}

// writeError answers with the error's code as HTTP status and a
// GraphQL-shaped body; an unexpected error is INTERNAL with a logged id.
func writeError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	ext := map[string]any{}
	msg := err.Error()
	status := http.StatusInternalServerError
	if ae, ok := apperr.As(err); ok && ae.Code != apperr.CodeInternal {
		ext["code"] = string(ae.Code)
		if ae.Field != "" {
			ext["field"] = ae.Field
		}
		status = map[apperr.Code]int{
			apperr.CodeUnauthenticated: http.StatusUnauthorized,
			apperr.CodeForbidden:       http.StatusForbidden,
			apperr.CodeNotFound:        http.StatusNotFound,
			apperr.CodeBadUserInput:    http.StatusBadRequest,
			apperr.CodeConflict:        http.StatusConflict,
			apperr.CodeRateLimited:     http.StatusTooManyRequests,
		}[ae.Code]
		if status == 0 {
			status = http.StatusBadRequest
		}
	} else {
		id := requestID()
		requestlog.AddErrorID(r.Context(), id)
		logger.ErrorContext(r.Context(), "exporting tickets", "error_id", id, "error", err)
		ext["code"], ext["errorId"] = string(apperr.CodeInternal), id
		msg = "internal error (id " + id + ")"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{"message": msg, "extensions": ext}}})
}

// exportStall is how long an export may go without the client taking any
// of it. The server's write timeout bounds a whole answer, which a large
// export outlasts; an export instead moves the connection's write deadline
// forward as it writes, so that a client that stops reading is still cut
// off.
var exportStall = 30 * time.Second

// lazyWriter sets the file's headers on its first write, so that an
// error found before any output can still be answered as an error.
type lazyWriter struct {
	w        http.ResponseWriter
	start    func()
	started  bool
	deadline time.Time
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.start()
	}
	if now := time.Now(); l.deadline.Sub(now) < exportStall*3/4 {
		l.deadline = now.Add(exportStall)
		// Not every ResponseWriter can; those keep the server's timeout.
		_ = http.NewResponseController(l.w).SetWriteDeadline(l.deadline)
	}
	return l.w.Write(p)
}
