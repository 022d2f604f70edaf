package clickhouse

import "testing"

// TCPProxy is the test proxy for the external tests of package clickhouse_test.
type TCPProxy = proxy

// NewTCPProxy starts a proxy to target, closed when the test ends.
func NewTCPProxy(t testing.TB, target string) *TCPProxy { return newProxy(t, target) }
