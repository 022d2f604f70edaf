package avaticatest

import (
	"fmt"
	"strings"
)

// Exception is an error the fake answers with, in the form PQS gives a
// Phoenix SQLException: the ErrorResponse's error_message is the exception's
// causal chain as Avatica's handler writes it, with Phoenix's
// "ERROR code (state): message" inside, error_code -1 and sql_state 00000
// (Avatica's "unknown", which is why avatica-go's Phoenix adapter reads the
// code from the message), and the stack trace in exceptions.
type Exception struct {
	// Class is the Java exception class, such as
	// org.apache.phoenix.schema.TableNotFoundException.
	Class string
	// Code and SQLState are Phoenix's (SQLExceptionCode).
	Code     int
	SQLState string
	// Message is Phoenix's text after the code, such as
	// "Table undefined. tableName=GMALL.T".
	Message string
}

// PhoenixMessage is the SQLException's message: "ERROR 1012 (42M03): ...".
func (e *Exception) PhoenixMessage() string {
	return fmt.Sprintf("ERROR %d (%s): %s", e.Code, e.SQLState, e.Message)
}

// errorMessage is the ErrorResponse's error_message, as PQS writes it.
func (e *Exception) errorMessage() string {
	short := e.Class[strings.LastIndexByte(e.Class, '.')+1:]
	return fmt.Sprintf("RuntimeException: %s: %s -> %s: %s", e.Class, e.PhoenixMessage(), short, e.PhoenixMessage())
}

// stackTrace is the one entry of the ErrorResponse's exceptions.
func (e *Exception) stackTrace() string {
	return fmt.Sprintf("java.lang.RuntimeException: %s: %s\n"+
		"\tat org.apache.calcite.avatica.jdbc.JdbcMeta.propagate(JdbcMeta.java:700)\n"+
		"\tat org.apache.calcite.avatica.remote.LocalService.apply(LocalService.java)\n"+
		"Caused by: %s: %s\n\tat org.apache.phoenix.jdbc.PhoenixStatement.executeMutation(PhoenixStatement.java)\n",
		e.Class, e.PhoenixMessage(), e.Class, e.PhoenixMessage())
}

// Error returns the Phoenix message, "ERROR code (state): text".
func (e *Exception) Error() string { return e.PhoenixMessage() }

const sqlExceptionClass = "java.sql.SQLException"

// TableUndefined is Phoenix's ERROR 1012 for a table that does not exist;
// name is as Phoenix prints it (SCHEMA.TABLE).
func TableUndefined(name string) *Exception {
	return &Exception{Class: "org.apache.phoenix.schema.TableNotFoundException", Code: 1012, SQLState: "42M03", Message: "Table undefined. tableName=" + name}
}

// TableAlreadyExists is Phoenix's ERROR 1013.
func TableAlreadyExists(name string) *Exception {
	return &Exception{Class: "org.apache.phoenix.schema.TableAlreadyExistsException", Code: 1013, SQLState: "42M04", Message: "Table already exists. tableName=" + name}
}

// ColumnNotFound is Phoenix's ERROR 504.
func ColumnNotFound(name string) *Exception {
	return &Exception{Class: "org.apache.phoenix.schema.ColumnNotFoundException", Code: 504, SQLState: "42703", Message: "Undefined column. columnName=" + name}
}

// SyntaxError is Phoenix's ERROR 601.
func SyntaxError(detail string) *Exception {
	return &Exception{Class: "org.apache.phoenix.exception.PhoenixParserException", Code: 601, SQLState: "42P00", Message: "Syntax error. " + detail}
}

// TypeMismatch is Phoenix's ERROR 203.
func TypeMismatch(detail string) *Exception {
	return &Exception{Class: "org.apache.phoenix.schema.TypeMismatchException", Code: 203, SQLState: "22005", Message: "Type mismatch. " + detail}
}

// DataExceedsCapacity is Phoenix's ERROR 206.
func DataExceedsCapacity(detail string) *Exception {
	return &Exception{Class: "org.apache.phoenix.exception.DataExceedsCapacityException", Code: 206, SQLState: "22003", Message: "The data exceeds the max capacity for the data type. " + detail}
}

// SchemaNotFound is Phoenix's ERROR 722 for a schema that does not exist
// (with namespace mapping on).
func SchemaNotFound(name string) *Exception {
	return &Exception{Class: "org.apache.phoenix.schema.SchemaNotFoundException", Code: 722, SQLState: "43M05", Message: "Schema does not exist schemaName=" + name}
}

// InconsistentNamespaceMapping is Phoenix's ERROR 726, for a client whose
// namespace mapping properties differ from the server's.
func InconsistentNamespaceMapping(detail string) *Exception {
	return &Exception{Class: sqlExceptionClass, Code: 726, SQLState: "43M10", Message: " Inconsistent namespace mapping properties. " + detail}
}

// UpsertColumnsMismatch is Phoenix's ERROR 1020.
func UpsertColumnsMismatch() *Exception {
	return &Exception{Class: sqlExceptionClass, Code: 1020, SQLState: "42Y60", Message: "Number of columns upserting must match number of values."}
}

// NotNullViolation is Phoenix's ERROR 218 for a NULL in a primary key column.
func NotNullViolation(column string) *Exception {
	return &Exception{Class: sqlExceptionClass, Code: 218, SQLState: "23018", Message: "Constraint violation. " + column + " may not be null"}
}

// IOError is Phoenix's ERROR 101, as a failed HBase write reports it, for
// faults injected into a commit.
func IOError(detail string) *Exception {
	return &Exception{Class: "org.apache.phoenix.execute.CommitException", Code: 101, SQLState: "08000", Message: "Unexpected IO exception. " + detail}
}
