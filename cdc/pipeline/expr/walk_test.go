package expr

import (
	"reflect"
	"testing"
)

func TestColumnNames(t *testing.T) {
	t.Parallel()
	e, err := ParseExpr("CASE WHEN a > 1 THEN UPPER(b) ELSE c || __table_name__ END = a AND d IN (e, 1) AND f LIKE g ESCAPE h AND CAST(i AS STRING) IS NOT NULL AND j IS DISTINCT FROM k AND l BETWEEN m AND n AND NOT o")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a", "b", "c", "__table_name__", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o"}
	if got := ColumnNames(e); !reflect.DeepEqual(got, want) {
		t.Errorf("ColumnNames = %v, want %v", got, want)
	}
	// fn returning false stops the descent.
	count := 0
	Walk(e, func(Expr) bool { count++; return false })
	if count != 1 {
		t.Errorf("Walk visited %d nodes after fn returned false, want 1", count)
	}
}
