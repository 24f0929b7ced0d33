package bridge

import (
	"os"
	"sort"
	"strings"
	"testing"
)

const requireModule = `
function functions(name)
	local names = {}
	for k, v in pairs(require(name)) do
		names[#names + 1] = k .. (type(v) == "function" and "" or "?")
	end
	table.sort(names)
	return table.concat(names, " ")
end
function cached(name) return tostring(require(name) == require(name)) end
package.preload["mine"] = function(name) return { answer = 42, name = name } end
function mine() local m = require "mine"; return m.name .. "=" .. m.answer end
function missing()
	local ok, err = pcall(require, "no.such.library")
	return tostring(ok) .. " " .. tostring(err)
end
`

// Each registered name loads its library, once per state, with the
// functions the README lists; the README names every one.
func TestRegistryLoadsEachLibrary(t *testing.T) {
	want := map[string]string{
		"net.server": "add_task addclient",
		"util.timer": "add_task",
		"util.set":   "difference intersection is_set new union xor",
		"util.hashes": "equals hmac_md5 hmac_sha1 hmac_sha256 hmac_sha512 md5 pbkdf2_hmac_sha1 pbkdf2_hmac_sha256 " +
			"scram_Hi_sha1 sha1 sha224 sha256 sha384 sha512",
		"util.encodings":     "base64? confusable? idna? stringprep? utf8?",
		"util.json":          "decode encode encode_array encode_ordered null?",
		"moonport.admin":     "call handover run",
		"moonport.files":     "read stat write",
		"moonport.shared":    "dict list",
		"util.array":         "collect filter map pluck reverse slice sort unique",
		"util.events":        "new",
		"util.iterators":     "count filter head join keys range reverse ripairs select skip sorted_pairs tail to_array to_table unique values",
		"util.table":         "create pack",
		"util.random":        "_source? bytes",
		"util.time":          "monotonic now",
		"util.uuid":          "generate get_nibbles",
		"util.jid":           "bare compare escape host join node prep prepped_split resource split unescape",
		"util.datetime":      "date datetime legacy parse time",
		"socket":             "_VERSION? dns? gettime",
		"socket.url":         "absolute build build_path escape parse parse_path unescape",
		"util.filters":       "add_filter add_filter_hook initialize remove_filter remove_filter_hook",
		"util.interpolation": "new",
		"util.logger":        "init make_logger new",
		"util.bitcompat":     "arshift band bnot bor btest bxor extract lrotate lshift replace rrotate rshift",
		"util.pposix":        "ENOENT? _NAME? _VERSION? abort daemonize fork getgid getpid getrlimit getuid initgroups meminfo mkdir setgid setrlimit setuid syslog_close syslog_log syslog_open syslog_setminlevel umask uname",
		"util.promise":       "all all_settled is_promise join new race reject resolve set_nexttick try",
		"lfs":                "attributes chdir currentdir dir mkdir rmdir symlinkattributes touch",
		"util.http":          "contains_token formdecode formencode normalize_path urldecode urlencode",
		"util.ip":            "commonPrefixLength match new_ip parse_cidr",
		"util.net":           "ntop pton",
		"net.http.codes":     httpCodeKeys(),
		"net.http.files":     "serve",
		"net.http.server":    "_events? add_handler add_host codes? fire_event get_request_from_conn listen_on listener? remove_handler remove_host set_default_host set_option",
		"util.async":         "guarder ready runner set_nexttick set_schedule_function sleep wait wait_for waiter",
		"util.dependencies":  "check_dependencies log_warnings missingdep softreq",
		"util.error":         "coerce configure from_stanza init is_err is_error new",
		"util.helpers":       "get_upvalue log_events log_host_events revert_log_events revert_log_host_events show_events",
		"util.id":            "custom long medium short tiny",
		"util.serialization": "deserialize new serialize",
		"util.stanza":        "clone deserialize error_reply iq is_stanza message presence preserialize pretty_print reply stanza stanza_mt? xml_escape",

		"util.cache":          "new",
		"util.queue":          "new",
		"util.hex":            "decode encode from to",
		"util.human.units":    "adjust format",
		"util.human.io":       "ellipsis padleft padright printf table",
		"util.prosodyctl":     "show_message show_usage",
		"util.throttle":       "create",
		"util.watchdog":       "new",
		"util.multitable":     "iter new",
		"util.paths":          "complement_lua_path glob_to_pattern join resolve_relative_path",
		"util.envload":        "envload envloadfile",
		"util.xpcall":         "xpcall",
		"util.dbuffer":        "new",
		"net.http":            "default? destroy_request events? features? formdecode formencode new request urldecode urlencode",
		"net.connect":         "connect",
		"net.resolvers.basic": "new",
		"core.portmanager":    "activate close deactivate get_active_services get_registered_services get_service get_service_at register_service unregister_service",
		"core.statsmanager":   "collect cork get_metric_registry uncork",
		"core.configmanager":  "files get getconfig load rawget resolve_relative_path set",
		"core.hostmanager":    "activate deactivate get_children",

		"core.modulemanager":  "get_module get_modules get_modules_for_host is_loaded load reload unload",
		"core.loggingmanager": "get_levels register_sink_type reload_logging",
		"core.usermanager":    "create_user delete_user get_password get_provider get_sasl_handler initialize_host set_password test_password user_exists users",
		"core.moduleapi":      "*", // the module methods, which other files add to
		"core.storagemanager": "get_driver initialize_host olddm? open purge",
		"util.datamanager":    "add_callback append_raw getpath list_append list_load list_store load path_decode path_encode purge remove_callback store stores users",
		"util.signal":         "*", // signal, raise, kill and the SIG* numbers of the platform
	}
	var names []string
	for name := range libraries {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(names) != len(want) {
		t.Errorf("registered %q; this test knows %d libraries", names, len(want))
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	inst := newTestRuntime(t, "", map[string]string{"req": requireModule}).load(t, "req")
	for _, name := range names {
		got, err := callGlobal(inst, "functions", name)
		if err != nil {
			t.Errorf("require %q: %v", name, err)
			continue
		}
		if w, known := want[name]; known && w != "*" && got != w {
			t.Errorf("require %q has %q, want %q", name, got, w)
		}
		if same, _ := callGlobal(inst, "cached", name); same != "true" {
			t.Errorf("require %q built the library twice", name)
		}
		if !strings.Contains(string(readme), "`require \""+name+"\"`") {
			t.Errorf("README.md's Module API does not list require %q", name)
		}
	}
}

// A name the registry does not have is Lua's require's: package.preload
// and package.path work, and a missing library is Lua's error.
func TestRegistryFallsThroughToLuasRequire(t *testing.T) {
	inst := newTestRuntime(t, "", map[string]string{"req": requireModule}).load(t, "req")
	if got, err := callGlobal(inst, "mine"); err != nil || got != "mine=42" {
		t.Errorf("package.preload: %q %v", got, err)
	}
	got, err := callGlobal(inst, "missing")
	if err != nil || !strings.HasPrefix(got, "false ") || !strings.Contains(got, "no.such.library") {
		t.Errorf("a missing library: %q %v", got, err)
	}
}

func TestRegistryRefusesADuplicateName(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("registering util.set twice did not panic")
		}
	}()
	registerLibrary("util.set", funcsLibrary(setFuncs))
}
