package census

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The baseline (testdata/baseline.txt) holds what the last census found
// moonport does, one "loads NAME" or "answers NAME" line each: a module
// that loads, and one whose client answer is Prosody's.

// readBaseline reads the baseline: each kind to its set of names.
func readBaseline(path string) (map[string]map[string]bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]bool{"loads": {}, "answers": {}}
	for n, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f) != 2 || out[f[0]] == nil {
			return nil, fmt.Errorf("%s:%d: want \"loads NAME\" or \"answers NAME\", not %q", path, n+1, line)
		}
		out[f[0]][f[1]] = true
	}
	return out, nil
}

// checkAgainst fails t when r lost what the baseline says it had.
func checkAgainst(t *testing.T, base map[string]map[string]bool, r result) {
	name := r.Module.Name
	if base["loads"][name] && !r.MoonportLoads {
		t.Errorf("mod_%s loaded in moonport before (%s) and does not now: %s", name, baselineFile, r.MoonportFailure)
	}
	if base["answers"][name] && r.HostsRan && r.Answer != "same" {
		t.Errorf("mod_%s answered a client as Prosody does before (%s) and does not now: %s", name, baselineFile, r.Answer)
	}
}

// baseline is the baseline file for these results.
func baseline(results []result) string {
	var b strings.Builder
	b.WriteString("# Written by compat/census/run: what moonport did in the last census.\n" +
		"# TestCensus fails when a module listed here no longer does it.\n")
	for _, r := range results {
		if r.MoonportLoads {
			fmt.Fprintf(&b, "loads %s\n", r.Module.Name)
		}
	}
	for _, r := range results {
		if r.Answer == "same" {
			fmt.Fprintf(&b, "answers %s\n", r.Module.Name)
		}
	}
	return b.String()
}

// counts are the census's figures.
type counts struct {
	All, ProsodyLoads, Routing, Plain, PlainMoonport, MoonportLoads, Exercised, Same int
}

func count(results []result) counts {
	var c counts
	for _, r := range results {
		c.All++
		if r.MoonportLoads {
			c.MoonportLoads++
		}
		if !r.ProsodyLoads {
			continue
		}
		c.ProsodyLoads++
		if r.Routing {
			c.Routing++
		} else {
			c.Plain++
			if r.MoonportLoads {
				c.PlainMoonport++
			}
		}
		if r.Exercised != "" {
			c.Exercised++
			if r.Answer == "same" {
				c.Same++
			}
		}
	}
	return c
}

// summary is the census in one line.
func summary(results []result) string {
	c := count(results)
	if !slices.ContainsFunc(results, func(r result) bool { return r.HostsRan }) {
		return fmt.Sprintf("census: %d module files; moonport loads %d; Prosody not run (the hosts subtest needs root)", c.All, c.MoonportLoads)
	}
	return fmt.Sprintf("census: %d module files; Prosody loads %d (%d need stanza routing); "+
		"of the %d without, moonport loads %d (%s); moonport loads %d in all; %d serve something, %d answer as in Prosody",
		c.All, c.ProsodyLoads, c.Routing, c.Plain, c.PlainMoonport, percent(c.PlainMoonport, c.Plain), c.MoonportLoads, c.Exercised, c.Same)
}

func percent(a, b int) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%d%%", a*100/b)
}

// failureKey groups first failures by their cause: the missing library,
// or the message without the file and line it happened at.
func failureKey(msg string) string {
	if e := explain(msg); e != "" {
		return e
	}
	if m := regexp.MustCompile(`module ([\w.]+) not found`).FindAllStringSubmatch(msg, -1); m != nil {
		return "require \"" + m[len(m)-1][1] + "\""
	}
	if m := regexp.MustCompile(`module '(\w+)' not found`).FindAllStringSubmatch(msg, -1); m != nil {
		return "no file for module " + m[len(m)-1][1] + " where moonport looks"
	}
	if i := strings.LastIndex(msg, ".lua:"); i >= 0 {
		msg = msg[i:]
		if _, rest, ok := strings.Cut(msg, ": "); ok {
			msg = rest
		}
	}
	return msg
}

// topFailures counts the first failures of the modules Prosody loads and
// moonport does not, by key, most common first.
func topFailures(results []result) []string {
	n := map[string][]string{}
	for _, r := range results {
		if r.ProsodyLoads && !r.MoonportLoads {
			k := failureKey(r.MoonportFailure)
			n[k] = append(n[k], r.Module.Name)
		}
	}
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if len(n[keys[i]]) != len(n[keys[j]]) {
			return len(n[keys[i]]) > len(n[keys[j]])
		}
		return keys[i] < keys[j]
	})
	var out []string
	for _, k := range keys {
		out = append(out, fmt.Sprintf("| %d | %s | %s |", len(n[k]), cell(k), strings.Join(n[k], ", ")))
	}
	return out
}

// version is a Debian package's installed version.
func version(pkg string) string {
	out, err := exec.Command("dpkg-query", "-W", "-f", "${Version}", pkg).Output()
	if err != nil {
		return "?"
	}
	return string(out)
}

// cell makes text safe in a Markdown table cell, at most 160 bytes of it.
func cell(s string) string {
	if len(s) > 160 {
		s = strings.ToValidUTF8(s[:157], "") + "…"
	}
	s = strings.ReplaceAll(s, "|", `\|`)
	return "`" + strings.ReplaceAll(s, "`", "'") + "`"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
