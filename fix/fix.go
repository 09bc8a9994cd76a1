// Package fix names what a user can change on the wizard's side to get past a
// problem. api and steps say what went wrong on the instance and return a Fix as
// data; each front-end phrases it in its own terms: the command line names its
// flags, the full-screen wizard and SSH sessions name the screen or the key.
package fix

import "errors"

// Kind is one thing the user can change in the wizard.
type Kind int

const (
	// None: nothing on the wizard's side would help.
	None Kind = iota
	// CACert: trust the certificate authority that signed the instance's certificate.
	CACert
	// UseToken: sign in with a personal access token instead of a password.
	UseToken
	// NewToken: sign in with another personal access token.
	NewToken
	// MoreTime: allow each request more time.
	MoreTime
	// OtherLinkName: give the application link another name.
	OtherLinkName
	// AllowHTTP: accept a plain-http base URL (credentials travel in clear text).
	AllowHTTP
	// OtherProduct: name the product the instance really is (Fix.Product).
	OtherProduct
	// PickMDMApp: name the MDM's app record by its id (none or several match).
	PickMDMApp
	// AssignGroup: name a group to assign the MDM's app configuration to.
	AssignGroup
	// NarrowScope: have the wizard narrow a link whose scope is broader than
	// the app's to the app's (a change the user confirms).
	NarrowScope
)

// Fix is a Kind with its parameters.
type Fix struct {
	Kind Kind
	// Product is the product the instance is, lower case ("jira"), for OtherProduct.
	Product string
}

// Carrier is an error that knows its fix.
type Carrier interface{ Fix() Fix }

// Of returns the fix of the first error in err's chain that knows one.
func Of(err error) Fix {
	var c Carrier
	if errors.As(err, &c) {
		return c.Fix()
	}
	return Fix{}
}

// Phraser turns a fix into a sentence in one front-end's terms; "" for None.
type Phraser func(Fix) string

// Join appends the phrased fix to an instance-side remedy.
func Join(remedy string, f Fix, phrase Phraser) string {
	var s string
	if phrase != nil && f.Kind != None {
		s = phrase(f)
	}
	switch {
	case remedy == "":
		return s
	case s == "":
		return remedy
	}
	return remedy + " " + s
}

// Wrap gives err a fix; its text and chain stay as they are.
func Wrap(err error, f Fix) error { return &fixed{err: err, fix: f} }

type fixed struct {
	err error
	fix Fix
}

func (e *fixed) Error() string { return e.err.Error() }
func (e *fixed) Unwrap() error { return e.err }
func (e *fixed) Fix() Fix      { return e.fix }
