package listen

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// The HTTP/1.1 fast path (issue 18). A cleartext HTTP connection is read
// by a small loop of its own instead of net/http's server: it parses the
// requests it is sure of (httpfast_parse.go), hands each to the same
// handler net/http would (the same http.Handler chain, with an
// *http.Request and an http.ResponseWriter, so the router and the Lua
// objects behind it are one mechanism for both paths) and writes each
// answer as net/http would (httpfast_write.go) — with no goroutine or
// channel per request, no background read per request, and one write(2)
// per response (or per batch of pipelined ones). The first request it
// does not take (TLS, HTTP/1.0, chunked or oversized bodies, Expect,
// Upgrade and h2c, CONNECT, a malformed head, a head over 4 KiB) hands
// the connection, with the bytes read so far, to net/http for good.

// httpFastPath is off with MOONPORT_HTTP_FASTPATH=off: every HTTP
// connection then goes to net/http as before (for an A/B comparison, or
// should a client ever need net/http's exact framing).
var httpFastPath = os.Getenv("MOONPORT_HTTP_FASTPATH") != "off"

// fastReadBuffer bounds a request head the fast path reads; a longer one
// is net/http's (whose limit, MaxHeaderBytes + 4 KiB, is larger).
const fastReadBuffer = 4096

// maxPostHandlerRead is net/http's maxPostHandlerReadBytes: unread body up
// to this much is read and dropped to keep the connection.
const maxPostHandlerRead = 256 << 10

// fastServer serves the fast path's connections of one httpFront; it
// owns their goroutines, which end with their connections.
type fastServer struct {
	handler http.Handler // the chain NewHTTPServer gives net/http
	lim     HTTPLimits
	front   *httpFront
	// maxBody is the current body limit, when it may change (a
	// listener's, on reload); else lim's.
	maxBody func() int64

	mu      sync.Mutex
	conns   map[*httpConn]struct{}
	stopped bool
}

// start serves hc on a goroutine of its own (the caller may be an event
// loop that must not block); rest is data read before the hand-over.
func (s *fastServer) start(hc *httpConn, rest []byte) {
	s.mu.Lock()
	if s.conns == nil {
		s.conns = map[*httpConn]struct{}{}
	}
	s.conns[hc] = struct{}{}
	s.mu.Unlock()
	go s.serve(hc, rest) // ends when the connection does
}

// stop closes idle connections and has busy ones close after their
// answer, as net/http's Shutdown does.
func (s *fastServer) stop() {
	s.mu.Lock()
	s.stopped = true
	conns := make([]*httpConn, 0, len(s.conns))
	for hc := range s.conns {
		conns = append(conns, hc)
	}
	s.mu.Unlock()
	for _, hc := range conns {
		hc.closeWhenIdle()
	}
}

func (s *fastServer) bodyLimit() int64 {
	if s.maxBody != nil {
		return s.maxBody()
	}
	return s.lim.bodyLimit()
}

func (s *fastServer) keepAlives(hc *httpConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.stopped && !hc.closing.Load()
}

// fastConn is one connection's reader and writer.
type fastConn struct {
	hc   *httpConn
	rest []byte // read before the hand-over; then the socket
	br   *bufio.Reader
	bw   *bufio.Writer
	w    *watch // the client-gone watch of the request under way

	deadline  bool         // a read deadline is set
	linger    bool         // close as net/http after a body left unread
	afterPost bool         // the last request was a POST
	req       http.Request // the template of the request under way
	remote    string       // the client's address, as net/http gives it
	rw        fastWriter
	body      fastBody
}

func (fc *fastConn) Read(p []byte) (int, error) {
	if len(fc.rest) > 0 {
		n := copy(p, fc.rest)
		fc.rest = fc.rest[n:]
		return n, nil
	}
	if fc.w != nil {
		if n, err, ok := fc.w.take(p); ok {
			return n, err
		}
	}
	return fc.hc.Read(p)
}

