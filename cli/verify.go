package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

type verifyOptions struct {
	mode, clientID string
	json, verbose  bool
}

// jsonVerify is the outcome of the verification in --json output: on its own
// (verify) or as the "verify" member of setup's object.
type jsonVerify struct {
	// OK: no probe failed (an inconclusive answer is not a failure).
	OK       bool        `json:"ok"`
	ClientID string      `json:"clientId,omitempty"`
	LinkName string      `json:"linkName,omitempty"`
	Probes   []jsonCheck `json:"probes"`
	// TokenEndpointAuthMethods is the provider metadata's
	// token_endpoint_auth_methods_supported, as read (absent when unread).
	TokenEndpointAuthMethods []string `json:"tokenEndpointAuthMethods,omitempty"`
	// NotTested says where the probes stop.
	NotTested string `json:"notTested"`
}

func newJSONVerify(r *steps.VerifyReport, ph fix.Phraser) *jsonVerify {
	v := &jsonVerify{OK: r.OK(), Probes: jsonChecks(r.Probes, ph), TokenEndpointAuthMethods: r.TokenAuthMethods, NotTested: steps.TokenExchangeNotTested}
	if r.Client != nil {
		v.ClientID, v.LinkName = r.Client.ClientID, r.Client.Name
	}
	return v
}

// jsonVerifyResult is the one object verify --json prints.
type jsonVerifyResult struct {
	// OK and ExitCode are the envelope of every --json object (jsonStatus);
	// here OK shadows the verification's own, which setup's "verify" carries.
	OK       bool   `json:"ok"`
	ExitCode int    `json:"exitCode"`
	Product  string `json:"product,omitempty"`
	Version  string `json:"version,omitempty"`
	Title    string `json:"title,omitempty"`
	BaseURL  string `json:"baseUrl,omitempty"`
	Mode     string `json:"mode,omitempty"`
	jsonVerify
	Error  string `json:"error,omitempty"`
	Remedy string `json:"remedy,omitempty"`
}

func (j *jsonVerifyResult) setError(message, remedy string) { j.Error, j.Remedy = message, remedy }
func (j *jsonVerifyResult) setExit(code int)                { j.OK, j.ExitCode = code == ExitOK, code }

func newVerifyCommand(g *globalOptions) *cobra.Command {
	o := &verifyOptions{}
	m := &multiOptions{}
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Prove, as the app would, that its OAuth 2.0 sign-in can start; changes nothing",
		Long: "Finds the incoming link with the iOS app's redirect and checks its scope, reads the provider's\n" +
			"metadata, then sends the app's first sign-in requests without credentials and without following\n" +
			"redirects: the authorization request (scope WRITE, and ADMIN to prove the provider knows the\n" +
			"client) and the consent page. A 302 to the login page means the app will reach its sign-in; a\n" +
			"400 is the provider's HTTPS rule (an http base URL, or a proxy that sends neither\n" +
			"X-Forwarded-Proto: https nor Forwarded: for=...;proto=https; the provider ignores Forwarded:\n" +
			"proto=https); a 412 is a provider plugin too old for the app's redirect. Any other\n" +
			"answer is reported as inconclusive. It stops before the token exchange, which needs a user's\n" +
			"sign-in: whether the app may exchange its code without a client secret is not tested (-v shows\n" +
			"the metadata's token_endpoint_auth_methods_supported). It only reads: nothing is changed.",
		Example: "  export MOBILE_OAUTH_TOKEN=...    # a system administrator's token\n" +
			"  mobile-oauth-wizard verify --url https://jira.example.com\n" +
			"  mobile-oauth-wizard verify --url https://wiki.example.com --mode non-mdm --json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if m.several(g) {
				return runVerifyMany(cmd, g, o, m)
			}
			res := newJSONVerifyResult()
			return withJSON(g, o.json, res, func(human io.Writer) error { return doVerify(cmd, g, o, "", res, human) })
		},
	}
	m.register(cmd)
	f := cmd.Flags()
	f.StringVar(&o.mode, "mode", "", "setup `MODE` in use: mdm or non-mdm (non-mdm also needs the mobile plugin to hand out the link; default: not known, that probe only warns)")
	f.StringVar(&o.clientID, "client-id", "", "the link to verify when several carry the app's redirect (its client `ID`)")
	f.BoolVar(&o.json, "json", false, "print one JSON object on stdout (human text goes to stderr)")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "also print what the provider's metadata says about the token exchange, which the probes do not reach")
	return cmd
}

func newJSONVerifyResult() *jsonVerifyResult {
	return &jsonVerifyResult{jsonVerify: jsonVerify{Probes: []jsonCheck{}}}
}

// doVerify verifies one instance; mode, when set, is the instance's own
// (an inventory entry's) and wins over --mode.
func doVerify(cmd *cobra.Command, g *globalOptions, o *verifyOptions, mode steps.Mode, res *jsonVerifyResult, human io.Writer) error {
	if mode == "" && o.mode != "" {
		m, err := steps.ParseMode(o.mode)
		if err != nil {
			return usageError("--mode: " + err.Error())
		}
		mode = m
	}
	res.Mode = string(mode)
	ctx := ctxOf(cmd)
	conn, err := g.connect(ctx)
	if err != nil {
		return err
	}
	d := conn.det
	res.Product, res.Version, res.Title, res.BaseURL = string(d.Product), d.Version, d.Title, d.InstanceBaseURL
	r := steps.Verify(ctx, conn.client, d, steps.VerifyOptions{Mode: mode, ClientID: o.clientID})
	res.jsonVerify = *newJSONVerify(r, g.phraser())
	width := reportWidth(g.io.Getenv)
	fmt.Fprintln(human, wrapText(fmt.Sprintf("%s %s %q at %s", d.Product.Title(), d.Version, d.Title, firstNonEmpty(d.InstanceBaseURL, "(base URL not reported)")), width, 0))
	fmt.Fprintln(human)
	printVerify(human, r, g.phraser(), width)
	if o.verbose {
		fmt.Fprintln(human)
		fmt.Fprintln(human, wrapText(tokenAuthLine(r.TokenAuthMethods), width, 2))
	}
	if code := verifyCode(r); code != ExitOK {
		return &ExitError{Code: code, Err: errors.New("the app's sign-in will not work"), Silent: true}
	}
	return nil
}

// printVerify writes the probes and a one-line verdict.
func printVerify(w io.Writer, r *steps.VerifyReport, ph fix.Phraser, width int) {
	printChecks(w, r.Probes, ph, width)
	fmt.Fprintln(w)
	fmt.Fprintln(w, wrapText(r.Verdict(), width, 0))
}

// tokenAuthLine says how the provider lets clients authenticate at its token
// endpoint, as its metadata says: information, not a verdict.
func tokenAuthLine(methods []string) string {
	s := "Token endpoint client authentication (metadata token_endpoint_auth_methods_supported): "
	switch {
	case methods == nil:
		return s + "not read (the metadata could not be read)."
	case len(methods) == 0:
		return s + "none listed."
	}
	return s + strings.Join(methods, ", ") + "."
}

// verifyCode is the exit code of a verification, in check's terms: the API
// errors that kept probes from being made first (network before credentials),
// then 1 for a probe that failed.
func verifyCode(r *steps.VerifyReport) int {
	code := errsCode(r.Errs)
	if code == ExitOK && !r.OK() {
		code = ExitFailed
	}
	return code
}
