// Package luaconfig evaluates a Prosody-style prosody.cfg.lua, in a
// sandboxed Lua state, into a config.Snapshot.
//
// It owns the config language: the sandbox, sections (global, VirtualHost,
// Component), Include/RunScript/FileContents, ENV_ lookups, and the warnings
// Prosody gives for duplicate or misplaced options. It is the only part of
// the config that links the Lua VM, so the packages that read a Snapshot
// (ports, tlsconf, logging, check) stay free of it. It does not decide what
// to bind, open sockets or load modules.
package luaconfig

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/value"
	"github.com/moonport/moonport/lua/luaval"
)

// refused names are globals real Lua has but the config sandbox must not
// offer: they run programs, read arbitrary files or escape the sandbox.
var refused = map[string]string{
	"io":             "the config may not open files; use Include, FileContents, FileLine or FileLines",
	"require":        "the config may not load Lua libraries",
	"dofile":         "use Include or RunScript with a path relative to the config file",
	"loadfile":       "use Include or RunScript with a path relative to the config file",
	"load":           "the config may not compile code at run time",
	"loadstring":     "the config may not compile code at run time",
	"package":        "the config may not load Lua libraries",
	"debug":          "the debug library is not available in the config",
	"module":         "modules belong in plugin_paths, not in the config",
	"setfenv":        "the config may not change environments",
	"getfenv":        "the config may not change environments",
	"collectgarbage": "the config may not control the garbage collector",
}

var safeOS = []string{"getenv", "time", "date", "clock", "difftime"}

// Load evaluates the config file at path.
func Load(path string) (*config.Snapshot, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	src, err := readRegular(abs, MaxFileSize)
	var tb *tooBigError
	if errors.As(err, &tb) {
		return nil, &config.Error{Message: fmt.Sprintf("config file %s is %d bytes, more than the %d bytes (%d MiB) a config file may have; is it the right file? Split a large config into files with Include", path, tb.size, MaxFileSize, MaxFileSize>>20)}
	}
	if err != nil {
		return nil, &config.Error{Message: fmt.Sprintf("cannot read config file %s: %v", path, err)}
	}
	return Evaluate(path, src)
}

// TimeLimit bounds one evaluation: reading, parsing and running the config
// and everything it includes.
const TimeLimit = 10 * time.Second

// Evaluate evaluates config source src named name (a file path, used for
// messages and to resolve relative Include paths).
func Evaluate(name string, src []byte) (*config.Snapshot, error) {
	return evaluate(name, src, TimeLimit)
}

// evaluate bounds the evaluation's time: a config that loops forever is an
// error, not a hung start.
func evaluate(name string, src []byte, limit time.Duration) (*config.Snapshot, error) {
	if len(src) > MaxFileSize {
		return nil, &config.Error{Message: tooBig(name, int64(len(src)), MaxFileSize).Error()}
	}
	e := newEvaluator(name)
	defer e.L.Close()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	e.L.SetContext(ctx)
	e.limit, e.readBytes = limit, int64(len(src))
	if err := e.run(name, src); err != nil {
		return nil, err
	}
	opts, err := config.ReadOptions(e.snap)
	if err != nil {
		return nil, err
	}
	e.snap.Options = opts
	return e.snap, nil
}

type evaluator struct {
	L       *lua.LState
	env     *lua.LTable
	snap    *config.Snapshot
	current *config.Section
	seen    map[string]bool // host/option already set, for the duplicate warning
	depth   int

	limit     time.Duration // the evaluation's time limit, for messages
	readBytes int64         // read from files so far, against MaxTotalRead
	parsing   string        // the file being parsed, if any, for the time-out message
}

