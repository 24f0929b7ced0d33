package bridge

import (
	"fmt"
	"sort"
	"strings"
	"sync/atomic"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/httpserve"
	"github.com/moonport/moonport/host/ports"
)

// httpApp is what module:provides("http", …) registered.
type httpApp struct {
	defaultPath string
	routes      *lua.LTable
	labels      map[string]string // route key -> "http route KEY", made once for the run budget's messages
}

// addHTTP registers an http item and makes sure mod_http (which provides
// the http and https services) is loaded, as module:depends("http") would.
func (inst *Instance) addHTTP(item *lua.LTable) error {
	routes, ok := item.RawGetString("route").(*lua.LTable)
	if !ok {
		return fmt.Errorf("an http item needs a route table")
	}
	app := &httpApp{routes: routes, labels: map[string]string{}}
	if p, ok := item.RawGetString("default_path").(lua.LString); ok {
		app.defaultPath = string(p)
	}
	var bad error
	routes.ForEach(func(k, v lua.LValue) {
		app.labels[k.String()] = "http route " + k.String()
		if _, _, _, err := httpserve.ParsePattern(k.String()); err != nil && bad == nil {
			bad = err
		}
		switch v.(type) {
		case *lua.LFunction, *lua.LTable, lua.LString, lua.LNumber:
		default:
			if bad == nil {
				bad = fmt.Errorf("route %q: the handler must be a function, a response table, a body string or a status", k.String())
			}
		}
	})
	if bad != nil {
		return bad
	}
	w, err := inst.workers(inst.Name, item.RawGetString("workers"))
	if err != nil {
		return err
	}
	if w > inst.httpWorkers {
		inst.httpWorkers = w
	}
	inst.http = append(inst.http, app)
	if inst.Name != "http" {
		dep, err := inst.home.load(moduleRef{name: "http", host: "*", via: chainOf(inst)})
		if err != nil {
			return err
		}
		dep.viaDepends = true
	}
	return nil
}

// HTTPApps lists the routes of every active module, mounted at
// http_paths[module], else the item's default_path, else /module; or,
// when a module serves HTTP through net.http.server, that alone.
func (rt *Runtime) HTTPApps() []httpserve.App {
	var apps []httpserve.App
	events := false
	for _, inst := range rt.Instances() {
		if inst.copyOf != nil {
			continue
		}
		for _, app := range inst.http {
			apps = append(apps, inst.appOf(app))
		}
		for _, svc := range inst.services {
			events = events || svc.Serve == ports.ServeHTTP && isHTTPServerListener(svc.handlers[0].listener)
		}
	}
	if events {
		// A module serves HTTP through net.http.server (Prosody's mod_http):
		// every request is an event there, and the apps of module:provides
		// reach it as "http-provider" items, as in Prosody.
		return []httpserve.App{{Module: "net.http.server", Host: "*", Mount: "/",
			Routes: []httpserve.Route{{Path: "/", Prefix: true, Handle: rt.httpSrv.serve}}}}
	}
	return apps
}

func (inst *Instance) appOf(app *httpApp) httpserve.App {
	mount := "/" + inst.Name
	if app.defaultPath != "" {
		mount = app.defaultPath
	}
	if p, ok := inst.snap.Load().Options.HTTP.Paths[inst.Name]; ok {
		mount = p
	}
	if !strings.HasPrefix(mount, "/") {
		mount = "/" + mount
	}
	if len(mount) > 1 {
		mount = strings.TrimSuffix(mount, "/")
	}
	out := httpserve.App{Module: inst.Name, Host: inst.Host, Mount: mount}
	var keys []string
	inst.call(func() {
		app.routes.ForEach(func(k, v lua.LValue) {
			keys = append(keys, k.String())
		})
	})
	sort.Strings(keys)
	// With copies (workers), each request goes to the next copy in turn;
	// copy i registered its own app at the same index.
	idx := 0
	for i, a := range inst.http {
		if a == app {
			idx = i
		}
	}
	copies := append([]*Instance{inst}, inst.copies...)
	var next atomic.Uint64
	for _, k := range keys {
		method, path, prefix, _ := httpserve.ParsePattern(k)
		key := k
		out.Routes = append(out.Routes, httpserve.Route{Method: method, Path: path, Prefix: prefix,
			Handle: func(r *httpserve.Request) *httpserve.Response {
				c := copies[int(next.Add(1)%uint64(len(copies)))]
				if idx >= len(c.http) {
					c = inst
				}
				return c.serveHTTP(c.http[idx], key, r)
			}})
	}
	return out
}
