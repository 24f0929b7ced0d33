package listen

import (
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

// parseHead reads a request head (without its final empty line's CRLF
// CRLF) into req as net/http's server would make it (its Header new), or
// errHandOff; it gives the Content-Length. The head becomes one string
// that the target and the header values are cut from, and the values
// share one backing array, as net/http's textproto does.
func parseHead(head []byte, req *http.Request) (int64, error) {
	if !crlfOnly(head) {
		return 0, errHandOff
	}
	hs := string(head)
	line, rest, _ := strings.Cut(hs, "\r\n")
	method, target, ok := splitRequestLine(line)
	if !ok {
		return 0, errHandOff
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return 0, errHandOff
	}
	lines := strings.Count(rest, "\r\n") + 1
	*req = http.Request{Method: method, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		RequestURI: target, Header: make(http.Header, lines)}
	strs := make([]string, lines)
	host, hosts, clen := "", 0, int64(0)
	for rest != "" {
		var hl string
		hl, rest, _ = strings.Cut(rest, "\r\n")
		name, value, ok := splitHeaderLine(hl)
		if !ok {
			return 0, errHandOff
		}
		switch name {
		case "Host":
			host, hosts = value, hosts+1
			continue // net/http keeps it in Request.Host only
		case "Transfer-Encoding", "Expect", "Upgrade", "Http2-Settings", "Trailer":
			return 0, errHandOff
		case "Connection":
			if !plainConnection(value) {
				return 0, errHandOff
			}
			if hasToken(value, "close") {
				req.Close = true
			}
		case "Content-Length":
			if _, dup := req.Header["Content-Length"]; dup {
				return 0, errHandOff
			}
			if clen, ok = parseLength(value); !ok {
				return 0, errHandOff
			}
		}
		if vs := req.Header[name]; vs != nil {
			req.Header[name] = append(vs, value)
		} else {
			strs[0] = value
			req.Header[name], strs = strs[:1:1], strs[1:]
		}
	}
	if hosts != 1 || !validHost(host) {
		return 0, errHandOff
	}
	req.Host = host
	if hp, ok := req.Header["Pragma"]; ok && hp[0] == "no-cache" { // as net/http's fixPragmaCacheControl
		if _, cc := req.Header["Cache-Control"]; !cc {
			req.Header["Cache-Control"] = []string{"no-cache"}
		}
	}
	req.ContentLength = clen
	return clen, nil
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
func splitRequestLine(line string) (method, target string, ok bool) {
	m, rest, ok1 := strings.Cut(line, " ")
	t, p, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 || p != "HTTP/1.1" || len(t) == 0 || t[0] != '/' {
		return "", "", false
	}
	method, ok = fastMethods[m]
	if !ok {
		return "", "", false
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; c <= ' ' || c >= 0x7f || c == '#' {
			return "", "", false
		}
	}
	return method, t, true
}

// splitHeaderLine is "Name: value": a token name right before the colon
// (canonicalised as net/http does) and a value with the blanks around it
// trimmed, holding no control character but tab.
func splitHeaderLine(l string) (name, value string, ok bool) {
	n, v, found := strings.Cut(l, ":")
	if !found || len(n) == 0 {
		return "", "", false
	}
	for i := 0; i < len(n); i++ {
		if !isTokenChar(n[i]) {
			return "", "", false
		}
	}
	v = strings.Trim(v, " \t")
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return "", "", false
		}
	}
	return textproto.CanonicalMIMEHeaderKey(n), v, true
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
