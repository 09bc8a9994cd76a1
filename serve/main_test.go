package serve

import (
	"os"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/testguard"
)

// TestMain fails the run when a test leaves a file in this directory.
func TestMain(m *testing.M) { os.Exit(testguard.Main(m)) }
