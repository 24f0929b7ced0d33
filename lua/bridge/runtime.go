// Package bridge runs Lua modules against the host: it loads each enabled
// module into its own Lua state (run one callback at a time), gives it
// Prosody's module, connection and net.server APIs, and turns the services
// modules provide into ports.Service values.
//
// It does not decide what to bind (host/ports) or how sockets work
// (host/listen); it only connects their events to Lua callbacks.
package bridge

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/listen"
	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/host/shareddict"
	"github.com/moonport/moonport/host/storage"
	"github.com/moonport/moonport/host/value"
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
	// Storage holds what modules keep with module:open_store; nil is
	// the driver the config's storage option names (storage_config.go).
	Storage storage.Driver
	// Sandbox loads the modules for a check (moonport check config): they
	// run, but storage is in memory and whatever would write a file, run
	// a program, listen (sandbox.go) or connect out (dialer.go) is
	// refused.
	Sandbox bool
}

// NetService is a service a module provided, with the handlers that run
// its connections: one per copy of the module (see workers).
type NetService struct {
	ports.Service
	inst     *Instance
	handlers []*connHandler
	next     atomic.Uint64
	// Workers is how many copies of the module serve the service; 0
	// until the module has loaded and module:set_workers had its say.
	Workers int
	// SSLConfig is the module's own TLS defaults (ssl_config), which sit
	// between <service>_ssl and the global ssl in precedence.
	SSLConfig *value.Table
	// Multiplex is how a multiplexer recognises the service's clients:
	// a Lua pattern for the first bytes, an ALPN protocol, SNI names.
	Multiplex *value.Table
	// Serve is ServeHTTP for the services net/http serves (mod_http's
	// http and https) instead of the listener callbacks.
	Serve ports.Serve
	// Multiplexer is set for a service that routes its connections to the
	// services declaring Multiplex (mod_net_multiplex's): its TLS ports
	// offer their ALPN protocols.
	Multiplexer bool
}

// Pick gives a new connection to the next copy of the module in turn.
func (s *NetService) Pick() listen.Handler {
	h, _ := s.PickSlot()
	return h
}

// Runtime owns every module instance.
type Runtime struct {
	opts    Options
	log     logrus.FieldLogger
	config  atomic.Pointer[config.Snapshot]
	mu      sync.Mutex
	sources []Source
	loaded  map[string]*Instance            // active primaries by host + "/" + name
	order   []*Instance                     // active primaries in load order
	retired map[*Instance]bool              // replaced or removed, serving their last connections
	network atomic.Pointer[listen.Settings] // for outgoing connections
	dialer  *dialer                         // opens them, or refuses them in the sandbox (dialer.go)
	admin   Admin
	divert  func(name string) (f *listen.HTTPFront) // the net/http serving an HTTP service
	limits  atomic.Pointer[Budget]                  // lua_timeout and lua_memory_limit
	expired atomic.Bool                             // shutdown_deadline has passed: stop every callback
	httpSrv *httpServer                             // net.http.server (lib_net_http_server.go)
	hist    histogram                               // how long callbacks run
	extra   map[string]moduleRef                    // loaded from the console, beyond the config
	dropped map[string]bool                         // unloaded from the console, despite the config
	forced  map[string]bool                         // to reload at the next Stage even if unchanged
	live    *loader                                 // loads into the running set
	report  LoadReport                              // what did not load at startup or the last reload
	// optionsRead holds the option names modules read (module_options.go).
	optionsRead sync.Map
	shared      *sharedStore
	dicts       *shareddict.Set           // module:shared_dict (lib_moonport_shared.go)
	views       atomic.Pointer[CoreViews] // what the core.* libraries read of the host
	events      *eventBuses               // module:hook and the events objects (module_events.go)
	items       *itemStore                // module:add_item (module_items.go)
	facts       serverFacts               // what modules learn of the server (globals.go) and the metrics they define
	ctx         context.Context
	cancel      context.CancelFunc
	tasks       *taskCount // goroutines of admin.run tasks
	// changeMu runs core.modulemanager's changes one at a time; quietReload
	// marks the reload of the one running (lib_core_modulemanager.go).
	changeMu    sync.Mutex
	quietReload atomic.Bool
	// started is closed once server-started fired: the host can reload.
	started     chan struct{}
	startedOnce sync.Once
	leaving     []*Instance // being stopped by Stop
	// The watchdog runs until watchStop is closed and then closes watchDone.
	watchStop, watchDone chan struct{}
	stopWatchdog         sync.Once
}

