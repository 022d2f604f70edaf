package mysql

import (
	"testing"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

// TestSourceJSONText: a MariaDB JSON column (LONGTEXT with a json_valid
// check) arrives as the text the server stores, spacing and number forms
// included, through the snapshot and the binlog alike, as Debezium ships it;
// MySQL's binary JSON arrives as its canonical compact text.
func TestSourceJSONText(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, src *testenv.Source) {
		const doc = `{"a": 1.0e2,  "b" : [1, 2]}`
		want := cdc.JSON(doc)
		if src.Flavor == testenv.MySQL {
			want = cdc.JSON(`{"a":100.0,"b":[1,2]}`)
		}
		src.Exec(t, "CREATE TABLE docs (id INT PRIMARY KEY, j JSON)",
			"INSERT INTO docs VALUES (1, '"+doc+"')")
		h := &collector{}
		run := start(t, testConfig(src, "docs"), h)
		waitPhase(t, run.src, PhaseBinlog)
		src.Exec(t, "INSERT INTO docs VALUES (2, '"+doc+"')")
		events := run.waitFor(t, h, "the snapshot row and the inserted row", func(ev []cdc.Event) bool {
			return countOps(ev, cdc.OpRead) == 1 && countOps(ev, cdc.OpCreate) == 1
		})
		for _, e := range events {
			if !e.Op.IsRowChange() {
				continue
			}
			if got := e.After[1]; got != want {
				t.Errorf("%s event (id %d): j = %#v, want %#v", e.Op, rowID(e), got, want)
			}
		}
	})
}
