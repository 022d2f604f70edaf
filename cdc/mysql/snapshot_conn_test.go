package mysql

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

// connTestRunner is a runner for src's database with its SQL pool open and
// its server detected, as Run has it when the snapshot starts.
func connTestRunner(t testing.TB, src *testenv.Source, edit func(*Config)) *runner {
	t.Helper()
	cfg := testConfig(src)
	if edit != nil {
		edit(&cfg)
	}
	s, err := NewSourceFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := &runner{src: s, cfg: s.cfg}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.closeDB)
	if err := r.detectServer(ctx); err != nil {
		t.Fatal(err)
	}
	return r
}

// openChunkConn returns a reader's connection for r, closed when the test
// ends.
func openChunkConn(t testing.TB, r *runner) chunkConn {
	cc := r.newChunkConn()
	t.Cleanup(func() { cc.close() })
	return cc
}

func queryOne(t testing.TB, ctx context.Context, cc chunkConn, query string) string {
	t.Helper()
	rows, _, err := cc.queryStrings(ctx, query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if len(rows) != 1 || len(rows[0]) != 1 {
		t.Fatalf("%s: %q, want one value", query, rows)
	}
	return rows[0][0]
}

// A reader's connection has the session of the source's database/sql
// pool: character sets, collation, time zone; it keeps one session across
// calls.
func TestChunkConnSessionMatchesPool(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, src *testenv.Source) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		r := connTestRunner(t, src, nil)
		cc := openChunkConn(t, r)
		const q = "SELECT @@session.time_zone, @@character_set_client, @@character_set_connection, " +
			"@@character_set_results, @@collation_connection, @@session.sql_mode, CURRENT_USER()"
		got, cols, err := cc.queryStrings(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		conn, err := r.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		want := make([]string, 7)
		ptrs := make([]any, len(want))
		for i := range want {
			ptrs[i] = &want[i]
		}
		if err := conn.QueryRowContext(ctx, q).Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || !slices.Equal(got[0], want) {
			t.Errorf("chunk connection's session %q, the pool's %q", got, want)
		}
		if want[0] != "+00:00" {
			t.Errorf("time_zone %q, want +00:00", want[0])
		}
		if len(cols) != 7 || cols[0] != "@@session.time_zone" {
			t.Errorf("columns %q", cols)
		}
		// One session across calls: a user variable set by exec is there
		// for the next query.
		id := queryOne(t, ctx, cc, "SELECT CONNECTION_ID()")
		if err := cc.exec(ctx, "SET @rtdw_probe = 'kept'"); err != nil {
			t.Fatal(err)
		}
		if v := queryOne(t, ctx, cc, "SELECT @rtdw_probe"); v != "kept" {
			t.Errorf("@rtdw_probe = %q on the next call, want kept", v)
		}
		if again := queryOne(t, ctx, cc, "SELECT CONNECTION_ID()"); again != id {
			t.Errorf("connection id %s, then %s: the reader reconnected", id, again)
		}
	})
}

// A call whose context ends returns at once with the context's error; the
// next call gets a new connection.
func TestChunkConnContextEnds(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, src *testenv.Source) {
		r := connTestRunner(t, src, nil)
		cc := openChunkConn(t, r)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		id := queryOne(t, ctx, cc, "SELECT CONNECTION_ID()")
		short, cancelShort := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancelShort()
		start := time.Now()
		_, _, err := cc.queryStrings(short, "SELECT SLEEP(20)")
		if took := time.Since(start); !errors.Is(err, context.DeadlineExceeded) || took > 5*time.Second {
			t.Fatalf("SLEEP(20) with a 200ms context: %v after %s, want context.DeadlineExceeded at once", err, took)
		}
		if again := queryOne(t, ctx, cc, "SELECT CONNECTION_ID()"); again == id {
			t.Errorf("connection %s reused after its call was interrupted", id)
		}
		_, _ = src.DB.Exec("KILL " + id) // the server may still be sleeping on it, or not
	})
}

