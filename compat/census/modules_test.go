package census

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// packages are the Debian packages whose module files the census loads.
var packages = []string{"prosody", "prosody-modules"}

// module is one module file of a package: Prosody's name for it (mod_NAME.lua
// gives NAME), the package and the file.
type module struct {
	Name, Package, File string
}

// installedModules lists the module files dpkg says the packages hold,
// sorted by name; a name both ship is the first package's.
func installedModules() ([]module, error) {
	seen := map[string]bool{}
	var out []module
	for _, pkg := range packages {
		list, err := exec.Command("dpkg", "-L", pkg).Output()
		if err != nil {
			return nil, err
		}
		for _, m := range modulesOf(pkg, string(list)) {
			if !seen[m.Name] {
				seen[m.Name] = true
				out = append(out, m)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// modulesOf picks the module files out of `dpkg -L pkg`: files named
// mod_NAME.lua under a folder named modules (at any depth below it, so a
// file Prosody would not find is listed too, and reported as not found).
func modulesOf(pkg, list string) []module {
	var out []module
	for _, path := range strings.Fields(list) {
		base := filepath.Base(path)
		if !strings.Contains(path, "/modules/") || !strings.HasPrefix(base, "mod_") || !strings.HasSuffix(base, ".lua") {
			continue
		}
		out = append(out, module{Name: strings.TrimSuffix(strings.TrimPrefix(base, "mod_"), ".lua"), Package: pkg, File: path})
	}
	return out
}

// providesHTTP matches a module providing an HTTP app.
var providesHTTP = regexp.MustCompile(`module:provides\(\s*["']http["']`)

// providesHTTP reports whether m provides an HTTP app.
func (m module) providesHTTP() bool {
	return providesHTTP.MatchString(m.source())
}

// dependsOnMUC reports whether m loads mod_muc (module:depends "muc"),
// which Prosody loads only on a Component.
func (m module) dependsOnMUC() bool {
	for _, d := range dependsCall.FindAllStringSubmatch(m.source(), -1) {
		if d[1] == "muc" {
			return true
		}
	}
	return false
}

// source is the text of m's sources, "" for those that cannot be read.
func (m module) source() string {
	var b strings.Builder
	for _, f := range m.sources() {
		data, _ := os.ReadFile(f)
		b.Write(data)
		b.WriteByte('\n')
	}
	return b.String()
}

// sources are the Lua files of m the routing rules read: its file, and
// when it lives in a folder of its own (mod_NAME/ or mod_NAME/NAME/), the
// .lua files there.
func (m module) sources() []string {
	dir := filepath.Dir(m.File)
	own := filepath.Base(dir) == "mod_"+m.Name ||
		filepath.Base(dir) == m.Name && filepath.Base(filepath.Dir(dir)) == "mod_"+m.Name
	if !own {
		return []string{m.File}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.lua"))
	return files
}
