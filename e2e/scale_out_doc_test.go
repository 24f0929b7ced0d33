package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// The scale-out recipe's documented commands, run as written: the database
// setup in examples/scale-out/moonport.cfg.lua's comments and the README's
// block (HAProxy, two instances, nc through HAProxy's kv frontend). They
// use fixed ports (5432, 7700, 7701, 7800, 7801) and Debian's system
// PostgreSQL folders, so they run inside fresh network, mount and PID
// namespaces: loopback only, tmpfs over the PostgreSQL folders and a copy
// of /etc (the machine's own clusters and users stay untouched), and every
// process they start dies with the namespace's first process.

// pgFolders are the folders Debian's PostgreSQL packages keep clusters in;
// the namespace mounts an empty tmpfs, owned by postgres, over each.
var pgFolders = []string{"/etc/postgresql", "/var/lib/postgresql", "/var/log/postgresql", "/run/postgresql"}

// scaleOutDoc is what the recipe documents: the commands that make the
// database, and the README's lines with the output each must print.
type scaleOutDoc struct {
	dbSetup []string // shell lines from the config's comments, after apt-get
	start   []string // README lines that start a server in the background
	check   []string // README lines whose output is checked
	want    []string // what each check line's comment says it prints
}

// readScaleOutDoc reads the recipe's commands from the config's comments
// and the README, failing when either no longer has them.
func readScaleOutDoc(t *testing.T) scaleOutDoc {
	t.Helper()
	var d scaleOutDoc
	cfg, err := os.ReadFile("../examples/scale-out/moonport.cfg.lua")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(cfg), "-- your server; on Debian, as root, a local one is:\n")
	if !ok {
		t.Fatal("examples/scale-out/moonport.cfg.lua no longer says how to make the database on Debian")
	}
	for _, line := range strings.Split(after, "\n") {
		cmd, ok := strings.CutPrefix(line, "--   ")
		if !ok {
			break
		}
		if cmd == "apt-get install postgresql" {
			continue // the test's namespace stands in for it (below)
		}
		d.dbSetup = append(d.dbSetup, cmd)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)```sh\n(haproxy -f examples/scale-out/haproxy.cfg &\n.*?)```").FindSubmatch(readme)
	if block == nil || len(d.dbSetup) == 0 {
		t.Fatalf("README's scale-out block or the config's database commands are missing (%q)", d.dbSetup)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(block[1])), "\n") {
		code, comment, _ := strings.Cut(line, "#")
		if strings.HasSuffix(strings.TrimSpace(code), "&") {
			d.start = append(d.start, line)
			continue
		}
		want, _, _ := strings.Cut(comment, ";")
		d.check = append(d.check, line)
		d.want = append(d.want, strings.TrimSpace(want))
	}
	return d
}

// pgVersion is the newest PostgreSQL major version installed the Debian
// way (/usr/lib/postgresql/VERSION/bin/postgres).
func pgVersion(t *testing.T) string {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	var versions []int
	for _, b := range bins {
		if v, err := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(b)))); err == nil {
			versions = append(versions, v)
		}
	}
	if len(versions) == 0 {
		testenv.NeedTool(t, "/usr/lib/postgresql/VERSION/bin/postgres", "postgresql")
	}
	sort.Ints(versions)
	return strconv.Itoa(versions[len(versions)-1])
}

