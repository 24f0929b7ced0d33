// Command harness runs moonport and its peers side by side on loopback and
// prints one Markdown table of moonport's ratio to each. See bench/README.md.
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type sample struct {
	values []float64
	note   string
}

// results[workload][peer]
type results map[string]map[string]*sample

func (r results) add(workload, peer string, v float64) {
	if r[workload] == nil {
		r[workload] = map[string]*sample{}
	}
	if r[workload][peer] == nil {
		r[workload][peer] = &sample{}
	}
	r[workload][peer].values = append(r[workload][peer].values, v)
}

func (r results) fail(workload, peer, note string) {
	if r[workload] == nil {
		r[workload] = map[string]*sample{}
	}
	if r[workload][peer] == nil {
		r[workload][peer] = &sample{}
	}
	r[workload][peer].note = note
}

func main() {
	runs := flag.Int("runs", 3, "runs of each workload (the table shows the median)")
	dur := flag.Duration("duration", 5*time.Second, "length of each echo run")
	conns := flag.Int("conns", 64, "echo connections")
	size := flag.Int("size", 64, "echo message size in bytes")
	idle := flag.Int("idle", 10000, "idle connections held for the memory figure")
	pingN := flag.Int("ping-requests", 200000, "requests per redis-benchmark run without pipelining (x10 with -P 16)")
	only := flag.String("peers", "moonport,prosody,haproxy-lua,redis,plain-go,nginx-lua", "peers to run, comma separated")
	bin := flag.String("bin", "bench/out/bin", "folder with the moonport and plain binaries")
	workers := flag.String("workers", "", "moonport: bench_*_workers option (e.g. auto); empty leaves the module default")
	flag.Parse()

	out, _ := filepath.Abs("bench/out")
	modules, _ := filepath.Abs("bench/modules")
	binAbs, _ := filepath.Abs(*bin)
	wanted := map[string]bool{}
	for _, p := range strings.Split(*only, ",") {
		wanted[strings.TrimSpace(p)] = true
	}
	res := results{}
	var order []string
	for _, p := range peers(binAbs, modules, *workers) {
		if !wanted[p.name] {
			continue
		}
		order = append(order, p.name)
		dir := filepath.Join(out, p.name)
		_ = os.RemoveAll(dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fatal(err)
		}
		fmt.Fprintf(os.Stderr, "== %s\n", p.name)
		cmds, err := startPeer(p, dir)
		if err != nil {
			fmt.Fprintf(os.Stderr, "   %s did not start: %v (see %s)\n", p.name, err, dir)
			for _, w := range []string{"echo", "idle"} {
				res.fail(w, p.name, "did not start")
			}
			stop(cmds)
			continue
		}
		runPeer(p, cmds, res, *runs, *dur, *conns, *size, *pingN)
		stop(cmds)
		if p.echo != "" && *idle > 0 {
			for i := 0; i < *runs; i++ {
				measureIdle(p, dir, res, i+1, *idle)
			}
		}
		if p.name == "moonport" {
			countLogErrors(filepath.Join(dir, p.logFile), res)
		}
	}
	printTable(res, order, *conns, *size, *idle)
}

