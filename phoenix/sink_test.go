package phoenix_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/phoenix"
	"github.com/rtdw/rtdw/phoenix/avaticatest"
)

func TestSinkWritesEventsInOneTransactionPerBatch(t *testing.T) {
	t.Parallel()
	srv, client := newFake(t, avaticatest.Config{})
	ctx := ctxT(t)
	s := userInfo(t)
	var flushes []phoenix.FlushInfo
	sink, err := phoenix.NewSink(client, phoenix.SinkConfig{OnFlush: func(f phoenix.FlushInfo) { flushes = append(flushes, f) }})
	if err != nil {
		t.Fatal(err)
	}
	events := []cdc.Event{
		event(cdc.OpRead, s, nil, userRow(1, "ann")),
		event(cdc.OpRead, s, nil, userRow(2, "bob")),
		event(cdc.OpCreate, s, nil, userRow(3, "cy")),
		event(cdc.OpUpdate, s, userRow(2, "bob"), userRow(2, "bobby")),
		event(cdc.OpDelete, s, userRow(3, "cy"), nil),
		event(cdc.OpUpdate, s, userRow(1, "ann"), userRow(10, "ann")), // key change
	}
	if err := sink.HandleEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	if rows, _ := srv.Rows("", "user_info"); len(rows) != 0 {
		t.Fatalf("rows visible before Flush: %v", rows)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	rows, ok := srv.Rows("", "user_info")
	if !ok {
		t.Fatal("table user_info was not created (case kept: quoted)")
	}
	var got []string
	for _, r := range rows {
		got = append(got, r["login_name"].(string))
	}
	if strings.Join(got, ",") != "bobby,ann" && strings.Join(got, ",") != "ann,bobby" || len(rows) != 2 {
		t.Fatalf("rows = %v, want bobby (id 2) and ann (id 10)", rows)
	}
	for _, r := range rows {
		if r["id"] != int64(2) && r["id"] != int64(10) {
			t.Errorf("unexpected id %v", r["id"])
		}
		if r["balance"] != "12.5" && r["balance"] != "12.50" {
			t.Errorf("balance = %v", r["balance"])
		}
		if r["user_level"] != int64(200) {
			t.Errorf("user_level = %v (unsigned TINYINT 200 needs SMALLINT)", r["user_level"])
		}
		if r["create_time"] != int64(1704164645678) {
			t.Errorf("create_time = %v ms", r["create_time"])
		}
	}
	if n := srv.Count("CommitRequest"); n != 1 {
		t.Errorf("%d commits, want 1 for one batch", n)
	}
	if n := srv.AutoCommitWrites(); n != 0 {
		t.Errorf("%d writes with autocommit on: a batch must be one transaction", n)
	}
	st := sink.Stats()
	if st.Commits != 1 || st.RowsUpserted != 2 || st.RowsDeleted != 2 || st.RowsBuffered != 0 {
		t.Errorf("stats = %+v, want 1 commit, 2 upserts (ids 2, 10), 2 deletes (ids 3, 1)", st)
	}
	if len(flushes) != 1 || flushes[0].Err != nil || flushes[0].Upserts != 2 {
		t.Errorf("OnFlush saw %+v", flushes)
	}
}

// Without batching each row is an ExecuteRequest: the third fails (an
// HBase write error), after two went through.
func TestSinkBatchFailingHalfWayReportsNothingWritten(t *testing.T) {
	t.Parallel()
	srv, client := newFake(t, avaticatest.Config{}, func(c *phoenix.Config) { c.Batching = false })
	ctx := ctxT(t)
	s := userInfo(t)
	sink, err := phoenix.NewSink(client, phoenix.SinkConfig{})
	if err != nil {
		t.Fatal(err)
	}
	executes := 0
	srv.OnCall(func(c avaticatest.Call) *avaticatest.Exception {
		if c.Request == "ExecuteRequest" {
			executes++
			if executes == 3 {
				return avaticatest.IOError("region server gone")
			}
		}
		return nil
	})
	var events []cdc.Event
	for i := int64(1); i <= 5; i++ {
		events = append(events, event(cdc.OpCreate, s, nil, userRow(i, "u")))
	}
	if err := sink.HandleEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	err = sink.Flush(ctx)
	if !phoenix.IsCode(err, 101) {
		t.Fatalf("Flush = %v, want Phoenix's ERROR 101", err)
	}
	var pe *phoenix.Error
	if !errors.As(err, &pe) || pe.SQLState != "08000" || !strings.Contains(pe.Message, "region server gone") || !strings.Contains(pe.SQL, "UPSERT INTO") {
		t.Fatalf("error = %#v", pe)
	}
	if rows, _ := srv.Rows("", "user_info"); len(rows) != 0 {
		t.Fatalf("%d rows committed by a failed batch", len(rows))
	}
	if st := sink.Stats(); st.RowsUpserted != 0 || st.Commits != 0 || st.Failures != 1 || st.RowsBuffered != 5 {
		t.Fatalf("stats after the failure = %+v: nothing may be reported written, all 5 rows stay buffered", st)
	}
	if srv.Count("RollbackRequest") != 1 || srv.Count("CommitRequest") != 0 {
		t.Fatalf("rollbacks %d, commits %d", srv.Count("RollbackRequest"), srv.Count("CommitRequest"))
	}
	srv.OnCall(nil)
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if rows, _ := srv.Rows("", "user_info"); len(rows) != 5 {
		t.Fatalf("%d rows after the retry, want 5", len(rows))
	}
	if st := sink.Stats(); st.RowsUpserted != 5 || st.Commits != 1 || st.RowsBuffered != 0 {
		t.Fatalf("stats after the retry = %+v", st)
	}
}

func TestSinkFailedCommitKeepsTheBatch(t *testing.T) {
	t.Parallel()
	srv, client := newFake(t, avaticatest.Config{})
	ctx := ctxT(t)
	s := userInfo(t)
	sink, _ := phoenix.NewSink(client, phoenix.SinkConfig{})
	srv.OnCall(func(c avaticatest.Call) *avaticatest.Exception {
		if c.Request == "CommitRequest" {
			return avaticatest.IOError("commit failed")
		}
		return nil
	})
	if err := sink.HandleEvents(ctx, []cdc.Event{event(cdc.OpCreate, s, nil, userRow(1, "a"))}); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); !phoenix.IsCode(err, 101) {
		t.Fatalf("Flush = %v", err)
	}
	if st := sink.Stats(); st.RowsUpserted != 0 || st.RowsBuffered != 1 {
		t.Fatalf("stats = %+v", st)
	}
	srv.OnCall(nil)
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if rows, _ := srv.Rows("", "user_info"); len(rows) != 1 {
		t.Fatalf("rows = %v", rows)
	}
}

