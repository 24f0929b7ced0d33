package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func testLaunch(t *testing.T, n int) launch {
	allowed := make([]int, 16)
	for i := range allowed {
		allowed[i] = i
	}
	lua, _ := filepath.Abs("../haproxy/bench.lua")
	return launch{dir: t.TempDir(), bin: "/bin", modules: "/m", haLua: lua, cores: splitCores(allowed, n, "x"),
		maxConns: 10300, echo: "127.0.0.1:7001", resp: "127.0.0.1:7002", http: "127.0.0.1:7003"}
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

func TestHAProxyConfig(t *testing.T) {
	l := testLaunch(t, 8)
	per := haproxyConfig(l, true)
	mustContain(t, "per-thread config", per, "nbthread 8\n", "lua-load-per-thread "+l.haLua, "maxconn 10300", "bind 127.0.0.1:7001", "bind 127.0.0.1:7002")
	shared := haproxyConfig(l, false)
	mustContain(t, "shared config", shared, "\tlua-load "+l.haLua)
	if strings.Contains(shared, "per-thread") {
		t.Errorf("lua-load config says per-thread:\n%s", shared)
	}
	if _, err := exec.LookPath("haproxy"); err != nil {
		t.Skip("no haproxy to check the config with")
	}
	for name, body := range map[string]string{"per": per, "shared": shared} {
		cfg := filepath.Join(l.dir, name+".cfg")
		if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("haproxy", "-c", "-f", cfg).CombinedOutput(); err != nil {
			t.Errorf("haproxy -c rejects the %s config: %v\n%s", name, err, out)
		}
	}
}

func TestNginxConfig(t *testing.T) {
	l := testLaunch(t, 4)
	body := nginxConfig(l)
	mustContain(t, "nginx config", body, "worker_processes 4;", "listen 127.0.0.1:7003;", "worker_connections 10300;", "content_by_lua_block")
	if _, err := os.Stat("/usr/share/nginx/modules/ngx_http_lua_module.so"); err != nil {
		t.Skip("no nginx Lua module to check the config with")
	}
	cfg := filepath.Join(l.dir, "nginx.conf")
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("nginx", "-t", "-c", cfg, "-p", l.dir).CombinedOutput(); err != nil {
		t.Errorf("nginx -t rejects the config: %v\n%s", err, out)
	}
}

func TestRedisIOThreads(t *testing.T) {
	for n, want := range map[int]int{1: 1, 2: 1, 3: 1, 4: 3, 8: 6, 16: 8, 64: 8} {
		if got := redisIOThreads(n); got != want {
			t.Errorf("redisIOThreads(%d) = %d, want %d", n, got, want)
		}
	}
	args := strings.Join(redisArgs(testLaunch(t, 2)), " ")
	if strings.Contains(args, "io-threads") || !strings.Contains(args, "--port 7002") {
		t.Errorf("2 CPUs: %s", args)
	}
	mustContain(t, "redis args on 8 CPUs", strings.Join(redisArgs(testLaunch(t, 8)), " "), "--io-threads 6", "--io-threads-do-reads yes")
	mustContain(t, "redis setting", redisSetting(2), "io-threads 1")
}

func TestProsodyConfig(t *testing.T) {
	body := prosodyConfig(testLaunch(t, 1))
	mustContain(t, "prosody config", body, `network_backend = "epoll"`, "bench_echo_ports = { 7001 }", "bench_resp_ports = { 7002 }", `plugin_paths = { "/m" }`)
}

func TestMoonportConfig(t *testing.T) {
	t.Setenv("MOONPORT_BENCH_EXTRA", "lua_timeout = 2")
	l := testLaunch(t, 2)
	one := moonportConfig(l, "1", "")
	mustContain(t, "one-instance config", one, `bench_echo_workers = "1"`, `bench_resp_workers = "1"`, `bench_http_workers = "1"`,
		"bench_echo_ports = { 7001 }", "http_ports = { 7003 }", "max_connections = 20600", "lua_timeout = 2")
	nb := moonportConfig(l, "1", "lua_timeout = 0\n")
	// The column's own line comes last, so it wins over MOONPORT_BENCH_EXTRA.
	if strings.LastIndex(nb, "lua_timeout = 0") < strings.LastIndex(nb, "lua_timeout = 2") {
		t.Errorf("lua_timeout = 0 does not come last:\n%s", nb)
	}
	mustContain(t, "workers config", moonportConfig(l, "auto", ""), `bench_echo_workers = "auto"`)
}

func TestPinnedAndPlainGo(t *testing.T) {
	l := testLaunch(t, 4)
	cmds, err := plainGoStart(l)
	if err != nil || len(cmds) != 3 {
		t.Fatalf("plainGoStart = %v, %v", cmds, err)
	}
	got := strings.Join(cmds[2].Args, " ")
	if got != "taskset -c 0-3 /bin/plain -mode http -listen 127.0.0.1:7003" {
		t.Errorf("plain http command = %q", got)
	}
	if env := strings.Join(cmds[0].Env, "\n"); !strings.Contains(env, "GOMAXPROCS=4") {
		t.Errorf("plain-go runs without GOMAXPROCS=4")
	}
}

func TestPeerSettings(t *testing.T) {
	want := map[string]string{
		"moonport":         "one instance",
		"moonport-workers": `bench_*_workers = "auto"` + "` (16 copies)",
		"haproxy-lua":      "`nbthread 16`, `lua-load-per-thread`",
		"haproxy-lua-load": "`lua-load` (one Lua state)",
		"nginx-lua":        "`worker_processes 16`",
		"redis":            "`io-threads 8`",
		"plain-go":         "GOMAXPROCS 16",
		"prosody":          "epoll",
	}
	for _, p := range peers("auto") {
		if w, ok := want[p.name]; ok && !strings.Contains(p.setting(16), w) {
			t.Errorf("%s setting at 16 CPUs = %q, want %q in it", p.name, p.setting(16), w)
		}
	}
	if _, err := choosePeers("moonport,nope", "auto"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("choosePeers with an unknown peer: %v", err)
	}
	ps, err := choosePeers(defaultPeers, "auto")
	if err != nil || len(ps) != len(strings.Split(defaultPeers, ",")) {
		t.Errorf("choosePeers(defaultPeers) = %d peers, %v", len(ps), err)
	}
}
