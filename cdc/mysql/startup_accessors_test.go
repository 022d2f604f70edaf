package mysql

import "testing"

func TestStartupOptionsAccessors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		o         StartupOptions
		mode      string
		file      string
		pos       uint64
		gtid      string
		timestamp int64
	}{
		{StartupOptions{}, "initial", "", 0, "", 0},
		{Initial(), "initial", "", 0, "", 0},
		{Earliest(), "earliest-offset", "", 0, "", 0},
		{Latest(), "latest-offset", "", 0, "", 0},
		{SnapshotOnly(), "snapshot", "", 0, "", 0},
		{SpecificOffset("mysql-bin.000003", 154), "specific-offset", "mysql-bin.000003", 154, "", 0},
		{SpecificGTID("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-23"), "specific-offset", "", 0, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-23", 0},
		{Timestamp(1700000000000), "timestamp", "", 0, "", 1700000000000},
	} {
		file, pos, gtid := tc.o.SpecificPosition()
		if tc.o.Mode() != tc.mode || file != tc.file || pos != tc.pos || gtid != tc.gtid || tc.o.TimestampMillis() != tc.timestamp {
			t.Errorf("%s: Mode %q SpecificPosition (%q, %d, %q) TimestampMillis %d, want %q (%q, %d, %q) %d",
				tc.o, tc.o.Mode(), file, pos, gtid, tc.o.TimestampMillis(), tc.mode, tc.file, tc.pos, tc.gtid, tc.timestamp)
		}
	}
}