func TestSinkReplayConverges(t *testing.T) {
	t.Parallel()
	srv, client := newFake(t, avaticatest.Config{})
	ctx := ctxT(t)
	s := userInfo(t)
	events := []cdc.Event{
		event(cdc.OpCreate, s, nil, userRow(1, "a")),
		event(cdc.OpCreate, s, nil, userRow(2, "b")),
		event(cdc.OpUpdate, s, userRow(1, "a"), userRow(1, "a2")),
		event(cdc.OpDelete, s, userRow(2, "b"), nil),
	}
	var snapshots [][]map[string]any
	for range 2 { // a crash after the write, before the checkpoint: the source replays
		sink, _ := phoenix.NewSink(client, phoenix.SinkConfig{MaxRows: 2})
		if err := sink.HandleEvents(ctx, events); err != nil {
			t.Fatal(err)
		}
		if err := sink.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		rows, _ := srv.Rows("", "user_info")
		snapshots = append(snapshots, rows)
	}
	if len(snapshots[0]) != 1 || snapshots[0][0]["login_name"] != "a2" || len(snapshots[1]) != 1 || snapshots[1][0]["login_name"] != "a2" {
		t.Fatalf("after the first run %v, after the replay %v; want only id 1 = a2", snapshots[0], snapshots[1])
	}
}

