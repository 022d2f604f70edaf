package cdc

// ZeroTime is the canonical value of a DATE, DATETIME or TIMESTAMP column that
// holds MySQL's zero date ("0000-00-00") or a date with a zero month or day,
// which time.Time cannot represent. It holds the server's text, such as
// "0000-00-00 00:00:00".
type ZeroTime string

// JSON is the canonical value of a JSON column: the document as compact JSON
// text, with object members in the order the server stores them. MySQL's
// binary JSON and MariaDB's JSON text arrive as the same value whichever path
// a row came by.
type JSON string
