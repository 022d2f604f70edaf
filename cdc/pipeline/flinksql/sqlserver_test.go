package flinksql_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/cdc/pipeline/flinksql"
)

func sqlServerPipeline(src *flinksql.SQLServerSource, sink cdc.Sink) pipeline.Config {
	products := &cdc.TableSchema{
		Table: cdc.TableID{Database: "dbo", Table: "products"},
		Columns: []cdc.Column{
			{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindInt}},
			{Name: "name", Type: cdc.ColumnType{Kind: cdc.KindVarChar, Length: 255}},
			{Name: "weight", Type: cdc.ColumnType{Kind: cdc.KindDecimal, Precision: 10, Scale: 3}, Nullable: true},
		},
		PrimaryKey: []string{"id"},
	}
	return pipeline.New("inventory").From(src).
		Transform(`dbo\.products`, pipeline.Filter("weight > 1")).
		To(sink).Schemas(products).Config()
}

func TestRenderSQLServerGolden(t *testing.T) {
	t.Parallel()
	src := &flinksql.SQLServerSource{Hostname: "mssql.internal", Username: "sa", Password: testPassword, Database: "inventory",
		Tables: []string{`dbo\.products`}, ChunkSize: 4096, ChunkKeyColumn: map[string]string{"dbo.products": "id"}, ConnectTimeout: 20 * time.Second}
	for _, tc := range []struct{ flink, cdc, file string }{
		{"1.13", "2.3.0", "sqlserver-flink-1.13-cdc-2.3.sql"},
		{"1.20", "", "sqlserver-flink-1.20.sql"},
	} {
		s := *src
		if tc.cdc == "2.3.0" {
			s.ChunkSize, s.ChunkKeyColumn, s.ConnectTimeout = 0, nil, 0
		}
		script, err := flinksql.Render(sqlServerPipeline(&s, pipeline.NewPrintSink(os.Stdout, pipeline.PrintReadable)),
			flinksql.Options{Target: flinksql.Target{Flink: tc.flink, CDC: tc.cdc}})
		if err != nil {
			t.Fatal(err)
		}
		golden(t, tc.file, script.String())
		assertRedacted(t, script)
	}
	// The chunk options came with Flink CDC 2.4's incremental SQL Server source.
	_, err := flinksql.Render(sqlServerPipeline(src, pipeline.NewPrintSink(os.Stdout, pipeline.PrintReadable)),
		flinksql.Options{Target: flinksql.Target{Flink: "1.13", CDC: "2.3.0"}})
	if err == nil || !strings.Contains(err.Error(), "sqlserver-cdc scan.incremental.snapshot.chunk.size is not in Flink CDC 2.3.0: it needs Flink CDC 2.4.0") {
		t.Errorf("err = %v", err)
	}
}

// The embedded runner refuses the SQL Server source and the Flink sinks,
// saying they run on Flink.
func TestEmbeddedRunnerRefusesFlinkOnly(t *testing.T) {
	t.Parallel()
	src := &flinksql.SQLServerSource{Hostname: "mssql.internal", Username: "sa", Database: "inventory"}
	p, err := pipeline.NewFromConfig(sqlServerPipeline(src, pipeline.NewPrintSink(os.Stdout, pipeline.PrintReadable)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = p.Run(ctx)
	if !errors.Is(err, flinksql.ErrFlinkOnly) || !strings.Contains(err.Error(), "SQLServerSource (sqlserver-cdc)") {
		t.Errorf("Run = %v, want ErrFlinkOnly naming the source", err)
	}
	for _, sink := range []cdc.Sink{&flinksql.ClickHouseSink{}, &flinksql.JDBCSink{}} {
		if err := sink.HandleEvents(ctx, nil); !errors.Is(err, flinksql.ErrFlinkOnly) {
			t.Errorf("%T.HandleEvents = %v", sink, err)
		}
		if err := sink.Flush(ctx); !errors.Is(err, flinksql.ErrFlinkOnly) {
			t.Errorf("%T.Flush = %v", sink, err)
		}
	}
}
