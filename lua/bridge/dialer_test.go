package bridge

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/host/listen"
)

// The sandbox's dialer fails every connection with errNoOutgoing before
// any name is looked up (an .invalid name fails the same way, not with a
// DNS error), for net.server and net.http alike; the serving dialer
// connects to the same listener.
func TestSandboxDialerRefusesWithoutTheNetwork(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addr := l.Addr().String()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, target := range []string{addr, "moonport-no-such-host.invalid:80"} {
		if c, err := sandboxDialer.dial(net.Dialer{})(ctx, "tcp", target); !errors.Is(err, errNoOutgoing) {
			t.Errorf("sandbox dial %s: %v %v, want %v", target, c, err, errNoOutgoing)
		}
		for i, client := range sandboxDialer.http {
			if resp, err := client.Get("http://" + target + "/"); !errors.Is(err, errNoOutgoing) {
				t.Errorf("sandbox HTTP client %d, %s: %v %v, want %v", i, target, resp, err, errNoOutgoing)
			}
		}
	}
	c, err := netDialer.dial(net.Dialer{})(ctx, "tcp", addr)
	if err != nil {
		t.Fatalf("serving dialer: %v", err)
	}
	c.Close()
	// The one connection the listener got is the serving dialer's.
	accepted, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if accepted.RemoteAddr().String() != c.LocalAddr().String() {
		t.Errorf("the listener got %s first, not the serving dialer's %s", accepted.RemoteAddr(), c.LocalAddr())
	}
	accepted.Close()
}

// In the sandbox, a module's outgoing calls answer the refusal at once:
// addclient nil and the reason, net.http's request nil and the reason
// after its callback had it with code 0; and the module's log names each
// refused connection.
func TestSandboxRefusesOutgoingCalls(t *testing.T) {
	const mod = `
local http = require "net.http"
local server = require "net.server"
local conn, err = server.addclient("127.0.0.1", 9, {})
module:log("info", "addclient: %s %s", tostring(conn), tostring(err))
local req, herr = http.request("http://127.0.0.1:9/p", nil, function(body, code) module:log("info", "callback: %s %s", code, body) end)
module:log("info", "request: %s %s", tostring(req), tostring(herr))
`
	tr := newTestRuntime(t, "", map[string]string{"dialer": mod}, func(o *Options) {
		o.Sandbox = true
		o.Server = listen.NewServer(o.Log)
	})
	tr.load(t, "dialer")
	tr.log.wait(t, "addclient: nil "+errNoOutgoing.Error())
	tr.log.wait(t, "callback: 0 "+errNoOutgoing.Error())
	tr.log.wait(t, "request: nil "+errNoOutgoing.Error())
	for _, want := range []string{"net.server.addclient to 127.0.0.1:9 refused", "net.http request to http://127.0.0.1:9/p refused"} {
		if l := tr.log.lines(want, "level=warning"); len(l) != 1 {
			t.Errorf("log lines with %q: %q\n%s", want, l, tr.log.String())
		}
	}
	if strings.Contains(tr.log.String(), "connection refused") {
		t.Errorf("a connection was tried:\n%s", tr.log.String())
	}
}
