package main

import (
	"embed"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/moonport/moonport/cli"
)

// TestEmbeddedFiles: the binary carries the default config and every
// module file of examples/modules and modules (go:embed leaves out, without
// a word, files whose names begin with . or _).
func TestEmbeddedFiles(t *testing.T) {
	if _, err := examples.ReadFile("examples/default.cfg.lua"); err != nil {
		t.Error(err)
	}
	for _, dir := range []struct {
		files embed.FS
		path  string
	}{{examples, "examples/modules"}, {shipped, "modules"}} {
		onDisk, _ := filepath.Glob(filepath.Join(dir.path, "*.lua"))
		if len(onDisk) == 0 {
			t.Errorf("no modules in %s", dir.path)
		}
		for _, p := range onDisk {
			if _, err := fs.Stat(dir.files, p); err != nil {
				t.Errorf("%s is not embedded: %v", p, err)
			}
		}
	}
}

// TestDefaultConfigChecks: without --config and ./prosody.cfg.lua, the
// embedded default config and the modules it enables load and plan.
func TestDefaultConfigChecks(t *testing.T) {
	t.Chdir(t.TempDir())
	if code := cli.Main([]string{"check", "config"}, cli.Build{Version: version, Examples: examples, Shipped: shipped}); code != 0 {
		t.Errorf("moonport check config on the embedded default: exit %d", code)
	}
}
