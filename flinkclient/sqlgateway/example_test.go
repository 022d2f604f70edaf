package sqlgateway_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/rtdw/rtdw/flinkclient/flinktest"
	"github.com/rtdw/rtdw/flinkclient/sqlgateway"
)

// Open a session, run a query and read its rows, against the fake gateway
// of Flink 1.20 (give a real gateway's URL, e.g. http://localhost:8083, to
// New instead).
func Example() {
	gw, err := flinktest.NewSQLGateway(flinktest.SQLGatewayConfig{FlinkVersion: "1.20"})
	if err != nil {
		log.Fatal(err)
	}
	defer gw.Close()

	ctx := context.Background()
	client, err := sqlgateway.New(gw.URL())
	if err != nil {
		log.Fatal(err)
	}
	v, err := client.APIVersion(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("REST API", v)

	session, err := client.OpenSession(ctx, sqlgateway.SessionOptions{
		Name:       "example",
		Properties: map[string]string{"execution.runtime-mode": "batch"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer session.Close(ctx)

	op, err := session.Execute(ctx, "SELECT 1 AS id, 'flink' AS name", sqlgateway.ExecuteOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer op.Close(ctx)

	res := op.Results(ctx, sqlgateway.ResultsOptions{})
	for res.Next() {
		var id int64
		var name string
		if err := res.Scan(&id, &name); err != nil {
			log.Fatal(err)
		}
		fmt.Println(res.Row().Kind, id, name)
	}
	if err := res.Err(); err != nil {
		log.Fatal(err)
	}
	for _, c := range res.Columns() {
		fmt.Println(c)
	}
	// Output:
	// REST API v2
	// INSERT 1 flink
	// "id" INT NOT NULL
	// "name" CHAR(5) NOT NULL
}

// Range over rows with an iterator; a failed statement ends the loop with
// Flink's reason.
func ExampleOperation_Rows() {
	gw, err := flinktest.NewSQLGateway(flinktest.SQLGatewayConfig{})
	if err != nil {
		log.Fatal(err)
	}
	defer gw.Close()
	gw.RegisterFailure("SELECT * FROM missing", "Object 'missing' not found")

	ctx := context.Background()
	client, _ := sqlgateway.New(gw.URL())
	session, err := client.OpenSession(ctx, sqlgateway.SessionOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer session.Close(ctx)

	for _, stmt := range []string{"SHOW CATALOGS", "SELECT * FROM missing"} {
		op, err := session.Execute(ctx, stmt, sqlgateway.ExecuteOptions{})
		if err != nil {
			log.Fatal(err)
		}
		for row, err := range op.Rows(ctx, sqlgateway.ResultsOptions{}) {
			if err != nil {
				var e *sqlgateway.Error
				if errors.As(err, &e) && errors.Is(err, sqlgateway.ErrStatementFailed) {
					fmt.Println("failed:", e.RootCause())
				}
				break
			}
			fmt.Println(row.Values...)
		}
	}
	// Output:
	// default_catalog
	// failed: org.apache.flink.table.api.ValidationException: Object 'missing' not found
}
