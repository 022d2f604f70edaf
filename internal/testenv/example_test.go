package testenv_test

import (
	"fmt"
	"strings"
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

func TestSourceStringHidesPassword(t *testing.T) {
	src := &testenv.Source{Flavor: testenv.MySQL, Host: "127.0.0.1", Port: 13306, User: "root", Password: "s3cret-pw", Database: "db"}
	for _, s := range []string{fmt.Sprint(src), fmt.Sprintf("%+v", src), fmt.Sprintf("%#v", src)} {
		if strings.Contains(s, "s3cret-pw") || !strings.Contains(s, "127.0.0.1:13306/db") {
			t.Errorf("%q: want the address and no password", s)
		}
	}
}
