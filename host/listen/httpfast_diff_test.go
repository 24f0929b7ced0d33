package listen

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/internal/testenv"
)

// diffHandler answers by path in the ways the router and the Lua bridge
// answer (and a few more), so the two paths can be compared byte for
// byte.
func diffHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/text", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", "6")
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = io.WriteString(w, "hello\n")
		}
	})
	mux.HandleFunc("/sniff", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "<html>hi</html>") })
	mux.HandleFunc("/exact", func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = nil
		_, _ = io.WriteString(w, "x")
	})
	mux.HandleFunc("/304", func(w http.ResponseWriter, r *http.Request) {
		w.Header()["content-length"] = []string{"12"}
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusNotModified)
	})
	mux.HandleFunc("/204", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, strings.Repeat("b", 3000)) })
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 16))
		if err != nil {
			http.Error(w, "413 Request Entity Too Large", http.StatusRequestEntityTooLarge)
			return
		}
		fmt.Fprintf(w, "%s|%s", b, describe(r))
	})
	mux.HandleFunc("/ignore", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	mux.HandleFunc("/bare", func(w http.ResponseWriter, r *http.Request) {
		c, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = buf.WriteString("HTTP/1.0 500 Internal Server Error\r\n\r\nbare")
		_ = buf.Flush()
	})
	mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) { panic("handler broke") })
	mux.HandleFunc("/close", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		_, _ = io.WriteString(w, "bye")
	})
	mux.HandleFunc("/short", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		_, _ = io.WriteString(w, "abc")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, describe(r)) })
	return mux
}

// describe is what a handler sees of a request (all but the client's
// port).
func describe(r *http.Request) string {
	var keys []string
	for k, v := range r.Header {
		keys = append(keys, k+"="+strings.Join(v, ","))
	}
	sort.Strings(keys)
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	return fmt.Sprintf("%s %s %s host=%q path=%q raw=%q query=%q close=%v len=%d te=%v ip=%s tls=%v headers=%v",
		r.Method, r.RequestURI, r.Proto, r.Host, r.URL.Path, r.URL.RawPath, r.URL.RawQuery, r.Close, r.ContentLength,
		r.TransferEncoding, host, r.TLS != nil, keys)
}

// diffListeners opens two HTTP listeners with h: one with the fast path,
// one net/http only; it gives their ports.
func diffListeners(t testing.TB, h http.Handler, lim HTTPLimits) (fast, plain int) {
	t.Helper()
	p := NewPool(NewServer(logrusDiscard()), logrusDiscard())
	t.Cleanup(p.Close)
	return openHTTPPair(t, p, h, lim)
}

// openHTTPPair opens the two listeners of diffListeners on p.
func openHTTPPair(t testing.TB, p *Pool, h http.Handler, lim HTTPLimits) (fast, plain int) {
	t.Helper()
	fast, plain = testenv.FreePort(t, "tcp4"), testenv.FreePort(t, "tcp4")
	attach := func(b ports.Binding) Endpoint {
		l := lim
		l.NetHTTPOnly = b.Port == plain
		return Endpoint{Handlers: echoHandler{}, Settings: DefaultSettings(), HTTP: h, HTTPLimits: l}
	}
	if res := p.Apply([]ports.Binding{binding("127.0.0.1", fast), binding("127.0.0.1", plain)}, attach); len(res.Failed) > 0 {
		t.Fatal(res.Failed[0])
	}
	return fast, plain
}

func logrusDiscard() *logrus.Logger {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return l
}

var dateLine = regexp.MustCompile(`(?m)^Date: .*\r$`)

// exchange sends raw, closes its sending side and reads the answer to
// the end.
func exchange(t testing.TB, port int, raw string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	_ = c.(*net.TCPConn).CloseWrite()
	b, _ := io.ReadAll(c)
	return dateLine.ReplaceAllString(string(b), "Date: (now)\r")
}

