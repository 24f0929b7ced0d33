package bridge

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

func init() { registerLibrary("util.pposix", openPposix) }

// pposixFuncs is require "util.pposix": of Prosody's C module 0.4.0 the
// calls that read the process or the system, with its results and
// failure values. What would change the whole host behind moonport's
// back is in pposixRefused.
var pposixFuncs = map[string]lua.LGFunction{
	"getpid":    pposixGetpid,
	"getuid":    pposixGetuid,
	"getgid":    pposixGetgid,
	"uname":     pposixUname,
	"umask":     pposixUmask,
	"getrlimit": pposixGetrlimit,
	"mkdir":     pposixMkdir,
	"meminfo":   pposixMeminfo,
}

// pposixRefused names the calls moonport does itself, with what to use
// instead; each is a function that raises an error saying so.
var pposixRefused = map[string]string{
	"daemonize":          "moonport runs in the foreground under its supervisor (systemd); it does not fork or daemonize",
	"fork":               "moonport runs in the foreground under its supervisor (systemd); it does not fork or daemonize",
	"abort":              "a module may not end the host; use prosody.shutdown",
	"setuid":             "moonport changes user itself after binding its ports (prosody_user, prosody_group, systemd User=)",
	"setgid":             "moonport changes user itself after binding its ports (prosody_user, prosody_group, systemd Group=)",
	"initgroups":         "moonport changes user itself after binding its ports (prosody_user, prosody_group, systemd User=)",
	"setrlimit":          "the process's limits are the host's: set them in systemd (LimitNOFILE=, LimitCORE=)",
	"syslog_open":        "moonport does the logging (its log settings, journald under systemd)",
	"syslog_log":         "moonport does the logging (its log settings, journald under systemd)",
	"syslog_close":       "moonport does the logging (its log settings, journald under systemd)",
	"syslog_setminlevel": "moonport does the logging (its log settings, journald under systemd)",
}

func openPposix(inst *Instance) lua.LValue {
	L := inst.L
	t := L.SetFuncs(L.NewTable(), pposixFuncs, inst.ud)
	for name, why := range pposixRefused {
		msg := "util.pposix." + name + " is not available in moonport: " + why
		t.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			L.RaiseError("%s", msg)
			return 0
		}))
	}
	t.RawSetString("_NAME", lua.LString("pposix"))
	t.RawSetString("_VERSION", lua.LString("0.4.0"))
	t.RawSetString("ENOENT", lua.LNumber(unix.ENOENT))
	return t
}

func pposixGetpid(L *lua.LState) int { L.Push(lua.LNumber(os.Getpid())); return 1 }
func pposixGetuid(L *lua.LState) int { L.Push(lua.LNumber(os.Getuid())); return 1 }
func pposixGetgid(L *lua.LState) int { L.Push(lua.LNumber(os.Getgid())); return 1 }

// pposixUname is uname(): a table of the system's names, or nil and the
// message.
func pposixUname(L *lua.LState) int {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	field := func(b []byte) lua.LString {
		s := string(b)
		if i := strings.IndexByte(s, 0); i >= 0 {
			s = s[:i]
		}
		return lua.LString(s)
	}
	t := L.CreateTable(0, 6)
	t.RawSetString("sysname", field(u.Sysname[:]))
	t.RawSetString("nodename", field(u.Nodename[:]))
	t.RawSetString("release", field(u.Release[:]))
	t.RawSetString("version", field(u.Version[:]))
	t.RawSetString("machine", field(u.Machine[:]))
	if d := pposixDomainname(&u); d != nil {
		t.RawSetString("domainname", field(d))
	}
	L.Push(t)
	return 1
}

// pposixUmask is umask(mask): the process's umask set to the octal
// string (read as C's strtoul does: leading blanks and sign, then octal
// digits up to the first other character), the old one returned as three
// octal digits. The umask is the whole host's, as in Prosody.
func pposixUmask(L *lua.LState) int {
	s := strings.TrimLeft(L.CheckString(1), " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var n uint64
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '7'; i++ {
		n = n*8 + uint64(s[i]-'0')
	}
	if neg {
		n = -n
	}
	old := unix.Umask(int(n & 0o777))
	L.Push(lua.LString(fmt.Sprintf("%03o", old)))
	return 1
}

// pposixRlimits are the resource names Prosody's getrlimit knows.
var pposixRlimits = map[string]int{
	"CORE": unix.RLIMIT_CORE, "CPU": unix.RLIMIT_CPU, "DATA": unix.RLIMIT_DATA,
	"FSIZE": unix.RLIMIT_FSIZE, "NOFILE": unix.RLIMIT_NOFILE, "STACK": unix.RLIMIT_STACK,
	"MEMLOCK": unix.RLIMIT_MEMLOCK, "NPROC": unix.RLIMIT_NPROC, "RSS": unix.RLIMIT_RSS,
}

// pposixGetrlimit is getrlimit(name): true, the soft and the hard limit
// ("unlimited" for none), or false and "invalid-arguments",
// "invalid-resource" or "getrlimit-failed".
func pposixGetrlimit(L *lua.LState) int {
	if !lua.LVCanConvToString(L.Get(1)) {
		L.Push(lua.LFalse)
		L.Push(lua.LString("invalid-arguments"))
		return 2
	}
	res, known := pposixRlimits[L.ToString(1)]
	if n, nice := pposixRlimitNice(); !known && nice && L.ToString(1) == "NICE" {
		res, known = n, true
	}
	if !known {
		L.Push(lua.LFalse)
		L.Push(lua.LString("invalid-resource"))
		return 2
	}
	var lim unix.Rlimit
	if err := unix.Getrlimit(res, &lim); err != nil {
		L.Push(lua.LFalse)
		L.Push(lua.LString("getrlimit-failed"))
		return 2
	}
	value := func(v uint64) lua.LValue {
		if v == unix.RLIM_INFINITY {
			return lua.LString("unlimited")
		}
		return lua.LNumber(v)
	}
	L.Push(lua.LTrue)
	L.Push(value(uint64(lim.Cur)))
	L.Push(value(uint64(lim.Max)))
	return 3
}

// pposixMkdir is mkdir(path): true, or false and the system's message.
func pposixMkdir(L *lua.LState) int {
	if err := unix.Mkdir(L.CheckString(1), 0o777); err != nil {
		msg := err.Error()
		L.Push(lua.LFalse)
		L.Push(lua.LString(strings.ToUpper(msg[:1]) + msg[1:]))
		return 2
	}
	L.Push(lua.LTrue)
	return 1
}

// pposixMeminfo is meminfo() with Go's heap in place of malloc's arena:
// allocated (heap obtained from the system), used (in use), unused,
// returnable (idle, not yet given back) and allocated_mmap (stacks and
// the runtime's other memory), in bytes.
func pposixMeminfo(L *lua.LState) int {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	t := L.CreateTable(0, 5)
	t.RawSetString("allocated", lua.LNumber(m.HeapSys))
	t.RawSetString("used", lua.LNumber(m.HeapInuse))
	t.RawSetString("unused", lua.LNumber(m.HeapSys-m.HeapInuse))
	t.RawSetString("returnable", lua.LNumber(m.HeapIdle-m.HeapReleased))
	t.RawSetString("allocated_mmap", lua.LNumber(m.Sys-m.HeapSys))
	L.Push(t)
	return 1
}
