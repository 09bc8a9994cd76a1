package cli

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// refuseRepeats makes every flag that holds one value an error when given
// twice: pflag would silently keep the last, and "--mode mdm --mode non-mdm"
// is a mistake to point out, not a choice to guess. Flags that collect values
// (--url) repeat as before.
func refuseRepeats(root *cobra.Command) {
	seen := map[*pflag.Flag]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if seen[f] || collects(f.Value) {
				return
			}
			seen[f] = true
			f.Value = &onceValue{Value: f.Value}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

func collects(v pflag.Value) bool {
	t := v.Type()
	return t == "count" || strings.HasSuffix(t, "Array") || strings.HasSuffix(t, "Slice")
}

// onceValue accepts one Set; pflag reports the error with the flag's name.
type onceValue struct {
	pflag.Value
	set bool
}

func (o *onceValue) Set(s string) error {
	if o.set {
		return errors.New("given twice; it takes one value")
	}
	o.set = true
	return o.Value.Set(s)
}
