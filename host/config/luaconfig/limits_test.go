package luaconfig

import (
	"github.com/moonport/moonport/host/config"

	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// loadWithin evaluates path and fails the test if that takes longer than
// limit (it runs on, but the test does not wait for it).
func loadWithin(t *testing.T, path string, limit time.Duration) (*config.Snapshot, error) {
	t.Helper()
	type result struct {
		s   *config.Snapshot
		err error
	}
	done := make(chan result, 1)
	go func() { s, err := Load(path); done <- result{s, err} }()
	select {
	case r := <-done:
		return r.s, r.err
	case <-time.After(limit):
		t.Fatalf("evaluating %s took longer than %s", path, limit)
		return nil, nil
	}
}

func wantError(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one with %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q lacks %q", err, p)
		}
	}
}

// TestConfigFileSizeIsBounded: a config file past MaxFileSize is refused
// before it is read, naming the file and the limit (a 50 MB file took
// minutes to be refused for "looping forever").
func TestConfigFileSizeIsBounded(t *testing.T) {
	path := writeFiles(t, map[string]string{"prosody.cfg.lua": "a = 1\n"})
	if err := os.Truncate(path, 50<<20); err != nil { // sparse: costs no disk
		t.Fatal(err)
	}
	start := time.Now()
	_, err := loadWithin(t, path, 5*time.Second)
	wantError(t, err, "config file "+path+" is 52428800 bytes, more than the 1048576 bytes (1 MiB) a config file may have", "Include")
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %s to refuse", d)
	}
	_, err = Evaluate("big.cfg.lua", []byte("-- "+strings.Repeat("x", MaxFileSize)))
	wantError(t, err, "big.cfg.lua is 1048579 bytes, more than the 1048576 bytes")
}

// TestFilesReadMustBeRegular: a named pipe (which used to block the
// evaluation, and every reload after it, until a writer came), a device
// (FileLine "/dev/zero" read without end) or a directory is refused at once.
func TestFilesReadMustBeRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // unblock a reader still waiting on the pipe
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	for _, c := range []struct{ name, line, want string }{
		{"fifo", `x = FileContents "pipe"`, `FileContents("pipe"): ` + fifo + ` is a named pipe (FIFO); the config reads only regular files`},
		{"include fifo", `Include "pipe"`, "Error loading included " + fifo + ": " + fifo + " is a named pipe (FIFO)"},
		{"runscript fifo", `RunScript "pipe"`, "RunScript " + fifo + ": " + fifo + " is a named pipe (FIFO)"},
		{"device", `x = FileLine "/dev/zero"`, `FileLine("/dev/zero"): /dev/zero is a device; the config reads only regular files`},
		{"directory", `x = FileLines "."`, "is a directory; the config reads only regular files"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, "prosody.cfg.lua")
			if err := os.WriteFile(path, []byte(c.line+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := loadWithin(t, path, 5*time.Second)
			wantError(t, err, path+":1: ", c.want)
		})
	}
}

// TestFileReadsAreBounded: one file past MaxFileSize, or more than
// MaxTotalRead in all, is refused with the limit.
func TestFileReadsAreBounded(t *testing.T) {
	path := writeFiles(t, map[string]string{
		"prosody.cfg.lua": "big = FileContents \"big.txt\"\n",
		"loop.cfg.lua":    "local t = {}\nfor i = 1, 100 do t[i] = FileContents \"part.txt\" end\n",
		"big.txt":         strings.Repeat("x", MaxFileSize+1),
		"part.txt":        strings.Repeat("y", 900<<10),
	})
	_, err := loadWithin(t, path, 5*time.Second)
	wantError(t, err, path+":1: ", `FileContents("big.txt"): `, "big.txt is 1048577 bytes, more than the 1048576 bytes a file read by the config may have")
	loop := filepath.Join(filepath.Dir(path), "loop.cfg.lua")
	_, err = loadWithin(t, loop, 5*time.Second)
	wantError(t, err, loop+":2: ", "part.txt: the config has already read", "may read 16777216 bytes in all")
}

// TestCompileTimeIsBounded: a file under the size limit whose compile
// would take minutes (gopher-lua's constant look-up is quadratic) is
// refused before compiling, well within the time limit.
func TestCompileTimeIsBounded(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 400<<10; i++ {
		fmt.Fprintf(&b, "option_%d = %d\n", i, i+1000000)
	}
	path := writeFiles(t, map[string]string{"prosody.cfg.lua": "Include \"generated.cfg.lua\"\n", "generated.cfg.lua": b.String()})
	start := time.Now()
	_, err := loadWithin(t, path, 8*time.Second)
	wantError(t, err, "generated.cfg.lua: too big to compile within the 10s limit", "split the file with Include")
	t.Logf("refused in %s: %v", time.Since(start), err)
}

// TestTimeLimitNamesParsing: running out of time while parsing says so,
// rather than suggesting a loop.
func TestTimeLimitNamesParsing(t *testing.T) {
	_, err := evaluate("slow.cfg.lua", []byte("a = 1\n"), time.Nanosecond)
	wantError(t, err, "slow.cfg.lua: the config took longer than 1ns to evaluate; it was still parsing this file")
	if strings.Contains(err.Error(), "loop") {
		t.Errorf("blames a loop: %v", err)
	}
	_, err = evaluate("loop.cfg.lua", []byte("a = 1\nwhile true do end\n"), 200*time.Millisecond)
	wantError(t, err, "loop.cfg.lua: the config took longer than 200ms to evaluate (does it loop forever?)")
}
