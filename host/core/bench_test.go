package core

import (
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
)

// benchHost starts the example echo module and a greeter on loopback.
func benchHost(b *testing.B, workers int) (echo, greet int) {
	t := &testing.T{}
	echo, greet = freePort(t), freePort(t)
	th := newHost(t, fmt.Sprintf(`modules_enabled = { "echo", "greet" }
interfaces = { "127.0.0.1" }
echo_ports = %d
greet_ports = %d
echo_workers = %d
log = "error"
`, echo, greet, workers), map[string]string{"greet": `module:provides("net", { name = "greet", default_port = 1, listener = {
	onconnect = function(conn) conn:write("hi\n"); conn:close() end } })`})
	if err := th.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(th.Shutdown)
	return echo, greet
}

// BenchmarkEchoRoundTrip measures one message through the whole path:
// socket read, framing, delivery to Lua, onincoming, conn:write, socket
// write.
func BenchmarkEchoRoundTrip(b *testing.B) {
	echo, _ := benchHost(b, 1)
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", echo))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	msg := []byte(strings.Repeat("m", 63) + "\n")
	buf := make([]byte, len(msg))
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEchoParallel runs many connections at once against one Lua
// state, and against one copy per CPU.
func BenchmarkEchoParallel(b *testing.B) {
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			echo, _ := benchHost(b, workers)
			b.ReportAllocs()
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", echo))
				if err != nil {
					b.Error(err)
					return
				}
				defer c.Close()
				msg := []byte(strings.Repeat("m", 63) + "\n")
				buf := make([]byte, len(msg))
				for pb.Next() {
					if _, err := c.Write(msg); err != nil {
						b.Error(err)
						return
					}
					if _, err := io.ReadFull(c, buf); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkAccept measures accept, onconnect, a write and close.
func BenchmarkAccept(b *testing.B) {
	_, greet := benchHost(b, 1)
	addr := fmt.Sprintf("127.0.0.1:%d", greet)
	buf := make([]byte, 3)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}
