package clickhouse

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/proto"

	"github.com/rtdw/rtdw/internal/retry"
)

// RetryPolicy says how often and how patiently the sink retries a failed
// insert. The zero value means the defaults.
type RetryPolicy struct {
	// MaxAttempts is the number of tries of one insert within one flush
	// (default 5). The rows of an insert that fails them all stay buffered
	// for the next flush.
	MaxAttempts int
	// MinBackoff is the wait before the second try (default 100ms); each
	// further wait doubles, up to MaxBackoff (default 5s).
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// Retryable decides which errors are worth another try; default
	// [IsTransient].
	Retryable func(error) bool
}

// ClickHouse error codes that a later attempt may not meet.
var transientCodes = map[int32]bool{
	3:   true, // UNEXPECTED_END_OF_FILE
	159: true, // TIMEOUT_EXCEEDED
	202: true, // TOO_MANY_SIMULTANEOUS_QUERIES
	209: true, // SOCKET_TIMEOUT
	210: true, // NETWORK_ERROR
	241: true, // MEMORY_LIMIT_EXCEEDED
	242: true, // TABLE_IS_READ_ONLY
	252: true, // TOO_MANY_PARTS
	285: true, // TOO_FEW_LIVE_REPLICAS
	319: true, // UNKNOWN_STATUS_OF_INSERT
	425: true, // SYSTEM_ERROR
	999: true, // KEEPER_EXCEPTION
}

// IsTransient reports whether err may go away by itself: network failures
// (refused, reset or timed-out connections, a connection closed mid-stream)
// and the ClickHouse error codes of overload, timeouts and replication
// trouble. Inserts are idempotent (rows are versioned), so repeating one
// whose outcome is unknown is safe. Context cancellation is not transient.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ex *proto.Exception
	if errors.As(err, &ex) {
		return transientCodes[ex.Code]
	}
	var netErr net.Error
	switch {
	case errors.As(err, &netErr),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, clickhouse.ErrAcquireConnTimeout),
		errors.Is(err, net.ErrClosed):
		return true
	}
	return false
}

// retry runs op until it succeeds, fails with an error p does not retry,
// or has been tried p.MaxAttempts times; it returns the attempts made. A
// ctx that ends while it waits ends it with an error matching both the
// last attempt's error and ctx's.
//
// onRetry, when set, is told of each failed attempt that will be retried,
// with its error and the wait before the next.
func (p RetryPolicy) retry(ctx context.Context, onRetry func(attempt int, err error, wait time.Duration), op func() error) (int, error) {
	return retry.Policy{
		Backoff:     retry.Backoff{Initial: p.MinBackoff, Max: p.MaxBackoff},
		MaxAttempts: p.MaxAttempts,
		Retryable:   p.Retryable,
		OnRetry:     onRetry,
	}.Do(ctx, op)
}
