package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// launch is everything a peer's start needs for one run: its folder, the
// CPUs it is pinned to (its thread and worker counts follow them) and the
// loopback addresses of its services, fresh free ports each start so runs
// of other sessions on the same machine do not clash.
type launch struct {
	dir      string
	bin      string // folder with the moonport and plain binaries
	modules  string // bench/modules
	haLua    string // bench/haproxy/bench.lua
	cores    coreSet
	maxConns int // connections the server must accept at once (the idle row's plus the load's)
	echo     string
	resp     string
	http     string
}

// peer is one server under test. A peer without a service skips its
// workloads; setting says how it was configured for n server CPUs, for the
// table (issue 18: each peer at its best, and the table says so).
type peer struct {
	name             string
	echo, resp, http bool
	logFile          string
	setting          func(n int) string
	start            func(l launch) ([]*exec.Cmd, error)
	moonport         bool // a moonport column: its log's errors are counted
}

// Default peers; haproxy-lua-load (one shared Lua state) is opt-in.
const defaultPeers = "moonport,moonport-workers,moonport-nobudget,prosody,haproxy-lua,redis,plain-go,nginx-lua"

func peers(workers string) []peer {
	return []peer{
		{name: "moonport", echo: true, resp: true, http: true, logFile: "moonport.log", moonport: true,
			setting: func(n int) string { return fmt.Sprintf("one instance (`bench_*_workers = 1`), GOMAXPROCS %d", n) },
			start:   moonportStart("1", "")},
		{name: "moonport-workers", echo: true, resp: true, http: true, logFile: "moonport.log", moonport: true,
			setting: func(n int) string {
				return fmt.Sprintf("`bench_*_workers = %q` (%s), GOMAXPROCS %d", workers, copies(workers, n), n)
			},
			start: moonportStart(workers, "")},
		{name: "moonport-nobudget", resp: true, logFile: "moonport.log", moonport: true,
			setting: func(n int) string { return "one instance, `lua_timeout = 0` (PING only: the run budget's cost)" },
			start:   moonportStart("1", "lua_timeout = 0\n")},
		{name: "prosody", echo: true, resp: true, logFile: "prosody.log",
			setting: func(int) string { return "one loop, `network_backend = \"epoll\"`" },
			start:   prosodyStart},
		{name: "haproxy-lua", echo: true, resp: true, logFile: "haproxy.log",
			setting: func(n int) string { return fmt.Sprintf("`nbthread %d`, `lua-load-per-thread`", n) },
			start:   haproxyStart(true)},
		{name: "haproxy-lua-load", echo: true, resp: true, logFile: "haproxy.log",
			setting: func(n int) string { return fmt.Sprintf("`nbthread %d`, `lua-load` (one Lua state)", n) },
			start:   haproxyStart(false)},
		{name: "redis", resp: true, logFile: "redis.log", setting: redisSetting, start: redisStart},
		{name: "plain-go", echo: true, resp: true, http: true, logFile: "plain-echo.log",
			setting: func(n int) string { return fmt.Sprintf("GOMAXPROCS %d, a goroutine per connection", n) },
			start:   plainGoStart},
		{name: "nginx-lua", http: true, logFile: "nginx-error.log",
			setting: func(n int) string { return fmt.Sprintf("`worker_processes %d`", n) },
			start:   nginxStart},
	}
}

// copies says how many module copies a workers value makes on n CPUs.
func copies(workers string, n int) string {
	if workers == "auto" {
		return fmt.Sprintf("%d cop%s", n, map[bool]string{true: "y", false: "ies"}[n == 1])
	}
	return workers + " copies"
}