// runPeer drives the throughput workloads against a running peer. Besides
// the rates it records the server's CPU time per request, which the other
// load on a shared machine disturbs far less than the rates.
func runPeer(p peer, cmds []*exec.Cmd, res results, runs int, dur time.Duration, conns, size, pingN int) {
	echoPID := cmds[0].Process.Pid
	respPID := echoPID
	if p.respPID != nil {
		respPID = p.respPID(cmds)
	}
	for i := 0; i < runs; i++ {
		if p.echo != "" {
			cpu0, t0 := cpuTime(echoPID), time.Now()
			r, err := echoLoad(p.echo, conns, size, dur)
			if cpu := cpuTime(echoPID) - cpu0; err == nil && r.RoundTrips > 0 {
				res.add("echo cpu", p.name, float64(cpu.Microseconds())/(r.RoundTrips*time.Since(t0).Seconds()))
			}
			if err != nil || r.Errors > 0 {
				res.fail("echo", p.name, fmt.Sprintf("errors: %v %d", err, r.Errors))
			} else {
				res.add("echo", p.name, r.RoundTrips)
				res.add("echo p50", p.name, float64(r.P50.Microseconds()))
				res.add("echo p99", p.name, float64(r.P99.Microseconds()))
			}
			fmt.Fprintf(os.Stderr, "   echo run %d: %.0f rt/s p50 %s p99 %s errors %d %v\n", i+1, r.RoundTrips, r.P50, r.P99, r.Errors, err)
		}
		if p.http != "" {
			rps, err := wrk(p.http, dur)
			if err != nil {
				fmt.Fprintf(os.Stderr, "   wrk: %v\n", err)
				res.fail("http", p.name, "failed")
			} else {
				res.add("http", p.name, rps)
				fmt.Fprintf(os.Stderr, "   http run %d: %.0f req/s\n", i+1, rps)
			}
		}
		if p.resp != "" {
			for _, pipe := range []int{1, 16} {
				n := pingN
				if pipe > 1 {
					n *= 10
				}
				cpu0 := cpuTime(respPID)
				rps, err := redisBenchmark(p.resp, 50, n, pipe)
				if cpu := cpuTime(respPID) - cpu0; err == nil {
					// redis-benchmark -t ping sends n inline and n RESP PINGs.
					res.add(fmt.Sprintf("ping cpu -P %d", pipe), p.name, float64(cpu.Nanoseconds())/float64(2*n))
				}
				for test, v := range rps {
					name := fmt.Sprintf("%s -P %d", test, pipe)
					res.add(name, p.name, v)
					fmt.Fprintf(os.Stderr, "   %s run %d: %.0f req/s\n", name, i+1, v)
				}
				if err != nil {
					fmt.Fprintf(os.Stderr, "   redis-benchmark -P %d: %v\n", pipe, err)
					res.fail(fmt.Sprintf("PING_MBULK -P %d", pipe), p.name, "failed")
				}
			}
		}
	}
}

// measureIdle starts a fresh copy of the peer (memory a process freed
// after earlier load still counts in its RSS), holds idle connections and
// reports the growth of its RSS per connection.
func measureIdle(p peer, dir string, res results, run, idle int) {
	cmds, err := startPeer(p, dir)
	defer stop(cmds)
	if err != nil {
		fmt.Fprintf(os.Stderr, "   idle: %s did not start: %v\n", p.name, err)
		res.fail("idle", p.name, "did not start")
		return
	}
	pid := p.rssOfPID(cmds)
	before, _ := rss(pid)
	held, err := idleConns(p.echo, idle)
	if err != nil {
		fmt.Fprintf(os.Stderr, "   idle: %v\n", err)
		res.fail("idle", p.name, "failed")
		return
	}
	time.Sleep(500 * time.Millisecond) // let the server settle its buffers
	after, _ := rss(pid)
	bad := checkEcho(held)
	closeAll(held)
	per := float64(after-before) / float64(idle)
	res.add("idle", p.name, per)
	if bad > 0 {
		res.fail("idle", p.name, fmt.Sprintf("%d did not echo", bad))
	}
	fmt.Fprintf(os.Stderr, "   idle run %d: %d conns, %.0f bytes each, %d failed the echo check\n", run, idle, per, bad)
}

// startPeer starts a peer's processes and waits until they listen.
func startPeer(p peer, dir string) ([]*exec.Cmd, error) {
	cmds, err := p.start(dir)
	if err != nil {
		return cmds, err
	}
	for _, c := range cmds {
		if err := c.Start(); err != nil {
			return cmds, err
		}
	}
	go func() {
		for _, c := range cmds {
			_ = c.Wait()
		}
	}()
	var addrs []string
	for _, a := range []string{p.echo, p.resp, p.http} {
		if a != "" {
			addrs = append(addrs, a)
		}
	}
	return cmds, waitListening(addrs, cmds)
}

// wrk runs wrk -t2 -c64 against the hello route and returns requests/s.
func wrk(address string, d time.Duration) (float64, error) {
	out, err := exec.Command("wrk", "-t2", "-c64", "-d", fmt.Sprintf("%ds", int(d.Seconds())), "http://"+address+"/bench/hello").CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("wrk: %w: %s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Requests/sec:"); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("no Requests/sec in wrk's output: %s", out)
}

// redisBenchmark runs redis-benchmark's PING tests and returns requests/s
// by test name (PING_INLINE, PING_MBULK).
func redisBenchmark(address string, clients, n, pipeline int) (map[string]float64, error) {
	host, port, _ := strings.Cut(address, ":")
	cmd := exec.Command("redis-benchmark", "-h", host, "-p", port, "-c", strconv.Itoa(clients), "-n", strconv.Itoa(n),
		"-P", strconv.Itoa(pipeline), "-t", "ping", "--csv")
	outb, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("redis-benchmark: %w", err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(outb))).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("redis-benchmark output: %w: %q", err, outb)
	}
	out := map[string]float64{}
	for _, row := range rows {
		if len(row) < 2 || row[0] == "test" {
			continue
		}
		v, err := strconv.ParseFloat(row[1], 64)
		if err == nil {
			out[row[0]] = v
		}
	}
	return out, nil
}

