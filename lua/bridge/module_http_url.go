package bridge

import (
	"net"
	"net/url"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/host/value"
)

// module:http_url, as Prosody's mod_http computes a module's URL: from
// http_external_url when set, else from the first listening socket of
// the https service (else http), with http_paths and the default path
// "/<app>".

func init() {
	registerModuleMethods(map[string]lua.LGFunction{"http_url": moduleHTTPURL})
}

// defaultPorts are the ports a URL leaves out, by scheme.
var defaultPorts = map[string]int{"http": 80, "https": 443}

// moduleHTTPURL is module:http_url(app_name, default_path): app_name is
// the module's name less "http_" when nil. With no HTTP socket it is
// "http://disabled.invalid/", as in Prosody.
func moduleHTTPURL(L *lua.LState) int {
	inst := instanceOf(L)
	self := L.CheckTable(1)
	app := L.OptString(2, strings.TrimPrefix(inst.Name, "http_"))
	base := inst.httpBasePath(L, app, L.OptString(3, "/"+app))
	if ext, ok := inst.optionString(L, "http_external_url"); ok {
		u, err := url.Parse(ext)
		if err == nil && u.Host != "" {
			port, _ := strconv.Atoi(u.Port())
			if port == 0 {
				port = defaultPorts[u.Scheme]
			}
			L.Push(lua.LString(buildURL(u.Scheme, u.Hostname(), port, normalizePath(u.Path, true)+base[1:])))
			return 1
		}
	}
	b, ok := firstHTTPBinding(inst.rt.serverInfo())
	if !ok {
		inst.log.Warn("No http ports enabled, can't generate an external URL")
		L.Push(lua.LString("http://disabled.invalid/"))
		return 1
	}
	host := hostOf(L, inst)
	if host == "*" || lua.LVAsBool(L.GetField(self, "global")) {
		host = b.Address.String()
		if h, ok := inst.optionString(L, "http_default_host"); ok {
			host = h
		}
	}
	if h, ok := inst.optionString(L, "http_host"); ok {
		host = h
	}
	L.Push(lua.LString(buildURL(b.Service, host, b.Port, base)))
	return 1
}

// firstHTTPBinding is the first socket of https, else of http.
func firstHTTPBinding(info ServerInfo) (ports.Binding, bool) {
	if info.Listening == nil {
		return ports.Binding{}, false
	}
	list := info.Listening()
	for _, svc := range []string{"https", "http"} {
		for _, b := range list {
			if b.Service == svc {
				return b, true
			}
		}
	}
	return ports.Binding{}, false
}

// httpBasePath is where app is mounted: http_paths[app] of the module's
// host, else of the global section, else def; "$host" in it becomes the
// host.
func (inst *Instance) httpBasePath(L *lua.LState, app, def string) string {
	host := hostOf(L, inst)
	inst.rt.noteOption("http_paths")
	p := def
	for _, h := range []string{"*", host} {
		if t, ok := inst.snap.Load().Value(h, "http_paths").(*value.Table); ok {
			if s, ok := t.Get(app).(string); ok {
				p = s
			}
		}
	}
	return strings.ReplaceAll(normalizePath(p, false), "$host", host)
}

// optionString is a string option for the module's host, if set.
func (inst *Instance) optionString(L *lua.LState, name string) (string, bool) {
	s, ok := inst.option(L, name).(string)
	return s, ok && s != ""
}

// normalizePath is Prosody's util.http.normalize_path: a leading "/",
// and a trailing one for a folder, none otherwise.
func normalizePath(p string, dir bool) string {
	if dir && !strings.HasSuffix(p, "/") {
		p += "/"
	} else if !dir {
		p = strings.TrimSuffix(p, "/")
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return p
}

// buildURL leaves the scheme's default port out.
func buildURL(scheme, host string, port int, p string) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != 0 && port != defaultPorts[scheme] {
		host = net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(port))
	}
	return scheme + "://" + host + p
}
