// Command minimaltea is the floor the wizard is measured against: the smallest
// Bubble Tea v2 program that draws a frame and answers keys. bench/run builds
// it in the same run and with the same flags as the wizard, so a ratio between
// the two cancels out the machine's speed and noise.
package main

import (
	"fmt"
	"os"

	tea "charm.land/bubbletea/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/bench/internal/floor"
)

func main() {
	if _, err := tea.NewProgram(floor.Model{}).Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
