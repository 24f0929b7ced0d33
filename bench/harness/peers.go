package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// peer is one server under test: how to start it and where its echo and
// PING services listen. A peer without a service skips its workloads.
type peer struct {
	name     string
	echo     string // address of the echo service, "" if none
	resp     string // address of the PING service, "" if none
	http     string // address of the HTTP hello route, "" if none
	start    func(dir string) ([]*exec.Cmd, error)
	logFile  string
	rssOfPID func(cmds []*exec.Cmd) int // which process holds the echo connections
	respPID  func(cmds []*exec.Cmd) int // which process answers PING (default: the first)
}

const (
	portMoonEcho, portMoonResp             = 7101, 7102
	portProsodyEcho, portProsodyResp       = 7111, 7112
	portHAEcho, portHAResp                 = 7121, 7122
	portRedis                              = 7131
	portPlainEcho, portPlainResp           = 7141, 7142
	portMoonHTTP, portNginx, portPlainHTTP = 7151, 7152, 7153
)

func addr(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

func writeFile(path, body string) error { return os.WriteFile(path, []byte(body), 0o644) }

func command(dir, logName string, name string, args ...string) (*exec.Cmd, error) {
	cmd := exec.Command(name, args...)
	// Appended: a peer is started again for each idle run.
	f, err := os.OpenFile(filepath.Join(dir, logName), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = f, f
	return cmd, nil
}

func peers(bin, modules, workers string) []peer {
	first := func(cmds []*exec.Cmd) int { return cmds[0].Process.Pid }
	return []peer{
		{
			name: "moonport", echo: addr(portMoonEcho), resp: addr(portMoonResp), http: addr(portMoonHTTP), logFile: "moonport.log", rssOfPID: first,
			start: moonportStart(bin, modules, workers),
		},
		{
			name: "prosody", echo: addr(portProsodyEcho), resp: addr(portProsodyResp), logFile: "prosody.log", rssOfPID: first,
			start: prosodyStart(modules),
		},
		{
			name: "haproxy-lua", echo: addr(portHAEcho), resp: addr(portHAResp), logFile: "haproxy.log", rssOfPID: first,
			start: haproxyStart(),
		},
		{
			name: "redis", resp: addr(portRedis), logFile: "redis.log", rssOfPID: first,
			start: redisStart(),
		},
		{
			name: "plain-go", echo: addr(portPlainEcho), resp: addr(portPlainResp), http: addr(portPlainHTTP), logFile: "plain-echo.log", rssOfPID: first,
			respPID: func(cmds []*exec.Cmd) int { return cmds[1].Process.Pid },
			start:   plainGoStart(bin),
		},
		{
			name: "nginx-lua", http: addr(portNginx), logFile: "nginx-error.log", rssOfPID: first,
			start: nginxStart(),
		},
	}
}

// moonportStart starts moonport as bench/run runs it.
func moonportStart(bin, modules, workers string) func(dir string) ([]*exec.Cmd, error) {
	return func(dir string) ([]*exec.Cmd, error) {
		cfg := filepath.Join(dir, "moonport.cfg.lua")
		extra := os.Getenv("MOONPORT_BENCH_EXTRA") + "\n" // e.g. "lua_timeout = 0" to measure the run budget's cost
		if workers != "" {
			extra += fmt.Sprintf("bench_echo_workers = %q\nbench_resp_workers = %q\nbench_http_workers = %q\n", workers, workers, workers)
		}
		if err := writeFile(cfg, fmt.Sprintf(`plugin_paths = { %q }
modules_enabled = { "bench_echo", "bench_resp", "bench_http" }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
bench_echo_ports = { %d }
bench_resp_ports = { %d }
http_ports = { %d }
https_ports = { }
log = "warn"
run_as_root = true
max_connections = 20000 -- the idle row holds 10,000 (the default cap is 8192)
%s`, modules, portMoonEcho, portMoonResp, portMoonHTTP, extra)); err != nil {
			return nil, err
		}
		cmd, err := command(dir, "moonport.log", filepath.Join(bin, "moonport"), "run", "--config", cfg)
		return []*exec.Cmd{cmd}, err
	}
}

// prosodyStart starts prosody as bench/run runs it.
func prosodyStart(modules string) func(dir string) ([]*exec.Cmd, error) {
	return func(dir string) ([]*exec.Cmd, error) {
		cfg := filepath.Join(dir, "prosody.cfg.lua")
		if err := writeFile(cfg, fmt.Sprintf(`pidfile = %q
data_path = %q
plugin_paths = { %q }
run_as_root = true
log = { { levels = { min = "warn" }, to = "file", filename = %q } }
modules_enabled = { "bench_echo", "bench_resp" }
modules_disabled = { "c2s", "s2s", "offline", "s2s_auth_certs" }
interfaces = { "127.0.0.1" }
bench_echo_ports = { %d }
bench_resp_ports = { %d }
VirtualHost "localhost"
`, filepath.Join(dir, "prosody.pid"), dir, modules, filepath.Join(dir, "prosody.log"), portProsodyEcho, portProsodyResp)); err != nil {
			return nil, err
		}
		cmd, err := command(dir, "prosody.out", "prosody", "--config", cfg, "-F")
		return []*exec.Cmd{cmd}, err
	}
}

// haproxyStart starts haproxy-lua as bench/run runs it.
func haproxyStart() func(dir string) ([]*exec.Cmd, error) {
	return func(dir string) ([]*exec.Cmd, error) {
		lua, _ := filepath.Abs("bench/haproxy/bench.lua")
		cfg := filepath.Join(dir, "haproxy.cfg")
		if err := writeFile(cfg, fmt.Sprintf(`global
	# 10,000 idle connections plus the load; the machine allows 20,000 descriptors.
	maxconn 10100
	# HAProxy reserves two descriptors a connection; a Lua service uses one.
	no strict-limits
	lua-load %s

defaults
	mode tcp
	timeout connect 5s
	timeout client 1h
	timeout server 1h

frontend bench_echo
	bind 127.0.0.1:%d
	tcp-request content use-service lua.bench_echo

frontend bench_resp
	bind 127.0.0.1:%d
	tcp-request content use-service lua.bench_resp
`, lua, portHAEcho, portHAResp)); err != nil {
			return nil, err
		}
		cmd, err := command(dir, "haproxy.log", "haproxy", "-db", "-f", cfg)
		return []*exec.Cmd{cmd}, err
	}
}

// redisStart starts redis as bench/run runs it.
func redisStart() func(dir string) ([]*exec.Cmd, error) {
	return func(dir string) ([]*exec.Cmd, error) {
		cmd, err := command(dir, "redis.log", "redis-server", "--port", strconv.Itoa(portRedis), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir, "--maxclients", "20000")
		return []*exec.Cmd{cmd}, err
	}
}

// plainGoStart starts plain-go as bench/run runs it.
func plainGoStart(bin string) func(dir string) ([]*exec.Cmd, error) {
	return func(dir string) ([]*exec.Cmd, error) {
		e, err := command(dir, "plain-echo.log", filepath.Join(bin, "plain"), "-mode", "echo", "-listen", addr(portPlainEcho))
		if err != nil {
			return nil, err
		}
		r, err := command(dir, "plain-resp.log", filepath.Join(bin, "plain"), "-mode", "resp", "-listen", addr(portPlainResp))
		if err != nil {
			return nil, err
		}
		h, err := command(dir, "plain-http.log", filepath.Join(bin, "plain"), "-mode", "http", "-listen", addr(portPlainHTTP))
		return []*exec.Cmd{e, r, h}, err
	}
}

// nginxStart starts nginx-lua as bench/run runs it.
func nginxStart() func(dir string) ([]*exec.Cmd, error) {
	return func(dir string) ([]*exec.Cmd, error) {
		cfg := filepath.Join(dir, "nginx.conf")
		if err := writeFile(cfg, fmt.Sprintf(`load_module /usr/share/nginx/modules/ndk_http_module.so;
load_module /usr/share/nginx/modules/ngx_http_lua_module.so;
worker_processes auto;
daemon off;
pid %s/nginx.pid;
error_log %s/nginx-error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path %s;
	lua_package_path "/usr/share/lua/5.1/?.lua;;";
	server {
		listen 127.0.0.1:%d;
		location = /bench/hello {
			default_type text/plain;
			content_by_lua_block { ngx.say("hello") }
		}
	}
}
`, dir, dir, dir, portNginx)); err != nil {
			return nil, err
		}
		cmd, err := command(dir, "nginx.out", "nginx", "-c", cfg, "-p", dir)
		return []*exec.Cmd{cmd}, err
	}
}

// waitListening waits until every address accepts connections.
func waitListening(addrs []string, cmds []*exec.Cmd) error {
	deadline := time.Now().Add(30 * time.Second)
	for _, a := range addrs {
		for {
			c, err := net.DialTimeout("tcp", a, time.Second)
			if err == nil {
				c.Close()
				break
			}
			for _, cmd := range cmds {
				if cmd.ProcessState != nil {
					return fmt.Errorf("exited before listening on %s", a)
				}
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("nothing listens on %s after 30s", a)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}

// cpuTime reads the CPU time (user and system) a process has used.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(fields) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(fields[11], 10, 64)
	st, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times (100 on Linux).
const clockTicks = 100

// rss reads a process's resident memory in bytes.
func rss(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if strings.HasPrefix(s.Text(), "VmRSS:") {
			fields := strings.Fields(s.Text())
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}
