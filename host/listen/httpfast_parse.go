package listen

import (
	"bytes"
	"errors"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
)

// The fast path's request reader. It reads only requests it is sure
// net/http would read the same way: HTTP/1.1, a known method, an
// origin-form target, one valid Host, well-formed header lines ending in
// CRLF, at most one plain Content-Length, and no Transfer-Encoding,
// Expect, Upgrade or Connection value beyond close and keep-alive.
// Anything else (malformed or merely unusual) is errHandOff: the
// connection goes to net/http with the bytes read so far, and net/http
// answers it as it always did (400, 431, 505, chunked bodies, 100
// Continue, h2c, …). So the fast path needs no error answers of its own
// and cannot differ from net/http on a request it does not take.

// errHandOff says the request is net/http's to read.
var errHandOff = errors.New("listen: request for net/http")

// fastMethods are the methods the fast path takes (net/http takes any
// token; the others are rare enough to leave to it).
var fastMethods = map[string]string{
	"GET": "GET", "HEAD": "HEAD", "POST": "POST", "PUT": "PUT",
	"DELETE": "DELETE", "OPTIONS": "OPTIONS", "PATCH": "PATCH",
}

// fastHead is a request head as the fast path read it.
type fastHead struct {
	req           *http.Request
	contentLength int64
}

// parseHead reads a request head (without its final empty line's CRLF
// CRLF) into an *http.Request as net/http's server would make it, or
// errHandOff.
func parseHead(head []byte) (*fastHead, error) {
	if !crlfOnly(head) {
		return nil, errHandOff
	}
	line, rest, _ := bytes.Cut(head, crlf)
	method, target, proto, ok := splitRequestLine(line)
	if !ok {
		return nil, errHandOff
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil, errHandOff
	}
	h := &fastHead{req: &http.Request{Method: method, URL: u, Proto: proto, ProtoMajor: 1, ProtoMinor: 1,
		RequestURI: target, Header: make(http.Header, 8)}, contentLength: 0}
	host, hosts := "", 0
	for len(rest) > 0 {
		var hl []byte
		hl, rest, _ = bytes.Cut(rest, crlf)
		name, value, ok := splitHeaderLine(hl)
		if !ok {
			return nil, errHandOff
		}
		switch name {
		case "Host":
			host, hosts = value, hosts+1
			continue // net/http keeps it in Request.Host only
		case "Transfer-Encoding", "Expect", "Upgrade", "Http2-Settings", "Trailer":
			return nil, errHandOff
		case "Connection":
			if !plainConnection(value) {
				return nil, errHandOff
			}
			if hasToken(value, "close") {
				h.req.Close = true
			}
		case "Content-Length":
			if _, dup := h.req.Header["Content-Length"]; dup {
				return nil, errHandOff
			}
			n, ok := parseLength(value)
			if !ok {
				return nil, errHandOff
			}
			h.contentLength = n
		}
		h.req.Header[name] = append(h.req.Header[name], value)
	}
	if hosts != 1 || !validHost(host) {
		return nil, errHandOff
	}
	h.req.Host = host
	if hp, ok := h.req.Header["Pragma"]; ok && hp[0] == "no-cache" { // as net/http's fixPragmaCacheControl
		if _, cc := h.req.Header["Cache-Control"]; !cc {
			h.req.Header["Cache-Control"] = []string{"no-cache"}
		}
	}
	h.req.ContentLength = h.contentLength
	return h, nil
}

var crlf = []byte("\r\n")

// crlfOnly says every CR is followed by LF and every LF preceded by CR
// (net/http also takes bare LF line ends; those go to it).
func crlfOnly(b []byte) bool {
	for i, c := range b {
		switch c {
		case '\r':
			if i+1 >= len(b) || b[i+1] != '\n' {
				return false
			}
		case '\n':
			if i == 0 || b[i-1] != '\r' {
				return false
			}
		}
	}
	return true
}

// splitRequestLine is "METHOD /target HTTP/1.1" with single spaces and a
// target of visible ASCII that starts with "/" and has no fragment.
func splitRequestLine(line []byte) (method, target, proto string, ok bool) {
	m, rest, ok1 := bytes.Cut(line, []byte{' '})
	t, p, ok2 := bytes.Cut(rest, []byte{' '})
	if !ok1 || !ok2 || string(p) != "HTTP/1.1" || len(t) == 0 || t[0] != '/' {
		return "", "", "", false
	}
	method, ok = fastMethods[string(m)]
	if !ok {
		return "", "", "", false
	}
	for _, c := range t {
		if c <= ' ' || c >= 0x7f || c == '#' {
			return "", "", "", false
		}
	}
	return method, string(t), "HTTP/1.1", true
}

// splitHeaderLine is "Name: value": a token name right before the colon
// (canonicalised as net/http does) and a value with the blanks around it
// trimmed, holding no control character but tab.
func splitHeaderLine(l []byte) (name, value string, ok bool) {
	n, v, found := bytes.Cut(l, []byte{':'})
	if !found || len(n) == 0 {
		return "", "", false
	}
	for _, c := range n {
		if !isTokenChar(c) {
			return "", "", false
		}
	}
	v = bytes.Trim(v, " \t")
	for _, c := range v {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return "", "", false
		}
	}
	return textproto.CanonicalMIMEHeaderKey(string(n)), string(v), true
}

// isTokenChar is RFC 9110's tchar.
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// plainConnection is a Connection header of close and keep-alive only.
func plainConnection(v string) bool {
	for f := range strings.SplitSeq(v, ",") {
		f = strings.TrimSpace(f)
		if !strings.EqualFold(f, "close") && !strings.EqualFold(f, "keep-alive") {
			return false
		}
	}
	return true
}

// hasToken says whether the comma-separated v holds token (any case).
func hasToken(v, token string) bool {
	for f := range strings.SplitSeq(v, ",") {
		if strings.EqualFold(strings.TrimSpace(f), token) {
			return true
		}
	}
	return false
}

// parseLength is a Content-Length of 1 to 18 digits.
func parseLength(v string) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

// validHost is a non-empty Host of the characters a name, an IPv4 or a
// bracketed IPv6 address with a port use (a subset of what net/http
// takes).
func validHost(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '.', c == '-', c == ':', c == '[', c == ']', c == '_':
		default:
			return false
		}
	}
	return true
}
