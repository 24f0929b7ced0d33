package core

import (
	"fmt"
	"sort"
	"strings"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/listen"
	"github.com/moonport/moonport/lua/bridge"
)

// What the modules of a config came to, for the log and `check config`:
// the modules that did not load, the XMPP ones skipped, and the options
// that nothing reads.

// logModuleReport ends startup (and a reload) with what did not load: one
// info line naming the XMPP modules moonport does without, one error line
// listing the modules that failed (each was logged as it failed).
func (h *Host) logModuleReport(rep bridge.LoadReport) {
	if len(rep.SkippedXMPP) > 0 {
		h.Log.Infof("Skipped XMPP modules, as moonport is not an XMPP server: %s", strings.Join(rep.SkippedXMPP, ", "))
	}
	if len(rep.Failed) > 0 {
		var names []string
		for _, f := range rep.Failed {
			names = append(names, fmt.Sprintf("%s (host %s)", f.Module, f.Host))
		}
		h.Log.Errorf("%d module(s) did not load: %s", len(rep.Failed), strings.Join(names, ", "))
	}
}

// ModuleReport says which modules did not load at startup or the last
// reload (see bridge.LoadReport).
func (h *Host) ModuleReport() bridge.LoadReport { return h.Runtime.LoadReport() }

// hostOptions are the options moonport itself reads, wherever it is that
// reads them: host/config's typed Options, host/ports, host/tlsconf,
// host/logging, the console's access rules, the Lua runtime's budget and
// module loading, and what a host section says about itself. Options of
// a service count through the services loaded (serviceOptions).
var hostOptions = map[string]bool{}

func init() {
	for _, name := range strings.Fields(`
		plugin_paths modules_enabled modules_disabled strict_modules lua_timeout lua_memory_limit shared_dicts
		max_connections strict_binding use_ipv4 use_ipv6 removed_listener_grace reload_on_change
		interfaces interface local_interfaces listeners network_settings
		ssl certificates log pidfile prosody_user prosody_group run_as_root data_path
		console_auth console_password console_cookie_file multiplex_buffer_size
		http_max_header_size http_max_content_size http_header_timeout http_idle_timeout
		http_body_timeout https_hsts http_redirect_https http_builtin_public http_metrics
		http_status_page http_paths
		storage default_storage sql sql_manage_tables storage_timeout storage_archive_item_limit
		enabled load_global_modules`) {
		hostOptions[name] = true
	}
}

// serviceOptions are the options moonport reads for a service: its
// prefixed ports, interfaces and TLS, and the network settings and
// workers named after it.
func serviceOptions(prefix, service string) []string {
	out := []string{prefix + "ports", prefix + "interfaces", prefix + "interface", prefix + "ssl", service + "_workers"}
	for _, setting := range listen.SettingNames() {
		out = append(out, service+"_"+setting)
	}
	return out
}

// UnknownOptions lists, as warnings with file and line, the options of
// the global section and of the active hosts that neither moonport nor
// any loaded module reads (a module reads an option when it calls the
// module:get_option family on it while loading, or since). Prosody's
// `prosodyctl check config` warns about unknown options too; here a typo
// and an option of an XMPP module moonport does not run show alike.
func (h *Host) UnknownOptions() []string {
	read := h.Runtime.OptionsRead()
	for _, s := range h.Runtime.Services() {
		for _, name := range serviceOptions(s.OptionPrefix(), s.Name) {
			read[name] = true
		}
	}
	known := func(name string) bool { return hostOptions[name] || read[name] }
	var found []config.Diagnostic
	hosts, _ := bridge.ActiveHosts(h.Config()) // New refused the config otherwise
	for _, sec := range append([]*config.Section{h.Config().Global}, hosts...) {
		for name, o := range sec.Options {
			if !known(name) {
				found = append(found, config.Diagnostic{Location: o.Location,
					Message: fmt.Sprintf("option '%s' is read neither by moonport nor by any loaded module (a typo, or an option of a module that is not loaded)", name)})
			}
		}
	}
	sort.Slice(found, func(i, j int) bool {
		a, b := found[i], found[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line || (a.Line == b.Line && a.Message < b.Message)
	})
	out := make([]string, len(found))
	for i, d := range found {
		out[i] = d.String()
	}
	return out
}
