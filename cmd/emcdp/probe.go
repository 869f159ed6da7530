package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

const probeUsage = `Usage: emcdp probe [flags]

Asks a running server whether it is ready and exits 0 when it answers 200,
1 otherwise: the health check of the container image, which holds no other
program. By default it asks https://127.0.0.1:PORT/_emcdp/ready (store
readable, world in place, simulation running if asked; no token needed) with
the port of --listen (EMCDP_LISTEN), so it follows the server's own setting.
The server's certificate is not verified: the probe checks that it answers,
not who it is.

Examples:
  emcdp probe
  emcdp probe --url https://em.lab.local:9398/_emcdp/health
`

// probeCmd checks that a server answers.
type probeCmd struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

func (c *probeCmd) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("probe", probeUsage, c.Stdout)
	listen := fs.String("listen", ":9398", "the server's HTTPS listen address; the probe asks its port on 127.0.0.1 when the host is empty or unspecified")
	url := fs.String("url", "", "URL to ask instead (default: the readiness endpoint at --listen)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if err := parseFlags(fs, args, c.Getenv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return badUsage(fs, "unexpected argument %q", fs.Arg(0))
	}
	target := *url
	if target == "" {
		host, port, err := net.SplitHostPort(*listen)
		if err != nil {
			return badUsage(fs, "--listen %q: %v", *listen, err)
		}
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			host = "127.0.0.1"
		}
		target = "https://" + net.JoinHostPort(host, port) + "/_emcdp/ready"
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return badUsage(fs, "--url %q: %v", target, err)
	}
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // a liveness check, see probeUsage
	}}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("probe %s: %w", target, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("probe %s: %s", target, resp.Status)
	}
	fmt.Fprintf(c.Stdout, "%s: %s\n", target, resp.Status)
	return nil
}
