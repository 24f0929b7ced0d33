package bridge

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/moonport/moonport/host/listen"
)

// lineEchoServer is a TCP server on 127.0.0.1 answering each line with
// "echo:" and the line.
func lineEchoServer(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					fmt.Fprintf(c, "echo:%s\n", sc.Text())
				}
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

const connectModule = `
local connect = require "net.connect".connect
local basic = require "net.resolvers.basic"
results = {}
local function listeners(key)
	return {
		onattach = function(conn, data) results[key] = (results[key] or "") .. "attach:" .. tostring(data) .. " " end,
		onconnect = function(conn) results[key] = results[key] .. "connect "; conn:write(key .. "\n") end,
		onincoming = function(conn, line) results[key] = results[key] .. line; conn:close() end,
		onfail = function(data, reason) results[key] = "fail:" .. tostring(data) .. ":" .. tostring(reason ~= nil) end,
	}
end
function start(port, refused)
	local lines = { pattern = "*l" }
	connect("127.0.0.1", port, listeners("direct"), lines, "D1")
	local targets = { { "tcp", "127.0.0.1", refused }, { "tcp", "127.0.0.1", port } }
	local i = 0
	local resolver = { next = function(self, cb) i = i + 1; local t = targets[i]; if t then return cb(t[1], t[2], t[3]) end return cb() end }
	connect(resolver, listeners("fallback"), lines, "D2")
	connect(basic.new("127.0.0.1", refused), listeners("failed"), lines, "D3")
	connect(basic.new("localhost", port, "tcp"), listeners("named"), lines, "D4")
end
function show(key) return results[key] or "" end
`

// net.connect tries each target its resolver gives until one connects,
// hands that one to the listeners with its data, and calls onfail when
// none is left.
func TestNetConnect(t *testing.T) {
	port := lineEchoServer(t)
	refused := refusedPort(t)
	inst := newDialingRuntime(t, map[string]string{"connect": connectModule}).load(t, "connect")
	if _, err := callGlobal(inst, "start", port, refused); err != nil {
		t.Fatal(err)
	}
	waitShow(t, inst, "direct", "attach:D1 connect echo:direct")
	waitShow(t, inst, "fallback", "attach:D2 connect echo:fallback")
	waitShow(t, inst, "failed", "fail:D3:true")
	waitShow(t, inst, "named", "attach:D4 connect echo:named")
}

// newDialingRuntime is a test runtime with a network server, so modules
// can open outgoing connections.
func newDialingRuntime(t *testing.T, modules map[string]string) *testRuntime {
	t.Helper()
	buf := &logBuffer{}
	log := logrus.New()
	log.SetOutput(buf)
	log.SetLevel(logrus.DebugLevel)
	rt := New(Options{Log: log, Config: evaluate(t, ""), Sources: sourcesOf(modules),
		Server: listen.NewServer(log), Settings: listen.DefaultSettings()})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rt.Stop(ctx)
	})
	return &testRuntime{Runtime: rt, log: buf}
}
