package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// echoResult is one run of the echo load.
type echoResult struct {
	RoundTrips float64 // per second
	Total      int64   // round-trips in the run
	P50, P99   time.Duration
	Errors     int64
}

// echoLoadMain is the child process "harness echoload …" that the
// harness starts pinned to the load CPUs: it runs echoLoad and prints the
// result as JSON on stdout.
func echoLoadMain(args []string) {
	fs := flag.NewFlagSet("echoload", flag.ExitOnError)
	address := fs.String("addr", "", "echo service address")
	conns := fs.Int("conns", 64, "connections")
	size := fs.Int("size", 64, "message size in bytes")
	d := fs.Duration("duration", 5*time.Second, "length of the run")
	_ = fs.Parse(args)
	r, err := echoLoad(*address, *conns, *size, *d)
	if err != nil {
		fatal(err)
	}
	if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
		fatal(err)
	}
}

// echoLoad keeps conns connections each sending size-byte messages (ending
// in "\n", so line-based peers work too) and waiting for the same bytes
// back, for d.
func echoLoad(addr string, conns, size int, d time.Duration) (echoResult, error) {
	msg := bytes.Repeat([]byte("m"), size)
	msg[size-1] = '\n'
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		lats   []time.Duration
		total  atomic.Int64
		errs   atomic.Int64
		dialEr error
	)
	cs := make([]net.Conn, 0, conns)
	for i := 0; i < conns; i++ {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			dialEr = err
			break
		}
		cs = append(cs, c)
	}
	defer func() {
		for _, c := range cs {
			c.Close()
		}
	}()
	if dialEr != nil {
		return echoResult{}, fmt.Errorf("dial %s: %w", addr, dialEr)
	}
	start := time.Now()
	for _, c := range cs {
		wg.Add(1)
		go func(c net.Conn) {
			defer wg.Done()
			buf := make([]byte, size)
			local := make([]time.Duration, 0, 1<<16)
			for ctx.Err() == nil {
				t0 := time.Now()
				_ = c.SetDeadline(t0.Add(10 * time.Second))
				if _, err := c.Write(msg); err != nil {
					errs.Add(1)
					return
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					errs.Add(1)
					return
				}
				if !bytes.Equal(buf, msg) {
					errs.Add(1)
					return
				}
				local = append(local, time.Since(t0))
			}
			total.Add(int64(len(local)))
			mu.Lock()
			lats = append(lats, local...)
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	r := echoResult{RoundTrips: float64(total.Load()) / elapsed.Seconds(), Total: total.Load(), Errors: errs.Load()}
	if len(lats) > 0 {
		r.P50 = lats[len(lats)/2]
		r.P99 = lats[len(lats)*99/100]
	}
	return r, nil
}

// idleConns opens n connections (a few at a time, as real clients arrive),
// checks every one echoes, and returns them open.
func idleConns(addr string, n int) ([]net.Conn, error) {
	conns := make([]net.Conn, n)
	var firstErr error
	var mu sync.Mutex
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := net.DialTimeout("tcp", addr, 10*time.Second)
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				return
			}
			conns[i] = c
		}(i)
	}
	wg.Wait()
	if firstErr != nil {
		closeAll(conns)
		return nil, fmt.Errorf("opening %d connections to %s: %w", n, addr, firstErr)
	}
	if bad := checkEcho(conns); bad > 0 {
		closeAll(conns)
		return nil, fmt.Errorf("%d of %d idle connections did not echo", bad, n)
	}
	return conns, nil
}

// checkEcho sends a short line on every connection and counts those that
// do not echo it.
func checkEcho(conns []net.Conn) int {
	var bad atomic.Int64
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func(c net.Conn) {
			defer wg.Done()
			defer func() { <-sem }()
			msg := []byte("still here\n")
			buf := make([]byte, len(msg))
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := c.Write(msg); err != nil {
				bad.Add(1)
				return
			}
			if _, err := io.ReadFull(c, buf); err != nil || !bytes.Equal(buf, msg) {
				bad.Add(1)
			}
		}(c)
	}
	wg.Wait()
	return int(bad.Load())
}

func closeAll(conns []net.Conn) {
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}
