package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/moonport/moonport/host/value"
)

// clientAuth reads Prosody's verify, cafile and capath. verify = "peer"
// asks for a client certificate and checks one that is given; adding
// "fail_if_no_peer_cert" requires one. The certificate must chain to
// cafile's CAs if it is set, else to capath's folder if that is, else to
// the system's CA store (Prosody's default capath is /etc/ssl/certs). Like
// Prosody's default verifyext (lsec_ignore_purpose), the purpose the
// certificate names does not matter: servers present their server
// certificates to each other as client certificates (XMPP's s2s).
func (b *Builder) clientAuth(cfg *tls.Config, c chain) error {
	peer, required := false, false
	for _, e := range value.List(c.lookup("verify")) {
		v, _ := e.(string)
		switch v {
		case "peer":
			peer = true
		case "fail_if_no_peer_cert":
			peer, required = true, true
		case "none", "client_once":
		default:
			return fmt.Errorf("verify: unknown flag %s (use \"none\", \"peer\" or { \"peer\", \"fail_if_no_peer_cert\" })", value.Format(e))
		}
	}
	if !peer {
		return nil
	}
	roots, hint, err := b.clientRoots(c)
	if err != nil {
		return err
	}
	// A bundle of its own is sent to clients as the CAs to pick a
	// certificate by; the system's hundreds of names would not help.
	cfg.ClientCAs = hint
	cfg.ClientAuth = tls.RequestClientCert
	if required {
		cfg.ClientAuth = tls.RequireAnyClientCert
	}
	now := b.now
	cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
		return verifyClient(raw, roots, now())
	}
	return nil
}

// clientRoots finds the CAs client certificates must chain to, and the
// pool to name to clients (cafile's only).
func (b *Builder) clientRoots(c chain) (roots, hint *x509.CertPool, err error) {
	cafile, _ := c.lookup("cafile").(string)
	capath, _ := c.lookup("capath").(string)
	if cafile == "" && capath == "" {
		roots, err := x509.SystemCertPool()
		if err != nil {
			return nil, nil, fmt.Errorf("verify = \"peer\" without cafile uses the system's CA store, which cannot be read (%v): set cafile = \"…\" to the CA bundle that signs client certificates", err)
		}
		return roots, nil, nil
	}
	roots = x509.NewCertPool()
	if cafile != "" {
		cafile = b.path(cafile)
		pem, err := os.ReadFile(cafile)
		if err != nil {
			return nil, nil, fmt.Errorf("cafile %s: %w", cafile, unwrapPath(err))
		}
		if !roots.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("cafile %s: no PEM certificate in it", cafile)
		}
		hint = roots.Clone()
	}
	if capath != "" {
		if err := addFolder(roots, b.path(capath)); err != nil {
			return nil, nil, err
		}
	}
	return roots, hint, nil
}

// addFolder adds every PEM certificate in the files of dir, as OpenSSL's
// capath holds them (c_rehash's links point at the same files).
func addFolder(pool *x509.CertPool, dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("capath %s: %w (set capath to a folder of CA certificates, or cafile to a bundle)", dir, unwrapPath(err))
	}
	found := false
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if !isFile(p) {
			continue
		}
		if pem, err := os.ReadFile(p); err == nil && pool.AppendCertsFromPEM(pem) {
			found = true
		}
	}
	if !found {
		return fmt.Errorf("capath %s: no PEM certificate in any of its files", dir)
	}
	return nil
}

// verifyClient checks the chain a client presented (none is for the
// handshake to allow or not) against roots, for any purpose.
func verifyClient(raw [][]byte, roots *x509.CertPool, now time.Time) error {
	if len(raw) == 0 {
		return nil
	}
	certs := make([]*x509.Certificate, len(raw))
	for i, der := range raw {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return fmt.Errorf("client certificate: %w", err)
		}
		certs[i] = c
	}
	opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool(), CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	for _, c := range certs[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := certs[0].Verify(opts); err != nil {
		return errors.New("client certificate: " + err.Error())
	}
	return nil
}