// rawRequests are requests the fast path takes and requests it must
// leave to net/http, well-formed and malformed.
var rawRequests = map[string]string{
	"get":                "GET /text HTTP/1.1\r\nHost: a\r\n\r\n",
	"head":               "HEAD /text HTTP/1.1\r\nHost: a\r\n\r\n",
	"head of a sniffed":  "HEAD /sniff HTTP/1.1\r\nHost: a\r\n\r\n",
	"pipelined":          "GET /text HTTP/1.1\r\nHost: a\r\n\r\nGET /sniff HTTP/1.1\r\nHost: a\r\n\r\nGET /q?x=1&y=%41 HTTP/1.1\r\nHost: a:80\r\nX-A: 1\r\nX-a: 2\r\n\r\n",
	"sniff":              "GET /sniff HTTP/1.1\r\nHost: a\r\n\r\n",
	"exact":              "GET /exact HTTP/1.1\r\nHost: a\r\n\r\n",
	"304":                "GET /304 HTTP/1.1\r\nHost: a\r\n\r\n",
	"204":                "GET /204 HTTP/1.1\r\nHost: a\r\n\r\n",
	"big chunked":        "GET /big HTTP/1.1\r\nHost: a\r\n\r\n",
	"post":               "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Type: text/x\r\n\r\nhelloGET /text HTTP/1.1\r\nHost: a\r\n\r\n",
	"post too large":     "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 20\r\n\r\n01234567890123456789GET /text HTTP/1.1\r\nHost: a\r\n\r\n",
	"post at the limit":  "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 17\r\n\r\n01234567890123456GET /text HTTP/1.1\r\nHost: a\r\n\r\n",
	"post unread":        "POST /ignore HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nabcdGET /text HTTP/1.1\r\nHost: a\r\n\r\n",
	"blank after post":   "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx\r\n\r\nGET /text HTTP/1.1\r\nHost: a\r\n\r\n",
	"post cut short":     "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\nabc",
	"connection close":   "GET /text HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /text HTTP/1.1\r\nHost: a\r\n\r\n",
	"keep-alive":         "GET /text HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive\r\n\r\n",
	"handler closes":     "GET /close HTTP/1.1\r\nHost: a\r\n\r\nGET /text HTTP/1.1\r\nHost: a\r\n\r\n",
	"short body":         "GET /short HTTP/1.1\r\nHost: a\r\n\r\nGET /text HTTP/1.1\r\nHost: a\r\n\r\n",
	"hijacked":           "GET /bare HTTP/1.1\r\nHost: a\r\n\r\nGET /text HTTP/1.1\r\nHost: a\r\n\r\n",
	"panic":              "GET /panic HTTP/1.1\r\nHost: a\r\n\r\nGET /text HTTP/1.1\r\nHost: a\r\n\r\n",
	"pragma":             "GET / HTTP/1.1\r\nHost: a\r\nPragma: no-cache\r\n\r\n",
	"blank values":       "GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\nX-Pad: \t v \t\r\nx-lower-case: 1\r\n\r\n",
	"escaped path":       "GET /a%2Fb/%7Ec?q=%20 HTTP/1.1\r\nHost: a\r\n\r\n",
	"http/1.0":           "GET /text HTTP/1.0\r\n\r\n",
	"http/1.0 keepalive": "GET /text HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /sniff HTTP/1.0\r\n\r\n",
	"chunked post":       "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /text HTTP/1.1\r\nHost: a\r\n\r\n",
	"expect continue":    "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\nabc",
	"expect other":       "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: tea\r\n\r\nabc",
	"no host":            "GET /text HTTP/1.1\r\n\r\n",
	"two hosts":          "GET /text HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
	"bad host":           "GET /text HTTP/1.1\r\nHost: a b\r\n\r\n",
	"empty host":         "GET / HTTP/1.1\r\nHost:\r\n\r\n",
	"bad header name":    "GET /text HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n",
	"space before colon": "GET /text HTTP/1.1\r\nHost: a\r\nX-A : x\r\n\r\n",
	"obs-fold":           "GET / HTTP/1.1\r\nHost: a\r\nX-A: x\r\n  y\r\n\r\n",
	"bare LF":            "GET / HTTP/1.1\nHost: a\n\n",
	"control in value":   "GET / HTTP/1.1\r\nHost: a\r\nX-A: a\x01b\r\n\r\n",
	"lower-case method":  "get /text HTTP/1.1\r\nHost: a\r\n\r\n",
	"other method":       "PROPFIND / HTTP/1.1\r\nHost: a\r\n\r\n",
	"bad method":         "G(T / HTTP/1.1\r\nHost: a\r\n\r\n",
	"asterisk":           "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
	"absolute form":      "GET http://b/x HTTP/1.1\r\nHost: a\r\n\r\n",
	"connect":            "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
	"double space":       "GET  /text HTTP/1.1\r\nHost: a\r\n\r\n",
	"http/1.2":           "GET /text HTTP/1.2\r\nHost: a\r\n\r\n",
	"http/2 preface":     "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
	"h2c upgrade":        "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n",
	"websocket":          "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
	"te and cl":          "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
	"two lengths":        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
	"differing lengths":  "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
	"signed length":      "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc",
	"negative length":    "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
	"fragment":           "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n",
	"leading CRLF":       "\r\nGET /text HTTP/1.1\r\nHost: a\r\n\r\n",
	"cut head":           "GET /text HTTP/1.1\r\nHost: a\r\n",
	"nothing":            "",
	"garbage":            "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
	"long head":          "GET / HTTP/1.1\r\nHost: a\r\nX-Long: " + strings.Repeat("v", 6000) + "\r\n\r\n",
	"too long head":      "GET / HTTP/1.1\r\nHost: a\r\nX-Long: " + strings.Repeat("v", 9000) + "\r\n\r\n",
	"many headers":       "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X-Many: 1\r\n", 200) + "\r\n",
	"non-ascii value":    "GET / HTTP/1.1\r\nHost: a\r\nX-A: caf\xc3\xa9\r\n\r\n",
	"non-ascii path":     "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n",
}

// TestHTTPFastPathAnswersAsNetHTTP: every request of rawRequests gets the
// same bytes back (bar the Date) from the fast path as from net/http
// alone: the requests it takes, and those it hands to net/http.
func TestHTTPFastPathAnswersAsNetHTTP(t *testing.T) {
	fast, plain := diffListeners(t, diffHandler(), HTTPLimits{MaxBody: 16, MaxHeaderBytes: 4096, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 5 * time.Second})
	for name, raw := range rawRequests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want, got := exchange(t, plain, raw), exchange(t, fast, raw)
			if got != want {
				t.Errorf("fast path:\n%q\nnet/http:\n%q", got, want)
			}
		})
	}
}
