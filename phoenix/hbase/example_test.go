package hbase_test

import (
	"fmt"
	"log"

	"github.com/rtdw/rtdw/phoenix/hbase"
)

// The row key Phoenix writes for order 42, SKU "apple" in a table with
// SALT_BUCKETS=4, and the key read back.
func ExampleRowKey() {
	k := hbase.RowKey{SaltBuckets: 4, Columns: []hbase.KeyColumn{{Name: "order_id", Type: "BIGINT"}, {Name: "sku", Type: "VARCHAR"}}}
	key, err := k.Encode(int64(42), "apple")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%x\n", key)
	salt, values, err := k.Decode(key)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(salt, values)
	// Output:
	// 01800000000000002a6170706c65
	// 1 [42 apple]
}
