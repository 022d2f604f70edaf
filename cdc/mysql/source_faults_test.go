package mysql

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

func TestFaultBinlogOff(t *testing.T) {
	m := startThrowawayMariaDB(t, "--server-id=1")
	m.exec("CREATE DATABASE app", "CREATE TABLE app.t (id INT PRIMARY KEY)")
	err := runUntilError(t, m.config("app", "t"))
	if !errors.Is(err, ErrServerConfig) || !strings.Contains(err.Error(), "log_bin") || !strings.Contains(err.Error(), "--log-bin") {
		t.Fatalf("binlog off: %v", err)
	}
}

func TestFaultGlobalStatementFormat(t *testing.T) {
	m := startThrowawayMariaDB(t, rowBinlog, "--binlog-format=STATEMENT", "--binlog-row-image=MINIMAL", "--server-id=1")
	m.exec("CREATE DATABASE app", "CREATE TABLE app.t (id INT PRIMARY KEY)")
	err := runUntilError(t, m.config("app", "t"))
	for _, want := range []string{"binlog_format is STATEMENT", "binlog_row_image is MINIMAL", "SET GLOBAL binlog_format = 'ROW'", "binlog_row_image = 'FULL'"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if !errors.Is(err, ErrServerConfig) {
		t.Errorf("not ErrServerConfig: %v", err)
	}
}

// A session that switches to STATEMENT format or a MINIMAL row image writes
// changes the source cannot capture: Run stops with an error naming the fix.
func TestFaultSessionBinlogSettings(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		for _, c := range []struct{ set, change, want string }{
			{"SET SESSION binlog_format = 'STATEMENT'", "INSERT INTO t VALUES (2, 2)", "binlog_format not ROW"},
			{"SET SESSION binlog_format = 'ROW', binlog_row_image = 'MINIMAL'", "UPDATE t SET v = 5 WHERE id = 1", "binlog_row_image not FULL"},
		} {
			t.Run(c.want, func(t *testing.T) {
				db.Exec(t, "DROP TABLE IF EXISTS t", "CREATE TABLE t (id INT PRIMARY KEY, v INT)", "INSERT INTO t VALUES (1, 1)")
				cfg := testConfig(db, "t")
				h := &collector{}
				r := start(t, cfg, h)
				h.waitFor(t, "snapshot", func(ev []cdc.Event) bool { return len(ev) == 1 })
				conn, err := db.DB.Conn(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				defer func() {
					conn.ExecContext(context.Background(), "SET SESSION binlog_format = 'ROW', binlog_row_image = 'FULL'")
					conn.Close()
				}()
				for _, q := range []string{c.set, c.change} {
					if _, err := conn.ExecContext(context.Background(), q); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
				select {
				case err := <-r.done:
					r.done <- err
					if !errors.Is(err, ErrServerConfig) || !strings.Contains(err.Error(), c.want) {
						t.Fatalf("Run: %v", err)
					}
				case <-time.After(20 * time.Second):
					t.Fatal("Run did not fail")
				}
			})
		}
	})
}

func TestFaultMissingGrants(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY)")
		replClient := "REPLICATION CLIENT"
		if db.Flavor == testenv.MariaDB {
			replClient = "BINLOG MONITOR"
		}
		cases := []struct {
			grants []string
			want   string
		}{
			{[]string{"SELECT ON `" + db.Database + "`.*", replClient + " ON *.*"}, "REPLICATION SLAVE"},
			{[]string{"SELECT ON `" + db.Database + "`.*", "REPLICATION SLAVE ON *.*"}, replClient},
			{[]string{"REPLICATION SLAVE, " + replClient + " ON *.*"}, "SELECT"},
		}
		for i, c := range cases {
			user := fmt.Sprintf("rtdw_g%d_%d", i, time.Now().UnixNano()%1e9)
			pw := "grant-test-secret-" + user
			db.Exec(t, fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", user, pw))
			t.Cleanup(func() { db.DB.Exec(fmt.Sprintf("DROP USER '%s'@'%%'", user)) })
			for _, g := range c.grants {
				db.Exec(t, fmt.Sprintf("GRANT %s TO '%s'@'%%'", g, user))
			}
			cfg := testConfig(db, "t")
			cfg.Username, cfg.Password = user, pw
			err := runUntilError(t, cfg)
			if !errors.Is(err, ErrMissingPrivilege) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("grants %v: want missing %s, got %v", c.grants, c.want, err)
			}
		}
		// With every privilege granted it works.
		user := fmt.Sprintf("rtdw_gok_%d", time.Now().UnixNano()%1e9)
		db.Exec(t, fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY 'ok-pw-1'", user),
			fmt.Sprintf("GRANT SELECT ON `%s`.* TO '%s'@'%%'", db.Database, user),
			fmt.Sprintf("GRANT REPLICATION SLAVE, %s ON *.* TO '%s'@'%%'", replClient, user))
		t.Cleanup(func() { db.DB.Exec(fmt.Sprintf("DROP USER '%s'@'%%'", user)) })
		cfg := testConfig(db, "t")
		cfg.Username, cfg.Password = user, "ok-pw-1"
		h := &collector{}
		start(t, cfg, h)
		db.Exec(t, "INSERT INTO t VALUES (7)")
		h.waitFor(t, "insert with minimal grants", func(ev []cdc.Event) bool { return len(ev) == 1 })
	})
}

func TestFaultPurgedOffset(t *testing.T) {
	// Against the shared servers: a checkpoint naming a file the server does
	// not list.
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY)")
		cfg := testConfig(db, "t")
		store := cdc.NewMemoryOffsetStore()
		saveState(t, store, cfg.Name, &checkpointState{Tables: []cdc.TableID{{Database: db.Database, Table: "t"}},
			Offset: Offset{File: "purged-bin.000001", Pos: 4}})
		cfg.OffsetStore = store
		err := runUntilError(t, cfg)
		if !errors.Is(err, ErrBinlogPurged) || !strings.Contains(err.Error(), "purged-bin.000001") {
			t.Fatalf("purged: %v", err)
		}
	})
}

// The password never appears in errors (even from the driver), in log
// lines (the source's, go-mysql's and go-sql-driver's) or in a printed
// configuration or source.
func TestPasswordNeverInErrors(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		var logs bytes.Buffer
		cfg := testConfig(db, "nothing")
		cfg.Password = "s3cret-Pa55-" + string(db.Flavor)
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		err := runUntilError(t, cfg)
		src, buildErr := NewSourceFromConfig(cfg)
		if buildErr != nil {
			t.Fatal(buildErr)
		}
		if logs.Len() == 0 {
			t.Fatal("nothing logged")
		}
		for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg),
			fmt.Sprintf("%v %+v %#v", src, src, src), logs.String()} {
			if strings.Contains(s, cfg.Password) {
				t.Fatalf("password printed: %s", s)
			}
		}
	})
}