func newEvaluator(name string) *evaluator {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	for _, lib := range []struct {
		name string
		fn   lua.LGFunction
	}{{lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}, {lua.StringLibName, lua.OpenString}, {lua.MathLibName, lua.OpenMath}, {lua.OsLibName, lua.OpenOs}} {
		L.Push(L.NewFunction(lib.fn))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	snap := config.NewSnapshot(name)
	e := &evaluator{
		L:       L,
		snap:    snap,
		current: snap.Global,
		seen:    map[string]bool{},
	}
	e.env = e.buildEnv()
	return e
}

// buildEnv makes the table config chunks run in. Reads see the safe library
// and the section functions; ENV_X reads environment variable X; every
// assignment becomes an option of the current section.
func (e *evaluator) buildEnv() *lua.LTable {
	L := e.L
	safe := L.NewTable()
	for _, n := range []string{"assert", "error", "ipairs", "next", "pairs", "pcall", "print", "rawequal", "rawget", "rawset", "select", "setmetatable", "getmetatable", "tonumber", "tostring", "type", "unpack", "xpcall", "_VERSION"} {
		safe.RawSetString(n, L.GetGlobal(n))
	}
	for _, n := range []string{"string", "table", "math"} {
		safe.RawSetString(n, L.GetGlobal(n))
	}
	realOS := L.GetGlobal("os").(*lua.LTable)
	osTable := L.NewTable()
	for _, n := range safeOS {
		osTable.RawSetString(n, realOS.RawGetString(n))
	}
	L.SetMetatable(osTable, e.refuser("os.", "the config may only use os.getenv, os.time, os.date, os.clock and os.difftime"))
	safe.RawSetString("os", osTable)

	env := L.NewTable()
	fns := map[string]lua.LGFunction{
		"VirtualHost": e.virtualHost, "Host": e.virtualHost, "host": e.virtualHost,
		"Component": e.component, "component": e.component,
		"Include": e.include, "include": e.include,
		"RunScript":    e.runScript,
		"FileContents": e.fileContents, "FileLine": e.fileLine, "FileLines": e.fileLines,
	}
	for n, f := range fns {
		env.RawSetString(n, L.NewFunction(f))
	}
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		k := L.CheckString(2)
		if strings.HasPrefix(k, "ENV_") {
			if v, ok := os.LookupEnv(k[4:]); ok {
				L.Push(lua.LString(v))
				return 1
			}
			L.Push(lua.LNil)
			return 1
		}
		if why, bad := refused[k]; bad {
			L.RaiseError("'%s' is not available in the config sandbox: %s", k, why)
		}
		L.Push(safe.RawGetString(k))
		return 1
	}))
	mt.RawSetString("__newindex", L.NewFunction(e.assign))
	L.SetMetatable(env, mt)
	return env
}

func (e *evaluator) refuser(prefix, why string) *lua.LTable {
	mt := e.L.NewTable()
	mt.RawSetString("__index", e.L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("'%s%s' is not available in the config sandbox: %s", prefix, L.CheckString(2), why)
		return 0
	}))
	return mt
}

// where finds the config file and line the running Lua code is at.
func (e *evaluator) where() config.Location {
	for level := 0; level < 32; level++ {
		dbg, ok := e.L.GetStack(level)
		if !ok {
			break
		}
		if _, err := e.L.GetInfo("Sl", dbg, lua.LNil); err != nil {
			continue
		}
		if dbg.CurrentLine > 0 && dbg.Source != "" && !strings.HasPrefix(dbg.Source, "<") {
			return config.Location{File: dbg.Source, Line: dbg.CurrentLine}
		}
	}
	return config.Location{File: e.snap.Path}
}

func (e *evaluator) warn(loc config.Location, format string, args ...any) {
	e.snap.Warnings = append(e.snap.Warnings, config.Diagnostic{Location: loc, Message: fmt.Sprintf(format, args...)})
}

// assign is __newindex: `name = value` sets an option in the current section.
func (e *evaluator) assign(L *lua.LState) int {
	k := L.CheckString(2)
	e.set(e.current, k, L.Get(3), e.where(), true)
	return 0
}

func (e *evaluator) set(sec *config.Section, name string, v lua.LValue, loc config.Location, checkDuplicate bool) {
	gv, err := toGo(name, v)
	if err != nil {
		e.L.RaiseError("option '%s': %v", name, err)
	}
	if sec.Kind != config.Global && config.IsNetworkOption(name) {
		e.warn(loc, "option '%s' is a network option and only works in the global section; it is ignored in %s %q (move it above the first VirtualHost or Component)", name, sec.Kind, sec.Name)
		return
	}
	key := sec.Name + "/" + name
	if checkDuplicate && e.seen[key] {
		e.warn(loc, "Duplicate option '%s'", name)
	}
	e.seen[key] = true
	sec.Options[name] = config.Option{Value: gv, Location: loc}
}

// toGo copies an option's value out of the config state. TLS tables (ssl,
// <service>_ssl) may hold functions, as Prosody's do; they are kept as
// value.Functions that name their place but cannot be called, since this
// state is closed once the file is read (tlsconf warns that they are
// ignored). Elsewhere a function is an error, as before.
func toGo(name string, v lua.LValue) (any, error) {
	if name != "ssl" && !strings.HasSuffix(name, "_ssl") {
		return luaval.ToGo(v)
	}
	return luaval.ToGoFunctions(v, func(fn *lua.LFunction) any {
		return &value.Function{Where: luaval.Where(fn)}
	})
}

