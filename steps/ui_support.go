package steps

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/termsafe"
)

// Explain turns any error of the flow into the sentence a person reads and what
// they can do about it. A transport failure's text is Go's ("Get \"https://…\":
// dial tcp …: connect: connection refused"); it is replaced by plain words.
func Explain(err error) (message, remedy string) {
	if err == nil {
		return "", ""
	}
	message = termsafe.String(err.Error())
	var ae *api.Error
	if !errors.As(err, &ae) {
		return message, ""
	}
	remedy = ae.Remedy()
	if ae.Err == nil {
		return message, remedy
	}
	plain := *ae
	plain.Err = errors.New(plainCause(ae.Err))
	return termsafe.String(strings.Replace(err.Error(), ae.Error(), plain.Error(), 1)), remedy
}

// plainCause names a transport failure without the request line Go prefixes.
func plainCause(err error) string {
	var (
		dnsErr    *net.DNSError
		unknownCA x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		invalid   x509.CertificateInvalidError
		urlErr    *url.Error
	)
	switch {
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("the host name %s could not be resolved (DNS)", termsafe.String(dnsErr.Name))
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the connection was refused: nothing answers on that host and port"
	case errors.Is(err, syscall.ECONNRESET):
		return "the connection was reset"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "the host cannot be reached from this machine"
	case errors.As(err, &unknownCA):
		return "the certificate is signed by an authority this machine does not trust"
	case errors.As(err, &hostErr):
		return "the certificate is not valid for this host name"
	case errors.As(err, &invalid):
		if invalid.Reason == x509.Expired {
			return "the certificate has expired or is not valid yet"
		}
		return "the certificate is not valid"
	case errors.As(err, &urlErr):
		return termsafe.String(innermost(urlErr.Err).Error())
	}
	return termsafe.String(innermost(err).Error())
}

// innermost follows single-error wrapping to the root cause, whose text is the
// shortest and carries no request line.
func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// LinkOutcome says in one sentence what the link step did to the instance.
func LinkOutcome(res *LinkResult) string {
	if res == nil {
		return "Nothing was changed on the instance."
	}
	name := termsafe.String(res.Client.Name)
	if res.Changed {
		return fmt.Sprintf("Created the incoming link %q (client ID %s).", name, res.Client.ClientID)
	}
	return fmt.Sprintf("Reused the existing link %q (client ID %s): nothing changed.", name, res.Client.ClientID)
}

// MobileClientOutcome says what the mobile plugin did in the non-MDM setup.
func MobileClientOutcome(cl *api.OAuthClient) string {
	if cl == nil {
		return "The wizard changed nothing on the instance."
	}
	return fmt.Sprintf("The mobile plugin created the link %q (client ID %s); the wizard itself changed nothing.",
		termsafe.String(cl.Name), cl.ClientID)
}
