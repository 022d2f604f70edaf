package testenv_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/rtdw/rtdw/internal/testenv"
)

// TestSourceSmoke proves the harness: each source server has a ROW/FULL
// binlog that go-mysql can stream row events from.
func TestSourceSmoke(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, src *testenv.Source) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		checkBinlogSettings(ctx, t, src)

		file, pos := src.BinlogPosition(t)
		src.Exec(t,
			"CREATE TABLE smoke (id BIGINT UNSIGNED PRIMARY KEY, name VARCHAR(20) NOT NULL, note VARCHAR(20))",
			"INSERT INTO smoke VALUES (18446744073709551615, 'héllo 🙂', NULL)",
			"UPDATE smoke SET note = 'changed'",
		)

		syncer := replication.NewBinlogSyncer(replication.BinlogSyncerConfig{
			ServerID: 4000 + uint32(time.Now().UnixNano()%1000),
			Flavor:   string(src.Flavor),
			Host:     src.Host, Port: uint16(src.Port), User: src.User, Password: src.Password,
			Logger: quietLogger(),
		})
		defer syncer.Close()
		stream, err := syncer.StartSync(mysql.Position{Name: file, Pos: pos})
		if err != nil {
			t.Fatalf("%s: start binlog sync at %s:%d: %v", src.Flavor, file, pos, err)
		}
		var kinds []string
		for len(kinds) < 2 {
			ev, err := stream.GetEvent(ctx)
			if err != nil {
				t.Fatalf("%s: reading the binlog after %v: %v", src.Flavor, kinds, err)
			}
			rows, ok := ev.Event.(*replication.RowsEvent)
			if !ok || string(rows.Table.Table) != "smoke" || string(rows.Table.Schema) != src.Database {
				continue
			}
			switch ev.Header.EventType {
			case replication.WRITE_ROWS_EVENTv1, replication.WRITE_ROWS_EVENTv2, replication.MARIADB_WRITE_ROWS_COMPRESSED_EVENT_V1:
				kinds = append(kinds, "insert")
				if len(rows.Rows) != 1 || len(rows.Rows[0]) != 3 {
					t.Fatalf("%s: insert row image %v, want one row of 3 columns (FULL image)", src.Flavor, rows.Rows)
				}
			case replication.UPDATE_ROWS_EVENTv1, replication.UPDATE_ROWS_EVENTv2, replication.MARIADB_UPDATE_ROWS_COMPRESSED_EVENT_V1:
				kinds = append(kinds, "update")
				if len(rows.Rows) != 2 || rows.Rows[0][2] != nil || fmt.Sprint(rows.Rows[1][2]) != "changed" {
					t.Fatalf("%s: update images %v, want before (note NULL) and after (note 'changed')", src.Flavor, rows.Rows)
				}
			}
		}
		if strings.Join(kinds, ",") != "insert,update" {
			t.Fatalf("%s: row events %v, want insert,update", src.Flavor, kinds)
		}
	})
}

// checkBinlogSettings fails with the fix when the server cannot be a CDC source.
func checkBinlogSettings(ctx context.Context, t *testing.T, src *testenv.Source) {
	t.Helper()
	var logBin, format, image string
	err := src.DB.QueryRowContext(ctx, "SELECT @@log_bin, @@binlog_format, @@binlog_row_image").Scan(&logBin, &format, &image)
	if err != nil {
		t.Fatalf("%s: reading binlog settings: %v", src.Flavor, err)
	}
	var problems []string
	if logBin != "1" && !strings.EqualFold(logBin, "ON") {
		problems = append(problems, "log_bin is OFF: start the server with --log-bin (scripts/services.sh does unless RTDW_"+strings.ToUpper(string(src.Flavor))+"_BINLOG=off)")
	}
	if !strings.EqualFold(format, "ROW") {
		problems = append(problems, fmt.Sprintf("binlog_format is %s: want ROW (--binlog-format=ROW)", format))
	}
	if !strings.EqualFold(image, "FULL") {
		problems = append(problems, fmt.Sprintf("binlog_row_image is %s: want FULL (--binlog-row-image=FULL)", image))
	}
	if len(problems) > 0 {
		t.Fatalf("%s at %s:%d cannot be a CDC source: %s", src.Flavor, src.Host, src.Port, strings.Join(problems, "; "))
	}
}

// TestClickHouseSmoke proves ClickHouse accepts a batch insert through clickhouse-go.
func TestClickHouseSmoke(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := ch.Conn.Exec(ctx, "CREATE TABLE smoke (id UInt64, name String) ENGINE = MergeTree ORDER BY id"); err != nil {
		t.Fatal(err)
	}
	batch, err := ch.Conn.PrepareBatch(ctx, "INSERT INTO smoke (id, name)")
	if err != nil {
		t.Fatal(err)
	}
	const n = 10000
	for i := range n {
		if err := batch.Append(uint64(i), fmt.Sprintf("row %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := batch.Send(); err != nil {
		t.Fatal(err)
	}
	var count, sum uint64
	if err := ch.Conn.QueryRow(ctx, "SELECT count(), sum(id) FROM smoke").Scan(&count, &sum); err != nil {
		t.Fatal(err)
	}
	if count != n || sum != n*(n-1)/2 {
		t.Fatalf("count %d sum %d, want %d and %d", count, sum, n, n*(n-1)/2)
	}
}

// TestZooKeeperSmoke proves the ZooKeeper of scripts/services.sh serves as a
// standalone server on loopback, and that a port where no ZooKeeper serves
// reads as not serving.
func TestZooKeeperSmoke(t *testing.T) {
	t.Parallel()
	addr := testenv.ZooKeeper(t)
	mode, err := testenv.ZooKeeperMode(addr, 5*time.Second)
	if err != nil || mode != "standalone" {
		t.Fatalf("ZooKeeper at %s: mode %q, %v; want standalone", addr, mode, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // a listener that answers srvr with silence, as a server without srvr whitelisted does
		c, err := ln.Accept()
		if err == nil {
			c.Close()
		}
	}()
	if mode, err := testenv.ZooKeeperMode(ln.Addr().String(), 2*time.Second); err == nil {
		t.Fatalf("a silent listener read as a ZooKeeper in mode %q", mode)
	}
}