// A context that ends while a chunk's rows arrive ends the read at once,
// and the next call gets a new connection.
func TestChunkConnContextEndsDuringRows(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, src *testenv.Source) {
		r := connTestRunner(t, src, nil)
		cc := openChunkConn(t, r)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		id := queryOne(t, ctx, cc, "SELECT CONNECTION_ID()")
		short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancelShort()
		// Rows that fill the server's buffer first, then one a second.
		q := "SELECT REPEAT('x', 40000), IF(n < 3, 0, SLEEP(1)) FROM (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3 " +
			"UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10) AS s"
		start := time.Now()
		rows, err := cc.selectRows(short, q, nil, columnsOf(t, "longtext", "int"), 0)
		if took := time.Since(start); !errors.Is(err, context.DeadlineExceeded) || rows != nil || took > 5*time.Second {
			t.Fatalf("%d rows, %v after %s, want context.DeadlineExceeded at once", len(rows), err, took)
		}
		if again := queryOne(t, ctx, cc, "SELECT CONNECTION_ID()"); again == id {
			t.Errorf("connection %s reused after its rows were left unread", id)
		}
		_, _ = src.DB.Exec("KILL " + id)
	})
}

// A reader's connection the server closed while it was idle is replaced
// when the next chunk starts, not found broken by the chunk's statements.
func TestChunkConnReplacesAKilledConnection(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, src *testenv.Source) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		r := connTestRunner(t, src, nil)
		cc := openChunkConn(t, r)
		cc.(*clientChunkConn).idle = 0
		id := queryOne(t, ctx, cc, "SELECT CONNECTION_ID()")
		src.Exec(t, "KILL "+id)
		if err := cc.connect(ctx); err != nil {
			t.Fatal(err)
		}
		if again := queryOne(t, ctx, cc, "SELECT CONNECTION_ID()"); again == id {
			t.Errorf("connection %s, killed, still in use", id)
		}
	})
}

// A refused login names the server's refusal, never the password.
func TestChunkConnLoginRefused(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, src *testenv.Source) {
		r := connTestRunner(t, src, nil)
		const secret = "wrong-Pa55-for-chunk-conn"
		rc := *r.cfg
		rc.Password = secret
		cc := (&runner{cfg: &rc}).newChunkConn()
		defer cc.close()
		err := cc.exec(context.Background(), "DO 1")
		if !isAccessDenied(err) {
			t.Fatalf("login with a wrong password: %v, want access denied", err)
		}
		for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			if strings.Contains(s, secret) {
				t.Fatalf("password in the error: %s", s)
			}
		}
	})
}

