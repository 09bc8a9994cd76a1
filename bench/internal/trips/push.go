package trips

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator/intunesim"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator/jamfsim"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/cli"
)

// The MDMs a scenario pushes into (Scenario.MDM).
const (
	MDMIntune = "intune"
	MDMJamf   = "jamf"
)

// PushGoal is the most round trips a push may add to setup's critical path:
// finding the app, finding its configuration, the write with its read-back.
const PushGoal = 3

// mdmServer is a simulated MDM on loopback TLS, each request logged with
// when it started and ended, as the instance's simulator logs them.
type mdmServer struct {
	srv   *httptest.Server
	name  string
	check func() error // the push's outcome, read from the MDM's state
	args  []string
	env   map[string]string

	mu  sync.Mutex
	log []simulator.Request
}

func (m *mdmServer) serve(w http.ResponseWriter, r *http.Request, h http.Handler) {
	start := time.Now()
	h.ServeHTTP(w, r)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.log = append(m.log, simulator.Request{Method: r.Method, Path: m.name + " " + r.URL.Path, Start: start, End: time.Now()})
}

func (m *mdmServer) requests() []simulator.Request {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]simulator.Request(nil), m.log...)
}

// otherSite is a site an earlier push left in the MDM: an update keeps it.
const otherSite = `[{"title":"Other","baseURL":"https://other.example.com","oauth":{"clientID":"0123456789abcdef0123456789abcdef","cacheSessionInMobileBrowser":false}}]`

// startMDM serves the MDM sc pushes into, with latency on every request;
// for an update, the Jira app's list already holds another site.
func startMDM(sc Scenario, latency time.Duration) (*mdmServer, error) {
	m := &mdmServer{}
	var h http.Handler
	switch sc.MDM {
	case MDMIntune:
		sim := intunesim.New()
		sim.PageSize = 100
		if sc.Update {
			sim.AddConfig(intunesim.Config{DisplayName: "Jira sites", TargetedMobileApps: []string{intunesim.JiraAppID},
				Settings: []intunesim.Setting{{Key: "sites", Type: "stringType", Value: otherSite}}})
		}
		sim.SetLatency(latency)
		h, m.name = sim, "Intune"
		m.check = func() error {
			for _, c := range sim.Configs() {
				for _, s := range c.Settings {
					if s.Key == "sites" && strings.Count(s.Value, `"baseURL"`) == 1+boolInt(sc.Update) {
						return nil
					}
				}
			}
			return fmt.Errorf("no configuration in Intune holds the pushed sites: %+v", sim.Configs())
		}
	case MDMJamf:
		sim := jamfsim.New(jamfsim.Config{})
		if sc.Update {
			app, _ := sim.App(jamfsim.JiraDataCenterAppID)
			app.Preferences = "<dict>\n\t<key>sites</key>\n\t<string>" + strings.ReplaceAll(otherSite, `"`, "&quot;") + "</string>\n</dict>"
			sim.SetApp(app)
		}
		sim.Inject(jamfsim.Fault{Kind: jamfsim.FaultLatency, Latency: latency})
		h, m.name = sim, "Jamf Pro"
		m.check = func() error {
			app, _ := sim.App(jamfsim.JiraDataCenterAppID)
			if strings.Count(app.Preferences, "baseURL") != 1+boolInt(sc.Update) {
				return fmt.Errorf("the Jira record in Jamf Pro holds %s", app.Preferences)
			}
			return nil
		}
	default:
		return nil, fmt.Errorf("unknown MDM %q", sc.MDM)
	}
	m.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { m.serve(w, r, h) }))
	m.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	m.srv.StartTLS()
	switch sc.MDM {
	case MDMIntune:
		m.args = []string{"--push", MDMIntune, "--authority-url", m.srv.URL, "--graph-url", m.srv.URL}
		m.env = map[string]string{cli.EnvAzureTenant: intunesim.Tenant, cli.EnvAzureClient: intunesim.ClientID, cli.EnvAzureSecret: intunesim.ClientSecret}
	case MDMJamf:
		m.args = []string{"--push", MDMJamf, "--jamf-url", m.srv.URL}
		m.env = map[string]string{cli.EnvJamfClient: jamfsim.DefaultClientID, cli.EnvJamfSecret: jamfsim.DefaultClientSecret}
	}
	return m, nil
}

func (m *mdmServer) close() { m.srv.Close() }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// trustingTransport reaches the simulators over TLS, trusting their
// certificate (httptest's, the same for every server), as --ca-cert does for
// the instance: the MDM's sign-in and API calls go through it too. Like the
// instance's own transport, it keeps connections and resumes TLS sessions.
func trustingTransport(cert *x509.Certificate) http.RoundTripper {
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 8
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool, ClientSessionCache: tls.NewLRUClientSessionCache(8)}
	return t
}

// PushCost is how many round trips a push adds to setup's critical path: r
// (setup --push) against setup alone in the same results. ok is false when
// r is not a push or setup alone was not measured.
func PushCost(results []Result, r Result) (extra int, ok bool) {
	if r.MDM == "" {
		return 0, false
	}
	for _, b := range results {
		if b.Name == SetupMDM {
			return len(r.Critical) - len(b.Critical), true
		}
	}
	return 0, false
}
