package listen

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/internal/testenv"
)

// echoHandler writes back what it gets.
type echoHandler struct{}

func (echoHandler) Connected(*Conn)               {}
func (echoHandler) Incoming(c *Conn, data []byte) { _ = c.Write(append([]byte(nil), data...)) }
func (echoHandler) ReadTimeout(*Conn) bool        { return false }
func (echoHandler) Drained(*Conn)                 {}
func (echoHandler) Secured(*Conn, bool)           {}
func (echoHandler) Disconnected(*Conn, error)     {}
func (h echoHandler) Pick() Handler               { return h }
func attachEcho(ports.Binding) Endpoint {
	return Endpoint{Handlers: echoHandler{}, Settings: DefaultSettings()}
}
func binding(addr string, port int) ports.Binding {
	return ports.Binding{Service: "echo", Listener: "echo", Network: "tcp4", Address: netip.MustParseAddr(addr), Port: port}
}

func echoOn(t *testing.T, port int, c net.Conn) {
	t.Helper()
	if c == nil {
		var err error
		if c, err = net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second); err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2)
	if _, err := c.Read(buf); err != nil || string(buf) != "hi" {
		t.Fatalf("echo on port %d: %q %v", port, buf, err)
	}
}

// TestWidenAbortedReopensTheOldSocket: a reload widening 127.0.0.1:P to
// 0.0.0.0:P closes the old socket early to bind the new one; when the
// reload then fails on another port, the old socket is back and serving,
// and the connection accepted before never noticed.
func TestWidenAbortedReopensTheOldSocket(t *testing.T) {
	port := testenv.FreePort(t, "tcp4")
	blocker, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Close()
	taken := blocker.Addr().(*net.TCPAddr).Port

	srv := NewServer(logrus.New())
	p := NewPool(srv, logrus.New())
	defer p.Close()
	if res := p.Apply([]ports.Binding{binding("127.0.0.1", port)}, attachEcho); len(res.Failed) > 0 {
		t.Fatal(res.Failed[0])
	}
	early, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer early.Close()
	echoOn(t, port, early)

	staged := p.Stage([]ports.Binding{binding("0.0.0.0", port), binding("127.0.0.1", taken)}, attachEcho)
	if len(staged.Failed) != 1 || staged.Failed[0].Binding.Port != taken {
		t.Fatalf("want one failure, for port %d: %v", taken, staged.Failed)
	}
	if got := testenv.ListeningAddrs(t, port); len(got) != 1 || got[0] != fmt.Sprintf("0.0.0.0:%d", port) {
		t.Fatalf("staged: listening on %v, want the wildcard alone", got)
	}
	staged.Abort()
	testenv.WaitListening(t, port, fmt.Sprintf("127.0.0.1:%d", port))
	echoOn(t, port, nil)
	echoOn(t, port, early)
	if l := p.Open(binding("127.0.0.1", port).Key()); l == nil || l.suspended {
		t.Errorf("the pool lost the reopened listener: %v", l)
	}

	// Done for real, the wildcard replaces it.
	if res := p.Apply([]ports.Binding{binding("0.0.0.0", port)}, attachEcho); len(res.Failed) > 0 || len(res.Closed) != 1 {
		t.Fatalf("widening: %+v", res)
	}
	testenv.WaitListening(t, port, fmt.Sprintf("0.0.0.0:%d", port))
	echoOn(t, port, nil)
	echoOn(t, port, early)
}

// TestHTTPListenerServesAgainAfterAbort: an HTTP listener whose socket was
// closed early and reopened serves with the same server.
func TestHTTPListenerServesAgainAfterAbort(t *testing.T) {
	port := testenv.FreePort(t, "tcp4")
	blocker, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Close()
	taken := blocker.Addr().(*net.TCPAddr).Port
	attach := func(ports.Binding) Endpoint {
		return Endpoint{Handlers: echoHandler{}, Settings: DefaultSettings(),
			HTTP: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "served") })}
	}
	p := NewPool(NewServer(logrus.New()), logrus.New())
	defer p.Close()
	if res := p.Apply([]ports.Binding{binding("127.0.0.1", port)}, attach); len(res.Failed) > 0 {
		t.Fatal(res.Failed[0])
	}
	get := func() {
		t.Helper()
		c := http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if b, _ := io.ReadAll(resp.Body); string(b) != "served" {
			t.Fatalf("GET: %q", b)
		}
	}
	get()
	staged := p.Stage([]ports.Binding{binding("0.0.0.0", port), binding("127.0.0.1", taken)}, attach)
	if len(staged.Failed) != 1 {
		t.Fatalf("want one failure: %v", staged.Failed)
	}
	staged.Abort()
	testenv.WaitListening(t, port, fmt.Sprintf("127.0.0.1:%d", port))
	get()
}

// upperHandler answers in upper case, so a test sees which endpoint a
// listener's connections get.
type upperHandler struct{ echoHandler }

func (upperHandler) Incoming(c *Conn, data []byte) { _ = c.Write(bytes.ToUpper(data)) }
func (h upperHandler) Pick() Handler               { return h }

func attachUpper(ports.Binding) Endpoint {
	return Endpoint{Handlers: upperHandler{}, Settings: DefaultSettings()}
}

// answer sends "hi" on c and returns the reply.
func answer(t *testing.T, c net.Conn) string {
	t.Helper()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2)
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	return string(buf)
}