// The chunk SELECT's bounds are string literals escaped for the session's
// NO_BACKSLASH_ESCAPES; quotes, backslashes and NUL in a key read the
// rows between them, no more.
func TestChunkConnStringBounds(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, src *testenv.Source) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		keys := []string{"a", `a'b`, `a\'`, `a\`, "a\x00z", `b"c`, "b\\'; DROP TABLE t; -- ", "c\n", "d"}
		src.Exec(t, "CREATE TABLE `k?t` (`k?` VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PRIMARY KEY, v INT)")
		for i, k := range keys {
			if _, err := src.DB.ExecContext(ctx, "INSERT INTO `k?t` VALUES (?, ?)", k, i); err != nil {
				t.Fatal(err)
			}
		}
		r := connTestRunner(t, src, nil)
		id := cdc.TableID{Database: src.Database, Table: "k?t"}
		schemas, err := LoadTableSchemas(ctx, src.DB, []cdc.TableID{id})
		if err != nil {
			t.Fatal(err)
		}
		ts := &tableState{id: id, schema: schemas[id]}
		bound := func(s string) *chunkBound { return &chunkBound{Bytes: []byte(s)} }
		chunk := &snapshotChunk{Start: bound("a\x00z"), End: bound("b\\'; DROP TABLE t; -- ")}
		// What the pool's go-sql-driver reads with the bounds bound as
		// arguments, in the server's collation order.
		conn, err := r.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var want []string
		pool, err := r.selectChunkSQL(ctx, conn, ts, ts.schema, chunk)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range pool {
			want = append(want, row[0].(string))
		}
		slices.Sort(want)
		if len(want) < 5 || !slices.Contains(want, `a'b`) || !slices.Contains(want, "a\x00z") || slices.Contains(want, "c\n") {
			t.Fatalf("the pool read %q: not the rows the test means", want)
		}
		for _, mode := range []string{"", "NO_BACKSLASH_ESCAPES"} {
			cc := openChunkConn(t, r)
			if mode != "" {
				if err := cc.exec(ctx, "SET SESSION sql_mode = '"+mode+"'"); err != nil {
					t.Fatal(err)
				}
			}
			rows, err := r.selectChunkOn(ctx, cc, ts, ts.schema, chunk)
			if err != nil {
				t.Fatalf("sql_mode %q: %v", mode, err)
			}
			var got []string
			for _, row := range rows {
				got = append(got, row[0].(string))
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("sql_mode %q: chunk [%q, %q) read %q, want %q", mode, chunk.Start.Bytes, chunk.End.Bytes, got, want)
			}
			// The status flags of the result's last packet keep the
			// session's NO_BACKSLASH_ESCAPES for the next query.
			if nbe := cc.(*clientChunkConn).noBackslashEscapes; nbe != (mode != "") {
				t.Errorf("sql_mode %q: after the chunk's rows, NO_BACKSLASH_ESCAPES is %v", mode, nbe)
			}
			again, err := r.selectChunkOn(ctx, cc, ts, ts.schema, chunk)
			if err != nil || len(again) != len(rows) {
				t.Errorf("sql_mode %q: the chunk read again: %d rows, %v; want %d", mode, len(again), err, len(rows))
			}
		}
	})
}

// The errors the snapshot acts on keep their meaning on a reader's
// connection: a dropped column is isUnknownColumn (the chunk follows the
// binlog, see followToNow), a table the user may not read is
// ErrMissingPrivilege with the grant that fixes it.
func TestChunkConnErrors(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, src *testenv.Source) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		src.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, gone INT)", "INSERT INTO t VALUES (1, 1)")
		id := cdc.TableID{Database: src.Database, Table: "t"}
		schemas, err := LoadTableSchemas(ctx, src.DB, []cdc.TableID{id})
		if err != nil {
			t.Fatal(err)
		}
		ts := &tableState{id: id, schema: schemas[id]}
		r := connTestRunner(t, src, nil)
		cc := openChunkConn(t, r)
		if rows, err := r.selectChunkOn(ctx, cc, ts, ts.schema, &snapshotChunk{}); err != nil || len(rows) != 1 {
			t.Fatalf("before the ALTER: %v, %v", rows, err)
		}
		src.Exec(t, "ALTER TABLE t DROP COLUMN gone")
		_, err = r.selectChunkOn(ctx, cc, ts, ts.schema, &snapshotChunk{})
		if !isUnknownColumn(err) {
			t.Errorf("SELECT of a dropped column: %v, want isUnknownColumn", err)
		}
		// The server's error leaves the connection usable.
		if v := queryOne(t, ctx, cc, "SELECT 1"); v != "1" {
			t.Errorf("after the error: %q", v)
		}

		user := fmt.Sprintf("rtdw_cc_%d", time.Now().UnixNano()%1e9)
		src.Exec(t, fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY 'cc-pw-1'", user),
			fmt.Sprintf("GRANT SELECT (id) ON `%s`.t TO '%s'@'%%'", src.Database, user))
		t.Cleanup(func() { src.DB.Exec(fmt.Sprintf("DROP USER '%s'@'%%'", user)) })
		src.Exec(t, "CREATE TABLE secret (id INT PRIMARY KEY)")
		sid := cdc.TableID{Database: src.Database, Table: "secret"}
		schemas, err = LoadTableSchemas(ctx, src.DB, []cdc.TableID{sid})
		if err != nil {
			t.Fatal(err)
		}
		secret := &tableState{id: sid, schema: schemas[sid]}
		ru := connTestRunner(t, src, func(c *Config) { c.Username, c.Password = user, "cc-pw-1" })
		_, err = ru.selectChunkOn(ctx, openChunkConn(t, ru), secret, secret.schema, &snapshotChunk{})
		if !errors.Is(err, ErrMissingPrivilege) || !strings.Contains(err.Error(), "GRANT SELECT") {
			t.Errorf("SELECT without the privilege: %v, want ErrMissingPrivilege naming GRANT SELECT", err)
		}
	})
}

