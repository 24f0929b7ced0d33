package bridge

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func kindOf(err error) string {
	if err == nil {
		return ""
	}
	return classify(err).(*fileError).kind
}

// TestFilesBeneathARoot: moonport.files reads and writes only beneath its
// folder, whatever the path or the symlinks on the way say.
func TestFilesBeneathARoot(t *testing.T) {
	base := t.TempDir()
	root, out := filepath.Join(base, "root"), filepath.Join(base, "out")
	for _, d := range []string{root, out, filepath.Join(root, "sub")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(root, "a.txt"), []byte("inside"), 0o644)
	os.WriteFile(filepath.Join(out, "secret"), []byte("outside"), 0o644)
	os.Symlink(out, filepath.Join(root, "outdir"))
	os.Symlink("../out/secret", filepath.Join(root, "outfile"))
	os.Symlink("a.txt", filepath.Join(root, "inside"))
	if err := syscall.Mkfifo(filepath.Join(root, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"a.txt": "", "inside": "", "sub/../a.txt": "",
		"nope": "not_found", "a.txt/x": "not_found",
		"outdir/secret": "denied", "outfile": "denied", "../out/secret": "denied", "/etc/passwd": "denied",
		"sub": "not_a_file", "fifo": "not_a_file", // a FIFO must not block the reader
	} {
		data, err := readBeneath(root, name)
		if got := kindOf(err); got != want {
			t.Errorf("read %s: kind %q (%v), want %q", name, got, err, want)
		}
		if err == nil && string(data) != "inside" {
			t.Errorf("read %s: %q", name, data)
		}
	}
	for name, want := range map[string]string{
		"new.txt": "", "a.txt": "", "sub/new": "",
		"inside": "not_a_file", "outfile": "not_a_file", "sub": "not_a_file",
		"outdir/secret": "denied", "outdir/new": "denied", "../out/new": "denied",
		"missing/new": "not_found",
	} {
		if got := kindOf(writeBeneath(root, name, []byte("written"))); got != want {
			t.Errorf("write %s: kind %q, want %q", name, got, want)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(out, "secret")); string(b) != "outside" {
		t.Errorf("a write reached outside the root: %q", b)
	}
	if _, err := os.Stat(filepath.Join(out, "new")); err == nil {
		t.Error("a write made a file outside the root")
	}
	if b, _ := os.ReadFile(filepath.Join(root, "a.txt")); string(b) != "written" {
		t.Errorf("a.txt was not replaced: %q", b)
	}
	if l, _ := os.Readlink(filepath.Join(root, "inside")); l != "a.txt" {
		t.Errorf("the symlink was replaced: %q", l)
	}
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if filepath.Ext(e.Name()) != "" && e.Name()[0] == '.' {
			t.Errorf("a temporary file was left: %s", e.Name())
		}
	}
}
