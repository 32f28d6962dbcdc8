package server

import (
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestExportOutlastsTheWriteTimeout: an export that keeps writing goes on
// past the server's write timeout; one whose client stops reading is
// still cut off once it stalls.
func TestExportOutlastsTheWriteTimeout(t *testing.T) {
	defer func(d time.Duration) { exportStall = d }(exportStall)
	exportStall = 2 * time.Second
	chunk := make([]byte, 64<<10)
	stalled := make(chan error, 1)
	srv := &http.Server{
		WriteTimeout: 300 * time.Millisecond,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			out := &lazyWriter{w: w, start: func() {}}
			if r.URL.Path == "/slow" {
				for range 10 {
					if _, err := out.Write([]byte("0123456789")); err != nil {
						return
					}
					w.(http.Flusher).Flush()
					time.Sleep(100 * time.Millisecond)
				}
				return
			}
			// /unread: a client that reads nothing fills the socket's
			// buffers; the write then fails at the moved deadline.
			var err error
			for err == nil {
				_, err = out.Write(chunk)
			}
			stalled <- err
		}),
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()

	res, err := http.Get("http://" + ln.Addr().String() + "/slow")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || len(body) != 100 {
		t.Fatalf("a one-second export read %d bytes: %v", len(body), err)
	}

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /unread HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-stalled:
		if err == nil {
			t.Fatal("the stalled export wrote on")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("an export whose client reads nothing was not cut off")
	}
}
