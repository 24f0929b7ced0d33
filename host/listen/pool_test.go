package listen

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
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

	tx := p.Prepare([]ports.Binding{binding("0.0.0.0", port), binding("127.0.0.1", taken)}, attachEcho)
	if len(tx.Failed) != 1 || tx.Failed[0].Binding.Port != taken {
		t.Fatalf("want one failure, for port %d: %v", taken, tx.Failed)
	}
	if got := testenv.ListeningAddrs(t, port); len(got) != 1 || got[0] != fmt.Sprintf("0.0.0.0:%d", port) {
		t.Fatalf("prepared: listening on %v, want the wildcard alone", got)
	}
	tx.Abort()
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
	tx := p.Prepare([]ports.Binding{binding("0.0.0.0", port), binding("127.0.0.1", taken)}, attach)
	if len(tx.Failed) != 1 {
		t.Fatalf("want one failure: %v", tx.Failed)
	}
	tx.Abort()
	testenv.WaitListening(t, port, fmt.Sprintf("127.0.0.1:%d", port))
	get()
}