func (e *evaluator) hostName(L *lua.LState, what string) string {
	v := L.Get(1)
	s, ok := v.(lua.LString)
	if !ok || s == "" {
		L.RaiseError("%s must have a name", what)
	}
	name := strings.ToLower(string(s))
	if strings.ContainsAny(name, " \t\r\n/@\"'<>&") {
		L.RaiseError("Name of %s %q contains forbidden characters", what, string(s))
	}
	return name
}

// applyTable sets every field of an options table (the `{ ... }` forms).
func (e *evaluator) applyTable(sec *config.Section, t *lua.LTable, loc config.Location) {
	t.ForEach(func(k, v lua.LValue) {
		if ks, ok := k.(lua.LString); ok {
			e.set(sec, string(ks), v, loc, true)
		}
	})
}

func (e *evaluator) virtualHost(L *lua.LState) int {
	name := e.hostName(L, "Host")
	loc := e.where()
	if sec := e.snap.Host(name); sec != nil && sec.Kind == config.Component {
		L.RaiseError("Host %q clashes with previously defined %s Component %q, for services use a sub-domain like conference.%s",
			name, componentKind(sec.Module), name, name)
	}
	sec := e.snap.Declare(name, config.VirtualHost, loc)
	e.current = sec
	L.Push(L.NewFunction(func(L *lua.LState) int {
		e.current = e.snap.Global
		switch v := L.Get(1).(type) {
		case lua.LString:
			L.RaiseError("VirtualHost entries do not accept a module name (module '%s' provided for host '%s')", string(v), name)
		case *lua.LTable:
			e.applyTable(sec, v, loc)
		default:
			L.RaiseError("Invalid syntax following VirtualHost, expected options but received a %s", v.Type())
		}
		return 0
	}))
	return 1
}

func componentKind(module string) string {
	switch module {
	case "component":
		return "external"
	case "muc":
		return "MUC"
	}
	return module
}

func (e *evaluator) component(L *lua.LState) int {
	name := e.hostName(L, "Component")
	loc := e.where()
	if sec := e.snap.Host(name); sec != nil && sec.Kind == config.VirtualHost {
		L.RaiseError("Component %q clashes with previously defined VirtualHost %q, for services use a sub-domain like conference.%s", name, name, name)
	}
	sec := e.snap.Declare(name, config.Component, loc)
	sec.Module = "component"
	sec.Options["load_global_modules"] = config.Option{Value: false, Location: loc}
	e.current = sec
	options := L.NewFunction(func(L *lua.LState) int {
		e.current = e.snap.Global
		if t, ok := L.Get(1).(*lua.LTable); ok {
			e.applyTable(sec, t, loc)
		} else {
			L.RaiseError("Invalid syntax following Component, expected options but received a %s", L.Get(1).Type())
		}
		return 0
	})
	L.Push(L.NewFunction(func(L *lua.LState) int {
		switch v := L.Get(1).(type) {
		case lua.LString:
			sec.Module = string(v)
			L.Push(options)
			return 1
		case *lua.LTable:
			e.current = e.snap.Global
			e.applyTable(sec, v, loc)
			return 0
		}
		L.RaiseError("Invalid syntax following Component, expected a module name or options but received a %s", L.Get(1).Type())
		return 0
	}))
	return 1
}

// resolve makes p relative to the folder of the file currently running.
func (e *evaluator) resolve(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(e.where().File), p)
}

func (e *evaluator) include(L *lua.LState) int {
	pattern := L.CheckString(1)
	target := e.resolve(pattern)
	if strings.ContainsAny(filepath.Base(pattern), "*?[") {
		e.snap.Patterns = append(e.snap.Patterns, target)
		matches, err := filepath.Glob(target)
		if err != nil {
			L.RaiseError("Include %q: bad pattern: %v", pattern, err)
		}
		for _, m := range matches {
			if strings.HasPrefix(filepath.Base(m), ".") {
				continue
			}
			e.includeFile(L, m)
		}
		return 0
	}
	e.includeFile(L, target)
	return 0
}

func (e *evaluator) includeFile(L *lua.LState, path string) {
	src, err := e.read(path)
	if err != nil {
		L.RaiseError("Error loading included %s: %v", path, err)
	}
	if e.depth > 32 {
		L.RaiseError("Include %s: includes nested more than 32 deep (does a file include itself?)", path)
	}
	// Like Prosody, each file starts in the global section with its own
	// duplicate tracking, and leaves the including file's section alone.
	saved, savedSeen := e.current, e.seen
	e.current, e.seen = e.snap.Global, map[string]bool{}
	e.depth++
	defer func() { e.depth--; e.current, e.seen = saved, savedSeen }()
	fn := e.compile(L, path, src)
	L.Push(fn)
	L.Call(0, 0)
}

