package cli

import (
	"os"
	"os/exec"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/testguard"
)

// envRunAsMain makes the test binary run the command line instead of the tests:
// tests that need the wizard as a process of its own (killed mid-run, driven
// through tmux) start this binary again with it set, so the package's tests
// build nothing.
const envRunAsMain = "MOBILE_OAUTH_WIZARD_TEST_RUN_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(envRunAsMain) == "1" {
		os.Exit(Main(BuildInfo{Version: "test"}))
	}
	// A test that leaves a file in this directory fails the run.
	os.Exit(testguard.Main(m))
}

// wizardBinary is the path to run the wizard as a process, and the environment
// entry it needs to run as the wizard (see envRunAsMain).
func wizardBinary(t *testing.T) (path, env string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe, envRunAsMain + "=1"
}

// wizardCommand is the wizard as a process with args and the extra environment.
func wizardCommand(t *testing.T, args []string, env ...string) *exec.Cmd {
	t.Helper()
	bin, self := wizardBinary(t)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), self), env...)
	return cmd
}
