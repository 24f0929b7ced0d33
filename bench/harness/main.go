// Command harness runs moonport and its peers side by side on loopback,
// each at its best setting, at one or more server core counts, and prints
// Markdown tables of the figures, moonport's ratios, the scaling across
// core counts and the verdict on each target of issue 18. It owns only
// what it starts (the peers, pinned with taskset, and its load
// generators); see bench/README.md.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// options are the command line, after -quick filled what was not given.
type options struct {
	runs, conns, size, idle, pingN int
	dur                            time.Duration
	peers, bin, workers, cores     string
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("harness", flag.ContinueOnError)
	fs.IntVar(&o.runs, "runs", 3, "runs of each workload (the tables show the median)")
	fs.DurationVar(&o.dur, "duration", 5*time.Second, "length of each echo and wrk run")
	fs.IntVar(&o.conns, "conns", 0, "echo connections; 0: max(64, 16 per server CPU)")
	fs.IntVar(&o.size, "size", 64, "echo message size in bytes")
	fs.IntVar(&o.idle, "idle", 10000, "idle connections held for the memory row (0 skips it)")
	fs.IntVar(&o.pingN, "ping-requests", 100000, "requests per redis-benchmark test without pipelining, per server CPU up to 8 (x10 with -P 16)")
	fs.StringVar(&o.peers, "peers", defaultPeers, "peers to run, comma separated (haproxy-lua-load is also known)")
	fs.StringVar(&o.bin, "bin", "bench/out/bin", "folder with the moonport and plain binaries")
	fs.StringVar(&o.workers, "workers", "auto", "bench_*_workers of the moonport-workers column")
	fs.StringVar(&o.cores, "cores", "1,half,all", "server CPU counts to run: numbers, half, all")
	quick := fs.Bool("quick", false, "a short smoke run: -runs 1 -duration 2s -idle 1000 -ping-requests 20000 -cores all, unless given")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if *quick {
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		for name, v := range map[string]string{"runs": "1", "duration": "2s", "idle": "1000", "ping-requests": "20000", "cores": "all"} {
			if !given[name] {
				_ = fs.Set(name, v)
			}
		}
	}
	return o, nil
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "echoload" {
		echoLoadMain(os.Args[2:])
		return
	}
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		os.Exit(2)
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		fatal(fmt.Errorf("taskset (util-linux) pins the server and the load: %w", err))
	}
	allowed, err := allowedCPUs()
	if err != nil {
		fatal(err)
	}
	counts, labels, err := parseCores(o.cores, len(allowed))
	if err != nil {
		fatal(err)
	}
	chosen, err := choosePeers(o.peers, o.workers)
	if err != nil {
		fatal(err)
	}
	start := time.Now()
	var steps []step
	for i, n := range counts {
		steps = append(steps, runStep(o, chosen, splitCores(allowed, n, labels[i])))
	}
	w := os.Stdout
	fmt.Fprintf(w, "## bench/run on %d CPUs (%s), %d run(s) of %s each, %s in all\n", len(allowed), cpuList(allowed), o.runs, o.dur, time.Since(start).Round(time.Second))
	for _, s := range steps {
		printStep(w, s, o.idle)
	}
	printScaling(w, steps)
	printTargets(w, evaluate(steps, o.idle), steps, len(allowed))
	fmt.Fprintln(w, "\nFigures are median (min–max) over the runs; ratios are moonport ÷ peer of the medians.")
}

// choosePeers keeps the known peers named in list, in the harness's order.
func choosePeers(list, workers string) ([]peer, error) {
	wanted := map[string]bool{}
	for _, p := range strings.Split(list, ",") {
		if p = strings.TrimSpace(p); p != "" {
			wanted[p] = true
		}
	}
	var out []peer
	for _, p := range peers(workers) {
		if wanted[p.name] {
			out = append(out, p)
			delete(wanted, p.name)
		}
	}
	for p := range wanted {
		return nil, fmt.Errorf("-peers: no peer %q (known: %s,haproxy-lua-load)", p, defaultPeers)
	}
	return out, nil
}

// runStep runs every chosen peer with the server on s's CPUs.
func runStep(o options, chosen []peer, cs coreSet) step {
	st := step{cores: cs, load: newLoadGen(cs, o.conns, o.size, o.pingN), res: results{}, settings: map[string]string{}}
	out, _ := filepath.Abs(filepath.Join("bench/out", fmt.Sprintf("%dcpu", cs.n())))
	base := launch{bin: abs(o.bin), modules: abs("bench/modules"), haLua: abs("bench/haproxy/bench.lua"), cores: cs,
		maxConns: o.idle + st.load.echoConns + st.load.wrkConns + st.load.rbClients + 100}
	fmt.Fprintf(os.Stderr, "== %s\n", cs.heading())
	for _, p := range chosen {
		st.peers = append(st.peers, p.name)
		st.settings[p.name] = p.setting(cs.n())
		base.dir = filepath.Join(out, p.name)
		_ = os.RemoveAll(base.dir)
		if err := os.MkdirAll(base.dir, 0o755); err != nil {
			fatal(err)
		}
		if p.name == "moonport-workers" && oneCopy(o.workers, cs.n()) && st.res.copyPeer("moonport", p.name) {
			st.settings[p.name] += ": the same as moonport, figures copied, not run again"
			continue
		}
		fmt.Fprintf(os.Stderr, "== %s (%s)\n", p.name, st.settings[p.name])
		runPeer(p, base, st, o)
		if p.moonport {
			st.logErrors += countLogErrors(base.dir, p.logFile)
		}
	}
	return st
}

// oneCopy reports whether a workers value makes a single copy on n CPUs:
// then moonport-workers is the moonport column again and need not run.
func oneCopy(workers string, n int) bool {
	return workers == "1" || (workers == "auto" && n == 1)
}

func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		fatal(err)
	}
	return a
}

// withPorts gives a launch fresh free loopback ports for its services.
func withPorts(l launch) (launch, error) {
	for _, a := range []*string{&l.echo, &l.resp, &l.http} {
		var err error
		if *a, err = freeAddr(); err != nil {
			return l, err
		}
	}
	return l, nil
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "harness:", err)
	os.Exit(1)
}
