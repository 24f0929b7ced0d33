package layout

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Limits of the code style (README, "How we write code"): a file that
// grows past maxFileLines wants splitting by what its parts hold, a
// function past maxFuncLines wants named steps.
const (
	maxFileLines = 600
	maxFuncLines = 80
)

// TestSourceSizes checks every non-test Go file of the module against the
// limits. A directory with a go.mod of its own is another module (the
// vendored upstream code under third_party) and is not ours to split.
func TestSourceSizes(t *testing.T) {
	root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	dir := strings.TrimSpace(string(root))
	fset := token.NewFileSet()
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || isOtherModule(dir, path)) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if n := fset.File(f.Pos()).LineCount(); n > maxFileLines {
			t.Errorf("%s has %d lines (at most %d): split it by what its parts hold", rel, n, maxFileLines)
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok {
				if n := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1; n > maxFuncLines {
					t.Errorf("%s: %s has %d lines (at most %d): give its steps names", rel, fn.Name.Name, n, maxFuncLines)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// isOtherModule reports whether path, a directory below the module root,
// holds a module of its own.
func isOtherModule(root, path string) bool {
	_, err := os.Stat(filepath.Join(path, "go.mod"))
	return path != root && err == nil
}
