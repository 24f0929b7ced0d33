package main

import (
	"fmt"
	"os"
	"time"
)

// runPeer starts a peer, drives its workloads o.runs times, stops it, then
// measures idle memory on fresh copies. Besides the rates it records the
// server's CPU time per request (all its processes and threads), which the
// other load on a shared machine disturbs far less than the rates.
func runPeer(p peer, base launch, st step, o options) {
	l, err := withPorts(base)
	if err != nil {
		fatal(err)
	}
	r, err := startPeer(p, l)
	if err != nil {
		fmt.Fprintf(os.Stderr, "   %s did not start: %v (see %s)\n", p.name, err, l.dir)
		for _, w := range []struct {
			on  bool
			key string
		}{{p.echo, "echo"}, {p.echo, "idle"}, {p.http, "http"}, {p.resp, "PING_MBULK -P 16"}} {
			if w.on {
				st.res.fail(w.key, p.name, "did not start")
			}
		}
		r.stop()
		return
	}
	for i := 1; i <= o.runs; i++ {
		if p.echo {
			runEcho(p.name, r, l.echo, st, o.dur, i)
		}
		if p.http {
			runHTTP(p.name, r, l.http, st, o.dur, i)
		}
		if p.resp {
			runPing(p.name, r, l.resp, st, i)
		}
	}
	r.stop()
	if p.echo && o.idle > 0 {
		for i := 1; i <= o.runs; i++ {
			measureIdle(p, base, st, i, o.idle)
		}
	}
}

func runEcho(name string, r *running, address string, st step, d time.Duration, run int) {
	cpu0 := r.cpuTime()
	e, err := st.load.echo(address, d)
	cpu := r.cpuTime() - cpu0
	fmt.Fprintf(os.Stderr, "   echo run %d: %.0f rt/s p50 %s p99 %s errors %d %v\n", run, e.RoundTrips, e.P50, e.P99, e.Errors, err)
	if err != nil || e.Errors > 0 || e.Total == 0 {
		st.res.fail("echo", name, fmt.Sprintf("errors: %d %v", e.Errors, err))
		return
	}
	st.res.add("echo", name, e.RoundTrips)
	st.res.add("echo p50", name, float64(e.P50.Microseconds()))
	st.res.add("echo p99", name, float64(e.P99.Microseconds()))
	st.res.add("echo cpu", name, float64(cpu.Nanoseconds())/1e3/float64(e.Total))
}

func runHTTP(name string, r *running, address string, st step, d time.Duration, run int) {
	cpu0 := r.cpuTime()
	rps, total, err := st.load.wrk(address, d)
	cpu := r.cpuTime() - cpu0
	if err != nil {
		fmt.Fprintf(os.Stderr, "   wrk: %v\n", err)
		st.res.fail("http", name, "failed")
		return
	}
	fmt.Fprintf(os.Stderr, "   http run %d: %.0f req/s\n", run, rps)
	st.res.add("http", name, rps)
	st.res.add("http cpu", name, float64(cpu.Nanoseconds())/1e3/float64(total))
}

// runPing runs redis-benchmark's two PING tests one at a time, so the
// server's CPU per request is known for each.
func runPing(name string, r *running, address string, st step, run int) {
	for _, pipe := range []int{1, 16} {
		n := st.load.pingN
		if pipe > 1 {
			n *= 10
		}
		for _, test := range []string{"ping_inline", "ping_mbulk"} {
			cpu0 := r.cpuTime()
			rates, err := st.load.redisBenchmark(address, test, n, pipe)
			cpu := r.cpuTime() - cpu0
			for t, v := range rates {
				key := fmt.Sprintf("%s -P %d", t, pipe)
				st.res.add(key, name, v)
				st.res.add("cpu "+key, name, float64(cpu.Nanoseconds())/float64(n))
				fmt.Fprintf(os.Stderr, "   %s run %d: %.0f req/s\n", key, run, v)
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "   redis-benchmark %s -P %d: %v\n", test, pipe, err)
				st.res.fail(fmt.Sprintf("PING_%s -P %d", map[string]string{"ping_inline": "INLINE", "ping_mbulk": "MBULK"}[test], pipe), name, "failed")
			}
		}
	}
}

// measureIdle starts a fresh copy of the peer (memory a process freed
// after earlier load still counts in its RSS), holds idle connections,
// checks each echoes before and after, and records the growth of the
// RSS of all the peer's processes per connection.
func measureIdle(p peer, base launch, st step, run, idle int) {
	l, err := withPorts(base)
	if err != nil {
		fatal(err)
	}
	r, err := startPeer(p, l)
	defer r.stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "   idle: %s did not start: %v\n", p.name, err)
		st.res.fail("idle", p.name, "did not start")
		return
	}
	before := r.rss()
	held, err := idleConns(l.echo, idle)
	if err != nil {
		fmt.Fprintf(os.Stderr, "   idle: %v\n", err)
		st.res.fail("idle", p.name, "failed")
		return
	}
	time.Sleep(500 * time.Millisecond) // let the server settle its buffers
	after := r.rss()
	bad := checkEcho(held)
	closeAll(held)
	per := float64(after-before) / float64(idle)
	st.res.add("idle", p.name, per)
	if bad > 0 {
		st.res.fail("idle", p.name, fmt.Sprintf("%d did not echo", bad))
	}
	fmt.Fprintf(os.Stderr, "   idle run %d: %d conns, %.0f bytes each, %d failed the echo check\n", run, idle, per, bad)
}
