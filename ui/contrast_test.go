package ui

import (
	"image/color"
	"math"
	"testing"

	"charm.land/lipgloss/v2"
)

// luminance is WCAG 2's relative luminance.
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// The help line and the quiet text reach 4.5:1 (WCAG AA) on common dark and
// light backgrounds.
func TestHelpLineContrast(t *testing.T) {
	for _, bg := range []struct {
		dark bool
		hex  []string
	}{
		{true, []string{"#000000", "#1E1E1E", "#282C34", "#2E3440"}},
		{false, []string{"#FFFFFF", "#F5F5F5", "#FDF6E3"}},
	} {
		st := newStyles(bg.dark, false, false)
		for name, s := range map[string]lipgloss.Style{
			"help key": st.help.ShortKey, "help text": st.help.ShortDesc, "help separator": st.help.ShortSeparator, "subtle text": st.subtle,
		} {
			for _, h := range bg.hex {
				if r := contrast(s.GetForeground(), lipgloss.Color(h)); r < 4.5 {
					t.Errorf("%s on %s (dark %v): %.2f:1, want at least 4.5:1", name, h, bg.dark, r)
				}
			}
		}
	}
}
