package bridge

import (
	"bufio"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/host/listen"
	"github.com/moonport/moonport/host/ports"
)

func helloModule(version string) string {
	return `module:provides("net", { name = "hello", default_port = 1, listener = {
	onconnect = function(conn) conn:write("hello ` + version + `\n") end,
} })`
}

// A socket that a reload keeps hands out the old instance's handler until
// the reload switches its endpoint (after Commit). A connection accepted
// in that gap reaches an instance that may have stopped already (it had
// no connection left to serve): it goes to the new instance instead of
// being lost without an onconnect.
func TestConnectionAcceptedForAReplacedInstance(t *testing.T) {
	cfg := `modules_enabled = { "hello" }`
	rt, srv := newServedRuntime(t, cfg, map[string]string{"hello": helloModule("1")})
	log := rt.Runtime.log
	if err := rt.LoadAll(); err != nil {
		t.Fatal(err)
	}
	old := rt.Primaries()[0]
	pool := listen.NewPool(srv, log)
	t.Cleanup(pool.Close)
	b := ports.Binding{Service: "hello", Listener: "hello", Network: "tcp4", Address: netip.MustParseAddr("127.0.0.1")}
	first := rt.Service("hello")
	res := pool.Apply([]ports.Binding{b}, func(ports.Binding) listen.Endpoint {
		return listen.Endpoint{Handlers: first, Settings: listen.DefaultSettings()}
	})
	if len(res.Opened) != 1 {
		t.Fatalf("no socket: %+v", res)
	}
	addr := res.Opened[0].Addr().String()

	st, err := rt.Stage(evaluate(t, cfg), sourcesOf(map[string]string{"hello": helloModule("2")}))
	if err != nil {
		t.Fatal(err)
	}
	st.Commit() // the pool still hands out version 1's handler
	if old.call(func() {}) {
		t.Fatal("the replaced instance, without connections, still runs")
	}
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if strings.TrimSpace(line) != "hello 2" {
		t.Fatalf("greeting %q (%v), want the new instance's", line, err)
	}
}
