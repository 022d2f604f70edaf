package phoenix

import (
	"errors"
	"fmt"
	"strings"

	avaticaerrors "github.com/apache/calcite-avatica-go/v5/errors"

	"github.com/rtdw/rtdw/internal/problems"
)

var (
	// ErrInvalidConfig is matched by every *[ConfigError] of this package.
	ErrInvalidConfig = errors.New("phoenix: invalid configuration")
	// ErrUnmappableType is matched by the error for a column whose type has
	// no Phoenix type (see the package documentation's type table).
	ErrUnmappableType = errors.New("phoenix: column type cannot be mapped to Phoenix")
	// ErrClosed is returned by a [Sink] or [Client] used after Close.
	ErrClosed = errors.New("phoenix: closed")
)

// ConfigError lists every problem found in a configuration, each with the
// field, the value and the fix. It matches [ErrInvalidConfig].
type ConfigError = problems.Error

func newConfigError(what string) *problems.Error {
	return problems.New("phoenix", what, ErrInvalidConfig)
}

// Phoenix error codes (SQLExceptionCode in Phoenix) this package and its
// tests meet; [Error.Code] holds them.
const (
	CodeTypeMismatch         = 203  // 22005 Type mismatch.
	CodeColumnNotFound       = 504  // 42703 Undefined column.
	CodeParserError          = 601  // 42P00 Syntax error.
	CodeSchemaNotFound       = 722  // 43M05 Schema does not exist.
	CodeInconsistentMapping  = 726  // 43M10 Inconsistent namespace mapping properties.
	CodeTableUndefined       = 1012 // 42M03 Table undefined.
	CodeTableAlreadyExists   = 1013 // 42M04 Table already exists.
	CodeUpsertColumnMismatch = 1020 // 42Y60 Number of columns upserting must match number of values.
)

// Error is an error the Phoenix Query Server answered with: Phoenix's error
// code and SQL state and its message, such as
//
//	ERROR 1012 (42M03): Table undefined. tableName=GMALL.DIM_USER_INFO
//
// plus what rtdw was doing (Op) and the statement it sent. Match a code with
// errors.As and [Error.Code], or with [IsCode].
type Error struct {
	// Op says what rtdw was doing, such as "upsert into GMALL.DIM_USER_INFO".
	Op string
	// Code is Phoenix's error code (0 when the server sent none).
	Code int
	// SQLState is the five-character SQL state, such as "42M03".
	SQLState string
	// Message is the server's message, "ERROR code (state): text".
	Message string
	// ServerMessage is the ErrorResponse's whole error_message, the
	// exception's causal chain as PQS writes it.
	ServerMessage string
	// SQL is the statement sent, with ? for every value (values are bound,
	// never part of it).
	SQL string
}

// Error reads "phoenix: op: ERROR code (state): message [sql: statement]".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("phoenix: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	msg := e.Message
	if msg == "" {
		msg = fmt.Sprintf("ERROR %d (%s)", e.Code, e.SQLState)
	}
	b.WriteString(msg)
	if e.SQL != "" {
		b.WriteString(" [sql: ")
		b.WriteString(e.SQL)
		b.WriteString("]")
	}
	return b.String()
}

// IsCode reports whether err is, or wraps, an [*Error] with Phoenix error
// code code.
func IsCode(err error, code int) bool {
	var pe *Error
	return errors.As(err, &pe) && pe.Code == code
}

// wrapError turns what the avatica driver returned into an [*Error] when the
// server answered with an ErrorResponse, and otherwise wraps err with op.
func wrapError(op, sql string, err error) error {
	if err == nil {
		return nil
	}
	var re avaticaerrors.ResponseError
	if errors.As(err, &re) {
		return newServerError(op, sql, re)
	}
	var pe *Error
	if errors.As(err, &pe) {
		return err
	}
	if sql != "" {
		return fmt.Errorf("phoenix: %s: %w [sql: %s]", op, err, sql)
	}
	return fmt.Errorf("phoenix: %s: %w", op, err)
}

// newServerError makes the [*Error] of an ErrorResponse. PQS sends a
// Phoenix SQLException with Avatica's "unknown" code and state (-1, 00000)
// and Phoenix's own inside the message, as the exception's causal chain
// ("RuntimeException: ...TableNotFoundException: ERROR 1012 (42M03): Table
// undefined. tableName=T -> TableNotFoundException: ..."); avatica-go's
// Phoenix adapter reads the code and state back from the message, and so
// does this, for errors that come before the adapter is chosen.
func newServerError(op, sql string, re avaticaerrors.ResponseError) *Error {
	pe := &Error{Op: op, Code: int(int32(re.ErrorCode)), SQLState: string(re.SqlState), Message: re.ErrorMessage, ServerMessage: re.ErrorMessage, SQL: sql}
	if pe.Message == "" && len(re.Exceptions) > 0 {
		pe.Message, _, _ = strings.Cut(re.Exceptions[0], "\n")
	}
	if i := strings.Index(pe.Message, "ERROR "); i >= 0 {
		code, state := parseErrorPrefix(pe.Message[i:])
		if code != 0 {
			pe.Code, pe.SQLState = code, state
			msg, _, _ := strings.Cut(pe.Message[i:], " -> ")
			pe.Message = strings.TrimSpace(msg)
		}
	}
	if pe.Code == -1 {
		pe.Code = 0
	}
	if pe.SQLState == "00000" {
		pe.SQLState = ""
	}
	return pe
}

// parseErrorPrefix reads "ERROR 1012 (42M03): ..." as Phoenix's SQLException
// messages start.
func parseErrorPrefix(msg string) (code int, state string) {
	i := strings.Index(msg, "ERROR ")
	if i < 0 {
		return 0, ""
	}
	var n int
	var s string
	if _, err := fmt.Sscanf(msg[i:], "ERROR %d (%5s", &n, &s); err != nil {
		return 0, ""
	}
	return n, strings.TrimSuffix(s, ")")
}
