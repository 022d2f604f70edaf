package cdc

// Op says what a change [Event] did to a row. The letters are Debezium's, so an
// Op can be written into a Debezium envelope unchanged.
type Op string

// The operations of a change event.
const (
	// OpRead is a row read by the snapshot.
	OpRead Op = "r"
	// OpCreate is a row inserted after the snapshot.
	OpCreate Op = "c"
	// OpUpdate is an updated row; the event carries both images.
	OpUpdate Op = "u"
	// OpDelete is a deleted row; the event carries only the before image.
	OpDelete Op = "d"
	// OpSchemaChange is a DDL statement read from the binlog. It is not a row
	// change: Before and After are nil, DDL holds the statement, Changes holds
	// what it did to each captured table, and Schema holds the table's schema
	// after the statement when it changed one table.
	OpSchemaChange Op = "ddl"
)

// IsRowChange reports whether op changes a row (r, c, u or d).
func (op Op) IsRowChange() bool {
	switch op {
	case OpRead, OpCreate, OpUpdate, OpDelete:
		return true
	}
	return false
}

// Event is one change captured from a MySQL or MariaDB binlog, or one row read
// by the snapshot.
//
// Events are values a handler may keep after it returns. Schema is shared
// between the events of a table and must not be modified.
type Event struct {
	// Op is what happened.
	Op Op
	// Table is the table the event belongs to.
	Table TableID
	// Schema describes Before and After. For OpSchemaChange it is the table's
	// schema after the statement, or nil when the statement changed no single
	// captured table.
	Schema *TableSchema
	// Before is the row before an update or delete; nil for r and c.
	Before Row
	// After is the row after a read, insert or update; nil for d.
	After Row
	// Source says where in the server's history the change happened, as the
	// source block of a Debezium envelope does.
	Source Source
	// TsMs is when rtdw processed the event, in milliseconds since the Unix
	// epoch (the envelope's ts_ms in Debezium).
	TsMs int64
	// DDL is the statement of an OpSchemaChange event.
	DDL string
	// Changes are the structured changes of an OpSchemaChange event, in the
	// order the statement made them; empty for row changes. Table is the
	// table of the first change.
	Changes []SchemaChange
	// Encoded is the event as the source's [Deserializer] encoded it, such as
	// Debezium JSON; nil when the source has no Deserializer.
	Encoded []byte
}

// Deserializer encodes events for handlers that want bytes, such as the
// Debezium JSON of package cdc/debezium. It is the counterpart of Flink CDC's
// DebeziumDeserializationSchema; a source with a Deserializer sets
// [Event.Encoded] on every event before its handler sees it.
type Deserializer interface {
	// AppendEvent appends the encoding of e to dst and returns the extended
	// buffer.
	AppendEvent(dst []byte, e *Event) ([]byte, error)
}

// ConfigValidator is implemented by a [Deserializer] (or another part of a
// source's configuration) whose own settings can be wrong, such as an
// encoder given an unknown version. A source checks it with the rest of its
// configuration (the MySQL source's Build does): it calls Validate and
// reports the error among the configuration's problems, so a bad setting
// fails before any I/O instead of at the first event.
type ConfigValidator interface {
	// Validate returns an error naming every bad setting, or nil.
	Validate() error
}

// SnapshotMarker is the value of Debezium's source.snapshot field.
type SnapshotMarker string

// The snapshot markers Debezium writes. A binlog event carries SnapshotFalse.
const (
	SnapshotFalse SnapshotMarker = "false"
	SnapshotTrue  SnapshotMarker = "true"
	SnapshotFirst SnapshotMarker = "first"
	SnapshotLast  SnapshotMarker = "last"
)

// Source locates a change in the server's history, field for field the source
// block of Debezium's MySQL connector.
//
// File and Pos are the binlog coordinates of the row event that carried the
// change, and Row the index of the row inside that event, so (File, Pos, Row)
// orders binlog changes. A snapshot row carries the coordinates of the high
// watermark of the chunk it was read in: the binlog position at which the row
// had the value the event holds. Snapshot rows therefore order before binlog
// rows at the same coordinates, and after every change the snapshot already
// includes. Sinks use this order to make replays idempotent.
//
// File and Pos belong to one server: a replica writes the same transactions
// into files and positions of its own. When a source moves to another server
// (a failover), (BinlogSeq, Pos, Row) still orders the changes it delivers,
// across the move; File alone does not.
type Source struct {
	// Name is the name of the source that captured the change
	// (the MySQL source's Config.Name), Debezium's source.name; the source
	// sets it on every event before its Deserializer and its Handler see it.
	Name string
	// ServerID is the server_id of the server that wrote the change.
	ServerID uint32
	// TsMs is when the change happened on the server (the binlog event's
	// timestamp), in milliseconds; for snapshot rows, when the chunk was read.
	TsMs int64
	// Snapshot is "false" for binlog changes and "true", "first" or "last" for
	// snapshot rows.
	Snapshot SnapshotMarker
	// Database and Table name the table.
	Database string
	Table    string
	// GTID is the transaction's global transaction id, in the server's flavour
	// ("uuid:n" on MySQL, "domain-server-seq" on MariaDB); empty when GTIDs are
	// off or for snapshot rows.
	GTID string
	// File is the binlog file name.
	File string
	// Pos is the position of the row event in File.
	Pos uint64
	// BinlogSeq is File's sequence number in the capture's history, for
	// ordering changes across servers. On the server a capture started on
	// it is the number in File's name (12 for mysql-bin.000012); after the
	// source moved to another server, whose files are numbered on their
	// own, it continues from the last file read on the previous server
	// (see the MySQL source's failover documentation). 0 when the source
	// does not set it: a sink then orders by the number in File's name.
	BinlogSeq uint64
	// Row is the index of the row within its row event.
	Row int
	// Thread is the id of the session that made the change, when the server
	// logged it; 0 when unknown.
	Thread int64
	// Query is the statement that made the change, when the server logs it
	// (binlog_rows_query_log_events on MySQL, binlog_annotate_row_events on
	// MariaDB).
	Query string
}

// IsSnapshot reports whether the event was read by the snapshot.
func (s Source) IsSnapshot() bool {
	return s.Snapshot != "" && s.Snapshot != SnapshotFalse
}
