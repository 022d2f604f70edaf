package testenv_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/internal/testenv"
)

// recorder is a testing.TB that keeps what a helper reports instead of
// failing or skipping the test that uses it.
type recorder struct {
	testing.TB
	msgs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(f string, a ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(f, a...))
	runtime.Goexit()
}
func (r *recorder) Skipf(f string, a ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(f, a...))
	runtime.Goexit()
}
func (r *recorder) Skip(a ...any)             { r.msgs = append(r.msgs, fmt.Sprint(a...)); runtime.Goexit() }
func (r *recorder) Errorf(f string, a ...any) { r.msgs = append(r.msgs, fmt.Sprintf(f, a...)) }

// run calls fn with the recorder in a goroutine of its own, so that Fatalf
// and Skipf end only that goroutine.
func (r *recorder) run(fn func(testing.TB)) {
	done := make(chan struct{})
	go func() { defer close(done); fn(r) }()
	<-done
}

// A password in the server's DSN appears in no message of the harness (a
// DSN that does not parse, a server that refuses the login) and in no
// printed Source.
func TestSecretsNeverPrinted(t *testing.T) {
	const secret = "pw-SECRET-9"
	dsns := []string{
		"root:" + secret + "@tcp(127.0.0.1:1",   // does not parse
		"root:" + secret + "@tcp(127.0.0.1:1)/", // nothing listens
	}
	if real := os.Getenv(testenv.EnvMySQL); real != "" {
		if at := strings.LastIndexByte(real, '@'); at > 0 {
			dsns = append(dsns, "nobody:"+secret+real[at:]) // the login is refused
		}
	}
	for _, dsn := range dsns {
		t.Setenv(testenv.EnvMySQL, dsn)
		t.Setenv(testenv.EnvRequireServices, "")
		r := &recorder{TB: t}
		r.run(func(tb testing.TB) { testenv.NewSource(tb, testenv.MySQL) })
		t.Logf("%q", r.msgs)
		if len(r.msgs) == 0 || strings.Contains(strings.Join(r.msgs, "\n"), secret) {
			t.Errorf("DSN %q: messages %q", dsn, r.msgs)
		}
	}
	s := &testenv.Source{Flavor: testenv.MySQL, Host: "127.0.0.1", Port: 3306, User: "root", Password: secret, Database: "db"}
	if out := fmt.Sprintf("%v %+v %#v %s", s, s, s, s); strings.Contains(out, secret) {
		t.Fatalf("printed: %s", out)
	}
}
