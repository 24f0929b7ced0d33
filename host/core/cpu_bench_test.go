package core

import (
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// cpuTime is the CPU this process has used so far (user and system), in
// nanoseconds.
func cpuTime(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkEchoCPU measures the CPU one echo round-trip costs with conns
// connections at once on one instance of the module (getrusage, the
// steadier figure on a shared machine): the server's reading, Lua
// callback and writing, plus the in-process client's share, which is the
// same whatever the server's engine (MOONPORT_ENGINE picks it).
func BenchmarkEchoCPU(b *testing.B) {
	for _, conns := range []int{1, 64} {
		b.Run(fmt.Sprintf("conns=%d", conns), func(b *testing.B) {
			echo, _ := benchHost(b, 1)
			cs := make([]net.Conn, conns)
			for i := range cs {
				c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", echo))
				if err != nil {
					b.Fatal(err)
				}
				defer c.Close()
				cs[i] = c
			}
			msg := []byte(strings.Repeat("m", 63) + "\n")
			b.ReportAllocs()
			b.ResetTimer()
			start := cpuTime(b)
			var wg sync.WaitGroup
			for i, c := range cs {
				n := b.N / conns
				if i < b.N%conns {
					n++
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					buf := make([]byte, len(msg))
					for k := 0; k < n; k++ {
						if _, err := c.Write(msg); err != nil {
							b.Error(err)
							return
						}
						if _, err := io.ReadFull(c, buf); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
		})
	}
}