func TestPhoenixErrorCarriesCodeAndMessage(t *testing.T) {
	t.Parallel()
	_, client := newFake(t, avaticatest.Config{})
	ctx := ctxT(t)
	sink, _ := phoenix.NewSink(client, phoenix.SinkConfig{ManualTables: true})
	s := userInfo(t)
	if err := sink.HandleEvents(ctx, []cdc.Event{event(cdc.OpCreate, s, nil, userRow(1, "a"))}); err != nil {
		t.Fatal(err)
	}
	err := sink.Flush(ctx)
	var pe *phoenix.Error
	if !errors.As(err, &pe) {
		t.Fatalf("Flush = %v (%T), want a *phoenix.Error", err, err)
	}
	if pe.Code != phoenix.CodeTableUndefined || pe.SQLState != "42M03" || pe.Message != "ERROR 1012 (42M03): Table undefined. tableName=user_info" {
		t.Fatalf("error = code %d state %q message %q", pe.Code, pe.SQLState, pe.Message)
	}
	if !strings.Contains(err.Error(), "ERROR 1012 (42M03): Table undefined") {
		t.Fatalf("the message the user sees lacks Phoenix's: %v", err)
	}
}

// With batching the rows go in one ExecuteBatchRequest; the third row is
// refused by Phoenix (too large for the column), after the first two were
// taken into the transaction.
func TestSinkBatchedRowFailingHalfWayReportsNothingWritten(t *testing.T) {
	t.Parallel()
	srv, client := newFake(t, avaticatest.Config{})
	ctx := ctxT(t)
	// The table exists with user_level narrower than the source's.
	if err := client.Exec(ctx, "create", `CREATE TABLE "user_info" ("id" BIGINT NOT NULL, "login_name" VARCHAR, "birthday" DATE, `+
		`"balance" DECIMAL(10,2), "create_time" TIMESTAMP, "user_level" TINYINT, "score" DOUBLE, "avatar" VARBINARY, CONSTRAINT "pk" PRIMARY KEY ("id"))`); err != nil {
		t.Fatal(err)
	}
	s := userInfo(t)
	sink, _ := phoenix.NewSink(client, phoenix.SinkConfig{ManualTables: true})
	var events []cdc.Event
	for i := int64(1); i <= 4; i++ {
		row := userRow(i, "u")
		if i != 3 {
			row[5] = uint64(5)
		}
		events = append(events, event(cdc.OpCreate, s, nil, row))
	}
	if err := sink.HandleEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	for range 2 { // a poison row fails every time, and never half-commits
		err := sink.Flush(ctx)
		var pe *phoenix.Error
		if !errors.As(err, &pe) || pe.Code != 206 || !strings.Contains(pe.Message, "user_level") {
			t.Fatalf("Flush = %v, want Phoenix's ERROR 206 for user_level", err)
		}
		if rows, _ := srv.Rows("", "user_info"); len(rows) != 0 {
			t.Fatalf("%d rows committed by a failed batch", len(rows))
		}
		if st := sink.Stats(); st.RowsUpserted != 0 || st.Commits != 0 || st.RowsBuffered != 4 {
			t.Fatalf("stats = %+v", st)
		}
	}
	if n := srv.Count("ExecuteBatchRequest"); n < 2 || srv.Count("ExecuteRequest") != 0 {
		t.Fatalf("%d ExecuteBatchRequests, %d ExecuteRequests: with batching the rows go in batches", n, srv.Count("ExecuteRequest"))
	}
	if srv.Count("CommitRequest") != 0 {
		t.Fatal("a failed batch was committed")
	}
}

func TestSinkRefusesEventsWithoutTheirImage(t *testing.T) {
	t.Parallel()
	_, client := newFake(t, avaticatest.Config{})
	sink, _ := phoenix.NewSink(client, phoenix.SinkConfig{})
	s := userInfo(t)
	for _, ev := range []cdc.Event{event(cdc.OpDelete, s, nil, nil), event(cdc.OpUpdate, s, userRow(1, "a"), nil)} {
		if err := sink.HandleEvents(ctxT(t), []cdc.Event{ev}); err == nil || !strings.Contains(err.Error(), "lacks the row image") {
			t.Errorf("%s without its image: %v", ev.Op, err)
		}
	}
}
