package testenv_test

import (
	"fmt"
	"testing"

	"github.com/rtdw/rtdw/internal/testenv"
)

// A source test runs once against MySQL and once against MariaDB, each time
// in a fresh database of its own that is dropped when the test ends.
func ExampleForEachSource() {
	_ = func(t *testing.T) {
		testenv.ForEachSource(t, func(t *testing.T, src *testenv.Source) {
			src.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)")
			file, pos := src.BinlogPosition(t)
			t.Logf("%s: %s is at %s:%d", src.Flavor, src.Database, file, pos)
		})
	}
}

func ExampleQuoteIdent() {
	fmt.Println(testenv.QuoteIdent("order"), testenv.QuoteIdent("odd`name"))
	// Output: `order` `odd``name`
}