func dial(t *testing.T, port int) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestStageCommit: a staged socket is bound but accepts nothing until
// Commit; Commit starts it, gives the kept socket its new endpoint and
// closes the socket no binding wants, while a connection accepted on that
// one goes on.
func TestStageCommit(t *testing.T) {
	kept, added, dropped := testenv.FreePort(t, "tcp4"), testenv.FreePort(t, "tcp4"), testenv.FreePort(t, "tcp4")
	p := NewPool(NewServer(logrus.New()), logrus.New())
	defer p.Close()
	if res := p.Apply([]ports.Binding{binding("127.0.0.1", kept), binding("127.0.0.1", dropped)}, attachEcho); len(res.Failed) > 0 {
		t.Fatal(res.Failed[0])
	}
	early := dial(t, dropped)
	echoOn(t, dropped, early)

	staged := p.Stage([]ports.Binding{binding("127.0.0.1", kept), binding("127.0.0.1", added)}, attachUpper)
	if len(staged.Failed) > 0 {
		t.Fatal(staged.Failed[0])
	}
	testenv.WaitListening(t, added, fmt.Sprintf("127.0.0.1:%d", added))
	if p.Open(binding("127.0.0.1", added).Key()) != nil {
		t.Error("a staged socket is in the pool before Commit")
	}
	waiting := dial(t, added) // the kernel queues it; nobody accepts yet
	waiting.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	waiting.Write([]byte("hi"))
	if n, err := waiting.Read(make([]byte, 2)); n > 0 || err == nil {
		t.Fatalf("a staged socket served before Commit (%d bytes, %v)", n, err)
	}
	echoOn(t, kept, nil) // the running endpoint until Commit

	res := staged.Commit()
	if len(res.Opened) != 1 || len(res.Kept) != 1 || len(res.Closed) != 1 || len(res.Failed) != 0 {
		t.Fatalf("commit: opened %d, kept %d, closed %d, failed %d; want 1, 1, 1, 0", len(res.Opened), len(res.Kept), len(res.Closed), len(res.Failed))
	}
	waiting.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 2)
	if _, err := io.ReadFull(waiting, buf); err != nil || string(buf) != "HI" {
		t.Fatalf("the connection queued before Commit: %q %v, want HI", buf, err)
	}
	if got := answer(t, dial(t, kept)); got != "HI" {
		t.Errorf("kept socket after Commit answers %q, want the new endpoint's HI", got)
	}
	testenv.WaitListening(t, dropped)
	if got := answer(t, early); got != "hi" {
		t.Errorf("a connection of the closed socket answers %q, want hi (it goes on)", got)
	}
}

// TestStageAbort: Abort closes every socket the stage bound and leaves the
// running ones as they were.
func TestStageAbort(t *testing.T) {
	running, added := testenv.FreePort(t, "tcp4"), testenv.FreePort(t, "tcp4")
	p := NewPool(NewServer(logrus.New()), logrus.New())
	defer p.Close()
	if res := p.Apply([]ports.Binding{binding("127.0.0.1", running)}, attachEcho); len(res.Failed) > 0 {
		t.Fatal(res.Failed[0])
	}
	staged := p.Stage([]ports.Binding{binding("127.0.0.1", added)}, attachUpper)
	if len(staged.Failed) > 0 {
		t.Fatal(staged.Failed[0])
	}
	testenv.WaitListening(t, added, fmt.Sprintf("127.0.0.1:%d", added))
	staged.Abort()
	testenv.WaitListening(t, added)
	// A socket nothing refers to any more is closed by the garbage
	// collector; the stage stays reachable so that only Abort can have.
	runtime.KeepAlive(staged)
	testenv.WaitListening(t, running, fmt.Sprintf("127.0.0.1:%d", running))
	echoOn(t, running, nil) // still the old endpoint
	if n := len(p.Listeners()); n != 1 {
		t.Errorf("the pool has %d listeners after Abort, want the 1 it had", n)
	}
}

// TestStageFailedBindInTheMiddle: a port that cannot be had is reported
// with its binding and the others are still bound, so the caller decides:
// Abort closes them all, Commit serves those that opened.
func TestStageFailedBindInTheMiddle(t *testing.T) {
	blocker, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Close()
	taken := blocker.Addr().(*net.TCPAddr).Port
	for _, commit := range []bool{false, true} {
		first, last := testenv.FreePort(t, "tcp4"), testenv.FreePort(t, "tcp4")
		p := NewPool(NewServer(logrus.New()), logrus.New())
		staged := p.Stage([]ports.Binding{binding("127.0.0.1", first), binding("127.0.0.1", taken), binding("127.0.0.1", last)}, attachEcho)
		if len(staged.Failed) != 1 || staged.Failed[0].Binding.Port != taken || !errors.Is(staged.Failed[0], syscall.EADDRINUSE) {
			t.Fatalf("want one failure, port %d in use: %v", taken, staged.Failed)
		}
		testenv.WaitListening(t, first, fmt.Sprintf("127.0.0.1:%d", first))
		testenv.WaitListening(t, last, fmt.Sprintf("127.0.0.1:%d", last))
		if !commit {
			staged.Abort()
			testenv.WaitListening(t, first)
			testenv.WaitListening(t, last)
			runtime.KeepAlive(staged) // see TestStageAbort
			p.Close()
			continue
		}
		res := staged.Commit()
		if len(res.Opened) != 2 || len(res.Failed) != 1 {
			t.Fatalf("commit: opened %d, failed %d; want 2, 1", len(res.Opened), len(res.Failed))
		}
		echoOn(t, first, nil)
		echoOn(t, last, nil)
		p.Close()
		testenv.WaitListening(t, first)
	}
}
