package listen

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/internal/testenv"
)

// lineHandler answers lines: "echo" hooks aside, it writes each line back
// with a newline. Hooks run on the delivering reader (loop or goroutine).
type lineHandler struct {
	onLine    func(c *Conn, line string) bool // true: handled, no echo
	onTimeout func(c *Conn) bool
	chunks    bool // "*a" instead of lines
	mu        sync.Mutex
	ended     map[uint64]error
	endedCh   chan uint64
}

func newLineHandler() *lineHandler {
	return &lineHandler{ended: map[uint64]error{}, endedCh: make(chan uint64, 1024)}
}

func (h *lineHandler) Connected(c *Conn) {
	if !h.chunks {
		c.SetMode(Mode{Kind: Lines, N: 8192})
	}
}
func (h *lineHandler) Incoming(c *Conn, data []byte) {
	if h.onLine != nil && h.onLine(c, string(data)) {
		return
	}
	_ = c.Write(append(append([]byte(nil), data...), '\n'))
}
func (h *lineHandler) ReadTimeout(c *Conn) bool {
	if h.onTimeout != nil {
		return h.onTimeout(c)
	}
	return false
}
func (h *lineHandler) Drained(*Conn)       {}
func (h *lineHandler) Secured(*Conn, bool) {}
func (h *lineHandler) Disconnected(c *Conn, err error) {
	h.mu.Lock()
	h.ended[c.ID] = err
	h.mu.Unlock()
	select { // a wake-up for waitEnded, which looks at ended itself
	case h.endedCh <- c.ID:
	default:
	}
}
func (h *lineHandler) Pick() Handler { return h }

// waitEnded waits for Disconnected of connection id and returns its error.
func (h *lineHandler) waitEnded(t *testing.T, id uint64) error {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		h.mu.Lock()
		err, ok := h.ended[id]
		h.mu.Unlock()
		if ok {
			return err
		}
		select {
		case <-h.endedCh:
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			t.Fatalf("connection %d never ended", id)
		}
	}
}

// loopServer serves h on a loopback port with engine e and settings
// changed by tune.
type loopServer struct {
	srv  *Server
	pool *Pool
	port int
	l    *Listener
}

func startServer(t *testing.T, h Handler, e Engine, tune func(*Settings), extra func(*Endpoint)) *loopServer {
	t.Helper()
	port := testenv.FreePort(t, "tcp4")
	st := DefaultSettings()
	st.Engine = e
	if tune != nil {
		tune(&st)
	}
	ep := Endpoint{Handlers: h.(Source), Settings: st}
	if extra != nil {
		extra(&ep)
	}
	log := logrus.New()
	log.SetLevel(logrus.ErrorLevel)
	srv := NewServer(log)
	p := NewPool(srv, log)
	b := binding("127.0.0.1", port)
	if res := p.Apply([]ports.Binding{b}, func(ports.Binding) Endpoint { return ep }); len(res.Failed) > 0 {
		t.Fatal(res.Failed[0])
	}
	t.Cleanup(func() {
		p.Close()
		srv.Shutdown(t.Context())
	})
	return &loopServer{srv: srv, pool: p, port: port, l: p.Open(b.Key())}
}

type lineConn struct {
	net.Conn
	r *bufio.Reader
}

func (s *loopServer) dial(t *testing.T) *lineConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	return &lineConn{Conn: c, r: bufio.NewReader(c)}
}

func (c *lineConn) send(t *testing.T, s string) {
	t.Helper()
	if _, err := c.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
}

func (c *lineConn) expect(t *testing.T, want string) {
	t.Helper()
	got, err := c.r.ReadString('\n')
	if err != nil || got != want+"\n" {
		t.Fatalf("read %q (%v), want %q", short(got), err, short(want))
	}
}

// serverConn is the server's side of the connection with the highest ID.
func (s *loopServer) lastConn(t *testing.T) *Conn {
	t.Helper()
	var last *Conn
	for _, c := range s.srv.Conns() {
		if last == nil || c.ID > last.ID {
			last = c
		}
	}
	if last == nil {
		t.Fatal("no connection")
	}
	return last
}

// waitGoroutines waits until at most n goroutines run: connections on a
// loop hold none.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, want at most %d", runtime.NumGoroutine(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// engines runs f under each engine this system has.
func engines(t *testing.T, f func(t *testing.T, e Engine)) {
	for _, e := range []Engine{EngineGoroutines, EngineLoop} {
		t.Run(e.String(), func(t *testing.T) {
			if e == EngineLoop && !loopAvailable {
				t.Skip("no event loop on this system")
			}
			f(t, e)
		})
	}
}

func newReader(r io.Reader) *bufio.Reader { return bufio.NewReader(r) }

func short(s string) string {
	if len(s) > 80 {
		return fmt.Sprintf("%s… (%d bytes)", s[:40], len(s))
	}
	return s
}
