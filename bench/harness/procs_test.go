package main

import (
	"net"
	"os/exec"
	"reflect"
	"sort"
	"testing"
	"time"
)

func TestDescendants(t *testing.T) {
	parent := map[int]int{1: 0, 10: 1, 11: 10, 12: 11, 13: 10, 20: 1, 21: 20}
	got := descendants([]int{10}, parent)
	sort.Ints(got)
	if want := []int{10, 11, 12, 13}; !reflect.DeepEqual(got, want) {
		t.Errorf("descendants of 10 = %v, want %v", got, want)
	}
}

func TestParseSchedstat(t *testing.T) {
	if got := parseSchedstat("764713 2352878 6\n"); got != 764713*time.Nanosecond {
		t.Errorf("parseSchedstat = %v", got)
	}
	if got := parseSchedstat(""); got != 0 {
		t.Errorf("parseSchedstat of nothing = %v", got)
	}
}

// TestRunningTree starts a shell with a child (as nginx starts its
// workers) and checks the tree, CPU and RSS cover both, and that stop
// ends it.
func TestRunningTree(t *testing.T) {
	cmd := exec.Command("sh", "-c", `sleep 30 & trap 'kill $!; exit' TERM; wait`)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &running{cmds: []*exec.Cmd{cmd}, exited: make(chan struct{})}
	go func() { defer close(r.exited); _ = cmd.Wait() }()
	defer r.stop()
	deadline := time.Now().Add(10 * time.Second)
	for len(r.pids()) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the shell's child never showed: %v", r.pids())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r.rss() <= 0 || r.cpuTime() <= 0 {
		t.Errorf("rss %d, cpu %v", r.rss(), r.cpuTime())
	}
	r.stop()
	select {
	case <-r.exited:
	default:
		t.Error("stop returned before the process exited")
	}
}

func TestFreeAddr(t *testing.T) {
	a, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", a)
	if err != nil {
		t.Fatalf("freeAddr gave %s, which is taken: %v", a, err)
	}
	ln.Close()
}

func TestParsers(t *testing.T) {
	rps, total, err := parseWrk("Running 2s test\n  12345 requests in 2.00s, 1.2MB read\nRequests/sec:   6172.50\nTransfer/sec: 1MB\n")
	if err != nil || rps != 6172.5 || total != 12345 {
		t.Errorf("parseWrk = %v %v %v", rps, total, err)
	}
	if _, _, err := parseWrk("  10 requests in 2.00s\n  Non-2xx or 3xx responses: 10\nRequests/sec: 5\n"); err == nil {
		t.Error("parseWrk accepted non-2xx answers")
	}
	if _, _, err := parseWrk("  10 requests in 2.00s\n  Socket errors: connect 0, read 3, write 0, timeout 0\nRequests/sec: 5\n"); err == nil {
		t.Error("parseWrk accepted read errors")
	}
	if _, _, err := parseWrk("  10 requests in 2.00s\n  Socket errors: connect 0, read 0, write 0, timeout 31\nRequests/sec: 5\n"); err != nil {
		t.Errorf("parseWrk failed a run with timeouts only: %v", err)
	}
	rates, err := parseRedisCSV("\"test\",\"rps\",\"avg_latency_ms\"\n\"PING_MBULK\",\"396825.41\",\"1.0\"\n")
	if err != nil || rates["PING_MBULK"] != 396825.41 {
		t.Errorf("parseRedisCSV = %v %v", rates, err)
	}
	if _, err := parseRedisCSV(""); err == nil {
		t.Error("parseRedisCSV accepted no rates")
	}
}
