// Command mobile-oauth-wizard turns on OAuth 2.0 sign-in for the Jira and
// Confluence Data Center iOS apps, over REST, in one terminal session.
package main

import (
	"os"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/cli"
)

// Set by the release build (-ldflags "-X main.version=... -X main.commit=... -X main.date=...").
var (
	version = ""
	commit  = ""
	date    = ""
)

func main() {
	os.Exit(cli.Main(cli.BuildInfo{Version: version, Commit: commit, Date: date}))
}
