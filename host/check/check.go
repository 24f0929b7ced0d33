// Package check runs the operator's pre-flight checks on a config: are
// the ports free (or already ours), are the certificates good, are the
// sensitive files private. Each finding is a pass, a warning or a failure
// with a sentence an operator can act on.
//
// It reads the config, the plan and the file system; it changes nothing.
package check

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/host/tlsconf"
)

// Level grades a finding.
type Level int

const (
	Pass Level = iota
	Warn
	Fail
)

func (l Level) String() string { return [...]string{"PASS", "WARN", "FAIL"}[l] }

// Result is one finding.
type Result struct {
	Level   Level
	Message string
}

// Results collects findings.
type Results []Result

func (r *Results) add(l Level, format string, args ...any) {
	*r = append(*r, Result{Level: l, Message: fmt.Sprintf(format, args...)})
}

// Worst is the highest level among the results.
func (r Results) Worst() Level {
	w := Pass
	for _, x := range r {
		if x.Level > w {
			w = x.Level
		}
	}
	return w
}

// Privilege says whether this process may bind ports below 1024.
type Privilege struct {
	Root            bool
	NetBindService  bool // CAP_NET_BIND_SERVICE
	UnprivilegedMin int  // net.ipv4.ip_unprivileged_port_start
}

// Ports checks each planned socket: free, already served by this
// instance (served reports that), or taken; and privileged ports without
// the right to bind them.
func Ports(plan *ports.BindPlan, priv Privilege, served func(ports.Binding) bool) Results {
	var r Results
	for _, p := range plan.Problems {
		r.add(Fail, "%s", p.Error())
	}
	for _, b := range plan.Bindings {
		where := fmt.Sprintf("%s (service %s, listener %s)", b.AddrPort(), b.Service, b.Listener)
		if b.Port < priv.UnprivilegedMin && !priv.Root && !priv.NetBindService {
			r.add(Fail, "%s: port %d is privileged; run as root, grant CAP_NET_BIND_SERVICE (setcap cap_net_bind_service=+ep), or use a port from %d up", where, b.Port, priv.UnprivilegedMin)
			continue
		}
		ln, err := net.Listen(b.Network, b.AddrPort())
		switch {
		case err == nil:
			ln.Close()
			r.add(Pass, "%s is free", where)
		case served != nil && served(b):
			r.add(Pass, "%s is served by the running moonport", where)
		case errors.Is(err, syscall.EADDRINUSE):
			r.add(Fail, "%s is in use by another program (see: ss -ltnp 'sport = :%d')", where, b.Port)
		case errors.Is(err, syscall.EADDRNOTAVAIL):
			r.add(Fail, "%s: no interface of this machine has that address", where)
		default:
			r.add(Fail, "%s: %v", where, err)
		}
	}
	return r
}