// TestScaleOutAsDocumented makes the database with the recipe's own
// commands (on a cluster made as Debian's postgresql package makes one:
// 5432, peer and password authentication), starts HAProxy and two
// instances with the README's lines, and runs the README's nc lines: a key
// set through HAProxy is read back on new connections and is in the
// PostgreSQL database; with PostgreSQL stopped the line answers
// ERR storage, and once it is started again the key is back. The
// config's other sql line, the local socket, serves a third instance.
func TestScaleOutAsDocumented(t *testing.T) {
	testenv.NeedRoot(t)
	unshare := testenv.NeedTool(t, "unshare", "util-linux")
	for tool, pkg := range map[string]string{"nsenter": "util-linux", "ip": "iproute2", "haproxy": "haproxy", "nc": "netcat-openbsd",
		"su": "util-linux", "useradd": "passwd", "pg_createcluster": "postgresql-common", "pg_ctlcluster": "postgresql-common", "createdb": "postgresql-client"} {
		testenv.NeedTool(t, tool, pkg)
	}
	doc := readScaleOutDoc(t)
	version := pgVersion(t)
	ns := &scaleOutNS{t: t, binDir: t.TempDir(), root: exampleRoot(t, "root")}
	if err := os.Symlink(testenv.Binary(t), filepath.Join(ns.binDir, "moonport")); err != nil {
		t.Fatal(err)
	}
	ns.pid = startScaleOutNamespace(t, unshare)
	// What apt-get install postgresql does on Debian: a cluster "main" on
	// port 5432, started.
	ns.run("apt-get install postgresql's cluster", fmt.Sprintf("pg_createcluster -p 5432 %s main && pg_ctlcluster --skip-systemctl-redirect %s main start", version, version))
	for _, line := range doc.dbSetup {
		ns.run("the config's database setup", line)
	}
	logFile := ns.start("the README's servers", "servers.log", strings.Join(doc.start, "\n"), 2)
	// HAProxy passes connections once its health checks find a server
	// up: until then the first line gets no answer, so it is retried.
	deadline := time.Now().Add(20 * time.Second)
	for out, err := "", error(nil); !strings.Contains(out, doc.want[0]); out, err = ns.try(doc.check[0]) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %q (%v), want %q; servers:\n%s", doc.check[0], out, err, doc.want[0], readFile(logFile))
		}
	}
	for i, line := range doc.check[1:] {
		for range 4 { // new connections, spread over both instances
			ns.expect(line, doc.want[i+1])
		}
	}
	ns.expect(`su postgres -c "psql -At -d moonport -c 'SELECT store, key, value FROM prosody'"`, "kv|colour|blue")
	// The recipe's promise: with PostgreSQL down, a kv command answers
	// ERR storage within storage_timeout; once it is back, data is too.
	get := doc.check[len(doc.check)-1]
	ns.run("stopping PostgreSQL", fmt.Sprintf("pg_ctlcluster --skip-systemctl-redirect %s main stop", version))
	ns.expect(get, "ERR storage: ")
	ns.run("starting PostgreSQL", fmt.Sprintf("pg_ctlcluster --skip-systemctl-redirect %s main start", version))
	ns.expect(get, doc.want[len(doc.want)-1])
	scaleOutSocket(t, ns)
	if log := readFile(logFile); strings.Contains(log, "level=error") {
		t.Fatalf("the servers logged an error:\n%s", log)
	}
}

