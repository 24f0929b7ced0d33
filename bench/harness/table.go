package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

type sample struct {
	values []float64
	note   string // why there is no figure (a failure); wins over values
}

// results[workload][peer]
type results map[string]map[string]*sample

func (r results) get(workload, peer string) *sample {
	if r[workload] == nil {
		r[workload] = map[string]*sample{}
	}
	if r[workload][peer] == nil {
		r[workload][peer] = &sample{}
	}
	return r[workload][peer]
}

func (r results) add(workload, peer string, v float64) {
	s := r.get(workload, peer)
	s.values = append(s.values, v)
}

func (r results) fail(workload, peer, note string) { r.get(workload, peer).note = note }

// copyPeer gives to every figure from (already run); false if from has none.
func (r results) copyPeer(from, to string) bool {
	copied := false
	for _, byPeer := range r {
		if s := byPeer[from]; s != nil {
			byPeer[to] = &sample{values: append([]float64(nil), s.values...), note: s.note}
			copied = true
		}
	}
	return copied
}

// median is the median of a peer's figures for a workload; ok is false
// when there is none (not run, or failed).
func (r results) median(workload, peer string) (float64, bool) {
	s := r[workload][peer]
	if s == nil || s.note != "" || len(s.values) == 0 {
		return 0, false
	}
	m, _, _ := median(s.values)
	return m, true
}

// step is everything measured at one core count.
type step struct {
	cores     coreSet
	load      loadGen
	res       results
	peers     []string          // the columns, in run order
	settings  map[string]string // how each peer ran
	logErrors int               // moonport's error and warning lines
}

// row is one workload of the table.
type row struct {
	key, label string
	lower      bool // lower is better
}

