package ui

import (
	"context"
	"fmt"
	"io"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// Run runs the wizard until the user quits and returns the final model, whose
// Summary says what was done. Requests in flight are cancelled when it returns.
func Run(ctx context.Context, opts Options, in io.Reader, out io.Writer, progOpts ...tea.ProgramOption) (*Model, error) {
	m := New(opts).WithContext(ctx)
	defer m.cancel()
	po := []tea.ProgramOption{tea.WithContext(ctx)}
	if in != nil {
		po = append(po, tea.WithInput(in))
	}
	if out != nil {
		po = append(po, tea.WithOutput(out))
	}
	po = append(po, progOpts...)
	if opts.NoColor {
		// Last, so that it wins over any profile the caller pinned.
		po = append(po, tea.WithColorProfile(colorprofile.ASCII))
	}
	final, err := tea.NewProgram(m, po...).Run()
	if fm, ok := final.(*Model); ok && fm != nil {
		m = fm
	}
	if err != nil {
		return m, fmt.Errorf("the terminal interface stopped: %w", err)
	}
	return m, nil
}
