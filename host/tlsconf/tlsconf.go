// Package tlsconf builds the TLS configuration of each listener from
// Prosody's certificate options: the global `ssl` table, `<service>_ssl`,
// their per-interface and per-port maps, a named listener's `tls` table,
// per-host `ssl` and the `certificates` folder, plus the TLS policy
// (protocols, ciphers, cipher order, ALPN, client certificates).
//
// It reads the config snapshot and files on disk and returns *tls.Config
// values; it never opens a socket or decides what to bind.
package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/host/value"
)

// Listener is the TLS side of one listening socket.
type Listener struct {
	Config *tls.Config // nil when no certificate could be found (STARTTLS unavailable)
	// Implicit is true for direct TLS (encryption = "ssl" or tls.implicit).
	Implicit bool
	Files    []string // certificate and key files read, for the reload watcher
}

// Error is a TLS problem that keeps a listener closed.
type Error struct {
	Listener string
	File     string
	Err      error
}

func (e *Error) Error() string {
	if e.File != "" {
		return fmt.Sprintf("TLS for listener %s: %s: %v", e.Listener, e.File, e.Err)
	}
	return fmt.Sprintf("TLS for listener %s: %v", e.Listener, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// ErrNoCertificate is wrapped by the error of a direct-TLS listener that
// found no certificate at all.
var ErrNoCertificate = errors.New("no certificate")

// Builder builds listeners' TLS from one snapshot. It caches certificates
// so a file shared by many listeners is read once.
type Builder struct {
	snap     *config.Snapshot
	base     string // folder of the config file: relative paths start here
	certs    map[string]*loaded
	Warnings []string
	warned   map[string]bool // warnings given, so each is given once
	now      func() time.Time
}

type loaded struct {
	cert tls.Certificate
	err  error
}

// NewBuilder returns a builder for snap.
func NewBuilder(snap *config.Snapshot) *Builder {
	base := filepath.Dir(snap.Path)
	if abs, err := filepath.Abs(base); err == nil {
		base = abs
	}
	return &Builder{snap: snap, base: base, certs: map[string]*loaded{}, warned: map[string]bool{}, now: time.Now}
}

func (b *Builder) path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(b.base, p)
}

// Build returns the TLS of a binding; prefix is its service's option
// prefix ("https_").
func (b *Builder) Build(bind ports.Binding, prefix string, own *value.Table) (*Listener, error) {
	implicit := bind.Encryption == ports.DirectTLS
	l := &Listener{Implicit: implicit}
	if bind.Encryption == ports.Unencrypted && bind.TLS == nil {
		return l, nil // a plain listener
	}
	fail := func(file string, err error) (*Listener, error) {
		return nil, &Error{Listener: bind.Listener + " (" + bind.AddrPort() + ")", File: file, Err: err}
	}
	c, err := b.chain(bind, prefix, own)
	if err != nil {
		return fail("", err)
	}
	b.audit(c)
	cfg, hello, err := b.policy(c)
	if err != nil {
		return fail("", err)
	}
	var certs []tls.Certificate
	certFile, _ := c.lookup("certificate").(string)
	keyFile, _ := c.lookup("key").(string)
	switch {
	case certFile != "" && keyFile == "":
		return fail(b.path(certFile), errors.New("a certificate needs a key: set key = \"…\" beside certificate"))
	case certFile == "" && keyFile != "":
		return fail(b.path(keyFile), errors.New("a key needs a certificate: set certificate = \"…\" beside key"))
	case certFile != "":
		c, file, err := b.load(b.path(certFile), b.path(keyFile))
		if err != nil {
			return fail(file, err)
		}
		certs = append(certs, c)
		l.Files = append(l.Files, b.path(certFile), b.path(keyFile))
	}
	more, file, err := b.hostCerts(bind, l)
	if err != nil {
		return fail(file, err)
	}
	certs = append(certs, more...)
	if len(certs) == 0 {
		if implicit {
			return fail("", fmt.Errorf("%w: set %sssl = { certificate = \"…\", key = \"…\" } or ssl, or put %s.crt and %s.key in the certificates folder (%s)", ErrNoCertificate, prefix, bind.Service, bind.Service, b.certDir()))
		}
		b.Warnings = append(b.Warnings, fmt.Sprintf("listener %s (%s): no certificate found, so STARTTLS is not offered; set %sssl or ssl", bind.Listener, bind.AddrPort(), prefix))
		return l, nil
	}
	cfg.Certificates = certs
	l.Config = cfg
	hello.attach(l)
	return l, nil
}

// hostCerts loads the certificates of the names a listener answers for:
// the service's own name first (a certificate named after it is its
// default), then every host, each from the host's ssl option or else the
// certificates folder. On failure it names the file at fault.
func (b *Builder) hostCerts(bind ports.Binding, l *Listener) ([]tls.Certificate, string, error) {
	var certs []tls.Certificate
	names := []string{bind.Service}
	for _, h := range b.snap.Hosts() {
		names = append(names, h.Name)
	}
	for _, name := range names {
		if name != bind.Service {
			if hs, ok := b.snap.Host(name).Options["ssl"]; ok {
				if t, ok := hs.Value.(*value.Table); ok {
					hc, _ := t.Field("certificate").(string)
					hk, _ := t.Field("key").(string)
					if hc != "" && hk != "" {
						c, file, err := b.load(b.path(hc), b.path(hk))
						if err != nil {
							return nil, file, err
						}
						certs = append(certs, c)
						l.Files = append(l.Files, b.path(hc), b.path(hk))
						continue
					}
				}
			}
		}
		crt, key, ok := b.findCert(name)
		if !ok {
			continue
		}
		c, file, err := b.load(crt, key)
		if err != nil {
			return nil, file, err
		}
		certs = append(certs, c)
		l.Files = append(l.Files, crt, key)
	}
	return certs, "", nil
}

func (b *Builder) certDir() string {
	return b.path(b.snap.Options.Certificates)
}

// findCert looks for NAME.crt/NAME.key, NAME/fullchain.pem and
// NAME/privkey.pem, then NAME.pem holding both, as Prosody does.
func (b *Builder) findCert(name string) (string, string, bool) {
	dir := b.certDir()
	for _, pair := range [][2]string{
		{name + ".crt", name + ".key"},
		{filepath.Join(name, "fullchain.pem"), filepath.Join(name, "privkey.pem")},
		{name + ".pem", name + ".pem"},
	} {
		crt, key := filepath.Join(dir, pair[0]), filepath.Join(dir, pair[1])
		if isFile(crt) && isFile(key) {
			return crt, key, true
		}
	}
	return "", "", false
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// load reads a certificate and its key, checking what an operator gets
// wrong: missing or unreadable files, a key that does not match, an
// expired or not yet valid certificate, a key others can read.
func (b *Builder) load(certFile, keyFile string) (tls.Certificate, string, error) {
	id := certFile + "\x00" + keyFile
	if l, ok := b.certs[id]; ok {
		return l.cert, certFile, l.err
	}
	c, file, err := b.read(certFile, keyFile)
	b.certs[id] = &loaded{cert: c, err: err}
	return c, file, err
}

func (b *Builder) read(certFile, keyFile string) (tls.Certificate, string, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return tls.Certificate{}, certFile, fmt.Errorf("cannot read certificate: %w", unwrapPath(err))
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return tls.Certificate{}, keyFile, fmt.Errorf("cannot read key: %w", unwrapPath(err))
	}
	if st, err := os.Stat(keyFile); err == nil && st.Mode().Perm()&0o077 != 0 {
		b.Warnings = append(b.Warnings, fmt.Sprintf("%s: private key is readable by group or others (mode %04o); run chmod 600 %s", keyFile, st.Mode().Perm(), keyFile))
	}
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		if strings.Contains(err.Error(), "does not match") {
			return tls.Certificate{}, keyFile, fmt.Errorf("the key does not match certificate %s", certFile)
		}
		return tls.Certificate{}, certFile, fmt.Errorf("not a PEM certificate and key pair: %v", err)
	}
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		return tls.Certificate{}, certFile, fmt.Errorf("cannot parse certificate: %v", err)
	}
	now := b.now()
	switch {
	case now.After(leaf.NotAfter):
		return tls.Certificate{}, certFile, fmt.Errorf("certificate expired on %s", leaf.NotAfter.UTC().Format(time.RFC3339))
	case now.Before(leaf.NotBefore):
		return tls.Certificate{}, certFile, fmt.Errorf("certificate is not valid until %s", leaf.NotBefore.UTC().Format(time.RFC3339))
	}
	c.Leaf = leaf
	return c, certFile, nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

