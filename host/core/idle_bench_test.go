package core

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"
)

// vmRSS is this process's resident memory in bytes (Linux; 0 elsewhere).
func vmRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkIdleConnection measures the memory an idle connection holds,
// as bench/run does: the growth of VmRSS while N connections that have
// each echoed a line are held (-benchtime 1x; MOONPORT_ENGINE picks the
// engine). The client's sockets live in the same process and are counted
// too (about the same for every engine), so compare engines, not peers.
func BenchmarkIdleConnection(b *testing.B) {
	const n = 4000
	echo, _ := benchHost(b, 1)
	addr := fmt.Sprintf("127.0.0.1:%d", echo)
	runtime.GC()
	debug.FreeOSMemory()
	before := vmRSS()
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	echoAll := func() {
		for _, c := range conns {
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := c.Write([]byte("ping\n")); err != nil {
				b.Fatal(err)
			}
			if line, err := bufio.NewReaderSize(c, 16).ReadString('\n'); err != nil || line != "ping\n" {
				b.Fatalf("echo: %q %v", line, err)
			}
		}
	}
	for len(conns) < n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, c)
	}
	echoAll()
	runtime.GC()
	debug.FreeOSMemory()
	after := vmRSS()
	echoAll()
	b.ReportMetric(float64(after-before)/n, "B/conn")
	b.ReportMetric(float64(runtime.NumGoroutine()), "goroutines")
}
