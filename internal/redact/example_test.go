package redact_test

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/rtdw/rtdw/internal/redact"
)

// A driver error that quotes a DSN is printed without the password, and still matches what
// it wraps.
func Example() {
	dsn := "clickhouse://default:s3cret@127.0.0.1:9000/db"
	errRefused := errors.New("connection refused")
	err := redact.Error(fmt.Errorf("dial %s: %w", dsn, errRefused), redact.DSNPassword(dsn))
	fmt.Println(err)
	fmt.Println(errors.Is(err, errRefused))

	u, _ := url.Parse("http://admin:s3cret@jobmanager:8081/flink")
	fmt.Println(redact.URL(u))
	fmt.Println(redact.DSN("cdc:s3cret@tcp(127.0.0.1:3306)/"))
	fmt.Println(redact.IsSecretKey("security.ssl.rest.keystore-password"), redact.IsSecretKey("rest.port"))
	// Output:
	// dial clickhouse://default:<redacted>@127.0.0.1:9000/db: connection refused
	// true
	// http://admin:<redacted>@jobmanager:8081/flink
	// cdc:<redacted>@tcp(127.0.0.1:3306)/
	// true false
}
