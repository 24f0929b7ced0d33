package listen

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moonport/moonport/host/tlsconf/tlstest"
)

// TestLoopServesManyConnections: many connections echo at once on one
// listener's loop, and idle they hold no goroutine.
func TestLoopServesManyConnections(t *testing.T) {
	engines(t, func(t *testing.T, e Engine) {
		base := runtime.NumGoroutine()
		s := startServer(t, newLineHandler(), e, nil, nil)
		const n = 200
		conns := make([]*lineConn, n)
		for i := range conns {
			conns[i] = s.dial(t)
		}
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i, c := range conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := 0; k < 20; k++ {
					msg := fmt.Sprintf("c%d m%d", i, k)
					if _, err := c.Write([]byte(msg + "\n")); err != nil {
						errs <- err
						return
					}
					if got, err := c.r.ReadString('\n'); err != nil || got != msg+"\n" {
						errs <- fmt.Errorf("conn %d: %q %v", i, got, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if e == EngineLoop {
			if got := len(s.l.Loops()); got != 1 {
				t.Fatalf("%d loops for one handler, want 1", got)
			}
			waitGoroutines(t, base+20) // the accept loop, the loop, a few stragglers
		} else if got := len(s.l.Loops()); got != 0 {
			t.Fatalf("engine goroutines started %d loops", got)
		}
	})
}

// TestLoopHoldsIdleConnections is the 10,000-connection test scaled down:
// many connections each echo, sit idle on the loop without a goroutine
// each, and all echo again.
func TestLoopHoldsIdleConnections(t *testing.T) {
	if !loopAvailable {
		t.Skip("no event loop on this system")
	}
	base := runtime.NumGoroutine()
	s := startServer(t, newLineHandler(), EngineLoop, nil, nil)
	conns := make([]*lineConn, 1500)
	for i := range conns {
		conns[i] = s.dial(t)
	}
	echoAll := func(round string) {
		for i, c := range conns {
			c.send(t, fmt.Sprintf("%s %d\n", round, i))
		}
		for i, c := range conns {
			c.expect(t, fmt.Sprintf("%s %d", round, i))
		}
	}
	echoAll("before")
	waitGoroutines(t, base+20)
	echoAll("after")
}

// TestLoopPauseResume: data that comes while a connection is paused waits
// (the connection leaves the loop for a reader goroutine), then comes in
// order after Resume, and the connection is back on the loop.
func TestLoopPauseResume(t *testing.T) {
	engines(t, func(t *testing.T, e Engine) {
		h := newLineHandler()
		paused := make(chan *Conn, 1)
		h.onLine = func(c *Conn, line string) bool {
			if line == "pause" {
				c.Pause()
				paused <- c
				return true
			}
			return false
		}
		base := runtime.NumGoroutine()
		s := startServer(t, h, e, nil, nil)
		c := s.dial(t)
		c.send(t, "one\npause\ntwo\nthree\n") // one read: two and three are held
		c.expect(t, "one")
		sc := <-paused
		c.send(t, "four\n")
		_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if b, err := c.r.ReadByte(); err == nil {
			t.Fatalf("paused, yet answered %q", b)
		}
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		sc.Resume()
		for _, w := range []string{"two", "three", "four"} {
			c.expect(t, w)
		}
		if e == EngineLoop {
			waitGoroutines(t, base+4)
			c.send(t, "five\n")
			c.expect(t, "five")
		}
	})
}

// TestLoopReadTimeout: a silent connection is asked about (onreadtimeout)
// after read_timeout; kept once, it is closed the second time.
func TestLoopReadTimeout(t *testing.T) {
	engines(t, func(t *testing.T, e Engine) {
		h := newLineHandler()
		var mu sync.Mutex
		asked := 0
		h.onTimeout = func(*Conn) bool {
			mu.Lock()
			defer mu.Unlock()
			asked++
			return asked == 1
		}
		s := startServer(t, h, e, func(st *Settings) { st.ReadTimeout = 150 * time.Millisecond }, nil)
		c := s.dial(t)
		start := time.Now()
		c.send(t, "hi\n")
		c.expect(t, "hi")
		id := s.lastConn(t).ID
		if err := h.waitEnded(t, id); !errors.Is(err, ErrReadTimeout) {
			t.Fatalf("ended with %v, want a read timeout", err)
		}
		if took := time.Since(start); took < 300*time.Millisecond {
			t.Fatalf("closed after %v: twice read_timeout is 300ms", took)
		}
		mu.Lock()
		defer mu.Unlock()
		if asked != 2 {
			t.Fatalf("asked %d times, want 2", asked)
		}
	})
}

// TestLoopCloseFromElsewhere: Close from another goroutine ends an idle
// connection on the loop, and the loop serves the next ones.
func TestLoopCloseFromElsewhere(t *testing.T) {
	engines(t, func(t *testing.T, e Engine) {
		h := newLineHandler()
		s := startServer(t, h, e, nil, nil)
		for i := 0; i < 20; i++ {
			c := s.dial(t)
			c.send(t, "hi\n")
			c.expect(t, "hi")
			sc := s.lastConn(t)
			go sc.Close()
			if _, err := c.r.ReadByte(); err != io.EOF {
				t.Fatalf("read %v after the server closed, want EOF", err)
			}
			if err := h.waitEnded(t, sc.ID); err != nil {
				t.Fatalf("closed with %v", err)
			}
		}
		c := s.dial(t)
		c.send(t, "still\n")
		c.expect(t, "still")
	})
}

// TestLoopPeerHalfClose: the peer's end of stream leaves the loop; its
// last line without a newline is still delivered and the answer sent.
func TestLoopPeerHalfClose(t *testing.T) {
	engines(t, func(t *testing.T, e Engine) {
		s := startServer(t, newLineHandler(), e, nil, nil)
		c := s.dial(t)
		c.send(t, "a\nlast")
		c.expect(t, "a")
		_ = c.Conn.(interface{ CloseWrite() error }).CloseWrite()
		c.expect(t, "last")
		if _, err := c.r.ReadByte(); err != io.EOF {
			t.Fatalf("read %v, want EOF", err)
		}
	})
}

// TestLoopListenerCloseStopsLoop: closing the listener stops its loop;
// the connections it held carry on with reader goroutines.
func TestLoopListenerCloseStopsLoop(t *testing.T) {
	engines(t, func(t *testing.T, e Engine) {
		s := startServer(t, newLineHandler(), e, nil, nil)
		conns := []*lineConn{s.dial(t), s.dial(t), s.dial(t)}
		for _, c := range conns {
			c.send(t, "before\n")
			c.expect(t, "before")
		}
		loops := s.l.Loops()
		s.pool.Close()
		for _, lp := range loops {
			select {
			case <-lp.Done():
			case <-time.After(10 * time.Second):
				t.Fatal("the loop did not stop with its listener")
			}
		}
		for _, c := range conns {
			c.send(t, "after\n")
			c.expect(t, "after")
		}
	})
}

// TestLoopStartTLS: a connection upgraded by StartTLS leaves the loop and
// speaks TLS from then on.
func TestLoopStartTLS(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir)
	crt, key := ca.Server(t, dir, "localhost")
	pair, err := tls.LoadX509KeyPair(crt, key)
	if err != nil {
		t.Fatal(err)
	}
	engines(t, func(t *testing.T, e Engine) {
		h := newLineHandler()
		h.onLine = func(c *Conn, line string) bool {
			if line == "STARTTLS" {
				_ = c.Write([]byte("go ahead\n"))
				if err := c.StartTLS(); err != nil {
					t.Error(err)
				}
				return true
			}
			return false
		}
		s := startServer(t, h, e, nil, func(ep *Endpoint) {
			ep.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
		})
		c := s.dial(t)
		c.send(t, "plain\n")
		c.expect(t, "plain")
		c.send(t, "STARTTLS\n")
		c.expect(t, "go ahead")
		tc := tls.Client(c.Conn, &tls.Config{RootCAs: ca.Pool, ServerName: "localhost"})
		if err := tc.Handshake(); err != nil {
			t.Fatal(err)
		}
		sc := &lineConn{Conn: tc, r: newReader(tc)}
		sc.send(t, "secret\n")
		sc.expect(t, "secret")
	})
}

// TestLoopDetachHTTP: a connection handed to net/http leaves the loop and
// is answered by it.
func TestLoopDetachHTTP(t *testing.T) {
	engines(t, func(t *testing.T, e Engine) {
		front := ServeHTTPFront("web", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "from net/http "+r.URL.Path)
		}), HTTPLimits{})
		t.Cleanup(front.Close)
		h := newLineHandler()
		h.chunks = true
		h.onLine = func(c *Conn, data string) bool {
			if strings.HasPrefix(data, "GET ") {
				c.DetachHTTP([]byte(data), front)
				return true
			}
			return false
		}
		s := startServer(t, h, e, nil, nil)
		c := s.dial(t)
		c.send(t, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n")
		resp, err := http.ReadResponse(c.r, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 100))
		resp.Body.Close()
		if string(body) != "from net/http /x" {
			t.Fatalf("body %q", body)
		}
	})
}

