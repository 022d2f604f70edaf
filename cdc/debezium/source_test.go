package debezium_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/debezium"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/internal/testenv"
)

// encodedCollector keeps the Debezium JSON of every row change.
type encodedCollector struct {
	mu   sync.Mutex
	rows []map[string]json.RawMessage
}

func (c *encodedCollector) HandleEvents(ctx context.Context, events []cdc.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range events {
		if !e.Op.IsRowChange() {
			continue
		}
		var env map[string]json.RawMessage
		if err := json.Unmarshal(e.Encoded, &env); err != nil {
			return fmt.Errorf("encoded event is not JSON: %v: %s", err, e.Encoded)
		}
		c.rows = append(c.rows, env)
	}
	return nil
}

func (c *encodedCollector) get() []map[string]json.RawMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]map[string]json.RawMessage(nil), c.rows...)
}

var serverIDs struct {
	sync.Mutex
	next int
}

// sourceBuilder captures table of src's database with the encoder d.
func sourceBuilder(src *testenv.Source, table string, d cdc.Deserializer) *mysql.SourceBuilder {
	serverIDs.Lock()
	serverIDs.next++
	id := 20000 + serverIDs.next*8 + int(time.Now().UnixNano()%1000)*1000
	serverIDs.Unlock()
	return mysql.NewSource().Hostname(src.Host).Port(src.Port).Username(src.User).Password(src.Password).
		DatabaseList(src.Database).TableList(src.Database + `\.` + table).ServerID(fmt.Sprint(id)).
		ConnectTimeout(10 * time.Second).OffsetCommitInterval(10 * time.Millisecond).Deserializer(d)
}

// runSource runs a source until the test ends, waiting for its binlog phase.
func runSource(t *testing.T, b *mysql.SourceBuilder, h cdc.Sink) {
	t.Helper()
	src, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for src.Progress().Phase != mysql.PhaseBinlog {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("Run returned %v before streaming the binlog", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("source still in phase %s", src.Progress().Phase)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitRows(t *testing.T, h *encodedCollector, n int) []map[string]json.RawMessage {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		rows := h.get()
		if len(rows) >= n {
			return rows
		}
		if time.Now().After(deadline) {
			t.Fatalf("have %d encoded row changes, want %d", len(rows), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSourceNameAndQuery runs a source named "shop_cdc" with the default
// encoder against MySQL and MariaDB (whose binlog annotates every row event
// with its statement): source.name is the source's Name, and source.query is
// null, as Debezium writes it without include.query, for snapshot and binlog
// rows alike.
func TestSourceNameAndQuery(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, src *testenv.Source) {
		src.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, secret VARCHAR(20))",
			"INSERT INTO t VALUES (1, 'snapshot')")
		h := &encodedCollector{}
		runSource(t, sourceBuilder(src, "t", debezium.JSON()).Name("shop_cdc"), cdc.Unbuffered(h))
		src.Exec(t, "INSERT INTO t VALUES (2, 'pin 1234')")
		for _, env := range waitRows(t, h, 2) {
			var source struct {
				Name  string
				Query *string
			}
			if err := json.Unmarshal(env["source"], &source); err != nil {
				t.Fatal(err)
			}
			if source.Name != "shop_cdc" {
				t.Errorf("op %s: source.name = %q, want the source's Name %q", env["op"], source.Name, "shop_cdc")
			}
			if source.Query != nil {
				t.Errorf("op %s: source.query = %q, want null without IncludeQuery", env["op"], *source.Query)
			}
		}
	})
}

// TestBuildChecksEncoder: a bad encoder option fails the source's Build,
// before any I/O, naming the Deserializer field, the option, the value and
// the choices.
func TestBuildChecksEncoder(t *testing.T) {
	builder := func(d cdc.Deserializer) *mysql.SourceBuilder {
		return mysql.NewSource().Hostname("127.0.0.1").Username("u").DatabaseList("db").ServerID("5400").Deserializer(d)
	}
	_, err := builder(debezium.JSON(debezium.Version("banana"))).Build()
	var ce *mysql.ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("Build: err = %v, want a *mysql.ConfigError", err)
	}
	found := false
	for _, p := range ce.Problems {
		if p.Field != "Deserializer" {
			continue
		}
		found = true
		for _, want := range []string{"Version", `"banana"`, "1.9.7.Final", "2.7"} {
			if !strings.Contains(p.Fix, want) {
				t.Errorf("problem %+v does not mention %s", p, want)
			}
		}
	}
	if !found {
		t.Errorf("no Deserializer problem in %v", err)
	}
	_, err = builder(debezium.JSON(debezium.Version("3.0.0.Final"), debezium.WithBinaryHandling(9))).Build()
	for _, want := range []string{"Deserializer", `"3.0.0.Final"`, "Binary = 9"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Build: err = %v, want it to name %s", err, want)
		}
	}
	// A good encoder passes.
	if _, err := builder(debezium.JSON(debezium.Version("2.7.3.Final"))).Build(); err != nil {
		t.Errorf("a valid encoder: %v", err)
	}
}
