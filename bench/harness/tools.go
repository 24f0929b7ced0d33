package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// loadGen sizes the load generators for one core-count step so they do
// not become the bottleneck when the server has many cores: threads follow
// the load CPUs, connections follow the server's CPUs.
type loadGen struct {
	cpus       []int
	echoConns  int // the Go echo load generator's connections (a goroutine each)
	size       int
	wrkThreads int
	wrkConns   int
	rbThreads  int // redis-benchmark --threads; 1 leaves the flag out
	rbClients  int
	pingN      int // requests per redis-benchmark run without pipelining
}

// newLoadGen derives the load from the step: conns 0 means
// max(64, 16 per server CPU); wrk gets a thread per load CPU (at least 2,
// wrk's usual) and max(64, 8 per server CPU) connections; redis-benchmark
// keeps -c 50 (the targets name it) with a thread per load CPU up
// to 16, and its request count grows with the server's CPUs (up to 8x) so
// a run lasts long enough to measure.
func newLoadGen(c coreSet, conns, size, pingN int) loadGen {
	n, l := c.n(), len(c.load)
	g := loadGen{cpus: c.load, echoConns: conns, size: size, wrkThreads: max(2, l), wrkConns: max(64, 8*n),
		rbThreads: min(l, 16), rbClients: 50, pingN: pingN * min(n, 8)}
	if g.echoConns <= 0 {
		g.echoConns = max(64, 16*n)
	}
	g.wrkConns = max(g.wrkConns, g.wrkThreads)
	return g
}

// describe is the load's line in the table heading.
func (g loadGen) describe() string {
	rb := fmt.Sprintf("redis-benchmark -c %d", g.rbClients)
	if g.rbThreads > 1 {
		rb += fmt.Sprintf(" --threads %d", g.rbThreads)
	}
	return fmt.Sprintf("echo: %d connections × %d B; HTTP: wrk -t%d -c%d; PING: %s -n %d (×10 with -P 16)",
		g.echoConns, g.size, g.wrkThreads, g.wrkConns, rb, g.pingN)
}

// command runs a load generator pinned to the load CPUs.
func (g loadGen) command(name string, args ...string) *exec.Cmd {
	return exec.Command("taskset", append([]string{"-c", cpuList(g.cpus), name}, args...)...)
}

// echo runs the Go echo load generator in a child process of this binary
// (see echoLoadMain), so it too runs on the load CPUs only.
func (g loadGen) echo(address string, d time.Duration) (echoResult, error) {
	self, err := os.Executable()
	if err != nil {
		return echoResult{}, err
	}
	cmd := g.command(self, "echoload", "-addr", address, "-conns", strconv.Itoa(g.echoConns),
		"-size", strconv.Itoa(g.size), "-duration", d.String())
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(len(g.cpus)))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return echoResult{}, fmt.Errorf("echo load: %w", err)
	}
	var r echoResult
	if err := json.Unmarshal(out, &r); err != nil {
		return r, fmt.Errorf("echo load output %q: %w", out, err)
	}
	return r, nil
}

// wrk runs wrk against the hello route and returns requests/s and the
// requests it completed.
func (g loadGen) wrk(address string, d time.Duration) (float64, int64, error) {
	out, err := g.command("wrk", "-t"+strconv.Itoa(g.wrkThreads), "-c"+strconv.Itoa(g.wrkConns),
		"-d", fmt.Sprintf("%ds", max(1, int(d.Seconds()))), "http://"+address+"/bench/hello").CombinedOutput()
	if err != nil {
		return 0, 0, fmt.Errorf("wrk: %w: %s", err, out)
	}
	return parseWrk(string(out))
}

// parseWrk reads "N requests in Xs" and "Requests/sec: R" from wrk's
// report; non-2xx answers or connect, read or write errors fail the run.
// Timeouts (a request slower than wrk's 2 s) do not: they are latency,
// which a loaded shared machine produces, and the rate already shows it.
func parseWrk(out string) (rps float64, total int64, err error) {
	if strings.Contains(out, "Non-2xx or 3xx responses") {
		return 0, 0, fmt.Errorf("wrk saw non-2xx answers: %s", out)
	}
	seen := false
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, "Socket errors:"); ok {
			var c, r, w, to int
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "connect %d, read %d, write %d, timeout %d", &c, &r, &w, &to); err != nil || c+r+w > 0 {
				return 0, 0, fmt.Errorf("wrk saw socket errors: %s", out)
			}
		}
		if n, _, ok := strings.Cut(line, " requests in "); ok {
			total, _ = strconv.ParseInt(n, 10, 64)
		}
		if v, ok := strings.CutPrefix(line, "Requests/sec:"); ok {
			rps, err = strconv.ParseFloat(strings.TrimSpace(v), 64)
			seen = err == nil
		}
	}
	if !seen || total == 0 {
		return 0, 0, fmt.Errorf("no Requests/sec or request count in wrk's output: %s", out)
	}
	return rps, total, nil
}

// redisBenchmark runs one redis-benchmark test (ping_inline or
// ping_mbulk, n requests) and returns requests/s by the test's name in the
// report (PING_INLINE, PING_MBULK).
func (g loadGen) redisBenchmark(address, test string, n, pipeline int) (map[string]float64, error) {
	host, port, _ := strings.Cut(address, ":")
	args := []string{"-h", host, "-p", port, "-c", strconv.Itoa(g.rbClients), "-n", strconv.Itoa(n),
		"-P", strconv.Itoa(pipeline), "-t", test, "--csv"}
	if g.rbThreads > 1 {
		args = append(args, "--threads", strconv.Itoa(g.rbThreads))
	}
	out, err := g.command("redis-benchmark", args...).Output()
	if err != nil {
		return nil, fmt.Errorf("redis-benchmark: %w", err)
	}
	return parseRedisCSV(string(out))
}

func parseRedisCSV(out string) (map[string]float64, error) {
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("redis-benchmark output: %w: %q", err, out)
	}
	res := map[string]float64{}
	for _, row := range rows {
		if len(row) < 2 || row[0] == "test" {
			continue
		}
		if v, err := strconv.ParseFloat(row[1], 64); err == nil {
			res[row[0]] = v
		}
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("no rates in redis-benchmark's output: %q", out)
	}
	return res, nil
}
