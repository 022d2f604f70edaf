package cdc

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCanonicalJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a": 1, "b": [true, false, null]}`, `{"a":1,"b":[true,false,null]}`},
		{" \n{ } ", `{}`},
		{`[ ]`, `[]`},
		{`{"b":1,"a":2,"b":3}`, `{"b":1,"a":2,"b":3}`},
		{`"\u00e9\/\"\\\b\f\n\r\t\u0001\u001f"`, `"é/\"\\\b\f\n\r\t\u0001\u001f"`},
		{`"\ud83d\ude00"`, `"😀"`},
		{`"\ud83d"`, `"\ud83d"`},
		{`"<>&\u2028"`, "\"<>&\u2028\""},
		{`[1.0, -0.0, 0.0, 2.50, 1e300, 1.5e-05, 1E2, 1234567.5, 1e16, 1e15, 0.1]`,
			`[1.0,-0.0,0.0,2.5,1e300,0.000015,100.0,1234567.5,1e16,1000000000000000.0,0.1]`},
		{`[123456789012345678901234567890, -5, 0]`, `[123456789012345678901234567890,-5,0]`},
		{`3.14159265358979323846264338`, `3.14159265358979323846264338`},
		{`1e400`, `1e400`},
		{``, `null`},
		{"\"a\x01b\"", `"a\u0001b"`},
	}
	for _, tt := range tests {
		got, err := CanonicalJSON([]byte(tt.in))
		if err != nil {
			t.Errorf("CanonicalJSON(%s): %v", tt.in, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("CanonicalJSON(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{`{`, `{"a" 1}`, `[1,]`, `tru`, `"abc`, `01x`, `-`, `1.`, `1e`, `{1:2}`, `"\x"`, `"\u12"`, `[1 2]`, strings.Repeat("[", 2000)} {
		if _, err := CanonicalJSON([]byte(bad)); err == nil {
			t.Errorf("CanonicalJSON(%.40q): no error", bad)
		}
	}
}

// FuzzCanonicalJSON checks that valid JSON always canonicalises to valid
// JSON with the same meaning, that canonical JSON is a fixed point, and that
// nothing panics.
func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range []string{`{"a": [1, 2.5, {"c": null}], "b": "\u00e9\n"}`, `[1e300, -0.0, 1.5e-05]`,
		`"\ud83d\ude00"`, `{}`, `[]`, `null`, `123456789012345678901234567890`, "\"\x01\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := CanonicalJSON(in)
		if !json.Valid(in) || !utf8.Valid(in) {
			return
		}
		if err != nil {
			if len(in) > 0 && strings.Count(string(in), "[")+strings.Count(string(in), "{") > maxJSONDepth {
				return
			}
			t.Fatalf("CanonicalJSON(%q): %v", in, err)
		}
		if !json.Valid([]byte(got)) {
			t.Fatalf("CanonicalJSON(%q) = %q, not valid JSON", in, got)
		}
		again, err := CanonicalJSON([]byte(got))
		if err != nil || again != got {
			t.Fatalf("not a fixed point: %q -> %q -> %q (%v)", in, got, again, err)
		}
		var a, b any
		if json.Unmarshal(in, &a) == nil && json.Unmarshal([]byte(got), &b) == nil && !reflect.DeepEqual(a, b) {
			t.Fatalf("meaning changed: %q -> %q", in, got)
		}
	})
}