// serve is the connection's loop: a request, its answer, the next.
func (s *fastServer) serve(hc *httpConn, rest []byte) {
	fc := &fastConn{hc: hc, rest: rest}
	fc.br = bufio.NewReaderSize(fc, fastReadBuffer)
	fc.bw = bufio.NewWriterSize(hc, fastReadBuffer)
	defer func() {
		s.mu.Lock()
		delete(s.conns, hc)
		s.mu.Unlock()
	}()
	for first := true; ; first = false {
		if !first && fc.br.Buffered() < 4 && !fc.waitIdle(s.lim.IdleTimeout) {
			_ = hc.Close()
			return
		}
		if fc.afterPost {
			fc.dropBlankLines()
		}
		clen, err := fc.readRequest(s.bodyLimit(), s.lim.ReadHeaderTimeout)
		if errors.Is(err, errHandOff) {
			s.handOff(fc)
			return
		}
		if err != nil {
			_ = hc.Close() // as net/http: a read error or timeout ends it quietly
			return
		}
		fc.clearDeadline()
		closeAfter, hijacked := s.serveOne(fc, clen)
		if hijacked {
			return
		}
		// A kept connection's answer goes out before the next read that
		// waits (fastConn.more): pipelined answers leave in one write.
		if closeAfter || hc.closing.Load() { // closing: conn:close or shutdown came during the request
			if fc.bw.Flush() == nil && fc.linger {
				closeWriteAndWait(hc)
			}
			_ = hc.Close()
			return
		}
	}
}

// waitIdle waits for the next request's first bytes, within the idle
// timeout (net/http peeks 4 bytes). The deadline stays until the head is read (a head that came whole
// needs no header deadline of its own).
func (fc *fastConn) waitIdle(d time.Duration) bool {
	if d > 0 {
		fc.setDeadline(time.Now().Add(d))
	} else {
		_ = fc.hc.SetReadDeadline(time.Time{}) // a handler's body deadline, as net/http
	}
	_, err := fc.more(4, true)
	return err == nil
}

// dropBlankLines drops the CRs and LFs (of the first four bytes) before
// a request that follows a POST, as net/http does for old clients that
// end a POST body with an extra CRLF.
func (fc *fastConn) dropBlankLines() {
	peek, _ := fc.br.Peek(4)
	n := 0
	for n < len(peek) && (peek[n] == '\r' || peek[n] == '\n') {
		n++
	}
	_, _ = fc.br.Discard(n)
}

// setDeadline and clearDeadline keep count of the read deadline, so a
// request whose head is read without waiting costs no timer changes
// beyond the idle wait's (net/http sets and clears one for each phase).
func (fc *fastConn) setDeadline(t time.Time) {
	_ = fc.hc.SetReadDeadline(t)
	fc.deadline = true
}

func (fc *fastConn) clearDeadline() {
	if fc.deadline {
		_ = fc.hc.SetReadDeadline(time.Time{})
		fc.deadline = false
	}
}

// more peeks n bytes; when it has to wait for them, the answers written
// so far go out first. Waiting between requests (idle), the connection
// is idle only once its answers are out: conn:close and shutdown close
// an idle one at once (httpConn.closeWhenIdle) and leave a busy one to
// close itself here.
func (fc *fastConn) more(n int, idle bool) ([]byte, error) {
	if fc.br.Buffered() >= n {
		return fc.br.Peek(n)
	}
	if fc.bw.Buffered() > 0 {
		if err := fc.bw.Flush(); err != nil {
			return nil, err
		}
	}
	if idle {
		fc.hc.busy.Store(false)
		if fc.hc.closing.Load() {
			return nil, net.ErrClosed
		}
	}
	return fc.br.Peek(n)
}

// readRequest reads a request head the fast path takes, or errHandOff
// (leaving the head unread for net/http), or the read's error.
// The header timeout runs from when it first has to wait for the head.
func (fc *fastConn) readRequest(maxBody int64, headerTimeout time.Duration) (int64, error) {
	timed := false
	for {
		buf, _ := fc.br.Peek(fc.br.Buffered())
		if len(buf) > 0 {
			fc.hc.busy.Store(true)
		}
		if i := bytes.Index(buf, []byte("\r\n\r\n")); i >= 0 {
			clen, err := parseHead(buf[:i], &fc.req)
			if err != nil {
				return 0, err
			}
			if clen > maxBody {
				return 0, errHandOff // net/http's 413 (http.MaxBytesReader closes after it)
			}
			_, _ = fc.br.Discard(i + 4)
			return clen, nil
		}
		if len(buf) == fastReadBuffer {
			return 0, errHandOff
		}
		if headerTimeout > 0 && !timed {
			fc.setDeadline(time.Now().Add(headerTimeout))
			timed = true
		}
		if _, err := fc.more(len(buf)+1, false); err != nil {
			if errors.Is(err, io.EOF) && len(buf) > 0 {
				return 0, errHandOff // net/http answers a cut head with 400
			}
			return 0, err
		}
	}
}

