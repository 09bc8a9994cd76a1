// Package testguard keeps a package's tests from leaving files in its
// directory: tests write into t.TempDir(). A file a test wrote there by
// mistake (a relative --output, a save prompt answered with a stray line)
// would otherwise be committed with the next change.
package testguard

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// Main runs the tests and returns their exit code, or 1 when they left a new
// file or directory beside the package's sources; it removes what they left.
// Use it from TestMain: os.Exit(testguard.Main(m)).
func Main(m *testing.M) int {
	before, err := entries()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testguard:", err)
		return 1
	}
	code := m.Run()
	after, err := entries()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testguard:", err)
		return 1
	}
	var left []string
	for _, name := range after {
		if !slices.Contains(before, name) && !exempt(name) {
			left = append(left, name)
		}
	}
	if len(left) == 0 {
		return code
	}
	for _, name := range left {
		fmt.Fprintf(os.Stderr, "FAIL: a test left %q in the package directory (removed now): tests write into t.TempDir()\n", name)
		os.RemoveAll(name)
	}
	return 1
}

// entries are the names in the working directory, the package's own.
func entries() ([]string, error) {
	des, err := os.ReadDir(".")
	if err != nil {
		return nil, err
	}
	names := make([]string, len(des))
	for i, de := range des {
		names[i] = de.Name()
	}
	return names, nil
}

// exempt are names a test run does not make by mistake: sources an editor
// saves meanwhile, editors' and go test's own files (profiles, a test binary),
// and testdata (fuzzing adds its corpus there).
func exempt(name string) bool {
	if name == "testdata" || strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~") {
		return true
	}
	for _, ext := range []string{".go", ".test", ".out", ".prof"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}
