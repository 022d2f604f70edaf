package hbasetest_test

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtdw/rtdw/phoenix/hbase/hbasetest"
)

type recorder struct {
	mu       sync.Mutex
	errs     []string
	cleanups []func()
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

// A client that does not speak HBase's RPC protocol is reported.
func TestBadPreambleIsAViolation(t *testing.T) {
	t.Parallel()
	rep := &recorder{}
	srv := hbasetest.NewServer(rep)
	defer srv.Close()
	c, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("GET / HTTP/1.1\r\n\r\n"))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	c.Read(make([]byte, 1)) // the server hangs up
	c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		rep.mu.Lock()
		got := strings.Join(rep.errs, "\n")
		rep.mu.Unlock()
		if strings.Contains(got, "preamble") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("violations = %q", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