// With Config.TLS the reader's connection is encrypted, and the server's
// certificate is checked against Hostname unless the configuration says
// otherwise, as go-sql-driver checks the pool's.
func TestChunkConnTLS(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, src *testenv.Source) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var name, notAfter string
		err := src.DB.QueryRowContext(ctx, "SHOW GLOBAL STATUS LIKE 'Ssl_server_not_after'").Scan(&name, &notAfter)
		if err != nil || notAfter == "" {
			t.Skipf("%s has no TLS certificate (Ssl_server_not_after %q, %v)", src.Flavor, notAfter, err)
		}
		r := connTestRunner(t, src, func(c *Config) { c.TLS = &tls.Config{InsecureSkipVerify: true} })
		cc := openChunkConn(t, r)
		rows, _, err := cc.queryStrings(ctx, "SHOW SESSION STATUS LIKE 'Ssl_cipher'")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0][1] == "" {
			t.Errorf("Ssl_cipher %q: the connection is not encrypted", rows)
		}
		// Rows are read through TLS too, the long ones included.
		got, err := cc.selectRows(ctx, "SELECT REPEAT('x', 100000), NULL UNION ALL SELECT '', 7", nil, columnsOf(t, "longtext", "int"), 0)
		if err != nil || len(got) != 2 || got[0][0] != strings.Repeat("x", 100000) || got[0][1] != nil || got[1][0] != "" || got[1][1] != int64(7) {
			t.Errorf("rows through TLS: %d rows, %v", len(got), err)
		}
		// The test servers' certificates are self-signed: checked, they fail.
		rc := *r.cfg
		rc.TLS = &tls.Config{}
		strict := (&runner{cfg: &rc}).newChunkConn()
		defer strict.close()
		if err := strict.exec(ctx, "DO 1"); err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("a self-signed certificate checked against %s: %v, want a certificate error", rc.Hostname, err)
		}
	})
}

// Empty strings and bytes in a chunk's first row are empty, not NULL (go-mysql
// hands a value over nil until a longer one has given it a buffer).
func TestChunkConnEmptyValuesFirst(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, src *testenv.Source) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		src.Exec(t, "CREATE TABLE e (id INT PRIMARY KEY, b VARBINARY(4), bl BLOB, s VARCHAR(4), n VARCHAR(4))",
			"INSERT INTO e VALUES (1, '', '', '', NULL), (2, 'x', 'y', 'z', 'w'), (3, '', '', '', NULL)")
		id := cdc.TableID{Database: src.Database, Table: "e"}
		schemas, err := LoadTableSchemas(ctx, src.DB, []cdc.TableID{id})
		if err != nil {
			t.Fatal(err)
		}
		ts := &tableState{id: id, schema: schemas[id]}
		r := connTestRunner(t, src, nil)
		rows, err := r.selectChunkOn(ctx, openChunkConn(t, r), ts, ts.schema, &snapshotChunk{})
		if err != nil {
			t.Fatal(err)
		}
		empty := cdc.Row{nil, []byte{}, []byte{}, "", nil}
		for _, row := range rows {
			if row[0] == int64(2) {
				continue
			}
			empty[0] = row[0]
			if !reflect.DeepEqual(row, empty) {
				t.Errorf("row %v: %#v, want %#v", row[0], row, empty)
			}
		}
	})
}

