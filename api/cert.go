package api

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Names of the generated certificate and key in the data folder.
const (
	certFileName = "tls.crt"
	keyFileName  = "tls.key"
)

// certValidity is how long a generated certificate is valid. Clients of a
// self-signed certificate skip verification or pin it, so a long life
// spares them a surprise renewal.
const certValidity = 10 * 365 * 24 * time.Hour

// loadOrCreateCert returns the certificate of certFile and keyFile when both
// are given; otherwise the self-signed pair kept in dataDir, made on first
// use (ECDSA P-256; SANs localhost, 127.0.0.1, ::1, the host name and
// extraHosts) and reused after.
func loadOrCreateCert(certFile, keyFile, dataDir string, extraHosts []string) (tls.Certificate, error) {
	if certFile != "" || keyFile != "" {
		if certFile == "" || keyFile == "" {
			return tls.Certificate{}, errors.New("a TLS certificate needs both a certificate file and a key file")
		}
		c, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("load TLS certificate: %w", err)
		}
		return c, nil
	}
	if dataDir == "" {
		return tls.Certificate{}, errors.New("no TLS certificate given and no data folder to keep a generated one in")
	}
	cf, kf := filepath.Join(dataDir, certFileName), filepath.Join(dataDir, keyFileName)
	_, errC := os.Stat(cf)
	_, errK := os.Stat(kf)
	if errC == nil && errK == nil {
		c, err := tls.LoadX509KeyPair(cf, kf)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("load the generated TLS certificate (remove %s and %s to make a new one): %w", certFileName, keyFileName, err)
		}
		return c, nil
	}
	if (errC != nil && !errors.Is(errC, fs.ErrNotExist)) || (errK != nil && !errors.Is(errK, fs.ErrNotExist)) {
		return tls.Certificate{}, fmt.Errorf("read TLS certificate: %w", errors.Join(errC, errK))
	}
	certPEM, keyPEM, err := selfSigned(extraHosts)
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return tls.Certificate{}, fmt.Errorf("create data folder: %w", err)
	}
	if err := writeFile(kf, keyPEM, 0o600); err != nil {
		return tls.Certificate{}, err
	}
	if err := writeFile(cf, certPEM, 0o644); err != nil {
		return tls.Certificate{}, err
	}
	return tls.X509KeyPair(certPEM, keyPEM)
}

// writeFile writes data to a temporary file and renames it into place, so
// that a crash never leaves half a key behind.
func writeFile(name string, data []byte, mode os.FileMode) error {
	tmp := name + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(name), err)
	}
	if err := f.Chmod(mode); err != nil { // an existing temp file keeps its old mode otherwise
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", filepath.Base(name), err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

// selfSigned makes a self-signed ECDSA P-256 server certificate.
func selfSigned(extraHosts []string) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	host, _ := os.Hostname()
	names := []string{"localhost"}
	ips := []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}
	for _, h := range append([]string{host}, extraHosts...) {
		if h == "" {
			continue
		}
		if ip := net.ParseIP(h); ip != nil {
			ips = append(ips, ip)
		} else if h != "localhost" {
			names = append(names, h)
		}
	}
	cn := "localhost"
	if host != "" {
		cn = host
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"emcdp"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true, // so that clients may trust it directly as its own root
		DNSNames:              names,
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
	return certPEM, keyPEM, nil
}
