package census

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// gopher-lua's messages for a nil called or indexed do not say what was
// nil ("attempt to call a non-function object"). The census reads the
// line of the module file the message points at to name it, so the table
// says which method, library field or global moonport lacks.

// nilSite finds such a message with the file and line it happened at.
var nilSite = regexp.MustCompile(`([\w/.-]+\.lua):(\d+): attempt to (call a non-function object|index a non-table object\(nil\) with key '(\w+)')`)

// callee finds what a line calls: a module method first, else a name.
var (
	methodCall = regexp.MustCompile(`module:\w+`)
	nameCall   = regexp.MustCompile(`[A-Za-z_][\w.:]*\s*[("{]`)
)

// explain names the nil of a failure, "" when it is no such message or the
// line cannot be read: "module:log_status is nil (called)" or "prosody is
// nil (indexed with start_time)".
func explain(failure string) string {
	all := nilSite.FindAllStringSubmatch(failure, -1)
	if all == nil {
		return ""
	}
	m := all[len(all)-1] // the innermost: a dependency's failure comes last
	line := sourceLine(m[1], m[2])
	if line == "" {
		return ""
	}
	if key := m[4]; key != "" {
		at := regexp.MustCompile(`([A-Za-z_][\w.]*)[.:]` + key + `\b`).FindStringSubmatch(line)
		if at == nil {
			return ""
		}
		return at[1] + " is nil (indexed with " + key + ")"
	}
	if c := methodCall.FindString(line); c != "" {
		return c + " is nil (called)"
	}
	if c := nameCall.FindString(line); c != "" {
		return strings.TrimRight(c, " ({\"") + " is nil (called)"
	}
	return ""
}

// sourceLine is line n of file, a path as moonport prints it (relative
// to the modules folder when shortened), trimmed; "" when unreadable.
func sourceLine(file, n string) string {
	if !filepath.IsAbs(file) {
		file = filepath.Join(modulesDir, file)
	}
	i, err := strconv.Atoi(n)
	b, rerr := os.ReadFile(file)
	if err != nil || rerr != nil {
		return ""
	}
	lines := strings.Split(string(b), "\n")
	if i < 1 || i > len(lines) {
		return ""
	}
	return strings.TrimSpace(lines[i-1])
}