// A server that accepts the connection and never greets does not hold a
// reader past its context, nor past ConnectTimeout.
func TestChunkConnHandshakeBounded(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, silent
		}
	}()
	port := l.Addr().(*net.TCPAddr).Port
	for _, c := range []struct {
		name    string
		timeout time.Duration // ConnectTimeout
		ctx     time.Duration
	}{{"context", 0, 200 * time.Millisecond}, {"ConnectTimeout", 200 * time.Millisecond, time.Minute}} {
		rc := &resolvedConfig{Config: Config{Hostname: "127.0.0.1", Port: port, Username: "u", Password: "p", ConnectTimeout: c.timeout}}
		cc := (&runner{cfg: rc}).newChunkConn()
		ctx, cancel := context.WithTimeout(context.Background(), c.ctx)
		start := time.Now()
		err := cc.connect(ctx)
		cancel()
		if took := time.Since(start); err == nil || took > 5*time.Second {
			t.Errorf("%s: connect to a silent server: %v after %s, want an error within about 200ms", c.name, err, took)
		}
	}
}

// A reader's connection reads rows of every length both servers send,
// around its buffer's size and around the protocol's packet of 16 MiB (a
// row of exactly 16 MiB - 1 bytes, which ends with an empty packet; on
// MySQL, whose max_allowed_packet allows them, rows of more, split over
// several packets, and a first field of 16 MiB, which starts its row with
// 0xFE), with NULL and empty values, and the rows after them.
func TestChunkConnLongRows(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, src *testenv.Source) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		r := connTestRunner(t, src, nil)
		cc := openChunkConn(t, r)
		// A row's payload is its first field, length-encoded in 4 bytes
		// below 16 MiB and 9 above, and its number, 2 bytes.
		sizes := []int{0, 1, packetReaderBuffer - 6, packetReaderBuffer, 1 << 20, maxPacketPayload - 6, maxPacketPayload - 7}
		if src.Flavor == testenv.MySQL {
			sizes = append(sizes, maxPacketPayload-10, maxPacketPayload, 20<<20)
		}
		selects := []string{"SELECT NULL AS b, 0 AS i"}
		for i, n := range sizes {
			selects = append(selects, fmt.Sprintf("SELECT REPEAT('%c', %d), %d", 'a'+i, n, i+1))
		}
		cols := columnsOf(t, "longblob", "int")
		rows, err := cc.selectRows(ctx, strings.Join(selects, " UNION ALL ")+" ORDER BY i", nil, cols, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(sizes)+1 {
			t.Fatalf("%d rows, want %d", len(rows), len(sizes)+1)
		}
		if rows[0][0] != nil || rows[0][1] != int64(0) {
			t.Errorf("row 0: %#v, want NULL, 0", rows[0])
		}
		for i, n := range sizes {
			got, ok := rows[i+1][0].([]byte)
			want := bytes.Repeat([]byte{byte('a' + i)}, n)
			if !ok || !bytes.Equal(got, want) || rows[i+1][1] != int64(i+1) {
				t.Errorf("row %d: %T of %d bytes, %#v; want %d bytes of %q, %d", i+1, rows[i+1][0], len(got), rows[i+1][1], n, rune('a'+i), i+1)
			}
		}
		if v := queryOne(t, ctx, cc, "SELECT 1"); v != "1" {
			t.Errorf("after the long rows: %q", v)
		}
	})
}

// createErrorAfterRowsTables creates t, ids 1 to 5000, and d, whose k is
// 4000 twice: a SELECT of t with the subquery (SELECT k FROM d WHERE
// d.k = t.id) fails with error 1242 at id 4000, after the rows before it.
func createErrorAfterRowsTables(t *testing.T, src *testenv.Source) {
	t.Helper()
	var values []string
	for i := 1; i <= 5000; i++ {
		values = append(values, fmt.Sprintf("(%d)", i))
	}
	src.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES "+strings.Join(values, ","),
		"CREATE TABLE d (k INT)", "INSERT INTO d VALUES (4000), (4000)")
}