var protocolVersions = map[string]uint16{
	"tlsv1": tls.VersionTLS10, "tlsv1_1": tls.VersionTLS11, "tlsv1_2": tls.VersionTLS12, "tlsv1_3": tls.VersionTLS13,
}

func versionName(v uint16) string {
	for k, n := range protocolVersions {
		if n == v {
			return k
		}
	}
	return strconv.Itoa(int(v))
}

// policy turns the TLS policy options along the chain into a config, and
// what each handshake decides from the client's hello.
func (b *Builder) policy(c chain) (*tls.Config, *perHello, error) {
	flags := c.options()
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS13,
		SessionTicketsDisabled: flags["no_ticket"], CurvePreferences: b.curvePreferences(c)}
	if err := versions(cfg, c, flags); err != nil {
		return nil, nil, err
	}
	suites, err := b.cipherSuites(c)
	if err != nil {
		return nil, nil, err
	}
	cfg.CipherSuites = suites
	h := &perHello{clientOrder: !serverOrder(c, flags)}
	switch v := c.lookup("alpn").(type) {
	case *value.Function:
		if v.Call != nil {
			h.alpn = v
		}
	default:
		for _, p := range value.List(v) {
			s, ok := p.(string)
			if !ok || s == "" {
				return nil, nil, fmt.Errorf("alpn: %s is not a protocol name", value.Format(p))
			}
			cfg.NextProtos = append(cfg.NextProtos, s)
		}
	}
	if err := b.clientAuth(cfg, c); err != nil {
		return nil, nil, err
	}
	return cfg, h, nil
}

