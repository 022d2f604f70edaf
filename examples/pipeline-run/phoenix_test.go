package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/internal/testenv"
	"github.com/rtdw/rtdw/phoenix/avaticatest"
)

// A type: phoenix sink's options are checked with the rest of the file.
func TestPhoenixSinkOptions(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(file, []byte("source:\n  type: mysql\n  hostname: h\n  username: u\n  tables: db.t\nsink:\n  type: phoenix\n  layout: wide\n  authentication: kerberos\n  salt-bucket: 4\npipeline:\n  name: bad\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), slog.New(slog.DiscardHandler), &bytes.Buffer{}, file, t.TempDir(), 0, true)
	for _, want := range []string{"sink.url: set the Phoenix Query Server's address", `sink.layout = "wide": want typed or all-varchar`,
		`sink.authentication = "KERBEROS": want none, basic or digest`, "sink.salt-bucket: is not a key of the sink block (type phoenix); did you mean salt-buckets?"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("run = %v, want it to name %q", err, want)
		}
	}
}

// A definition runs from the real MySQL into Phoenix through the real
// avatica-go driver against the in-process PQS (phoenix/avaticatest):
// snapshot and binlog, with BASIC authentication and the all-varchar
// layout the options ask for.
func TestRunDefinitionIntoPhoenix(t *testing.T) {
	t.Parallel()
	src := testenv.NewSource(t, testenv.MySQL)
	pqs := avaticatest.NewServer(t, avaticatest.Config{Username: "rtdw", Password: "s3cret"})
	defer pqs.Close()
	src.Exec(t, "CREATE TABLE items (id BIGINT PRIMARY KEY, name VARCHAR(32) NOT NULL, qty INT NOT NULL)",
		"INSERT INTO items VALUES (1,'tea',3),(2,'pen',5)")
	file := filepath.Join(t.TempDir(), "p.yaml")
	yaml := fmt.Sprintf(`source:
  type: mysql
  hostname: %s
  port: %d
  username: %s
  password: %q
  tables: %s.items
sink:
  type: phoenix
  url: %s
  authentication: basic
  username: rtdw
  password: s3cret
  layout: all-varchar
  sink.buffer-flush.max-rows: 10
pipeline:
  name: to-phoenix
`, src.Host, src.Port, src.User, src.Password, src.Database, pqs.URL())
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, slog.New(slog.NewTextHandler(t.Output(), nil)), &bytes.Buffer{}, file, t.TempDir(), time.Second, false)
	}()
	waitPhoenix(t, pqs, []string{"1 tea 3", "2 pen 5"}, done)
	src.Exec(t, "UPDATE items SET qty = 4 WHERE id = 1", "DELETE FROM items WHERE id = 2", "INSERT INTO items VALUES (3,'ink',7)")
	waitPhoenix(t, pqs, []string{"1 tea 4", "3 ink 7"}, done)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// waitPhoenix waits until the fake PQS's committed items rows are want
// ("id name qty", the all-varchar layout's text), in any order.
func waitPhoenix(t *testing.T, pqs *avaticatest.Server, want []string, done <-chan error) {
	t.Helper()
	var got []string
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		select {
		case err := <-done:
			t.Fatalf("run returned %v while waiting for %v", err, want)
		default:
		}
		rows, _ := pqs.Rows("", "items")
		got = got[:0]
		for _, r := range rows {
			got = append(got, fmt.Sprintf("%v %v %v", r["id"], r["name"], r["qty"]))
		}
		slices.Sort(got)
		if slices.Equal(got, want) {
			return
		}
	}
	t.Fatalf("Phoenix holds %v, want %v (schemas %v)", got, want, pqs.Schemas())
}
