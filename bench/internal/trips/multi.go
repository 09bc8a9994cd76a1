package trips

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/bench/internal/stats"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/cli"
)

// MultiResult is `setup` over several instances against `setup` over one,
// each instance a simulator of its own with latency on every request.
type MultiResult struct {
	Instances int `json:"instances"`
	Parallel  int `json:"parallel"`
	// Cert is the simulators' certificate: "ecdsa-p256", or "rsa-2048"
	// (httptest's own).
	Cert string `json:"cert"`
	Runs int    `json:"runs"`
	// WallMs and OneMs are medians over Runs (after one run thrown away):
	// the run over Instances, and the same command over one instance.
	WallMs float64 `json:"wall_ms"`
	OneMs  float64 `json:"one_instance_ms"`
	Ratio  float64 `json:"ratio"`
	// Requests is what every instance of the last run received in all.
	Requests int `json:"requests"`
	// CPUMs is the CPU time (user + system) of the run over Instances, the
	// simulators' included (median): beside WallMs it shows whether the run
	// waited for answers or for the CPU.
	CPUMs float64 `json:"cpu_ms"`
}

// RunMulti measures `setup --mode mdm --yes --json` over n fresh instances
// (Jira and Confluence in turn) with --parallel set to parallel (0: the
// default), and over one, runs times each; the medians are compared.
//
// The simulators run on the same CPUs as the wizard, and every instance's
// TLS handshakes cost them a signature. With ecdsa, that signature is cheap,
// so the figure is the wizard's own; with httptest's RSA-2048 certificate,
// 50 simulated servers signing at once compete with the wizard for the CPUs,
// which a real run against 50 servers elsewhere does not.
func RunMulti(n, parallel int, latency time.Duration, runs int, ecdsa bool) (MultiResult, error) {
	res := MultiResult{Instances: n, Parallel: parallel, Runs: runs, Cert: "rsa-2048"}
	var cert *tls.Certificate
	if ecdsa {
		c, err := ecdsaCert()
		if err != nil {
			return res, err
		}
		cert, res.Cert = &c, "ecdsa-p256"
	}
	// One run thrown away first: the process's one-time costs (first
	// connections, type caches, the heap growing to its working size) are
	// not the runs'.
	if _, _, err := multiOnce(n, parallel, latency, cert); err != nil {
		return res, err
	}
	var one, many, cpu []float64
	for range runs {
		ms, _, err := multiOnce(1, 0, latency, cert)
		if err != nil {
			return res, err
		}
		one = append(one, ms)
		c0 := cpuTime()
		ms, reqs, err := multiOnce(n, parallel, latency, cert)
		if err != nil {
			return res, err
		}
		many, res.Requests = append(many, ms), reqs
		cpu = append(cpu, cpuTime()-c0)
	}
	res.OneMs, res.WallMs, res.CPUMs = stats.Median(one), stats.Median(many), stats.Median(cpu)
	res.Ratio = res.WallMs / res.OneMs
	return res, nil
}

// multiOnce is one run over n fresh instances; it returns the wall time and
// the requests the instances received.
func multiOnce(n, parallel int, latency time.Duration, cert *tls.Certificate) (float64, int, error) {
	sims := make([]*simulator.Sim, n)
	args := []string{"setup", "--mode", "mdm", "--yes", "--json"}
	if parallel > 0 {
		args = append(args, "--parallel", strconv.Itoa(parallel))
	}
	var ca []byte
	for i := range sims {
		product := "jira"
		if i%2 == 1 {
			product = "confluence"
		}
		sims[i] = simulator.New(simulator.Config{Product: product})
		srv := httptest.NewUnstartedServer(sims[i])
		srv.Config.ErrorLog = log.New(io.Discard, "", 0)
		if cert != nil {
			srv.TLS = &tls.Config{Certificates: []tls.Certificate{*cert}}
		}
		srv.StartTLS()
		defer srv.Close()
		defer sims[i].Close()
		// Every server has the same certificate: one CA file serves all.
		ca = srv.Certificate().Raw
		sims[i].SetLatency(latency)
		args = append(args, "--url", srv.URL)
	}
	dir, err := os.MkdirTemp("", "bench-multi-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca}), 0o600); err != nil {
		return 0, 0, err
	}
	args = append(args, "--ca-cert", caFile)

	t0 := time.Now()
	code, out := Exec(args...)
	wall := float64(time.Since(t0)) / float64(time.Millisecond)
	if code != cli.ExitOK {
		return 0, 0, fmt.Errorf("setup over %d instances: exit %d:\n%s", n, code, out)
	}
	reqs := 0
	for _, s := range sims {
		reqs += len(s.Requests())
		if len(s.Clients()) != 1 {
			return 0, 0, fmt.Errorf("setup over %d instances: an instance has %d links", n, len(s.Clients()))
		}
	}
	return wall, reqs, nil
}

// ecdsaCert is a self-signed P-256 certificate for 127.0.0.1, made once.
var ecdsaCert = sync.OnceValues(func() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "bench simulator"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
})

// cpuTime is the process's CPU time so far, in milliseconds.
func cpuTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}