// serverOrder reads who picks the TLS 1.2 suite: prefer_server_ciphers,
// else Stalwart's ignore_client_order, else LuaSec's
// options.cipher_server_preference; the server by default.
func serverOrder(c chain, flags map[string]bool) bool {
	if v, ok := c.lookup("prefer_server_ciphers").(bool); ok {
		return v
	}
	if v, ok := c.lookup("ignore_client_order").(bool); ok {
		return v
	}
	if v, ok := flags["cipher_server_preference"]; ok {
		return v
	}
	return true
}

// versions sets cfg's TLS version range from protocol, min_protocol,
// max_protocol and disabled_protocols (with LuaSec's options no_tlsv1_2
// and no_tlsv1_3), in that order.
func versions(cfg *tls.Config, c chain, flags map[string]bool) error {
	if v := c.lookup("protocol"); v != nil {
		s, _ := v.(string)
		name := strings.TrimSuffix(s, "+")
		ver, ok := protocolVersions[name]
		if !ok {
			if s != "sslv23" {
				return fmt.Errorf("protocol = %s: expected \"tlsv1_2+\", \"tlsv1_3\" and the like", value.Format(v))
			}
			ver, name = tls.VersionTLS12, s
		}
		cfg.MinVersion = ver
		if !strings.HasSuffix(s, "+") && name != "sslv23" {
			cfg.MaxVersion = ver
		}
	}
	for _, key := range []string{"min_protocol", "max_protocol"} {
		if v := c.lookup(key); v != nil {
			s, _ := v.(string)
			ver, ok := protocolVersions[s]
			if !ok {
				return fmt.Errorf("%s = %s: expected \"tlsv1_2\" or \"tlsv1_3\"", key, value.Format(v))
			}
			if key == "min_protocol" {
				cfg.MinVersion = ver
			} else {
				cfg.MaxVersion = ver
			}
		}
	}
	disabled := value.List(c.lookup("disabled_protocols"))
	for _, v := range []string{"tlsv1_2", "tlsv1_3"} {
		if flags["no_"+v] {
			disabled = append(disabled, v)
		}
	}
	for _, d := range disabled {
		s, _ := d.(string)
		ver, ok := protocolVersions[s]
		if !ok {
			return fmt.Errorf("disabled_protocols: %s is not a protocol (\"tlsv1_2\", \"tlsv1_3\")", value.Format(d))
		}
		// Disabling the lowest or highest narrows the range; Go cannot
		// skip a version in the middle, and only 1.2 and 1.3 are allowed.
		switch ver {
		case cfg.MinVersion:
			cfg.MinVersion++
		case cfg.MaxVersion:
			cfg.MaxVersion--
		}
	}
	if cfg.MinVersion < tls.VersionTLS12 {
		return fmt.Errorf("protocol %s is older than TLS 1.2, which moonport does not offer", versionName(cfg.MinVersion))
	}
	if cfg.MinVersion > cfg.MaxVersion {
		return fmt.Errorf("no TLS version left: the minimum %s is above the maximum %s", versionName(cfg.MinVersion), versionName(cfg.MaxVersion))
	}
	return nil
}