// Certs checks each TLS listener's certificates: readable, matching their
// keys, in date (warning within 14 days of expiry), and covering every
// host the config names.
func Certs(plan *ports.BindPlan, tlsErrs []error, listeners map[string]*tlsconf.Listener, hosts []string, now time.Time) Results {
	var r Results
	for _, e := range tlsErrs {
		r.add(Fail, "%v", e)
	}
	keys := make([]string, 0, len(listeners))
	byKey := map[string]ports.Binding{}
	for _, b := range plan.Bindings {
		byKey[b.Key()] = b
	}
	for k, l := range listeners {
		if l.Config != nil {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	seen := map[string]bool{}
	for _, k := range keys {
		b, l := byKey[k], listeners[k]
		for _, c := range l.Config.Certificates {
			leaf := c.Leaf
			id := fmt.Sprintf("%s %s", b.Listener, leaf.SerialNumber)
			if seen[id] {
				continue
			}
			seen[id] = true
			left := leaf.NotAfter.Sub(now)
			if left < 14*24*time.Hour {
				r.add(Warn, "listener %s: certificate for %s expires on %s (in %s); renew it", b.Listener, strings.Join(leaf.DNSNames, ", "), leaf.NotAfter.UTC().Format("2006-01-02"), left.Round(time.Hour))
			} else {
				r.add(Pass, "listener %s: certificate for %s, valid until %s", b.Listener, strings.Join(leaf.DNSNames, ", "), leaf.NotAfter.UTC().Format("2006-01-02"))
			}
		}
		for _, h := range hosts {
			if !covered(l.Config.Certificates, h) {
				r.add(Warn, "listener %s (%s): no certificate covers host %s; clients asking for it get %s", b.Listener, b.AddrPort(), h, strings.Join(l.Config.Certificates[0].Leaf.DNSNames, ", "))
			}
		}
	}
	if len(keys) == 0 && len(tlsErrs) == 0 {
		r.add(Pass, "no TLS listener")
	}
	return r
}

func covered(certs []tls.Certificate, host string) bool {
	for _, c := range certs {
		if c.Leaf != nil && c.Leaf.VerifyHostname(host) == nil {
			return true
		}
	}
	return false
}

// FileKind says how private a file must be.
type FileKind int

const (
	Config  FileKind = iota // may hold passwords: not writable by others, best not readable
	Secret                  // private keys, the console cookie: owner only
	Log                     // holds addresses: not writable by others
	DataDir                 // a folder of server data
)

// File is one sensitive path.
type File struct {
	Path string
	Kind FileKind
}

// Perms checks that sensitive files are not open to others, following
// ejabberd's list: config, logs, data, keys and the console cookie.
func Perms(files []File) Results {
	var r Results
	done := map[string]bool{}
	for _, f := range files {
		if f.Path == "" || done[f.Path] {
			continue
		}
		done[f.Path] = true
		if f.Kind == Config && strings.HasPrefix(f.Path, "embedded:") {
			r.add(Pass, "%s is built into the binary: no file to check", f.Path)
			continue
		}
		st, err := os.Stat(f.Path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && (f.Kind == Log || f.Kind == DataDir || f.Kind == Secret) {
				continue // not made yet
			}
			r.add(Fail, "%s: %v", f.Path, err)
			continue
		}
		m := st.Mode().Perm()
		kind := [...]string{"config file", "secret", "log file", "data folder"}[f.Kind]
		switch {
		case m&0o002 != 0:
			r.add(Fail, "%s (%s) is writable by everyone (mode %04o); run chmod o-w %s", f.Path, kind, m, f.Path)
		case f.Kind == Secret && m&0o077 != 0:
			r.add(Fail, "%s (%s) is readable by group or others (mode %04o); run chmod 600 %s", f.Path, kind, m, f.Path)
		case f.Kind != Secret && m&0o020 != 0:
			r.add(Warn, "%s (%s) is writable by its group (mode %04o); run chmod g-w %s", f.Path, kind, m, f.Path)
		case f.Kind != Secret && m&0o004 != 0:
			r.add(Warn, "%s (%s) is readable by everyone (mode %04o): it may hold passwords or addresses; run chmod o-r %s", f.Path, kind, m, f.Path)
		default:
			r.add(Pass, "%s (%s) mode %04o", f.Path, kind, m)
		}
	}
	return r
}

// Firewall lists which sockets must be reachable from other machines and
// which must stay local, like ejabberd's firewall table.
func Firewall(plan *ports.BindPlan) [][]string {
	rows := [][]string{{"PORT", "ADDRESS", "SERVICE", "LISTENER", "FIREWALL"}}
	bs := append([]ports.Binding(nil), plan.Bindings...)
	sort.SliceStable(bs, func(i, j int) bool { return bs[i].Port < bs[j].Port })
	for _, b := range bs {
		fw := "local only: keep blocked from outside"
		if b.Public() {
			fw = "public: open to the clients that need it"
		}
		rows = append(rows, []string{strconv.Itoa(b.Port) + "/tcp", b.Address.String(), b.Service, b.Listener, fw})
	}
	return rows
}