// handOff gives the connection to net/http with what was read of it.
func (s *fastServer) handOff(fc *fastConn) {
	hc := fc.hc
	fc.deadline = true
	fc.clearDeadline()
	_ = fc.bw.Flush()
	buffered, _ := fc.br.Peek(fc.br.Buffered())
	rest := append(append([]byte(nil), buffered...), fc.rest...)
	var nc net.Conn = hc
	if len(rest) > 0 {
		nc = &prefixConn{Conn: hc, rest: rest}
	}
	select {
	case s.front.ch <- nc:
	case <-s.front.closed:
		_ = hc.Close()
	}
}

// serveOne runs the handler for one request and puts its answer in the
// write buffer; it says whether the connection closes after it and
// whether the handler took the connection over.
func (s *fastServer) serveOne(fc *fastConn, clen int64) (closeAfter, hijacked bool) {
	// What a handler may not keep past its return (http.Handler's
	// contract) is the connection's, used again: the writer, its header
	// map and buffer, the body reader, the request's template (the
	// handler gets a copy, WithContext's). The request's Header, URL and
	// context are new each time: modules may keep those.
	if fc.remote == "" {
		fc.remote = fc.hc.RemoteAddr().String()
	}
	fc.req.RemoteAddr = fc.remote
	fc.afterPost = fc.req.Method == http.MethodPost
	body := &fc.body
	*body = fastBody{fc: fc, remain: clen}
	if clen > 0 {
		fc.req.Body = body
	} else {
		fc.req.Body = http.NoBody
	}
	ctx := &fastCtx{fc: fc, body: body}
	req := fc.req.WithContext(ctx)
	w := &fc.rw
	if w.header == nil {
		w.header = make(http.Header, 4)
	}
	clear(w.header)
	*w = fastWriter{fc: fc, req: req, header: w.header, clen: -1, body: w.body[:0]}
	panicked := s.run(w, req)
	if !panicked && !w.hijacked && !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	ctx.end()
	if w.hijacked {
		return false, true
	}
	if panicked {
		_ = fc.hc.Close() // as net/http: no answer
		return false, true
	}
	end := ending{keepAlives: s.keepAlives(fc.hc)}
	if body.remain > 0 && !req.Close && end.keepAlives && w.sent.Get("Connection") != "close" {
		if body.remain >= maxPostHandlerRead {
			end.tooBig, fc.linger = true, true
		} else if _, err := io.Copy(io.Discard, body); err != nil {
			end.broken = true
		}
	}
	return w.finish(end), false
}

// run calls the handler; a panic ends the connection without an answer,
// as in net/http.
func (s *fastServer) run(w *fastWriter, req *http.Request) (panicked bool) {
	defer func() {
		if recover() != nil {
			panicked = true
		}
	}()
	s.handler.ServeHTTP(w, req)
	return false
}

// fastBody is a request body of Content-Length bytes.
type fastBody struct {
	fc     *fastConn
	remain int64
}

func (b *fastBody) Read(p []byte) (int, error) {
	if b.remain <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.remain {
		p = p[:b.remain]
	}
	n, err := b.fc.br.Read(p)
	b.remain -= int64(n)
	if err == io.EOF && b.remain > 0 {
		// As net/http's body: this read says it ended early, later ones
		// that it ended, and nothing is left to drop.
		b.remain = 0
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (b *fastBody) Close() error { return nil }

// closeWriteAndWait is net/http's for a connection closed with request
// body unread: its sending side first, then, after half a second for the
// client to read the answer, the rest — closing at once could make the
// kernel reset the connection and lose the answer.
func closeWriteAndWait(hc *httpConn) {
	if cw, ok := hc.Conn.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		time.Sleep(500 * time.Millisecond) // net/http's rstAvoidanceDelay
	}
}

// isTLSConn says whether nc speaks TLS (net/http must serve it: HTTP/2).
func isTLSConn(nc net.Conn) bool {
	_, ok := nc.(*tls.Conn)
	return ok
}
