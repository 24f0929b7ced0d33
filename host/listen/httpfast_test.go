package listen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"
)

// slowBody answers as httpserve's router does when a body is trickled
// past the body timeout: 408 and the connection closed.
func slowBody(w http.ResponseWriter, r *http.Request) {
	_, err := io.ReadAll(r.Body)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		w.Header().Set("Connection", "close")
		http.Error(w, "408 Request Timeout", http.StatusRequestTimeout)
		return
	}
	_, _ = io.WriteString(w, "whole")
}

// exchangeOpen sends raw and reads until the server closes, without
// closing its own side: the server's timeouts end it.
func exchangeOpen(t *testing.T, port int, raw string) string {
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
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("the server did not close: %v", err)
	}
	return dateLine.ReplaceAllString(string(b), "Date: (now)\r")
}

// TestHTTPFastPathTimeoutsAsNetHTTP: a body trickled past the body
// timeout is answered 408 and closed, a head cut short is closed
// without an answer when the header timeout passes, an idle keep-alive
// connection is closed at the idle timeout, a body left unread past
// what net/http drops closes the connection — as net/http does.
func TestHTTPFastPathTimeoutsAsNetHTTP(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", slowBody)
	mux.Handle("/", diffHandler())
	lim := HTTPLimits{MaxBody: 1 << 20, MaxHeaderBytes: 4096, ReadHeaderTimeout: 300 * time.Millisecond,
		IdleTimeout: 300 * time.Millisecond, BodyTimeout: 300 * time.Millisecond}
	fast, plain := diffListeners(t, mux, lim)
	for name, raw := range map[string]string{
		"body too slow": "POST /slow HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc",
		"head cut":      "GET /text HTTP/1.1\r\nHost: a\r\n",
		"idle":          "GET /text HTTP/1.1\r\nHost: a\r\n\r\n",
		"nothing sent":  "",
		"big body left": "POST /ignore HTTP/1.1\r\nHost: a\r\nContent-Length: 300000\r\n\r\n" + strings.Repeat("x", 300000),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want, got := exchangeOpen(t, plain, raw), exchangeOpen(t, fast, raw)
			if got != want {
				t.Errorf("fast path:\n%q\nnet/http:\n%q", got, want)
			}
		})
	}
}

// TestHTTPFastPathKeepAliveWithClient: net/http's own client reuses one
// connection for GETs, HEADs and POSTs with bodies.
func TestHTTPFastPathKeepAliveWithClient(t *testing.T) {
	fast, _ := diffListeners(t, diffHandler(), HTTPLimits{MaxBody: 16, MaxHeaderBytes: 4096})
	client := &http.Client{Timeout: 5 * time.Second}
	reused := 0
	for i := 0; i < 6; i++ {
		var req *http.Request
		switch i % 3 {
		case 0:
			req, _ = http.NewRequest("GET", fmt.Sprintf("http://127.0.0.1:%d/text", fast), nil)
		case 1:
			req, _ = http.NewRequest("HEAD", fmt.Sprintf("http://127.0.0.1:%d/text", fast), nil)
		default:
			req, _ = http.NewRequest("POST", fmt.Sprintf("http://127.0.0.1:%d/echo", fast), strings.NewReader("body"))
		}
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			GotConn: func(info httptrace.GotConnInfo) {
				if info.Reused {
					reused++
				}
			}}))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case i%3 == 0 && string(b) != "hello\n", i%3 == 1 && (len(b) != 0 || resp.ContentLength != 6),
			i%3 == 2 && !strings.HasPrefix(string(b), "body|POST /echo HTTP/1.1"):
			t.Fatalf("request %d: %d %q", i, resp.StatusCode, b)
		}
	}
	if reused != 5 {
		t.Errorf("%d of 5 requests reused the connection", reused)
	}
}

// TestHTTPFastPathClientGoes: a handler waiting for its client sees the
// request's context end when the client closes, on both paths.
func TestHTTPFastPathClientGoes(t *testing.T) {
	gone := make(chan error, 2)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			gone <- r.Context().Err()
		case <-time.After(10 * time.Second):
			gone <- errors.New("the context did not end")
		}
	})
	fast, plain := diffListeners(t, h, HTTPLimits{})
	for _, port := range []int{plain, fast} {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: a\r\n\r\n")
		time.AfterFunc(50*time.Millisecond, func() { c.Close() }) // after the handler started waiting, most likely
		if err := <-gone; !errors.Is(err, context.Canceled) {
			t.Errorf("port %d: %v", port, err)
		}
	}
}

// TestHTTPFastPathNextRequestDuringWait: the next request arriving while
// a handler waits (and the fast path watches the socket) is read whole
// after the answer.
func TestHTTPFastPathNextRequestDuringWait(t *testing.T) {
	release, waiting := make(chan struct{}), make(chan struct{}, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/wait" {
			done := r.Context().Done() // starts the watch
			waiting <- struct{}{}
			select {
			case <-release:
			case <-done:
				return
			}
		}
		_, _ = io.WriteString(w, r.URL.Path)
	})
	fast, _ := diffListeners(t, h, HTTPLimits{})
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", fast))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	_, _ = io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: a\r\n\r\n")
	<-waiting
	_, _ = io.WriteString(c, "GET /next HTTP/1.1\r\nHost: a\r\n\r\n")
	time.AfterFunc(50*time.Millisecond, func() { close(release) }) // once the watch has most likely read a byte
	br := bufio.NewReader(c)
	for _, want := range []string{"/wait", "/next"} {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if string(b) != want {
			t.Errorf("got %q, want %q", b, want)
		}
	}
}

// TestHTTPFastPathListenerClose: when its listener closes, an idle
// connection is closed and a busy one gets its answer, then is closed —
// on both paths. (Whether the answer says "Connection: close" depends,
// with net/http, on whether its Shutdown goroutine ran first; the fast
// path always says it.)
func TestHTTPFastPathListenerClose(t *testing.T) {
	release, started := make(chan struct{}), make(chan struct{}, 2)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/busy" {
			started <- struct{}{}
			<-release
		}
		_, _ = io.WriteString(w, "done")
	})
	p := NewPool(NewServer(logrusDiscard()), logrusDiscard())
	defer p.Close()
	fast, plain := openHTTPPair(t, p, h, HTTPLimits{})
	type conns struct{ idle, busy net.Conn }
	open := map[int]conns{}
	for _, port := range []int{fast, plain} {
		var cs conns
		for i, path := range []string{"/idle", "/busy"} {
			c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			_, _ = io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: a\r\n\r\n")
			if i == 0 {
				resp, err := http.ReadResponse(bufio.NewReader(c), nil)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				cs.idle = c
			} else {
				<-started
				cs.busy = c
			}
		}
		open[port] = cs
	}
	p.Close()
	close(release)
	answers := map[int]string{}
	for port, cs := range open {
		if b, err := io.ReadAll(cs.idle); err != nil || len(b) != 0 {
			t.Errorf("port %d: the idle connection got %q, %v", port, b, err)
		}
		b, err := io.ReadAll(cs.busy)
		if err != nil {
			t.Errorf("port %d: the busy connection: %v", port, err)
		}
		answers[port] = strings.Replace(dateLine.ReplaceAllString(string(b), "Date: (now)\r"), "Connection: close\r\n", "", 1)
	}
	if answers[fast] != answers[plain] || !strings.HasSuffix(answers[fast], "done") {
		t.Errorf("fast path:\n%q\nnet/http:\n%q", answers[fast], answers[plain])
	}
}