func (e *evaluator) runScript(L *lua.LState) int {
	path := e.resolve(L.CheckString(1))
	src, err := e.read(path)
	if err != nil {
		L.RaiseError("RunScript %s: %v", path, err)
	}
	fn := e.compile(L, path, src)
	top := L.GetTop()
	L.Push(fn)
	L.Call(0, lua.MultRet)
	return L.GetTop() - top
}

func (e *evaluator) compile(L *lua.LState, path string, src []byte) *lua.LFunction {
	fn, err := e.compileTimed(path, src)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	e.addFile(path)
	e.noteEmpty(path, src)
	return fn
}

// noteEmpty records a Lua file with nothing in it (see Snapshot.Empty).
func (e *evaluator) noteEmpty(path string, src []byte) {
	if len(bytes.TrimSpace(src)) == 0 {
		e.snap.Empty = append(e.snap.Empty, path)
	}
}

// compileTimed compiles a chunk within the evaluation's time limit:
// compiling cannot be interrupted, so the limit is checked before and
// after, and compileChunk refuses what would take long.
func (e *evaluator) compileTimed(path string, src []byte) (*lua.LFunction, error) {
	e.parsing = path // left set on a time-out, for the message run gives
	if err := e.L.Context().Err(); err != nil {
		return nil, e.timeout()
	}
	fn, err := compileChunk(e.L, path, src)
	if err := e.L.Context().Err(); err != nil {
		return nil, e.timeout()
	}
	e.parsing = ""
	if err != nil {
		return nil, err
	}
	fn.Env = e.env
	return fn, nil
}

// timeout says the evaluation ran out of time, and where.
func (e *evaluator) timeout() error {
	if e.parsing != "" {
		return &config.Error{Location: config.Location{File: e.parsing}, Message: fmt.Sprintf("the config took longer than %s to evaluate; it was still parsing this file", e.limit)}
	}
	return &config.Error{Location: e.where(), Message: fmt.Sprintf("the config took longer than %s to evaluate (does it loop forever?)", e.limit)}
}

func (e *evaluator) readArg(L *lua.LState, fn string) string {
	path := e.resolve(L.CheckString(1))
	b, err := e.read(path)
	if err != nil {
		L.RaiseError("%s(%q): %v", fn, L.CheckString(1), err)
	}
	e.addFile(path)
	return string(b)
}

func (e *evaluator) fileContents(L *lua.LState) int {
	L.Push(lua.LString(e.readArg(L, "FileContents")))
	return 1
}

func (e *evaluator) fileLine(L *lua.LState) int {
	s := e.readArg(L, "FileLine")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	L.Push(lua.LString(strings.TrimRight(s, "\r")))
	return 1
}

func (e *evaluator) fileLines(L *lua.LState) int {
	s := e.readArg(L, "FileLines")
	t := L.NewTable()
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimRight(line, "\r"); line != "" {
			t.Append(lua.LString(line))
		}
	}
	L.Push(t)
	return 1
}

func (e *evaluator) addFile(path string) {
	for _, f := range e.snap.Files {
		if f == path {
			return
		}
	}
	e.snap.Files = append(e.snap.Files, path)
}

var runtimePos = regexp.MustCompile(`^(.*?):(\d+): `)

func (e *evaluator) run(name string, src []byte) error {
	fn, err := e.compileTimed(name, src)
	if err != nil {
		return err
	}
	e.snap.Files = append(e.snap.Files, name)
	e.noteEmpty(name, src)
	e.L.Push(fn)
	if err := e.L.PCall(0, 0, nil); err != nil {
		if ctxErr := e.L.Context().Err(); ctxErr != nil {
			return e.timeout()
		}
		var apiErr *lua.ApiError
		msg := err.Error()
		if errors.As(err, &apiErr) {
			msg = apiErr.Object.String()
		}
		return configError(msg)
	}
	return nil
}

// configError splits "file:line: message" into an Error.
func configError(msg string) error {
	if m := runtimePos.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[2])
		return &config.Error{Location: config.Location{File: m[1], Line: line}, Message: strings.TrimSpace(msg[len(m[0]):])}
	}
	return &config.Error{Message: msg}
}
