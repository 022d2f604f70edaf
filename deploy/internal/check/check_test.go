package check

import (
	"errors"
	"testing"

	"github.com/rtdw/rtdw/internal/problems"
)

func TestHostAndPortRules(t *testing.T) {
	for _, tc := range []struct {
		hp   string
		good bool
	}{
		{"hadoop102", true}, {"hadoop102:2181", true}, {"10.0.0.5:2181", true}, {"[::1]:2181", true},
		{"hadoop 102", false}, {"http://hadoop102", false}, {"hadoop102:0", false}, {"hadoop102:70000", false}, {"", false},
	} {
		ps := problems.New("check", "test", errors.New("bad"))
		HostPort(ps, "quorum", tc.hp)
		if got := ps.Err() == nil; got != tc.good {
			t.Errorf("HostPort(%q) accepted = %v, want %v (%v)", tc.hp, got, tc.good, ps.Err())
		}
	}
	ps := problems.New("check", "test", errors.New("bad"))
	Port(ps, "rest.port", -1)
	Port(ps, "rest.port", 65536)
	Port(ps, "rest.port", 0)
	if len(ps.Problems) != 2 {
		t.Errorf("Port: %v", ps.Problems)
	}
}

func TestDNSLabel(t *testing.T) {
	for _, tc := range []struct {
		s    string
		max  int
		good bool
	}{
		{"my-flink", 45, true}, {"a", 63, true}, {"My-Flink", 45, false}, {"-flink", 45, false}, {"flink-", 45, false},
		{"1flink", 45, false}, {"flink.session", 45, false},
		{"a123456789012345678901234567890123456789012345", 45, false}, {"a12345678901234567890123456789012345678901234", 45, true},
	} {
		if got := DNSLabel(tc.s, tc.max); got != tc.good {
			t.Errorf("DNSLabel(%q, %d) = %v, want %v", tc.s, tc.max, got, tc.good)
		}
	}
	if got := SplitList(" a, ,b ,", ","); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("SplitList: %q", got)
	}
}
