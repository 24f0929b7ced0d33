package listen

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// fastWriter is the fast path's http.ResponseWriter. It keeps the whole
// answer until the handler returns and then writes head and body into
// the connection's buffer, so a response costs one write(2) (or none of
// its own, when pipelined requests wait). What it sends follows net/http's
// server (chunkWriter.writeHeader) rule by rule, for a handler that has
// returned: a handler writing more than net/http buffers before it
// commits (2 KiB) without a Content-Length gets its body chunked, as from
// net/http, but in one chunk.
type fastWriter struct {
	fc       *fastConn
	req      *http.Request
	header   http.Header // the handler's
	sent     http.Header // the header as WriteHeader saw it (net/http's clone)
	status   int
	clen     int64 // the Content-Length the handler declared, -1 without
	body     []byte
	segs     []segment // past net/http's buffer: each write
	hijacked bool
	wrote    bool // WriteHeader ran
}

// bufferBeforeChunking is net/http's bufferBeforeChunkingSize.
const bufferBeforeChunking = 2048

func (w *fastWriter) Header() http.Header { return w.header }

func (w *fastWriter) WriteHeader(code int) {
	if w.hijacked || w.wrote {
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code)) // as net/http's checkWriteHeaderCode
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		bw := w.fc.bw
		writeStatusLine(bw, code)
		_ = w.header.WriteSubset(bw, excludedNoBody)
		_, _ = bw.Write(crlf)
		_ = bw.Flush()
		return
	}
	w.wrote, w.status = true, code
	w.sent = w.header.Clone()
	if cl := w.header.Get("Content-Length"); cl != "" {
		if v, err := strconv.ParseInt(cl, 10, 64); err == nil && v >= 0 {
			w.clen = v
		} else {
			w.header.Del("Content-Length")
			w.sent.Del("Content-Length")
		}
	}
}

// segment is one write of the handler: its size, and whether it was a
// WriteString (which net/http's buffer copies where it passes a large
// Write through whole).
type segment struct {
	n   int
	str bool
}

func (w *fastWriter) Write(p []byte) (int, error) { return w.write(p, false) }

// WriteString is io.StringWriter's, as net/http's response has it.
func (w *fastWriter) WriteString(s string) (int, error) { return w.write([]byte(s), true) }

func (w *fastWriter) write(p []byte, str bool) (int, error) {
	if w.hijacked {
		return 0, http.ErrHijacked
	}
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	if w.clen != -1 && int64(len(w.body)+len(p)) > w.clen {
		return 0, http.ErrContentLength
	}
	if w.segs != nil {
		w.segs = append(w.segs, segment{len(p), str})
	} else if len(w.body)+len(p) > bufferBeforeChunking {
		w.segs = []segment{{n: len(w.body)}, {len(p), str}} // what net/http buffered, then this
	}
	w.body = append(w.body, p...)
	return len(p), nil
}

// Flush is http.Flusher's: the answer goes out when the handler returns.
func (w *fastWriter) Flush() {}

// SetReadDeadline is for http.ResponseController (the body timeout).
func (w *fastWriter) SetReadDeadline(t time.Time) error { return w.fc.hc.SetReadDeadline(t) }

// Hijack gives the handler the connection, as net/http's does (a Lua
// error's bare answer, httpserve.writeBare).
func (w *fastWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.hijacked {
		return nil, nil, http.ErrHijacked
	}
	w.hijacked = true
	_ = w.fc.bw.Flush() // answers to earlier pipelined requests first
	return w.fc.hc, bufio.NewReadWriter(w.fc.br, bufio.NewWriter(w.fc.hc)), nil
}

// finish writes the answer into the connection's buffer once the handler
// returned; it says whether the connection is to close after it.
func (w *fastWriter) finish(end ending) (closeAfter bool) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	keepAlives := end.keepAlives
	isHEAD := w.req.Method == http.MethodHead
	p := w.body
	done := len(p) <= bufferBeforeChunking // net/http has not committed the header yet
	h := w.sent
	te := h.Get("Transfer-Encoding")
	hasTE := te != ""
	trailers := len(h["Trailer"]) > 0
	for k := range h {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			h.Del(k)
			trailers = true
		}
	}
	var extra extraFields
	if done && !trailers && !hasTE && bodyAllowed(w.status) && !has(h, "Content-Length") && (!isHEAD || len(p) > 0) {
		w.clen = int64(len(p))
		extra.contentLength = strconv.Itoa(len(p))
	}
	closeAfter = w.req.Close || !keepAlives || h.Get("Connection") == "close" || end.broken
	if end.tooBig {
		// Unread body past what net/http reads and drops after a
		// handler: it closes, saying so.
		closeAfter = true
		h.Del("Connection")
		extra.connection = "close"
	}
	w.noteBody(h, &extra, p, hasTE)
	if !has(h, "Date") {
		extra.date = true
	}
	chunked := w.framing(h, &extra, isHEAD, te, hasTE, &closeAfter)
	if closeAfter && (!keepAlives || !hasToken(h.Get("Connection"), "close")) && !(w.status == http.StatusSwitchingProtocols && h.Get("Upgrade") != "") {
		h.Del("Connection")
		extra.connection = "close"
	}
	if !isHEAD && w.clen != -1 && bodyAllowed(w.status) && w.clen != int64(len(p)) {
		closeAfter = true // net/http's shouldReuseConnection
	}
	w.writeOut(h, &extra, isHEAD, chunked)
	return closeAfter
}

