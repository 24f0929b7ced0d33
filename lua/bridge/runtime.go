// Package bridge runs Lua modules against the host: it loads each enabled
// module into its own Lua state with its own event loop, gives it
// Prosody's module, connection and net.server APIs, and turns the services
// modules provide into ports.Service values.
//
// It does not decide what to bind (host/ports) or how sockets work
// (host/listen); it only connects their events to Lua callbacks.
package bridge

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sirupsen/logrus"
	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/listen"
	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/lua/luaval"
)

// Source is a folder modules are looked up in.
type Source struct {
	Label string // shown in messages: a path, or "shipped modules"
	FS    fs.FS
}

// Options configure a Runtime.
type Options struct {
	Log      logrus.FieldLogger
	Config   *config.Snapshot
	Sources  []Source
	Server   *listen.Server
	Settings listen.Settings // network_settings, for outgoing connections
}

// NetService is a service a module provided, with the handlers that run
// its connections: one per copy of the module (see workers).
type NetService struct {
	ports.Service
	inst     *Instance
	handlers []*connHandler
	next     atomic.Uint64
	// Workers is how many copies of the module serve the service.
	Workers int
	// SSLConfig is the module's own TLS defaults (ssl_config), which sit
	// between <service>_ssl and the global ssl in precedence.
	SSLConfig *luaval.Table
	// Multiplex holds the listener's multiplex settings, for a multiplexer.
	Multiplex bool
}

// Pick gives a new connection to the next copy of the module in turn.
func (s *NetService) Pick() listen.Handler {
	if len(s.handlers) == 1 {
		return s.handlers[0]
	}
	return s.handlers[int(s.next.Add(1)%uint64(len(s.handlers)))]
}

// Runtime owns every module instance.
type Runtime struct {
	opts     Options
	log      logrus.FieldLogger
	mu       sync.Mutex
	loaded   map[string]*Instance // host + "/" + name
	order    []*Instance
	services []*NetService
	shared   *sharedStore
	ctx      context.Context
	cancel   context.CancelFunc
}

// New returns a runtime with no modules loaded.
func New(opts Options) *Runtime {
	ctx, cancel := context.WithCancel(context.Background())
	return &Runtime{opts: opts, log: opts.Log, loaded: map[string]*Instance{}, shared: newSharedStore(), ctx: ctx, cancel: cancel}
}

// Services lists the net services provided so far, in registration order.
func (rt *Runtime) Services() []*NetService {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return append([]*NetService(nil), rt.services...)
}

// PortServices lists the services for the port planner.
func (rt *Runtime) PortServices() []ports.Service {
	var out []ports.Service
	for _, s := range rt.Services() {
		out = append(out, s.Service)
	}
	return out
}

