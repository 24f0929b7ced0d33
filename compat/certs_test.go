package compat

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// certNames are the hosts the configs use; each gets NAME.crt and NAME.key
// in the certificates folder, the layout Prosody's `certificates` option
// scans, so both hosts find a certificate for every VirtualHost.
var certNames = []string{"localhost", "example.com", "example.org", "example.net"}

// writeCerts makes one self-signed certificate for every name in certNames
// (and their subdomains) and writes it under each name in dir.
func writeCerts(dir string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	var dns []string
	for _, n := range certNames {
		dns = append(dns, n, "*."+n)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: certNames[0]},
		DNSNames:     dns,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	crt := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	pk := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, n := range certNames {
		if err := os.WriteFile(filepath.Join(dir, n+".crt"), crt, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, n+".key"), pk, 0o600); err != nil {
			return err
		}
	}
	return nil
}