// cipherSuites reads `ciphers` (a list of suite names, IANA or OpenSSL
// spelling) and `disabled_ciphers`. An OpenSSL cipher string such as
// Prosody's "HIGH+kEECDH:…" keeps the secure defaults.
func (b *Builder) cipherSuites(c chain) ([]uint16, error) {
	byName := map[string]uint16{}
	var defaults []uint16
	for _, s := range tls.CipherSuites() {
		byName[s.Name] = s.ID
		if o := opensslName(s.Name); o != "" {
			byName[o] = s.ID
		}
		defaults = append(defaults, s.ID)
	}
	suites := defaults
	switch v := c.lookup("ciphers").(type) {
	case nil:
	case string:
		if id, ok := byName[v]; ok {
			suites = []uint16{id}
			break
		}
		// An OpenSSL selection string such as Prosody's "HIGH+kEECDH:…":
		// Go's own list of secure suites stands in for it.
		b.warn("ciphers = %q is an OpenSSL selection string; moonport uses Go's secure TLS 1.2 suites instead (list suite names to choose)", v)
	case *value.Table:
		suites = nil
		for _, e := range v.Array {
			s, _ := e.(string)
			id, ok := byName[s]
			if !ok {
				return nil, fmt.Errorf("ciphers: unknown cipher suite %s (known: %s)", value.Format(e), knownSuites())
			}
			suites = append(suites, id)
		}
	}
	for _, d := range value.List(c.lookup("disabled_ciphers")) {
		s, _ := d.(string)
		id, ok := byName[s]
		if !ok {
			return nil, fmt.Errorf("disabled_ciphers: unknown cipher suite %s (known: %s)", value.Format(d), knownSuites())
		}
		kept := suites[:0:0]
		for _, x := range suites {
			if x != id {
				kept = append(kept, x)
			}
		}
		suites = kept
	}
	if len(suites) == 0 {
		return nil, errors.New("no cipher suite left after ciphers and disabled_ciphers")
	}
	return suites, nil
}

func knownSuites() string {
	var names []string
	for _, s := range tls.CipherSuites() {
		names = append(names, s.Name)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// opensslName gives the OpenSSL spelling of a TLS 1.2 ECDHE suite
// ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" → "ECDHE-RSA-AES128-GCM-SHA256").
func opensslName(iana string) string {
	if strings.HasPrefix(iana, "TLS_AES") || strings.HasPrefix(iana, "TLS_CHACHA20") {
		return iana // TLS 1.3 suites have one name
	}
	s := strings.TrimPrefix(iana, "TLS_")
	kx, rest, ok := strings.Cut(s, "_WITH_")
	if !ok {
		return ""
	}
	rest = strings.Replace(rest, "AES_128", "AES128", 1)
	rest = strings.Replace(rest, "AES_256", "AES256", 1)
	rest = strings.Replace(rest, "CHACHA20_POLY1305_SHA256", "CHACHA20-POLY1305", 1)
	rest = strings.Replace(rest, "_CBC", "", 1)
	return strings.ReplaceAll(kx, "_", "-") + "-" + strings.ReplaceAll(rest, "_", "-")
}
