package cdc

// Row is one row image: one canonical value per column, in the order of the
// table's [TableSchema.Columns]. A nil element is SQL NULL. The Go type of each
// value depends only on the column's [Kind], never on whether the row came from
// the snapshot or the binlog; the package documentation lists the types.
type Row []any

// ZeroTime is the canonical value of a DATE, DATETIME or TIMESTAMP column that
// holds MySQL's zero date ("0000-00-00") or a date with a zero month or day,
// which time.Time cannot represent. It holds the server's text, such as
// "0000-00-00 00:00:00".
type ZeroTime string

// JSON is the canonical value of a JSON column, the same whether the row was
// read by the snapshot or decoded from the binlog:
//
//   - MySQL stores JSON in a binary form and keeps no text: its value is the
//     document as compact JSON text ([CanonicalJSON]), with object members
//     in the order MySQL stores them (sorted by key length, then bytes);
//   - MariaDB's JSON is a LONGTEXT with a json_valid check: its value is the
//     text the server stores, spacing and number forms included
//     ({"a": 1.0e2} stays as written), as Debezium ships it.
type JSON string