func stop(cmds []*exec.Cmd) {
	for _, c := range cmds {
		if c.Process == nil {
			continue
		}
		_ = c.Process.Signal(syscall.SIGTERM)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, c := range cmds {
		if c.Process == nil {
			continue
		}
		for time.Now().Before(deadline) && syscall.Kill(c.Process.Pid, 0) == nil && c.ProcessState == nil {
			time.Sleep(50 * time.Millisecond)
		}
		_ = c.Process.Kill()
	}
}

func countLogErrors(path string, res results) {
	b, _ := os.ReadFile(path)
	n := strings.Count(string(b), "level=error") + strings.Count(string(b), "level=warning")
	res.add("moonport log errors", "moonport", float64(n))
}

func median(v []float64) (med, lo, hi float64) {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2], s[0], s[len(s)-1]
}

func fmtNum(v float64) string {
	switch {
	case v < 10:
		return fmt.Sprintf("%.2f", v)
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.1fk", v/1e3)
	default:
		return fmt.Sprintf("%.0f", v)
	}
}

func printTable(res results, order []string, conns, size, idle int) {
	rows := []struct{ key, label string }{
		{"echo", fmt.Sprintf("echo round-trips/s (%d conns, %d B)", conns, size)},
		{"echo p50", "echo p50 latency (µs, lower is better)"},
		{"echo p99", "echo p99 latency (µs, lower is better)"},
		{"PING_INLINE -P 1", "PING inline req/s, -c 50"},
		{"PING_MBULK -P 1", "PING RESP req/s, -c 50"},
		{"PING_INLINE -P 16", "PING inline req/s, -c 50 -P 16"},
		{"PING_MBULK -P 16", "PING RESP req/s, -c 50 -P 16"},
		{"http", "HTTP hello req/s (wrk -t2 -c64)"},
		{"echo cpu", "server CPU µs per echo round-trip (lower is better)"},
		{"ping cpu -P 1", "server CPU ns per PING, -P 1 (lower is better)"},
		{"ping cpu -P 16", "server CPU ns per PING, -P 16 (lower is better)"},
		{"idle", fmt.Sprintf("bytes per idle connection (%d held, lower is better)", idle)},
	}
	fmt.Println("| workload | " + strings.Join(order, " | ") + " | " + ratioHeads(order) + " |")
	fmt.Println("|---" + strings.Repeat("|---", len(order)+len(order)-1) + "|")
	for _, row := range rows {
		byPeer := res[row.key]
		if byPeer == nil {
			continue
		}
		cells := []string{row.label}
		for _, p := range order {
			s := byPeer[p]
			switch {
			case s == nil:
				cells = append(cells, "–")
			case s.note != "":
				cells = append(cells, s.note)
			default:
				m, lo, hi := median(s.values)
				cells = append(cells, fmt.Sprintf("%s (%s–%s)", fmtNum(m), fmtNum(lo), fmtNum(hi)))
			}
		}
		mine := byPeer["moonport"]
		for _, p := range order {
			if p == "moonport" {
				continue
			}
			s := byPeer[p]
			if mine == nil || s == nil || mine.note != "" || s.note != "" || len(mine.values) == 0 || len(s.values) == 0 {
				cells = append(cells, "–")
				continue
			}
			a, _, _ := median(mine.values)
			b, _, _ := median(s.values)
			cells = append(cells, fmt.Sprintf("%.2fx", a/b))
		}
		fmt.Println("| " + strings.Join(cells, " | ") + " |")
	}
	if s := res["moonport log errors"]["moonport"]; s != nil {
		fmt.Printf("\nmoonport log: %.0f error or warning lines during the run.\n", s.values[0])
	}
	fmt.Println("\nRatios are moonport ÷ peer, medians of each run; figures are median (min–max).")
}

func ratioHeads(order []string) string {
	var h []string
	for _, p := range order {
		if p != "moonport" {
			h = append(h, "moonport/"+p)
		}
	}
	return strings.Join(h, " | ")
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "harness:", err)
	os.Exit(1)
}
