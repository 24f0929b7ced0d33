package watch

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
)

// watchOne watches files and returns a channel of reload reasons.
func watchOne(t *testing.T, files ...string) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	reasons := make(chan string, 16)
	w, err := Start(ctx, logrus.New(), func() Watched { return Watched{Files: files} }, func(why string) { reasons <- why })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); <-w.Done() })
	return reasons
}

func expectReload(t *testing.T, reasons <-chan string, file string) {
	t.Helper()
	select {
	case why := <-reasons:
		if !strings.Contains(why, file) {
			t.Errorf("reload for %q, want it to name %s", why, file)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no reload")
	}
	// One change is one reload, however many events it made.
	select {
	case why := <-reasons:
		t.Errorf("a second reload for one change: %s", why)
	case <-time.After(3 * Debounce):
	}
}

func expectNone(t *testing.T, reasons <-chan string) {
	t.Helper()
	select {
	case why := <-reasons:
		t.Errorf("unexpected reload: %s", why)
	case <-time.After(4 * Debounce):
	}
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWriteInPlace(t *testing.T) {
	f := filepath.Join(t.TempDir(), "prosody.cfg.lua")
	write(t, f, "a = 1\n")
	reasons := watchOne(t, f)
	write(t, f, "a = 2\n")
	expectReload(t, reasons, f)
	// Same contents again (a touch, or a save without changes): nothing.
	write(t, f, "a = 2\n")
	now := time.Now()
	os.Chtimes(f, now, now)
	expectNone(t, reasons)
}

func TestTempFileRenamed(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "prosody.cfg.lua")
	write(t, f, "a = 1\n")
	reasons := watchOne(t, f)
	tmp := filepath.Join(dir, ".prosody.cfg.lua.swp")
	write(t, tmp, "a = 2\n")
	if err := os.Rename(tmp, f); err != nil {
		t.Fatal(err)
	}
	expectReload(t, reasons, f)
}

func TestDeleteThenCreate(t *testing.T) {
	f := filepath.Join(t.TempDir(), "prosody.cfg.lua")
	write(t, f, "a = 1\n")
	reasons := watchOne(t, f)
	if err := os.Remove(f); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * Debounce) // the gap an editor leaves; no reload for a missing file yet
	write(t, f, "a = 2\n")
	expectReload(t, reasons, f)
}

// TestSymlinkSwap replaces files the way Kubernetes updates a mounted
// ConfigMap: the file is a link through "..data", itself a link to a
// timestamped folder; an update makes a new folder and renames a new
// "..data" link over the old one.
func TestSymlinkSwap(t *testing.T) {
	dir := t.TempDir()
	v1 := filepath.Join(dir, "..2026_11_24_v1")
	os.Mkdir(v1, 0o755)
	write(t, filepath.Join(v1, "prosody.cfg.lua"), "a = 1\n")
	if err := os.Symlink("..2026_11_24_v1", filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, "prosody.cfg.lua")
	if err := os.Symlink("..data/prosody.cfg.lua", f); err != nil {
		t.Fatal(err)
	}
	reasons := watchOne(t, f)
	v2 := filepath.Join(dir, "..2026_11_24_v2")
	os.Mkdir(v2, 0o755)
	write(t, filepath.Join(v2, "prosody.cfg.lua"), "a = 2\n")
	if err := os.Symlink("..2026_11_24_v2", filepath.Join(dir, "..data_tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(v1)
	expectReload(t, reasons, f)
}

func TestListRefreshedAfterReload(t *testing.T) {
	dir := t.TempDir()
	main, inc := filepath.Join(dir, "prosody.cfg.lua"), filepath.Join(dir, "other", "inc.lua")
	os.Mkdir(filepath.Dir(inc), 0o755)
	write(t, main, "a = 1\n")
	write(t, inc, "b = 1\n")
	files := []string{main}
	ctx, cancel := context.WithCancel(context.Background())
	reasons := make(chan string, 16)
	w, err := Start(ctx, logrus.New(), func() Watched { return Watched{Files: files} }, func(why string) {
		files = []string{main, inc} // the new config includes inc
		reasons <- why
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); <-w.Done() }()
	write(t, main, "Include 'other/inc.lua'\n")
	expectReload(t, reasons, main)
	write(t, inc, "b = 2\n")
	expectReload(t, reasons, inc)
}

// TestWildcardIncludeFolder: a file that comes to match a wildcard
// Include, or stops matching, is a change; dot files (editors' swap
// files) and names that do not match are not.
func TestWildcardIncludeFolder(t *testing.T) {
	dir := t.TempDir()
	main, confd := filepath.Join(dir, "prosody.cfg.lua"), filepath.Join(dir, "conf.d")
	os.Mkdir(confd, 0o755)
	write(t, main, "Include 'conf.d/*.cfg.lua'\n")
	pattern := filepath.Join(confd, "*.cfg.lua")
	ctx, cancel := context.WithCancel(context.Background())
	reasons := make(chan string, 16)
	w, err := Start(ctx, logrus.New(), func() Watched { return Watched{Files: []string{main}, Patterns: []string{pattern}} },
		func(why string) { reasons <- why })
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); <-w.Done() }()
	added := filepath.Join(confd, "extra.cfg.lua")
	write(t, added, "b = 1\n")
	expectReload(t, reasons, pattern)
	write(t, filepath.Join(confd, ".extra.cfg.lua.swp"), "x")
	write(t, filepath.Join(confd, "notes.txt"), "x")
	expectNone(t, reasons)
	if err := os.Remove(added); err != nil {
		t.Fatal(err)
	}
	expectReload(t, reasons, pattern)
}

// TestNamedPipeInAWatchedPlace: a watched file replaced by a named pipe is
// a change (the reload says what is wrong), and the watcher goes on; it
// used to block for good opening the pipe.
func TestNamedPipeInAWatchedPlace(t *testing.T) {
	dir := t.TempDir()
	f, g := filepath.Join(dir, "secret.txt"), filepath.Join(dir, "prosody.cfg.lua")
	write(t, f, "s3cret\n")
	write(t, g, "a = 1\n")
	reasons := watchOne(t, f, g)
	t.Cleanup(func() { // runs first: lets a watcher blocked on the pipe stop
		if p, err := os.OpenFile(f, os.O_RDWR, 0); err == nil {
			os.Remove(f)
			p.Close()
		}
	})
	if err := os.Remove(f); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(f, 0o600); err != nil {
		t.Fatal(err)
	}
	expectReload(t, reasons, f)
	write(t, g, "a = 2\n")
	expectReload(t, reasons, g)
}
