package rtdw_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The Go snippet at the top of README.md compiles as written: the first
// ```go block, as the only file of a package of its own inside the module,
// passes go vet, which type-checks it against the module's packages.
func TestREADMESnippetCompiles(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH to compile the snippet with")
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "```go\n")
	if !ok {
		t.Fatal("README.md has no ```go block")
	}
	snippet, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("README.md's first ```go block does not end")
	}
	// A directory whose name starts with _ is inside the module but outside
	// ./... patterns.
	dir, err := os.MkdirTemp(".", "_readme_snippet_")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.WriteFile(filepath.Join(dir, "snippet.go"), []byte("package snippet\n\n"+snippet), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(goBin, "vet", "./"+filepath.Base(dir)).CombinedOutput()
	if err != nil {
		t.Fatalf("README.md's Go snippet does not compile: %v\n%s\n--- the snippet:\n%s", err, out, snippet)
	}
}
