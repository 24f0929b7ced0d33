package compat

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// suiteConfig is one folder of testdata/configs: a prosody.cfg.lua, the
// files it includes, and how the runner must treat it, said by directives,
// comment lines of the form "--! WORD ARGS" in prosody.cfg.lua:
//
//	--! occupy tcp|tcp6 ADDRESS PORT   the runner listens there before the host starts
//	--! env NAME=value                 set in both hosts' environment (for ENV_NAME)
//	--! user root                      run both hosts as root instead of the prosody user
//	--! needs /path                    skip the config where /path does not exist
type suiteConfig struct {
	Name   string
	Dir    string
	About  string // the file's first line, a comment saying what it exercises
	Occupy []occupied
	Env    []string
	AsRoot bool
	Needs  []string
}

// occupied is an address the runner holds before the host starts.
type occupied struct{ Proto, Addr, Port string }

// configFile is the config each folder holds.
const configFile = "prosody.cfg.lua"

// loadConfigs reads every config folder under dir, sorted by name.
func loadConfigs(dir string) ([]suiteConfig, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []suiteConfig
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		c, err := loadConfig(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// loadConfig reads the description line and the directives of one folder.
func loadConfig(dir string) (suiteConfig, error) {
	c := suiteConfig{Name: filepath.Base(dir), Dir: dir}
	path := filepath.Join(dir, configFile)
	f, err := os.Open(path)
	if err != nil {
		return c, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			if !strings.HasPrefix(line, "-- ") || strings.HasPrefix(line, "--!") {
				return c, fmt.Errorf("%s:1: the first line must be a comment saying what the config exercises", path)
			}
			c.About = strings.TrimPrefix(line, "-- ")
			continue
		}
		if rest, ok := strings.CutPrefix(line, "--!"); ok {
			if err := c.directive(strings.Fields(rest)); err != nil {
				return c, fmt.Errorf("%s:%d: %v", path, n, err)
			}
		}
	}
	return c, sc.Err()
}

// directive applies one "--!" line.
func (c *suiteConfig) directive(f []string) error {
	bad := func(want string) error {
		return fmt.Errorf("directive %q: write --! %s", strings.Join(f, " "), want)
	}
	if len(f) == 0 {
		return bad("occupy|env|user|needs …")
	}
	switch f[0] {
	case "occupy":
		if len(f) != 4 || (f[1] != "tcp" && f[1] != "tcp6") {
			return bad("occupy tcp|tcp6 ADDRESS PORT")
		}
		if _, err := strconv.ParseUint(f[3], 10, 16); err != nil {
			return bad("occupy tcp|tcp6 ADDRESS PORT (PORT a number)")
		}
		c.Occupy = append(c.Occupy, occupied{f[1], f[2], f[3]})
	case "env":
		if len(f) != 2 || !strings.Contains(f[1], "=") {
			return bad("env NAME=value")
		}
		c.Env = append(c.Env, f[1])
	case "user":
		if len(f) != 2 || f[1] != "root" {
			return bad("user root")
		}
		c.AsRoot = true
	case "needs":
		if len(f) != 2 || !filepath.IsAbs(f[1]) {
			return bad("needs /absolute/path")
		}
		c.Needs = append(c.Needs, f[1])
	default:
		return bad("occupy|env|user|needs …")
	}
	return nil
}

// missing returns the first file the config needs that is not there.
func (c suiteConfig) missing() string {
	for _, p := range c.Needs {
		if _, err := os.Stat(p); err != nil {
			return p
		}
	}
	return ""
}
