package bridge

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// lfsFolder makes a temporary folder with a file, a subfolder and a
// symlink, and an empty one beside it, and returns a Lua line setting
// base and scratch to their paths. Folders are made and removed only in
// scratch, so what base's listing shows stays the same from run to run.
func lfsFolder(t *testing.T) string {
	t.Helper()
	top := t.TempDir()
	dir, scratch := filepath.Join(top, "tree"), filepath.Join(top, "scratch")
	for _, d := range []string{dir, scratch} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(dir, "file.txt")
	if err := os.WriteFile(file, []byte("hello lfs\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	when := time.Unix(1700000000, 0)
	if err := os.Chtimes(file, when, when); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("file.txt", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("local base, scratch = %q, %q\n", dir, scratch)
}

const lfsSnippet = `
local lfs = require "lfs"
local names = {}
for name in lfs.dir(base) do names[#names + 1] = name end
table.sort(names)
print(table.concat(names, " "))
local keys = { "mode", "size", "modification", "permissions", "ino", "dev", "nlink", "uid", "gid", "rdev", "blocks", "blksize" }
for _, name in ipairs(names) do
	local a = lfs.attributes(base .. "/" .. name)
	local l = lfs.symlinkattributes(base .. "/" .. name)
	local line = { name }
	for _, k in ipairs(keys) do
		line[#line + 1] = k .. "=" .. tostring(a[k]) .. "/" .. tostring(l[k])
	end
	print(table.concat(line, " "))
	print(lfs.attributes(base .. "/" .. name, "mode"), lfs.attributes(base .. "/" .. name, "size"))
end
local into = {}
print(lfs.attributes(base .. "/file.txt", into) == into, into.size)
print(lfs.attributes(base .. "/missing"))
print(lfs.attributes(base .. "/missing", "mode"))
print(lfs.symlinkattributes(base .. "/missing"))
print(select(2, pcall(lfs.attributes, base, "nosuch")):match("invalid attribute name '%w+'$"))
print(lfs.mkdir(scratch .. "/new"), lfs.attributes(scratch .. "/new", "mode"))
print(lfs.mkdir(scratch .. "/new"))
print(lfs.mkdir(scratch .. "/no/such"))
print(lfs.rmdir(scratch .. "/new"), lfs.attributes(scratch .. "/new"))
print(lfs.rmdir(base .. "/missing"))
print(lfs.rmdir(base .. "/file.txt"))
print(lfs.touch(base .. "/file.txt", 1600000000, 1500000000), lfs.attributes(base .. "/file.txt", "modification"), lfs.attributes(base .. "/file.txt", "access"))
print(lfs.touch(base .. "/file.txt", 1600000000), lfs.attributes(base .. "/file.txt", "modification"))
print(lfs.touch(base .. "/file.txt"), lfs.attributes(base .. "/file.txt", "modification") > 1600000000)
print(lfs.touch(base .. "/missing"))
print(lfs.currentdir() == lfs.currentdir(), type(lfs.currentdir()))
local ok, err = pcall(lfs.dir, base .. "/missing")
print(ok, (err:gsub("^.-cannot", "cannot")))
local iter, d = lfs.dir(base)
local n = 0
while iter(d) do n = n + 1 end
local ok, err = pcall(iter, d)
print(n, ok, err:match("closed directory"))
local iter2, d2 = lfs.dir(base)
print(type(d2:next()), d2:close())
lfs.touch(base .. "/file.txt", 1700000000)
`

func TestLfsDifferential(t *testing.T) {
	base := lfsFolder(t)
	got := moonportPrints(t, base+lfsSnippet)
	for _, want := range []string{
		". .. file.txt link sub\n",
		"file\t10\n",
		"nil\tcannot obtain information from file '",
		"nil\tFile exists\t17\n",
		"nil\tNo such file or directory\t2\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("moonport printed\n%s\nwant a line with %q", got, want)
		}
	}
	ref := testenv.ProsodyLua(t, base+lfsSnippet)
	if got != ref {
		t.Errorf("moonport printed\n%s\nlua5.4's lfs printed\n%s", got, ref)
	}
}

func TestLfsChdirRefused(t *testing.T) {
	got := moonportPrints(t, `local lfs = require "lfs"; print(pcall(lfs.chdir, "/"))`)
	if !strings.Contains(got, "false") || !strings.Contains(got, "lfs.chdir is not available in moonport") {
		t.Errorf("chdir printed %q", got)
	}
}
