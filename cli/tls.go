package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"time"
)

func tlsClientConfig(roots *x509.CertPool) *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots}
}

// quietServerLog keeps an embedded server's connection chatter off the terminal.
func quietServerLog() *log.Logger { return log.New(io.Discard, "", 0) }

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