// scaleOutSocket runs a third instance on the config's socket line, with
// the system user the config's comment says to make: a key it sets is
// read through HAProxy (from the other instances).
func scaleOutSocket(t *testing.T, ns *scaleOutNS) {
	cfg, _ := os.ReadFile("../examples/scale-out/moonport.cfg.lua")
	const useradd = "useradd --system moonport"
	socketLine := regexp.MustCompile(`(?m)^-- (sql = \{[^\n]*host = "/var/run/postgresql"[^\n]*\})$`).FindSubmatch(cfg)
	if socketLine == nil || !strings.Contains(string(cfg), "("+useradd+", and\n-- prosody_user = \"moonport\" in this file)") {
		t.Fatalf("the recipe's socket line, or what it says to do for it, is gone")
	}
	ns.run("the socket line's user", useradd)
	text := regexp.MustCompile(`(?m)^sql = .*$`).ReplaceAllLiteralString(string(cfg), string(socketLine[1]))
	text = strings.NewReplacer("{ 7700 }", "{ 7702 }", "{ 7701 }", "{ 7703 }").Replace(text) + "prosody_user = \"moonport\"\n"
	if err := os.WriteFile(filepath.Join(ns.root, "examples/scale-out/socket.cfg.lua"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	logFile := ns.start("the socket instance", "socket.log", "moonport run --config examples/scale-out/socket.cfg.lua &", 1)
	ns.expect(`printf 'PROXY TCP4 192.0.2.1 127.0.0.1 1234 7703\r\nSET socket yes\n' | nc -q 1 127.0.0.1 7703`, "OK")
	ns.expect(`printf 'GET socket\n' | nc -q 1 127.0.0.1 7801`, "VALUE yes")
	if log := readFile(logFile); strings.Contains(log, "level=error") || !strings.Contains(log, "Now running as moonport") {
		t.Fatalf("the socket instance's log:\n%s", log)
	}
}

// scaleOutNS runs shell lines inside the test's namespaces, from the
// copy of the repository's examples, with moonport on PATH.
type scaleOutNS struct {
	t                 *testing.T
	pid, root, binDir string
}

func (ns *scaleOutNS) try(line string) (string, error) {
	cmd := exec.Command("nsenter", "-t", ns.pid, "-n", "-m", "-p", "--wd="+ns.root, "sh", "-c", line)
	cmd.Env = append(os.Environ(), "PATH="+ns.binDir+":/usr/sbin:/usr/bin:/sbin:/bin")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (ns *scaleOutNS) run(what, line string) string {
	ns.t.Helper()
	out, err := ns.try(line)
	if err != nil {
		ns.t.Fatalf("%s: %s: %v\n%s", what, line, err, out)
	}
	return out
}

// expect runs line, which must print want within 10 s (nc -q 1 takes one).
func (ns *scaleOutNS) expect(line, want string) {
	ns.t.Helper()
	start := time.Now()
	if out := ns.run("", line); !strings.Contains(out, want) || time.Since(start) > 10*time.Second {
		ns.t.Fatalf("%s: %q after %s, want %q", line, out, time.Since(start), want)
	}
}

// start runs lines (which start servers in the background) with their
// output in the file name, and waits until n instances serve kv.
func (ns *scaleOutNS) start(what, name, lines string, n int) string {
	ns.t.Helper()
	logFile := filepath.Join(ns.root, name)
	ns.run(what, fmt.Sprintf("exec >%q 2>&1\n%s\n", logFile, lines))
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(readFile(logFile), "Activated service 'kv'") < n {
		if time.Now().After(deadline) {
			ns.t.Fatalf("%s: %d instance(s) did not serve kv within 20s:\n%s", what, n, readFile(logFile))
		}
		time.Sleep(25 * time.Millisecond)
	}
	return logFile
}

// startScaleOutNamespace starts the namespaces' first process, which
// holds them until the test ends, and returns its PID (as the machine
// sees it) for nsenter. Killing it ends every process started inside.
// /etc is a copy, so the users a test adds stay in it.
func startScaleOutNamespace(t *testing.T, unshare string) string {
	t.Helper()
	etc := filepath.Join(t.TempDir(), "etc")
	setup := fmt.Sprintf("ip link set lo up && cp -a /etc %[1]s && mount --bind %[1]s /etc || exit 1\n", etc)
	for _, d := range pgFolders {
		setup += fmt.Sprintf("mkdir -p %[1]s && mount -t tmpfs tmpfs %[1]s && chown postgres:postgres %[1]s || exit 1\n", d)
	}
	holder := testenv.Start(t, unshare, testenv.Args("-n", "-m", "-p", "-f", "--kill-child", "--mount-proc", "sh", "-c", setup+"echo ready\nexec sleep infinity"))
	holder.WaitOutput("ready\n", 20*time.Second)
	// unshare -f runs the shell as its child: the namespaces' PID 1.
	children, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", holder.Pid(), holder.Pid()))
	first := strings.Fields(string(children))
	if err != nil || len(first) != 1 {
		t.Fatalf("the namespace's first process: %q %v", children, err)
	}
	return first[0]
}

// readFile is path's content, "" when it cannot be read.
func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}
