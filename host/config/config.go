// Package config is an evaluated Prosody-style config: an immutable
// Snapshot of the global section and the host sections, each option with
// the file and line that set it, and Prosody's lookup rules over them.
//
// The config language itself (the sandboxed Lua evaluation) lives in
// host/config/luaconfig, so that what reads a Snapshot (ports, tlsconf,
// logging, check) does not link the Lua VM. This package does not decide
// what to bind, open sockets or load modules; those read the Snapshot.
package config

import (
	"fmt"
	"strings"

	"github.com/moonport/moonport/host/value"
)

// Location is a place in a config file.
type Location struct {
	File string
	Line int
}

func (l Location) String() string {
	if l.File == "" {
		return "(default)"
	}
	if l.Line <= 0 {
		return l.File
	}
	return fmt.Sprintf("%s:%d", l.File, l.Line)
}

// Option is one option's value and where it was set.
type Option struct {
	Value any
	Location
}

// SectionKind tells the global section from host sections.
type SectionKind int

const (
	Global SectionKind = iota
	VirtualHost
	Component
)

func (k SectionKind) String() string {
	switch k {
	case VirtualHost:
		return "VirtualHost"
	case Component:
		return "Component"
	}
	return "global section"
}

// Section is the global section or one host's section.
type Section struct {
	Name    string // "*" for the global section
	Kind    SectionKind
	Module  string // a Component's module ("component" for external components)
	Options map[string]Option
	Location
}

// Diagnostic is a warning tied to a place in the config.
type Diagnostic struct {
	Location
	Message string
}

func (d Diagnostic) String() string { return d.Location.String() + ": " + d.Message }

// Error is a config error that stops startup.
type Error struct {
	Location
	Message string
}

func (e *Error) Error() string {
	if e.File == "" {
		return e.Message
	}
	return e.Location.String() + ": " + e.Message
}

// Snapshot is an evaluated config. It is never changed after Load returns,
// so it can be shared freely between goroutines.
type Snapshot struct {
	Path     string
	Global   *Section
	hosts    map[string]*Section
	order    []string
	Files    []string // every file read, the main one first
	Warnings []Diagnostic
	// Patterns are the wildcard Include patterns, resolved like Files:
	// a file that comes to match one changes the config too.
	Patterns []string
	// Empty lists the Lua files evaluated (the config, Included and
	// RunScript files) that were empty or only whitespace when read.
	Empty []string
	// Options are the global options the Go side reads, typed and
	// checked (ReadOptions).
	Options *Options
}

// NewSnapshot starts the Snapshot of the config file at path: an empty
// global section and no hosts. Only an evaluator fills one in (with
// Declare, Global's options and the exported lists); once handed out it is
// never changed.
func NewSnapshot(path string) *Snapshot {
	global := &Section{Name: "*", Kind: Global, Options: map[string]Option{}, Location: Location{File: path}}
	return &Snapshot{Path: path, Global: global, hosts: map[string]*Section{}}
}

// Declare returns the section of host name (already lower-cased), adding it
// with kind and loc, after those declared before, if it is new. Only for an
// evaluator, before the Snapshot is handed out.
func (s *Snapshot) Declare(name string, kind SectionKind, loc Location) *Section {
	sec := s.hosts[name]
	if sec == nil {
		sec = &Section{Name: name, Kind: kind, Options: map[string]Option{}, Location: loc}
		s.hosts[name] = sec
		s.order = append(s.order, name)
	}
	return sec
}

// Hosts returns host sections in the order they were declared.
func (s *Snapshot) Hosts() []*Section {
	out := make([]*Section, 0, len(s.order))
	for _, name := range s.order {
		out = append(out, s.hosts[name])
	}
	return out
}

// Host returns the section of host name, or nil.
func (s *Snapshot) Host(name string) *Section { return s.hosts[strings.ToLower(name)] }

// Get looks an option up in host's section, falling back to the global
// section as Prosody does. host "*" or "" reads the global section only.
func (s *Snapshot) Get(host, name string) (Option, bool) {
	if host != "" && host != "*" {
		if sec := s.Host(host); sec != nil {
			if o, ok := sec.Options[name]; ok {
				return o, true
			}
		}
	}
	o, ok := s.Global.Options[name]
	return o, ok
}

// Value is Get without the location; nil when unset.
func (s *Snapshot) Value(host, name string) any {
	o, _ := s.Get(host, name)
	return o.Value
}

// String returns the option as a string, or def when unset. A value of
// another type is an error naming the option.
func (o Option) String(def string) (string, error) {
	switch v := o.Value.(type) {
	case nil:
		return def, nil
	case string:
		return v, nil
	case float64:
		return value.Format(v), nil
	}
	return "", o.errorf("expected a string, got %s", value.Format(o.Value))
}

func (o Option) errorf(format string, args ...any) error {
	return &Error{Location: o.Location, Message: fmt.Sprintf(format, args...)}
}

// IsNetworkOption reports whether name only means something in the global
// section: Prosody reads interfaces, ports and port TLS settings from there.
func IsNetworkOption(name string) bool {
	switch name {
	case "interfaces", "interface", "local_interfaces", "network_settings", "listeners",
		"strict_binding", "use_ipv4", "use_ipv6", "network_default_read_size":
		return true
	}
	for _, suffix := range []string{"_ports", "_interfaces", "_interface", "_ssl"} {
		if strings.HasSuffix(name, suffix) && len(name) > len(suffix) {
			return true
		}
	}
	return false
}
