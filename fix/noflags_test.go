package fix_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// api and steps speak of the instance; a command-line flag in their text would
// reach users of the full-screen wizard and SSH sessions, who cannot pass one.
func TestNoFlagNamesInAPIOrSteps(t *testing.T) {
	flag := regexp.MustCompile(`(^|[\s(])--[a-z]`)
	for _, dir := range []string{"../api", "../api/intune", "../steps"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no sources in %s: %v", dir, err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			file, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				// The value, not the quoted literal: "--ca-cert FILE" starts with a flag.
				v, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatalf("%s: %s: %v", f, lit.Value, err)
				}
				if flag.MatchString(v) {
					t.Errorf("%s: flag name in %s", f, lit.Value)
				}
				return true
			})
		}
	}
}