// New returns a runtime with no modules loaded.
func New(opts Options) *Runtime {
	ctx, cancel := context.WithCancel(context.Background())
	rt := &Runtime{opts: opts, log: opts.Log, sources: opts.Sources, loaded: map[string]*Instance{},
		extra: map[string]moduleRef{}, dropped: map[string]bool{}, forced: map[string]bool{},
		retired: map[*Instance]bool{}, shared: newSharedStore(), events: newEventBuses(), items: &itemStore{}, ctx: ctx, cancel: cancel,
		tasks: newTaskCount(), watchStop: make(chan struct{}), watchDone: make(chan struct{}), started: make(chan struct{})}
	rt.config.Store(opts.Config)
	rt.httpSrv = newHTTPServer(rt.Config)
	rt.dialer = netDialer
	if opts.Sandbox {
		rt.dialer = sandboxDialer
	}
	if rt.opts.Storage == nil && opts.Sandbox {
		rt.opts.Storage = storage.NewMemory()
	}
	if rt.opts.Storage == nil {
		rt.opts.Storage = newConfiguredStorage(rt)
	}
	rt.live = &loader{rt: rt, set: runningSet{rt}, snap: rt.Config, sources: rt.currentSources}
	rt.network.Store(&opts.Settings)
	b, _ := BudgetOf(opts.Config) // LoadAll reports a bad value
	rt.limits.Store(&b)
	rt.dicts = shareddict.NewSet()
	sizes, _ := dictSizes(opts.Config) // LoadAll reports a bad value
	rt.dicts.Configure(sizes)
	go rt.watchdog()
	return rt
}

// storage is the driver of module:open_store (module_store.go).
func (rt *Runtime) storage() storage.Driver { return rt.opts.Storage }

// budget is what each callback may use now.
func (rt *Runtime) budget() Budget { return *rt.limits.Load() }

// SetNetworkSettings sets what new outgoing connections get.
func (rt *Runtime) SetNetworkSettings(s listen.Settings) { rt.network.Store(&s) }

// Config is the snapshot the modules currently read.
func (rt *Runtime) Config() *config.Snapshot { return rt.config.Load() }

// Services lists the active net services, in registration order.
func (rt *Runtime) Services() []*NetService {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return servicesOf(rt.order)
}

func servicesOf(primaries []*Instance) []*NetService {
	var out []*NetService
	for _, inst := range primaries {
		out = append(out, inst.services...)
	}
	return out
}

func portServices(list []*NetService) []ports.Service {
	var out []ports.Service
	for _, s := range list {
		out = append(out, s.Service)
	}
	return out
}

// PortServices lists the services for the port planner.
func (rt *Runtime) PortServices() []ports.Service { return portServices(rt.Services()) }

// Service finds an active service by name.
func (rt *Runtime) Service(name string) *NetService { return findService(rt.Services(), name) }

