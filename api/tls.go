package api

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// tlsClientConfig builds the crypto/tls settings for an https client.
func tlsClientConfig(t *TLSConfig) (*tls.Config, error) {
	out := &tls.Config{InsecureSkipVerify: t.InsecureSkipVerify, MinVersion: tls.VersionTLS12}
	if t.Address != "" {
		out.ServerName = t.Address
		if host, _, err := net.SplitHostPort(t.Address); err == nil {
			out.ServerName = host
		}
	}
	cert, err := clientCertificate(t)
	if err != nil {
		return nil, err
	}
	if cert != nil {
		out.Certificates = []tls.Certificate{*cert}
	}
	pool, err := rootPool(t)
	if err != nil {
		return nil, err
	}
	out.RootCAs = pool
	return out, nil
}

func clientCertificate(t *TLSConfig) (*tls.Certificate, error) {
	switch {
	case t.CertFile != "" && t.KeyFile != "":
		c, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("load client certificate: %w", err)
		}
		return &c, nil
	case len(t.CertPEM) > 0 && len(t.KeyPEM) > 0:
		c, err := tls.X509KeyPair(t.CertPEM, t.KeyPEM)
		if err != nil {
			return nil, fmt.Errorf("parse client certificate: %w", err)
		}
		return &c, nil
	case t.CertFile != "" || t.KeyFile != "" || len(t.CertPEM) > 0 || len(t.KeyPEM) > 0:
		return nil, errors.New("both client cert and client key must be provided")
	}
	return nil, nil
}

// rootPool returns nil (the system roots) unless a CA is configured.
func rootPool(t *TLSConfig) (*x509.CertPool, error) {
	if t.CAFile == "" && t.CAPath == "" && len(t.CAPem) == 0 {
		return nil, nil
	}
	pool := x509.NewCertPool()
	pems := [][]byte{}
	if len(t.CAPem) > 0 {
		pems = append(pems, t.CAPem)
	}
	files := []string{}
	if t.CAFile != "" {
		files = append(files, t.CAFile)
	}
	if t.CAPath != "" {
		entries, err := os.ReadDir(t.CAPath)
		if err != nil {
			return nil, fmt.Errorf("read CA path: %w", err)
		}
		for _, e := range entries {
			if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
				files = append(files, filepath.Join(t.CAPath, e.Name()))
			}
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		pems = append(pems, b)
	}
	for _, p := range pems {
		if !pool.AppendCertsFromPEM(p) {
			return nil, errors.New("no certificates found in CA PEM")
		}
	}
	return pool, nil
}