// pinned makes a command run on the server's CPUs through taskset, so every
// thread and child it starts inherits the mask.
func pinned(l launch, logName string, env []string, name string, args ...string) (*exec.Cmd, error) {
	cmd := exec.Command("taskset", append([]string{"-c", cpuList(l.cores.server), name}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	// Appended: a peer is started again for each idle run.
	f, err := os.OpenFile(filepath.Join(l.dir, logName), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = f, f
	return cmd, nil
}

func gomaxprocs(l launch) []string { return []string{"GOMAXPROCS=" + strconv.Itoa(l.cores.n())} }

func port(address string) int {
	i := strings.LastIndexByte(address, ':')
	p, _ := strconv.Atoi(address[i+1:])
	return p
}

// moonportConfig is moonport's config: the bench modules with workers
// copies each, plus MOONPORT_BENCH_EXTRA and the column's own extra lines.
func moonportConfig(l launch, workers, extra string) string {
	return fmt.Sprintf(`plugin_paths = { %q }
modules_enabled = { "bench_echo", "bench_resp", "bench_http" }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
bench_echo_ports = { %d }
bench_resp_ports = { %d }
http_ports = { %d }
https_ports = { }
log = "warn"
run_as_root = true
max_connections = %d -- the idle row holds -idle connections (the default cap is 8192)
bench_echo_workers = %q
bench_resp_workers = %q
bench_http_workers = %q
%s
%s`, l.modules, port(l.echo), port(l.resp), port(l.http), 2*l.maxConns, workers, workers, workers,
		os.Getenv("MOONPORT_BENCH_EXTRA"), extra)
}

func moonportStart(workers, extra string) func(l launch) ([]*exec.Cmd, error) {
	return func(l launch) ([]*exec.Cmd, error) {
		cfg := filepath.Join(l.dir, "moonport.cfg.lua")
		if err := writeFile(cfg, moonportConfig(l, workers, extra)); err != nil {
			return nil, err
		}
		cmd, err := pinned(l, "moonport.log", gomaxprocs(l), filepath.Join(l.bin, "moonport"), "run", "--config", cfg)
		return []*exec.Cmd{cmd}, err
	}
}

// prosodyConfig runs the same module files as moonport in Prosody's single
// epoll loop (its best: it has no threads to give more cores).
func prosodyConfig(l launch) string {
	return fmt.Sprintf(`pidfile = %q
data_path = %q
plugin_paths = { %q }
run_as_root = true
network_backend = "epoll"
log = { { levels = { min = "warn" }, to = "file", filename = %q } }
modules_enabled = { "bench_echo", "bench_resp" }
modules_disabled = { "c2s", "s2s", "offline", "s2s_auth_certs" }
interfaces = { "127.0.0.1" }
bench_echo_ports = { %d }
bench_resp_ports = { %d }
VirtualHost "localhost"
`, filepath.Join(l.dir, "prosody.pid"), l.dir, l.modules, filepath.Join(l.dir, "prosody.log"), port(l.echo), port(l.resp))
}

func prosodyStart(l launch) ([]*exec.Cmd, error) {
	cfg := filepath.Join(l.dir, "prosody.cfg.lua")
	if err := writeFile(cfg, prosodyConfig(l)); err != nil {
		return nil, err
	}
	cmd, err := pinned(l, "prosody.out", nil, "prosody", "--config", cfg, "-F")
	return []*exec.Cmd{cmd}, err
}

// haproxyConfig gives HAProxy a thread per server CPU. perThread loads
// the Lua services into one Lua state per thread (lua-load-per-thread, its
// best for stateless services); without it all threads share one state
// behind a lock.
func haproxyConfig(l launch, perThread bool) string {
	load := "lua-load"
	if perThread {
		load = "lua-load-per-thread"
	}
	return fmt.Sprintf(`global
	nbthread %d
	maxconn %d
	# HAProxy reserves two descriptors a connection; a Lua service uses one.
	no strict-limits
	%s %s

defaults
	mode tcp
	timeout connect 5s
	timeout client 1h
	timeout server 1h

frontend bench_echo
	bind %s
	tcp-request content use-service lua.bench_echo

frontend bench_resp
	bind %s
	tcp-request content use-service lua.bench_resp
`, l.cores.n(), l.maxConns, load, l.haLua, l.echo, l.resp)
}

func haproxyStart(perThread bool) func(l launch) ([]*exec.Cmd, error) {
	return func(l launch) ([]*exec.Cmd, error) {
		cfg := filepath.Join(l.dir, "haproxy.cfg")
		if err := writeFile(cfg, haproxyConfig(l, perThread)); err != nil {
			return nil, err
		}
		cmd, err := pinned(l, "haproxy.log", nil, "haproxy", "-db", "-f", cfg)
		return []*exec.Cmd{cmd}, err
	}
}

// redisIOThreads follows redis.conf's advice: threaded I/O only with at
// least 4 cores, leaving one spare ("4 cores: 2 or 3 threads, 8 cores: 6"),
// and no more than 8. 1 means threading off.
func redisIOThreads(n int) int {
	if n < 4 {
		return 1
	}
	return min(max(2, n*3/4), 8)
}

func redisSetting(n int) string {
	if t := redisIOThreads(n); t > 1 {
		return fmt.Sprintf("`io-threads %d`, `io-threads-do-reads yes`", t)
	}
	return "`io-threads 1` (redis.conf: threaded I/O only from 4 cores)"
}

func redisArgs(l launch) []string {
	args := []string{"--port", strconv.Itoa(port(l.resp)), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", l.dir, "--maxclients", strconv.Itoa(2 * l.maxConns)}
	if t := redisIOThreads(l.cores.n()); t > 1 {
		args = append(args, "--io-threads", strconv.Itoa(t), "--io-threads-do-reads", "yes")
	}
	return args
}

func redisStart(l launch) ([]*exec.Cmd, error) {
	cmd, err := pinned(l, "redis.log", nil, "redis-server", redisArgs(l)...)
	return []*exec.Cmd{cmd}, err
}

// plainGoStart starts bench/plain three times: echo, PING and net/http.
func plainGoStart(l launch) ([]*exec.Cmd, error) {
	var cmds []*exec.Cmd
	for _, s := range []struct{ mode, addr string }{{"echo", l.echo}, {"resp", l.resp}, {"http", l.http}} {
		c, err := pinned(l, "plain-"+s.mode+".log", gomaxprocs(l), filepath.Join(l.bin, "plain"), "-mode", s.mode, "-listen", s.addr)
		if err != nil {
			return cmds, err
		}
		cmds = append(cmds, c)
	}
	return cmds, nil
}

// nginxConfig runs a worker per server CPU with the Lua hello route.
func nginxConfig(l launch) string {
	return fmt.Sprintf(`load_module /usr/share/nginx/modules/ndk_http_module.so;
load_module /usr/share/nginx/modules/ngx_http_lua_module.so;
worker_processes %d;
daemon off;
pid %s/nginx.pid;
error_log %s/nginx-error.log warn;
events { worker_connections %d; }
http {
	access_log off;
	client_body_temp_path %s;
	lua_package_path "/usr/share/lua/5.1/?.lua;;";
	server {
		listen %s;
		location = /bench/hello {
			default_type text/plain;
			content_by_lua_block { ngx.say("hello") }
		}
	}
}
`, l.cores.n(), l.dir, l.dir, max(4096, l.maxConns), l.dir, l.http)
}

func nginxStart(l launch) ([]*exec.Cmd, error) {
	cfg := filepath.Join(l.dir, "nginx.conf")
	if err := writeFile(cfg, nginxConfig(l)); err != nil {
		return nil, err
	}
	cmd, err := pinned(l, "nginx.out", nil, "nginx", "-c", cfg, "-p", l.dir)
	return []*exec.Cmd{cmd}, err
}

func writeFile(path, body string) error { return os.WriteFile(path, []byte(body), 0o644) }
