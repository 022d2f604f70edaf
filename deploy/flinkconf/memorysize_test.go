package flinkconf

import (
	"errors"
	"testing"
	"time"
)

func TestParseMemorySizeAcceptsFlinkSyntax(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want MemorySize
	}{
		{"1600m", 1600 * Mebibyte},
		{"1g", Gibibyte},
		{"1024 mb", 1024 * Mebibyte},
		{"  2 GB ", 2 * Gibibyte},
		{"1728M", 1728 * Mebibyte},
		{"123", 123},
		{"123b", 123},
		{"10 bytes", 10},
		{"64kb", 64 * Kibibyte},
		{"3 kibibytes", 3 * Kibibyte},
		{"5 mebibytes", 5 * Mebibyte},
		{"1 gibibytes", Gibibyte},
		{"2t", 2 * Tebibyte},
		{"1 tebibytes", Tebibyte},
		{"0", 0},
		{"9223372036854775807", 9223372036854775807},
		{"8388607t", 8388607 * Tebibyte},
	} {
		got, err := ParseMemorySize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseMemorySize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestParseMemorySizeRejectsWhatFlinkRejects(t *testing.T) {
	for _, in := range []string{
		"", "   ", "m", "1.5g", "-1g", "+1g", "1 GiB", "1gib", "1 megabytes", "1x", "1g1", "one g",
		"9223372036854775808", "8388608t", "1 g b",
	} {
		if got, err := ParseMemorySize(in); err == nil {
			t.Errorf("ParseMemorySize(%q) = %d, want an error", in, got)
		} else if !errors.Is(err, errMemorySyntax) {
			t.Errorf("ParseMemorySize(%q) error %v does not wrap errMemorySyntax", in, err)
		}
	}
}

func TestMemorySizeStringRoundTrips(t *testing.T) {
	for _, m := range []MemorySize{0, 1, 1023, Kibibyte, 1600 * Mebibyte, 1728 * Mebibyte, 3 * Gibibyte, 5 * Tebibyte, Gibibyte + 1} {
		back, err := ParseMemorySize(m.String())
		if err != nil || back != m {
			t.Errorf("%d -> %q -> %d, %v", int64(m), m.String(), back, err)
		}
	}
	if got := (1600 * Mebibyte).String(); got != "1600m" {
		t.Errorf("1600 MiB prints as %q, want 1600m", got)
	}
}

func TestParseFlinkDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"30 s": 30 * time.Second, "1min": time.Minute, "500": 500 * time.Millisecond, "2 h": 2 * time.Hour,
		"10 seconds": 10 * time.Second, "3 d": 72 * time.Hour, "7ns": 7,
	} {
		if got, err := parseFlinkDuration(in); err != nil || got != want {
			t.Errorf("parseFlinkDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "s", "1.5 s", "5 fortnights", "-3s"} {
		if _, err := parseFlinkDuration(in); err == nil {
			t.Errorf("parseFlinkDuration(%q) accepted", in)
		}
	}
}

func FuzzParseMemorySize(f *testing.F) {
	for _, s := range []string{"1600m", "1 g", "12", "1.5g", "99999999999999999999t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMemorySize(s)
		if err != nil {
			return
		}
		if m < 0 {
			t.Fatalf("%q parsed to a negative size %d", s, m)
		}
		back, err := ParseMemorySize(m.String())
		if err != nil || back != m {
			t.Fatalf("%q -> %d -> %q -> %d, %v", s, m, m.String(), back, err)
		}
	})
}
