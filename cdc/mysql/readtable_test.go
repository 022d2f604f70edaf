package mysql_test

import (
	"context"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/internal/testenv"
)

func TestReadTable(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, src *testenv.Source) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		src.Exec(t,
			"CREATE TABLE rt (a INT NOT NULL, b VARCHAR(10) NOT NULL, ts TIMESTAMP(3) NULL, note JSON NULL, PRIMARY KEY (b, a))",
			// The session zone must not leak into the values: ReadTable reads in UTC.
			"SET time_zone = '+08:00'; INSERT INTO rt VALUES (2, 'x', '2024-05-06 10:00:00.125', '{\"k\": [1, 2]}'), (1, 'y', NULL, NULL), (1, 'x', NULL, NULL)",
		)
		id := cdc.TableID{Database: src.Database, Table: "rt"}
		schemas, err := mysql.LoadTableSchemas(ctx, src.DB, []cdc.TableID{id})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := mysql.ReadTable(ctx, src.DB, schemas[id])
		if err != nil {
			t.Fatal(err)
		}
		// MySQL's JSON is canonical text; MariaDB's is the text it stores.
		note := cdc.JSON(`{"k":[1,2]}`)
		if src.Flavor == testenv.MariaDB {
			note = cdc.JSON(`{"k": [1, 2]}`)
		}
		want := []cdc.Row{
			{int64(1), "x", nil, nil},
			{int64(2), "x", time.Date(2024, 5, 6, 2, 0, 0, 125e6, time.UTC), note},
			{int64(1), "y", nil, nil},
		}
		if len(rows) != len(want) {
			t.Fatalf("got %d rows %v, want %v", len(rows), rows, want)
		}
		for i := range want {
			for j := range want[i] {
				g, w := rows[i][j], want[i][j]
				if gt, ok := g.(time.Time); ok {
					if !gt.Equal(w.(time.Time)) {
						t.Errorf("row %d col %d: %v, want %v", i, j, g, w)
					}
					continue
				}
				if g != w {
					t.Errorf("row %d col %d: %#v, want %#v", i, j, g, w)
				}
			}
		}
	})
}