// TestWriteAfterSendTimeoutElapsed: a send that had to wait for the peer
// arms send_timeout as the write deadline; once that time has passed the
// connection must still write. The deadline used to stay armed, so the
// first write after send_timeout failed as a send timeout.
func TestWriteAfterSendTimeoutElapsed(t *testing.T) {
	engines(t, func(t *testing.T, e Engine) {
		h := newLineHandler()
		big := strings.Repeat("x", 1<<20)
		h.onLine = func(c *Conn, line string) bool {
			if line == "big" {
				_ = c.Write([]byte(big + "\n"))
				return true
			}
			return false
		}
		s := startServer(t, h, e, func(st *Settings) {
			st.SendTimeout = time.Second
			st.SendBuffer = 16 << 10 // so that 1 MB is more than the socket takes at once
		}, nil)
		c := s.dial(t)
		c.send(t, "big\n")
		c.expect(t, big) // the send waited for the reader: the deadline was armed
		time.Sleep(1100 * time.Millisecond)
		c.send(t, "still\n")
		c.expect(t, "still")
	})
}

// TestLoopSmallReadSize: with read_size far below a message the loop reads
// a socket many times per message, polling again while reads fill the
// buffer (the socket may hold more) instead of parking.
func TestLoopSmallReadSize(t *testing.T) {
	engines(t, func(t *testing.T, e Engine) {
		s := startServer(t, newLineHandler(), e, func(st *Settings) { st.ReadSize = 4 }, nil)
		conns := []*lineConn{s.dial(t), s.dial(t), s.dial(t)}
		line := strings.Repeat("0123456789", 30)
		for round := 0; round < 5; round++ {
			for _, c := range conns {
				c.send(t, line+"\n"+line+"\n")
			}
			for _, c := range conns {
				c.expect(t, line)
				c.expect(t, line)
			}
		}
	})
}