// Service finds a service by name.
func (rt *Runtime) Service(name string) *NetService {
	for _, s := range rt.Services() {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Instances lists loaded module instances in load order.
func (rt *Runtime) Instances() []*Instance {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return append([]*Instance(nil), rt.order...)
}

func setOf(v any) []string {
	var out []string
	for _, e := range listOf(v) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// LoadAll loads the modules the config enables: the global modules_enabled
// (less modules_disabled) once on the global host "*", each VirtualHost's
// own modules_enabled on that host, and each Component's module.
func (rt *Runtime) LoadAll() error {
	snap := rt.opts.Config
	disabled := map[string]bool{}
	for _, n := range setOf(snap.Value("*", "modules_disabled")) {
		disabled[n] = true
	}
	var errs []string
	load := func(name, host string) {
		if _, err := rt.Load(name, host); err != nil {
			errs = append(errs, err.Error())
		}
	}
	global := setOf(snap.Value("*", "modules_enabled"))
	globalSet := map[string]bool{}
	for _, name := range global {
		globalSet[name] = true
		if !disabled[name] {
			load(name, "*")
		}
	}
	for _, sec := range snap.Hosts() {
		if sec.Kind == config.Component {
			if sec.Module != "component" {
				load(sec.Module, sec.Name)
			}
			continue
		}
		if o, ok := sec.Options["modules_enabled"]; ok {
			hostDisabled := map[string]bool{}
			for _, n := range setOf(sec.Options["modules_disabled"].Value) {
				hostDisabled[n] = true
			}
			for _, name := range setOf(o.Value) {
				if !globalSet[name] && !hostDisabled[name] {
					load(name, sec.Name)
				}
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return nil
}

// find looks a module up: mod_NAME.lua or mod_NAME/mod_NAME.lua in each
// source in turn.
func (rt *Runtime) find(name string) (string, []byte, error) {
	var tried []string
	for _, src := range rt.opts.Sources {
		for _, p := range []string{"mod_" + name + ".lua", path.Join("mod_"+name, "mod_"+name+".lua")} {
			b, err := fs.ReadFile(src.FS, p)
			if err == nil {
				return path.Join(src.Label, p), b, nil
			}
		}
		tried = append(tried, src.Label)
	}
	return "", nil, fmt.Errorf("module '%s' not found: looked for mod_%s.lua in %s (add its folder to plugin_paths)", name, name, strings.Join(tried, ", "))
}

// Load loads module name on host, unless it is loaded there already.
func (rt *Runtime) Load(name, host string) (*Instance, error) {
	key := host + "/" + name
	rt.mu.Lock()
	if inst, ok := rt.loaded[key]; ok {
		rt.mu.Unlock()
		return inst, nil
	}
	rt.mu.Unlock()
	file, src, err := rt.find(name)
	if err != nil {
		return nil, err
	}
	inst := newInstance(rt, name, host, file)
	rt.mu.Lock()
	rt.loaded[key] = inst
	rt.order = append(rt.order, inst)
	rt.mu.Unlock()
	var loadErr error
	inst.call(func() { loadErr = inst.boot(src) })
	if loadErr != nil {
		rt.unload(inst)
		return nil, fmt.Errorf("loading module '%s' on host %s: %w", name, host, loadErr)
	}
	inst.log.Debugf("loaded from %s", file)
	if err := rt.copies(inst, src); err != nil {
		rt.unload(inst)
		return nil, err
	}
	return inst, nil
}

// copies loads further copies of a module whose services ask for several
// workers: each copy has its own Lua state, so connections spread over
// the copies run in parallel. Only modules that keep no state between
// connections (or keep it in module:shared) should ask for this.
func (rt *Runtime) copies(primary *Instance, src []byte) error {
	want := 1
	for _, s := range rt.Services() {
		if s.inst == primary && s.Workers > want {
			want = s.Workers
		}
	}
	for i := 1; i < want; i++ {
		c := newInstance(rt, primary.Name, primary.Host, primary.Path)
		c.copyOf = primary
		c.log = c.log.WithField("copy", i+1)
		var err error
		c.call(func() { err = c.boot(src) })
		if err != nil {
			c.stop()
			return fmt.Errorf("loading copy %d of module '%s': %w", i+1, primary.Name, err)
		}
		primary.copies = append(primary.copies, c)
	}
	return nil
}

func (rt *Runtime) unload(inst *Instance) {
	for _, c := range inst.copies {
		c.call(c.unloadHook)
		c.stop()
	}
	rt.mu.Lock()
	delete(rt.loaded, inst.Host+"/"+inst.Name)
	for i, o := range rt.order {
		if o == inst {
			rt.order = append(rt.order[:i], rt.order[i+1:]...)
			break
		}
	}
	kept := rt.services[:0]
	for _, s := range rt.services {
		if s.inst != inst {
			kept = append(kept, s)
		}
	}
	rt.services = kept
	rt.mu.Unlock()
	inst.stop()
}

func (rt *Runtime) addService(s *NetService) error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for _, o := range rt.services {
		if o.Name != s.Name {
			continue
		}
		if s.inst.copyOf != nil && s.inst.copyOf == o.inst {
			o.handlers = append(o.handlers, s.handlers...)
			return nil
		}
		return fmt.Errorf("service '%s' is already provided by module '%s'", s.Name, o.Module)
	}
	rt.services = append(rt.services, s)
	return nil
}

// FireEvent fires a host event on every instance of host that hooks it
// ("*" fires on global modules); data is copied into each Lua state.
func (rt *Runtime) FireEvent(host, event string, data map[string]any) {
	for _, inst := range rt.Instances() {
		if inst.Host != host {
			continue
		}
		inst.call(func() {
			t := inst.L.NewTable()
			for k, v := range data {
				t.RawSetString(k, toLua(inst.L, v))
			}
			inst.fire(event, t)
		})
	}
}

// Stop fires server-stopping, shuts connections down within the
// shutdown_deadline, calls module.unload and stops every instance.
func (rt *Runtime) Stop(ctx context.Context) {
	rt.FireEvent("*", "server-stopping", nil)
	if rt.opts.Server != nil {
		rt.opts.Server.Shutdown(ctx)
	}
	rt.cancel()
	insts := rt.Instances()
	for i := len(insts) - 1; i >= 0; i-- {
		inst := insts[i]
		inst.call(inst.unloadHook)
		rt.unload(inst)
	}
}

func toLua(L *lua.LState, v any) lua.LValue {
	if lv, ok := v.(lua.LValue); ok {
		return lv
	}
	return luaval.ToLua(L, v)
}

func listOf(v any) []any { return luaval.List(v) }
