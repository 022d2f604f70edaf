// Package hbase reaches the HBase tables under Phoenix directly, through
// gohbase (github.com/tsuna/gohbase): a [Client] that finds the cluster
// from its ZooKeeper quorum, reads and writes raw rows ([Client.Put],
// [Client.Get], [Client.Scan], [Client.Delete]) and administers tables
// ([Client.CreateTable], [Client.DisableTable], [Client.EnableTable],
// [Client.DeleteTable]); and [RowKey], the row key layout of a Phoenix
// table, so that Go can read and build the keys Phoenix writes.
//
// # Finding the cluster
//
// [Open] takes a [Config] (start from [DefaultConfig]): the quorum
// (hbase.zookeeper.quorum) and the cluster's znode (zookeeper.znode.parent,
// /hbase by default). As HBase's own clients do, gohbase reads the region
// server of hbase:meta from ROOT/meta-region-server and the master from
// ROOT/master, then each table's regions from hbase:meta. Open does no I/O;
// the first call finds the cluster, and RegionLookupTimeout and the call's
// ctx bound how long that may take when the quorum cannot be reached.
//
// A Phoenix table is the HBase table of its name: "SCHEMA:TABLE" with
// namespace mapping on, "SCHEMA.TABLE" without (phoenix.TableRef.HBaseName).
//
// # The row key of a Phoenix table
//
// Phoenix writes a row's primary key into the HBase row key, column after
// column, in key order, each in its sortable form:
//
//	TINYINT SMALLINT INTEGER BIGINT  1, 2, 4, 8 bytes big-endian, sign bit flipped (negatives sort first)
//	UNSIGNED_* integers              1, 2, 4, 8 bytes big-endian
//	FLOAT DOUBLE                     4, 8 bytes: the IEEE bits, sign bit flipped for positives, all bits for negatives
//	BOOLEAN                          1 byte, 1 or 0
//	DATE TIME                        8 bytes: milliseconds since the epoch, sign bit flipped
//	TIMESTAMP                        12 bytes: the milliseconds as DATE, then the nanoseconds within the millisecond
//	CHAR(n) BINARY(n)                n bytes (CHAR padded with spaces, BINARY with zeros)
//	VARCHAR                          the UTF-8 bytes, then a 0x00 separator unless it is the last key column
//	VARBINARY                        the bytes; only as the last key column
//
// In a salted table (SALT_BUCKETS=n) one byte comes first: the bucket, the
// hash of the rest of the key modulo n ([SaltByte]: Java's 31*h+b over the
// bytes as signed values, from 1, then the absolute value of the remainder).
// Salting spreads monotonically increasing keys (ids, times) over n
// pre-split regions; a range scan of a salted table is n scans, one per
// bucket, each from the bucket byte followed by the range's bounds
// ([RowKey.ScanRanges]).
//
// [RowKey.Encode] builds a key from Go values and [RowKey.Decode] reads one
// back, checking the salt; [RowKeyOf] gives the layout of the table package
// phoenix makes from a cdc schema. DECIMAL keys (Phoenix's own
// variable-length decimal form) and DESC key columns are not decoded here:
// read such tables through package phoenix.
//
// Cells are another matter: Phoenix 4.10 and later store non-key columns
// under encoded qualifiers (COLUMN_ENCODED_BYTES, two-byte counters by
// default), plus an empty marker cell per row, so a raw Get does not show
// the column names. Create a table that raw HBase readers need with
// COLUMN_ENCODED_BYTES=0 (phoenix.TableOptions.Properties) to keep the
// names as qualifiers.
//
// # What is verified, and against what
//
// No HBase runs where rtdw is tested. The client runs end to end through
// gohbase against package hbasetest, an in-process master and region server
// speaking HBase's RPC protocol (the connection preamble and header,
// length-delimited protobuf calls, KeyValueCodec cellblocks, hbase:meta
// lookups, Multi batches, admin procedures), which it finds through the real
// ZooKeeper that scripts/services.sh starts (RTDW_TEST_ZOOKEEPER): gohbase
// reads the znodes hbasetest writes there, as it reads a cluster's. The
// opt-in tests against a real cluster run with RTDW_TEST_HBASE naming its
// ZooKeeper quorum (RTDW_TEST_HBASE_ROOT for another znode than /hbase).
package hbase