func tableRows(load loadGen, idle int) []row {
	return []row{
		{"echo", fmt.Sprintf("echo round-trips/s (%d conns, %d B)", load.echoConns, load.size), false},
		{"echo p50", "echo p50 latency µs", true},
		{"echo p99", "echo p99 latency µs", true},
		{"PING_INLINE -P 1", "PING inline req/s", false},
		{"PING_MBULK -P 1", "PING RESP req/s", false},
		{"PING_INLINE -P 16", "PING inline req/s, -P 16", false},
		{"PING_MBULK -P 16", "PING RESP req/s, -P 16", false},
		{"http", fmt.Sprintf("HTTP hello req/s (wrk -t%d -c%d)", load.wrkThreads, load.wrkConns), false},
		{"echo cpu", "server CPU µs per echo round-trip", true},
		{"cpu PING_INLINE -P 1", "server CPU ns per PING inline", true},
		{"cpu PING_MBULK -P 1", "server CPU ns per PING RESP", true},
		{"cpu PING_INLINE -P 16", "server CPU ns per PING inline, -P 16", true},
		{"cpu PING_MBULK -P 16", "server CPU ns per PING RESP, -P 16", true},
		{"http cpu", "server CPU µs per HTTP request", true},
		{"idle", fmt.Sprintf("bytes per idle connection (%d held)", idle), true},
	}
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

// cell is a peer's figure: the median, with (min–max) over several runs.
func cell(s *sample) string {
	switch {
	case s == nil:
		return "–"
	case s.note != "":
		return s.note
	case len(s.values) == 0:
		return "–"
	case len(s.values) == 1:
		return fmtNum(s.values[0])
	}
	m, lo, hi := median(s.values)
	return fmt.Sprintf("%s (%s–%s)", fmtNum(m), fmtNum(lo), fmtNum(hi))
}

func mdRow(w io.Writer, cells ...string) {
	fmt.Fprintln(w, "| "+strings.Join(cells, " | ")+" |")
}

func mdRule(w io.Writer, n int) { fmt.Fprintln(w, "|"+strings.Repeat("---|", n)) }

// printStep prints one core count's figures, then moonport's ratios.
func printStep(w io.Writer, s step, idle int) {
	fmt.Fprintf(w, "\n### %s\n\n%s.\n\n", s.cores.heading(), s.load.describe())
	mdRow(w, append([]string{"workload"}, s.peers...)...)
	mdRule(w, len(s.peers)+1)
	settings := []string{"setting"}
	for _, p := range s.peers {
		settings = append(settings, s.settings[p])
	}
	mdRow(w, settings...)
	rows := tableRows(s.load, idle)
	for _, r := range rows {
		if s.res[r.key] == nil {
			continue
		}
		label := r.label
		if r.lower {
			label += " (lower is better)"
		}
		cells := []string{label}
		for _, p := range s.peers {
			cells = append(cells, cell(s.res[r.key][p]))
		}
		mdRow(w, cells...)
	}
	printRatios(w, s, rows)
	if mine, _ := ratioColumns(s.peers); len(mine) > 0 {
		fmt.Fprintf(w, "\nmoonport log: %d error or warning lines during this step.\n", s.logErrors)
	}
}

// ratioColumns are the moonport columns that ran and the other peers.
func ratioColumns(peersRun []string) (mine, others []string) {
	for _, p := range peersRun {
		switch {
		case p == "moonport" || p == "moonport-workers":
			mine = append(mine, p)
		case strings.HasPrefix(p, "moonport"):
			// moonport-nobudget only feeds target 4
		default:
			others = append(others, p)
		}
	}
	return mine, others
}

// printRatios prints moonport ÷ peer for each workload: one cell per
// peer holding the ratio of each moonport column ("one instance / workers").
func printRatios(w io.Writer, s step, rows []row) {
	mine, others := ratioColumns(s.peers)
	if len(mine) == 0 || len(others) == 0 {
		return
	}
	fmt.Fprintf(w, "\nmoonport ÷ peer (%s; medians):\n\n", strings.Join(mine, " / "))
	heads := []string{"workload"}
	for _, o := range others {
		heads = append(heads, "÷ "+o)
	}
	mdRow(w, heads...)
	mdRule(w, len(heads))
	for _, r := range rows {
		cells, any := []string{r.label}, false
		for _, o := range others {
			b, ok := s.res.median(r.key, o)
			var parts []string
			for _, m := range mine {
				a, ok2 := s.res.median(r.key, m)
				if ok && ok2 && b != 0 {
					parts, any = append(parts, fmt.Sprintf("%.2fx", a/b)), true
				} else {
					parts = append(parts, "–")
				}
			}
			cells = append(cells, strings.Join(parts, " / "))
		}
		if any {
			mdRow(w, cells...)
		}
	}
}

// scalingRows are the workloads the scaling table follows across steps.
var scalingRows = []row{
	{key: "echo", label: "echo round-trips/s"},
	{key: "PING_MBULK -P 16", label: "PING RESP req/s, -P 16"},
	{key: "http", label: "HTTP hello req/s"},
	{key: "cpu PING_MBULK -P 16", label: "server CPU ns per PING RESP, -P 16", lower: true},
}

// printScaling shows each peer's figure at every core count side by side.
func printScaling(w io.Writer, steps []step) {
	if len(steps) < 2 {
		return
	}
	fmt.Fprintf(w, "\n### Scaling: medians by server CPUs\n\n")
	heads := []string{"workload", "peer"}
	for _, s := range steps {
		heads = append(heads, fmt.Sprintf("%d CPU%s", s.cores.n(), plural(s.cores.n())))
	}
	mdRow(w, heads...)
	mdRule(w, len(heads))
	for _, r := range scalingRows {
		for _, p := range steps[len(steps)-1].peers {
			cells, any := []string{r.label, p}, false
			for _, s := range steps {
				if v, ok := s.res.median(r.key, p); ok {
					cells, any = append(cells, fmtNum(v)), true
				} else {
					cells = append(cells, "–")
				}
			}
			if any {
				mdRow(w, cells...)
			}
		}
	}
}
