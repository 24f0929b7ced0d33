package bridge

import (
	"fmt"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/value"
)

// Which modules load on which host: Prosody 0.12's rules
// (core/modulemanager.lua, get_modules_for_host; core/hostmanager.lua for
// which hosts are active), with one moonport difference: the global list
// loads once, on the global host "*", rather than once per host, so a
// config without any host section (moonport's own kind) still serves.

// autoloadModules load on every host whether the config names them or
// not. Prosody's first is the platform module, "posix" on Linux. Most are
// XMPP modules moonport has no file for: a missing one is a debug line.
var autoloadModules = []string{"posix", "presence", "message", "iq", "offline", "c2s", "s2s", "s2s_auth_certs"}

// componentInheritable are the only global modules a Component takes.
var componentInheritable = map[string]bool{
	"tls": true, "saslauth": true, "dialback": true, "iq": true,
	"s2s": true, "s2s_bidi": true, "smacks": true, "server_contact_info": true,
}

// moduleRef is one module wanted on one host.
type moduleRef struct {
	name, host string
	// autoload: wanted only because Prosody autoloads it, so a missing
	// file is no error.
	autoload bool
	// required: asked for by the console's module:load, so any failure
	// fails the reload it is part of.
	required bool
	// via: the states the goroutine loading it holds, for a module:depends
	// from a callback (crossstate.go's call chain), so events the new
	// module fires into them run there and then.
	via []*Instance
}

func (m moduleRef) key() string { return m.host + "/" + m.name }

// globalKey is where a global module (module:set_global, or loaded on "*")
// sits in a set of instances.
func globalKey(name string) string { return "*/" + name }

// enabled is Prosody's test: a host is active unless enabled = false.
func enabled(sec *config.Section) bool {
	o, ok := sec.Options["enabled"]
	return !ok || o.Value != false
}

// ActiveHosts lists the hosts whose modules load: every VirtualHost and
// Component without enabled = false. A config with host sections but no
// enabled VirtualHost is refused, as Prosody refuses it at startup
// (util/startup.lua, sanity_check); one with no host section at all is
// moonport's own kind and runs its global modules.
func ActiveHosts(snap *config.Snapshot) ([]*config.Section, error) {
	all := snap.Hosts()
	var active []*config.Section
	vhost := false
	for _, sec := range all {
		if enabled(sec) {
			active = append(active, sec)
			vhost = vhost || sec.Kind == config.VirtualHost
		}
	}
	if len(all) > 0 && !vhost {
		return nil, &config.Error{Location: all[0].Location, Message: "No enabled VirtualHost entries found in the config file. " +
			"At least one active host is required (Prosody refuses to start too): add a VirtualHost or take enabled = false off one, " +
			"or remove every VirtualHost and Component to run moonport without hosts"}
	}
	return active, nil
}

// names reads a host section's list option (modules_enabled, …) as a set
// that keeps its order.
func names(sec *config.Section, option string) ([]string, map[string]bool) {
	list := setOf(sec.Options[option].Value)
	in := map[string]bool{}
	for _, n := range list {
		in[n] = true
	}
	return list, in
}

// globalModules is Prosody's global set: autoload ∪ modules_enabled −
// modules_disabled, the enabled ones first and in their order.
func globalModules(snap *config.Snapshot) []moduleRef {
	_, disabled := names(snap.Global, "modules_disabled")
	seen := map[string]bool{}
	var out []moduleRef
	add := func(name string, autoload bool) {
		if !seen[name] && !disabled[name] {
			seen[name] = true
			out = append(out, moduleRef{name: name, host: "*", autoload: autoload})
		}
	}
	for _, n := range snap.Options.ModulesEnabled {
		add(n, false)
	}
	for _, n := range autoloadModules {
		add(n, true)
	}
	return out
}

// hostModules is what one host loads: a Component's own module first,
// then the global set (only its inheritable part on a Component) and the
// host's modules_enabled, less the host's modules_disabled.
func hostModules(sec *config.Section, global []moduleRef) []moduleRef {
	enabledHere, explicit := names(sec, "modules_enabled")
	_, disabledHere := names(sec, "modules_disabled")
	seen := map[string]bool{}
	var out []moduleRef
	add := func(name string, autoload bool) {
		if !seen[name] {
			seen[name] = true
			out = append(out, moduleRef{name: name, host: sec.Name, autoload: autoload && !explicit[name]})
		}
	}
	if sec.Kind == config.Component {
		add(sec.Module, false)
	}
	for _, g := range global {
		if (sec.Kind != config.Component || componentInheritable[g.name]) && !disabledHere[g.name] {
			add(g.name, g.autoload)
		}
	}
	for _, n := range enabledHere {
		if !disabledHere[n] {
			add(n, false)
		}
	}
	return out
}

// wanted lists, in load order, the modules a config loads: the global set
// once on "*" (the part some active host takes, or all of it when there
// is no host section), then each active host's modules. A host's module
// that is global by then is not loaded again: the host is added to it
// (module.add_host).
func wanted(snap *config.Snapshot) ([]moduleRef, error) {
	hosts, err := ActiveHosts(snap)
	if err != nil {
		return nil, err
	}
	global := globalModules(snap)
	if len(snap.Hosts()) == 0 {
		return global, nil
	}
	var perHost []moduleRef
	taken := map[string]bool{}
	for _, sec := range hosts {
		for _, m := range hostModules(sec, global) {
			perHost = append(perHost, m)
			taken[m.name] = true
		}
	}
	var out []moduleRef
	for _, g := range global {
		if taken[g.name] {
			out = append(out, g)
		}
	}
	return append(out, perHost...), nil
}

// strictModules reads strict_modules: true makes a module that cannot be
// found or fails to load stop startup (and fail a reload), as moonport did
// before it followed Prosody in carrying on without it.
func strictModules(snap *config.Snapshot) (bool, error) {
	o, ok := snap.Get("*", "strict_modules")
	if !ok || o.Value == nil {
		return false, nil
	}
	b, isBool := o.Value.(bool)
	if !isBool {
		return false, &config.Error{Location: o.Location, Message: fmt.Sprintf("strict_modules = %s: expected true or false", value.Format(o.Value))}
	}
	return b, nil
}

// disabledFor reports whether name is in the global or host's
// modules_disabled: Prosody refuses module:depends on such a module.
func disabledFor(snap *config.Snapshot, host, name string) bool {
	_, global := names(snap.Global, "modules_disabled")
	if global[name] {
		return true
	}
	if sec := snap.Host(host); sec != nil {
		_, here := names(sec, "modules_disabled")
		return here[name]
	}
	return false
}