// A server error after some rows have arrived is the server's, with its
// number, and leaves the connection usable.
func TestChunkConnErrorAfterRows(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, src *testenv.Source) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		createErrorAfterRowsTables(t, src)
		r := connTestRunner(t, src, nil)
		cc := openChunkConn(t, r)
		cols := columnsOf(t, "int", "int")
		// The subquery returns two rows for id 4000: error 1242, after the
		// server has sent the rows before it.
		db := quoteIdent(src.Database)
		rows, err := cc.selectRows(ctx, "SELECT id, (SELECT k FROM "+db+".d WHERE d.k = t.id) FROM "+db+".t ORDER BY id", nil, cols, 0)
		if !serverErrorIs(err, 1242) || rows != nil {
			t.Fatalf("%d rows, %v; want error 1242", len(rows), err)
		}
		if v := queryOne(t, ctx, cc, "SELECT COUNT(*) FROM "+db+".t"); v != "5000" {
			t.Errorf("after the error: %q", v)
		}
		rows, err = cc.selectRows(ctx, "SELECT id, NULL FROM "+db+".t ORDER BY id", nil, cols, 0)
		if err != nil || len(rows) != 5000 || rows[4999][0] != int64(5000) || rows[4999][1] != nil {
			t.Errorf("after the error: %d rows, %v", len(rows), err)
		}
	})
}

// A session without CLIENT_DEPRECATE_EOF, whose results end with an EOF
// packet and have one after their column definitions, reads the same rows,
// NULLs, empty and long values, errors among the rows and status flags, on
// both servers (both negotiate CLIENT_DEPRECATE_EOF unless asked not to).
func TestChunkConnWithoutDeprecateEOF(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, src *testenv.Source) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		createErrorAfterRowsTables(t, src)
		db := quoteIdent(src.Database)
		r := connTestRunner(t, src, nil)
		for _, deprecateEOF := range []bool{true, false} {
			cc := &clientChunkConn{cfg: r.cfg, idle: chunkConnIdle}
			if !deprecateEOF {
				cc.options = []client.Option{func(c *client.Conn) error { c.UnsetCapability(gomysql.CLIENT_DEPRECATE_EOF); return nil }}
			}
			t.Cleanup(func() { cc.close() })
			if err := cc.exec(ctx, "SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'"); err != nil {
				t.Fatal(err)
			}
			if got := cc.caps&gomysql.CLIENT_DEPRECATE_EOF != 0; got != deprecateEOF {
				t.Fatalf("CLIENT_DEPRECATE_EOF negotiated: %v, want %v", got, deprecateEOF)
			}
			cc.noBackslashEscapes = false // to be set again by the rows' status flags
			rows, err := cc.selectRows(ctx, "SELECT NULL, 0 UNION ALL SELECT '', 1 UNION ALL SELECT REPEAT('x', 100000), 2", nil,
				columnsOf(t, "longtext", "int"), 0)
			if err != nil || len(rows) != 3 || rows[0][0] != nil || rows[1][0] != "" || rows[2][0] != strings.Repeat("x", 100000) || rows[2][1] != int64(2) {
				t.Fatalf("deprecateEOF %v: %d rows, %v", deprecateEOF, len(rows), err)
			}
			if !cc.noBackslashEscapes {
				t.Errorf("deprecateEOF %v: the rows' status flags lost NO_BACKSLASH_ESCAPES", deprecateEOF)
			}
			rows, err = cc.selectRows(ctx, "SELECT id, (SELECT k FROM "+db+".d WHERE d.k = t.id) FROM "+db+".t ORDER BY id", nil,
				columnsOf(t, "int", "int"), 0)
			if !serverErrorIs(err, 1242) || rows != nil {
				t.Errorf("deprecateEOF %v: %d rows, %v; want error 1242", deprecateEOF, len(rows), err)
			}
			if v := queryOne(t, ctx, cc, "SELECT COUNT(*) FROM "+db+".t"); v != "5000" {
				t.Errorf("deprecateEOF %v: after the error: %q", deprecateEOF, v)
			}
		}
	})
}
