package cli

import (
	"strings"

	"github.com/spf13/cobra"
)

// terraformDashes rewrites the single-dash long flags that Terraform's
// users type (`plansync plan -detailed-exitcode -out=x`) into the
// double-dash ones plansync defines, which its flag parser would
// otherwise read as a cluster of one-letter flags and refuse. Only a
// word in a flag's place is rewritten, and only when it names, whole, a
// long flag of the command it is given to: the value of a flag that takes
// one (`--target -x`), everything after `--`, `-` (standard input) and
// anything else are left as they are, so an unknown flag is refused as
// before.
func terraformDashes(root *cobra.Command, args []string) []string {
	cmd, _, err := root.Find(args)
	if err != nil || cmd == nil {
		return args
	}
	var out []string
	valueNext := false
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		if valueNext {
			valueNext = false
			out = append(out, a)
			continue
		}
		name, hasValue := strings.TrimPrefix(a, "-"), false
		if n, _, ok := strings.Cut(name, "="); ok {
			name, hasValue = n, true
		}
		if strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && len(name) > 1 {
			if f := cmd.Flag(name); f != nil {
				a = "-" + a
			}
		}
		if long, ok := strings.CutPrefix(a, "--"); ok && !hasValue {
			if f := cmd.Flag(long); f != nil && f.NoOptDefVal == "" {
				valueNext = true // its value is the next word
			}
		}
		out = append(out, a)
	}
	return out
}