// ending is how a request ended, for its answer's framing.
type ending struct {
	keepAlives bool // the server keeps connections (not shutting down)
	tooBig     bool // more body was left unread than net/http drops
	broken     bool // dropping the unread body failed
}

// noteBody sets the Content-Type net/http would sniff and drops the
// headers a bodiless status must not carry.
func (w *fastWriter) noteBody(h http.Header, extra *extraFields, p []byte, hasTE bool) {
	if !bodyAllowed(w.status) {
		for _, k := range suppressed(w.status) {
			h.Del(k)
		}
		return
	}
	if _, haveType := h["Content-Type"]; !haveType && h.Get("Content-Encoding") == "" && !hasTE && len(p) > 0 {
		extra.contentType = http.DetectContentType(p)
	}
}

// framing decides Content-Length or chunked as net/http does for an
// HTTP/1.1 request.
func (w *fastWriter) framing(h http.Header, extra *extraFields, isHEAD bool, te string, hasTE bool, closeAfter *bool) (chunked bool) {
	hasCL := w.clen != -1
	if hasCL && hasTE && te != "identity" {
		h.Del("Content-Length")
		hasCL = false
	}
	switch {
	case isHEAD || !bodyAllowed(w.status) || w.status == http.StatusNoContent:
		h.Del("Transfer-Encoding")
	case hasCL:
		h.Del("Transfer-Encoding")
	case hasTE && te == "identity":
		*closeAfter = true
		h.Del("Transfer-Encoding")
	default:
		chunked = true
		extra.transferEncoding = "chunked"
		if hasTE && te == "chunked" {
			h.Del("Transfer-Encoding")
		}
		h.Del("Content-Length")
	}
	return chunked
}

// writeOut puts status line, headers and body into the buffer.
func (w *fastWriter) writeOut(h http.Header, extra *extraFields, isHEAD, chunked bool) {
	bw := w.fc.bw
	writeStatusLine(bw, w.status)
	_ = h.Write(bw)
	extra.write(bw)
	_, _ = bw.Write(crlf)
	if isHEAD || !bodyAllowed(w.status) {
		return
	}
	if !chunked {
		_, _ = bw.Write(w.body)
		return
	}
	// net/http's handler writes go through a 2 KiB buffer to its chunk
	// writer: the same writes through the same buffer make the same chunks.
	cw := bufio.NewWriterSize(chunkWriter{bw}, bufferBeforeChunking)
	if w.segs == nil {
		w.segs = []segment{{n: len(w.body)}}
	}
	b := w.body
	for _, seg := range w.segs {
		if seg.str {
			_, _ = cw.WriteString(string(b[:seg.n]))
		} else {
			_, _ = cw.Write(b[:seg.n])
		}
		b = b[seg.n:]
	}
	_ = cw.Flush()
	_, _ = bw.WriteString("0\r\n\r\n")
}

// chunkWriter writes each Write as a chunk.
type chunkWriter struct{ bw *bufio.Writer }

func (c chunkWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	_, _ = c.bw.WriteString(strconv.FormatInt(int64(len(p)), 16))
	_, _ = c.bw.Write(crlf)
	_, _ = c.bw.Write(p)
	_, _ = c.bw.Write(crlf)
	return len(p), nil
}

// extraFields are the headers net/http adds after the handler's, in its
// order (extraHeader.Write).
type extraFields struct {
	date                                                     bool
	contentLength, contentType, connection, transferEncoding string
}

func (e *extraFields) write(bw *bufio.Writer) {
	if e.date {
		var buf [len(http.TimeFormat)]byte
		_, _ = bw.WriteString("Date: ")
		_, _ = bw.Write(time.Now().UTC().AppendFormat(buf[:0], http.TimeFormat))
		_, _ = bw.Write(crlf)
	}
	for _, f := range [...]struct{ k, v string }{{"Content-Length", e.contentLength},
		{"Content-Type", e.contentType}, {"Connection", e.connection}, {"Transfer-Encoding", e.transferEncoding}} {
		if f.v != "" {
			_, _ = bw.WriteString(f.k)
			_, _ = bw.WriteString(": ")
			_, _ = bw.WriteString(f.v)
			_, _ = bw.Write(crlf)
		}
	}
}

func writeStatusLine(bw *bufio.Writer, code int) {
	_, _ = bw.WriteString("HTTP/1.1 ")
	if text := http.StatusText(code); text != "" {
		_, _ = bw.WriteString(strconv.Itoa(code))
		_ = bw.WriteByte(' ')
		_, _ = bw.WriteString(text)
		_, _ = bw.Write(crlf)
		return
	}
	_, _ = fmt.Fprintf(bw, "%03d status code %d\r\n", code, code)
}

// has is net/http's Header.has: the canonical key is present, even empty.
func has(h http.Header, k string) bool {
	_, ok := h[k]
	return ok
}

func bodyAllowed(status int) bool {
	return !(status >= 100 && status <= 199) && status != http.StatusNoContent && status != http.StatusNotModified
}

var excludedNoBody = map[string]bool{"Content-Length": true, "Transfer-Encoding": true}

func suppressed(status int) []string {
	if status == http.StatusNotModified {
		return []string{"Content-Type", "Content-Length", "Transfer-Encoding"}
	}
	return []string{"Content-Length", "Transfer-Encoding"}
}

// errHijacked ends the connection's loop without touching the socket.
var errHijacked = errors.New("listen: hijacked")
