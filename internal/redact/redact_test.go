package redact

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestDSNPassword(t *testing.T) {
	t.Parallel()
	for dsn, want := range map[string]string{
		"clickhouse://u:pw@h:9000/db":     "pw",
		"clickhouse://u:p@ss:w@h:9000/db": "p@ss:w",
		"u:pw@tcp(127.0.0.1:3306)/db":     "pw",
		"u@tcp(127.0.0.1:3306)/db":        "",
		"clickhouse://h:9000/db":          "",
		"tcp(127.0.0.1:3306)/":            "",
		"":                                "",
	} {
		if got := DSNPassword(dsn); got != want {
			t.Errorf("DSNPassword(%q) = %q, want %q", dsn, got, want)
		}
		if got := DSN(dsn); want != "" && strings.Contains(got, want) {
			t.Errorf("DSN(%q) = %q keeps the password", dsn, got)
		}
	}
}

func TestErrorKeepsTheChainAndHidesTheSecret(t *testing.T) {
	t.Parallel()
	base := errors.New("boom")
	err := Error(fmt.Errorf("login hunter2: %w", base), "hunter2", "")
	if strings.Contains(err.Error(), "hunter2") || !errors.Is(err, base) {
		t.Fatalf("Error = %v", err)
	}
	if out := fmt.Sprintf("%v %+v %s %q", err, err, err, err); strings.Contains(out, "hunter2") {
		t.Fatalf("printed: %s", out)
	}
	if got := Error(base, "hunter2"); got != base {
		t.Fatalf("an error without the secret is wrapped: %#v", got)
	}
	if Error(nil, "x") != nil {
		t.Fatal("Error(nil) != nil")
	}
}

func TestURL(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"http://u:pw-SECRET@h:1/p": "http://u:<redacted>@h:1/p",
		"http://u@h:1/p":           "http://u@h:1/p",
		"http://h:1":               "http://h:1",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := URL(u); got != want {
			t.Errorf("URL(%s) = %s, want %s", raw, got, want)
		}
	}
	_, err := url.Parse("http://u:pw-SECRET@h:x/")
	if msg := URLError(err); strings.Contains(msg, "SECRET") {
		t.Errorf("URLError = %s", msg)
	}
}

func TestIsSecretKey(t *testing.T) {
	t.Parallel()
	for key, want := range map[string]bool{
		"Password": true, "security.ssl.keystore-password": true, "AWS_SECRET_ACCESS_KEY": true,
		"fs.azure.account.key.x.blob.core.windows.net": true, "hbase.regionserver.keytab.file": false,
		"rest.port": false, "X-Api-Key": true, "Authorization-Token": true,
	} {
		if got := IsSecretKey(key); got != want {
			t.Errorf("IsSecretKey(%q) = %v", key, got)
		}
	}
}

func TestMapCopiesOnlyWhenItRedacts(t *testing.T) {
	t.Parallel()
	plain := map[string]string{"rest.port": "8081"}
	if got := Map(plain); fmt.Sprint(got) != fmt.Sprint(plain) {
		t.Fatalf("Map(plain) = %v", got)
	}
	m := map[string]string{"rest.port": "8081", "metrics.reporter.x.password": "hunter2"}
	got := Map(m)
	if got["metrics.reporter.x.password"] != Placeholder || m["metrics.reporter.x.password"] != "hunter2" || got["rest.port"] != "8081" {
		t.Fatalf("Map = %v (input now %v)", got, m)
	}
}