func findService(list []*NetService, name string) *NetService {
	for _, s := range list {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Instances lists the active module instances, copies included, in load
// order.
func (rt *Runtime) Instances() []*Instance {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	var out []*Instance
	for _, inst := range rt.order {
		out = append(out, inst)
		out = append(out, inst.copies...)
	}
	return out
}

// Primaries lists the active module instances without their copies.
func (rt *Runtime) Primaries() []*Instance { return rt.active() }

// Services lists what an instance provides.
func (inst *Instance) Services() []*NetService { return inst.services }

// Copies lists the extra copies of an instance (workers).
func (inst *Instance) Copies() []*Instance { return inst.copies }

func (rt *Runtime) active() []*Instance {
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

// Admin is what privileged modules (the console) may ask of the host,
// through require "moonport.admin": call(name, args...) with results in
// luaval's value model.
type Admin interface {
	Call(name string, args []any) (any, error)
	// Waits reports whether a call may need module states (a reload runs
	// module code, this module's included) or take long. Such a call runs
	// without holding the caller's Lua state, so only from a task
	// (admin.run); the others are answered at once.
	Waits(name string) bool
}

// SetDivert installs where a connection handed to an HTTP service goes:
// the net/http serving that service.
func (rt *Runtime) SetDivert(fn func(service string) *listen.HTTPFront) { rt.divert = fn }

// SetAdmin installs the host's admin interface.
func (rt *Runtime) SetAdmin(a Admin) { rt.admin = a }

// Override changes which modules the next Stage loads beyond or despite
// the config (the console's module:load and module:unload) and forces a
// module's reload (module:reload). They last until the process stops.
// undo takes a load or unload back (when the reload it was for failed),
// so it does not haunt every later reload.
func (rt *Runtime) Override(op, name, host string) (undo func()) {
	key := moduleRef{name: name, host: host}.key()
	rt.mu.Lock()
	defer rt.mu.Unlock()
	extra, wasExtra := rt.extra[key]
	wasDropped := rt.dropped[key]
	undo = func() {
		rt.mu.Lock()
		defer rt.mu.Unlock()
		delete(rt.extra, key)
		if wasExtra {
			rt.extra[key] = extra
		}
		delete(rt.dropped, key)
		if wasDropped {
			rt.dropped[key] = true
		}
	}
	switch op {
	case "load":
		delete(rt.dropped, key)
		rt.extra[key] = moduleRef{name: name, host: host, required: true}
	case "unload":
		delete(rt.extra, key)
		rt.dropped[key] = true
	case "reload":
		rt.forced[key] = true
	}
	return undo
}

// currentSources are the module folders of the running config.
func (rt *Runtime) currentSources() []Source {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.sources
}

// LoadAll loads the modules the config enables (see wanted). Without
// strict_modules, a module that cannot be found or fails to load is
// logged and left out (LoadReport says which); with it, that is the error.
func (rt *Runtime) LoadAll() error {
	snap := rt.Config()
	if _, err := BudgetOf(snap); err != nil {
		return err
	}
	if _, err := dictSizes(snap); err != nil {
		return err
	}
	strict, err := strictModules(snap)
	if err != nil {
		return err
	}
	refs, err := wanted(snap)
	if err != nil {
		return err
	}
	rep, err := rt.live.pass(refs, strict)
	rt.mu.Lock()
	rt.report = rep
	rt.mu.Unlock()
	return err
}

// LoadReport says what did not load at startup or the last reload.
func (rt *Runtime) LoadReport() LoadReport {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.report
}

// find looks a module up in each source in turn, under the names
// Prosody's pluginloader tries, in its order: mod_NAME/NAME/mod_NAME.lua,
// mod_NAME/mod_NAME.lua (prosody-modules' layout), NAME/mod_NAME.lua,
// mod_NAME.lua.
func find(sources []Source, name, host string) (string, []byte, error) {
	var tried []string
	file := "mod_" + name + ".lua"
	names := []string{path.Join("mod_"+name, name, file), path.Join("mod_"+name, file), path.Join(name, file), file}
	for _, src := range sources {
		for _, p := range names {
			b, err := fs.ReadFile(src.FS, p)
			if err == nil {
				return path.Join(src.Label, p), b, nil
			}
		}
		tried = append(tried, src.Label)
	}
	return "", nil, &notFound{fmt.Sprintf("module '%s' not found (host %s): looked for mod_%s.lua in %s (add its folder to plugin_paths)",
		name, host, name, strings.Join(tried, ", "))}
}

// Load loads module name on host into the running set (see loader.load):
// module:depends and the tests use it.
func (rt *Runtime) Load(name, host string) (*Instance, error) {
	return rt.live.load(moduleRef{name: name, host: host})
}

// runningSet is the Runtime's own set of instances, for its loader.
type runningSet struct{ rt *Runtime }

func (s runningSet) lookup(key string) *Instance {
	s.rt.mu.Lock()
	defer s.rt.mu.Unlock()
	return s.rt.loaded[key]
}

func (s runningSet) insert(key string, inst *Instance) *Instance {
	s.rt.mu.Lock()
	defer s.rt.mu.Unlock()
	if other := s.rt.loaded[key]; other != nil {
		return other
	}
	s.rt.loaded[key] = inst
	s.rt.order = append(s.rt.order, inst)
	return nil
}

func (s runningSet) members() []*Instance { return s.rt.active() }

// loadInstance boots a module (and the copies its workers ask for) for
// ld's set; saved is what the instance it replaces handed over.
func (rt *Runtime) loadInstance(ld *loader, m moduleRef, file string, src []byte, saved any) (*Instance, error) {
	name, host := m.name, m.host
	inst := newInstance(rt, name, host, file, ld.snap())
	inst.peers = ld.set.members
	inst.home = ld
	inst.srcHash = sha256.Sum256(src)
	// A reload's instances join the others' events and items at Commit.
	inst.live.Store(ld == rt.live)
	var err error
	ld.hold(inst, 1)
	inst.call(func() {
		inst.chain = append(append([]*Instance(nil), m.via...), inst)
		err = inst.boot(src, saved)
		inst.chain = nil
	})
	ld.hold(inst, -1)
	if err != nil {
		needs := inst.needsXMPP
		inst.stop()
		return nil, &loadError{needsXMPP: needs, err: fmt.Errorf("loading module '%s' on host %s: %w", name, host, err)}
	}
	inst.log.Debugf("loaded from %s", file)
	if err := rt.copies(inst, src, saved); err != nil {
		rt.stopInstance(inst)
		return nil, err
	}
	if ld == rt.live {
		rt.goLive(inst, m.via)
	}
	return inst, nil
}

// copies loads further copies of a module whose services ask for several
// workers: each copy has its own Lua state, so connections spread over
// the copies run in parallel. Only modules that keep no state between
// connections (or keep it in a shared dict) should ask for this; how many
// each service gets is settled by resolveWorkers (module_workers.go).
func (rt *Runtime) copies(primary *Instance, src []byte, saved any) error {
	want := primary.resolveWorkers()
	for i := 1; i < want; i++ {
		c := newInstance(rt, primary.Name, primary.Host, primary.Path, primary.snap.Load())
		c.copyOf = primary
		c.peers = primary.peers
		c.home = primary.home
		c.log = c.log.WithField("copy", i+1)
		var err error
		c.call(func() { err = c.boot(src, saved) })
		if err != nil {
			c.stop()
			return fmt.Errorf("loading copy %d of module '%s': %w", i+1, primary.Name, err)
		}
		primary.copies = append(primary.copies, c)
	}
	return nil
}

// stopInstance unloads an instance and its copies and closes their states.
func (rt *Runtime) stopInstance(inst *Instance) {
	for _, c := range append([]*Instance{inst}, inst.copies...) {
		c.call(c.unloadHook)
		c.stop()
	}
}

// addService registers a service a module provides. A copy's service
// joins its primary's; a name another active module provides is refused.
func (inst *Instance) addService(s *NetService) error {
	if p := inst.copyOf; p != nil {
		for _, o := range p.services {
			if o.Name == s.Name {
				// A service asking for fewer copies than its module makes
				// (<service>_workers = 1 beside a set_workers("auto"))
				// is served by that many.
				if len(o.handlers) < o.Workers {
					o.handlers = append(o.handlers, s.handlers...)
				}
				return nil
			}
		}
	}
	for _, peer := range inst.peers() {
		if peer == inst {
			continue
		}
		for _, o := range peer.services {
			if o.Name == s.Name {
				return fmt.Errorf("service '%s' is already provided by module '%s'", s.Name, o.Module)
			}
		}
	}
	for _, o := range inst.services {
		if o.Name == s.Name {
			return fmt.Errorf("service '%s' is provided twice by this module", s.Name)
		}
	}
	inst.services = append(inst.services, s)
	return nil
}

// Stop fires server-stopping, shuts connections down within the
// shutdown_deadline (ctx), calls module.unload and stops every instance.
// Once ctx is done, every callback still running and every later one is
// stopped at its next instruction; a state without any budget
// (lua_timeout = 0 and lua_memory_limit = 0) cannot be, and main gives up
// on it (see Busy).
func (rt *Runtime) Stop(ctx context.Context) {
	stopExpiry := context.AfterFunc(ctx, rt.expire)
	defer stopExpiry()
	rt.FireEvent("*", "server-stopping", nil)
	if rt.opts.Server != nil {
		rt.opts.Server.Shutdown(ctx)
	}
	rt.cancel()
	rt.mu.Lock()
	insts := append([]*Instance(nil), rt.order...)
	for inst := range rt.retired {
		insts = append(insts, inst)
	}
	rt.order, rt.loaded, rt.retired = nil, map[string]*Instance{}, map[*Instance]bool{}
	rt.leaving = insts // still watched while their unload runs
	rt.mu.Unlock()
	for i := len(insts) - 1; i >= 0; i-- {
		rt.stopInstance(insts[i])
	}
	// Tasks waiting on the host see their instance stopped and end.
	select {
	case <-rt.tasks.idle():
	case <-ctx.Done():
	}
	rt.stopWatchdog.Do(func() { close(rt.watchStop) })
	<-rt.watchDone
	rt.mu.Lock()
	rt.leaving = nil
	rt.mu.Unlock()
	if c, ok := rt.opts.Storage.(*configuredStorage); ok {
		c.close(ctx) // no module is left to call it
	}
}

func toLua(L *lua.LState, v any) lua.LValue {
	if lv, ok := v.(lua.LValue); ok {
		return lv
	}
	return luaval.ToLua(L, v)
}

func listOf(v any) []any { return value.List(v) }

// histogram counts callback durations in fixed buckets (seconds).
type histogram struct {
	counts [7]atomic.Int64
	sumNs  atomic.Int64
}

var histogramBounds = []float64{0.0001, 0.001, 0.01, 0.1, 1, 10}

func (h *histogram) observe(d time.Duration) {
	s := d.Seconds()
	i := 0
	for i < len(histogramBounds) && s > histogramBounds[i] {
		i++
	}
	h.counts[i].Add(1)
	h.sumNs.Add(int64(d))
}

// CallbackHistogram reports how long Lua callbacks ran: bucket upper
// bounds, counts per bucket (the last for longer ones) and the sum.
func (rt *Runtime) CallbackHistogram() ([]float64, []int64, float64) {
	counts := make([]int64, len(histogramBounds)+1)
	for i := range counts {
		counts[i] = rt.hist.counts[i].Load()
	}
	return histogramBounds, counts, float64(rt.hist.sumNs.Load()) / 1e9
}
