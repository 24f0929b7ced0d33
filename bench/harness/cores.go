package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// coreSet is one step of the core-count dimension: the CPUs the server is
// pinned to and the CPUs the load generators run on. When the machine has
// no CPUs beyond the server's, the load generators share the server's
// (shared is then true and the table's heading says so).
type coreSet struct {
	label  string // what the operator asked for: "1", "2", "half", "all"
	server []int
	load   []int
	shared bool
}

// n is the server's CPU count, which its thread and worker counts follow.
func (c coreSet) n() int { return len(c.server) }

// heading describes the step for the table's title.
func (c coreSet) heading() string {
	where := fmt.Sprintf("load generators on CPUs %s", cpuList(c.load))
	if c.shared {
		where = "load generators share the same CPUs (the machine has no others)"
	}
	return fmt.Sprintf("server on %d CPU%s (%s), %s", c.n(), plural(c.n()), cpuList(c.server), where)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// parseCores turns -cores ("1,2,all", "half") into the server CPU counts to
// run, in the order given, dropping repeats (on a 2-core machine "2" and
// "all" are one step). Counts above the machine's are an error: the step
// would not measure what it says.
func parseCores(spec string, total int) ([]int, []string, error) {
	var counts []int
	var labels []string
	seen := map[int]bool{}
	for _, f := range strings.Split(spec, ",") {
		f = strings.TrimSpace(f)
		var n int
		switch f {
		case "":
			continue
		case "all":
			n = total
		case "half":
			n = max(1, total/2)
		default:
			v, err := strconv.Atoi(f)
			if err != nil || v < 1 {
				return nil, nil, fmt.Errorf("-cores %q: %q is not a CPU count, \"half\" or \"all\"", spec, f)
			}
			if v > total {
				return nil, nil, fmt.Errorf("-cores %q: %d CPUs asked, the machine allows %d", spec, v, total)
			}
			n = v
		}
		if seen[n] {
			continue
		}
		seen[n] = true
		counts = append(counts, n)
		labels = append(labels, f)
	}
	if len(counts) == 0 {
		return nil, nil, fmt.Errorf("-cores %q names no step", spec)
	}
	return counts, labels, nil
}

// splitCores gives the server the first n allowed CPUs and the load
// generators the rest; with none left they share the server's.
func splitCores(allowed []int, n int, label string) coreSet {
	c := coreSet{label: label, server: append([]int(nil), allowed[:n]...)}
	if rest := allowed[n:]; len(rest) > 0 {
		c.load = append([]int(nil), rest...)
	} else {
		c.load, c.shared = c.server, true
	}
	return c
}

// cpuList formats CPUs the way taskset -c reads them: "0-3,8".
func cpuList(cpus []int) string {
	s := append([]int(nil), cpus...)
	sort.Ints(s)
	var parts []string
	for i := 0; i < len(s); {
		j := i
		for j+1 < len(s) && s[j+1] == s[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", s[i], s[j]))
		} else {
			parts = append(parts, strconv.Itoa(s[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}
