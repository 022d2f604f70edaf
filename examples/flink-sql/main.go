// Command flink-sql runs SQL through a Flink SQL Gateway with flinkclient/sqlgateway: it opens a
// session, runs each statement, and prints the results page by page, with a progress line per
// page fetched (NOT_READY pages included) and a row counter on stderr.
//
// With -url it talks to a real gateway; without, to an in-process fake (flinktest) of the Flink
// version given by -version (1.18, 1.20, 2.0 or 2.3; Flink has no SQL Gateway before 1.16),
// which pages a few rows at a time so that paging shows.
//
//	go run ./examples/flink-sql
//	go run ./examples/flink-sql -url http://hadoop102:8083 "SHOW DATABASES" "SELECT 42 AS answer"
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"

	"github.com/schollz/progressbar/v3"

	"github.com/rtdw/rtdw/flinkclient/flinktest"
	"github.com/rtdw/rtdw/flinkclient/sqlgateway"
)

// defaultStatements run when none are given on the command line.
var defaultStatements = []string{
	"SET 'execution.runtime-mode' = 'batch'",
	"SET",
	"SHOW CATALOGS",
	"SELECT 1 AS id, 'flink' AS name, TRUE AS ok",
}

func main() {
	url := flag.String("url", "", "SQL Gateway REST URL, e.g. http://hadoop102:8083 (empty: an in-process fake)")
	fakeVersion := flag.String("version", "1.20", "Flink version the fake plays when -url is empty (1.18, 1.20, 2.0, 2.3)")
	fakePageSize := flag.Int("fake-page-size", 2, "rows per result page of the fake")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: flink-sql [flags] [statement ...]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	statements := flag.Args()
	if len(statements) == 0 {
		statements = defaultStatements
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg := config{url: *url, fakeVersion: *fakeVersion, fakePageSize: *fakePageSize, statements: statements}
	if err := run(ctx, os.Stdout, os.Stderr, cfg); err != nil {
		log.Fatal(err)
	}
}

type config struct {
	url          string
	fakeVersion  string
	fakePageSize int
	statements   []string
}

// run writes results and per-page progress lines to out, and the row counter to bar.
func run(ctx context.Context, out, bar io.Writer, cfg config) error {
	url := cfg.url
	if url == "" {
		gw, err := flinktest.NewSQLGateway(flinktest.SQLGatewayConfig{
			FlinkVersion: cfg.fakeVersion,
			PageSize:     cfg.fakePageSize,
			Catalogs: map[string]map[string][]string{
				"default_catalog": {"default_database": nil},
				"hive":            {"ods": {"orders"}},
				"paimon":          {"dwd": nil},
			},
		})
		if err != nil {
			return err
		}
		defer func() {
			if err := gw.Close(); err != nil {
				log.Printf("the fake SQL Gateway saw spec violations: %v", err)
			}
		}()
		url = gw.URL()
		fmt.Fprintf(out, "no -url: using an in-process fake Flink %s SQL Gateway at %s\n", gw.FlinkVersion(), url)
	}
	client, err := sqlgateway.New(url)
	if err != nil {
		return err
	}
	v, err := client.APIVersion(ctx)
	if err != nil {
		return err
	}
	session, err := client.OpenSession(ctx, sqlgateway.SessionOptions{Name: "rtdw-flink-sql"})
	if err != nil {
		return err
	}
	defer session.Close(context.WithoutCancel(ctx))
	fmt.Fprintf(out, "session %s (REST API %s)\n", session.Handle(), v)

	for _, stmt := range cfg.statements {
		if err := runStatement(ctx, out, bar, session, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}

func runStatement(ctx context.Context, out, bar io.Writer, session *sqlgateway.Session, stmt string) error {
	fmt.Fprintf(out, "\nflink-sql> %s\n", stmt)
	op, err := session.Execute(ctx, stmt, sqlgateway.ExecuteOptions{})
	if err != nil {
		return err
	}
	defer op.Close(context.WithoutCancel(ctx))

	rows := progressbar.NewOptions64(-1, progressbar.OptionSetWriter(bar), progressbar.OptionSetDescription("rows"),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(),
		// No spinner goroutine: the bar renders on Add only, from this goroutine
		// (the library's ticker goroutine raced the test's reads under -race).
		progressbar.OptionSetSpinnerChangeInterval(0))
	defer rows.Finish()
	res := op.Results(ctx, sqlgateway.ResultsOptions{OnPage: func(p sqlgateway.Progress) {
		fmt.Fprintf(out, "  page %d fetched: %s; %d rows read before it\n", p.Pages, p.LastType, p.Rows)
	}})
	header := false
	for res.Next() {
		if !header {
			names := make([]string, len(res.Columns()))
			for i, c := range res.Columns() {
				names[i] = c.Name
			}
			fmt.Fprintf(out, "  | %s |\n", strings.Join(names, " | "))
			header = true
		}
		row := res.Row()
		cells := make([]string, len(row.Values))
		for i, v := range row.Values {
			cells[i] = fmt.Sprint(v)
			if v == nil {
				cells[i] = "NULL"
			}
		}
		fmt.Fprintf(out, "  | %s | (%s)\n", strings.Join(cells, " | "), row.Kind)
		_ = rows.Add(1)
	}
	if err := res.Err(); err != nil {
		return err
	}
	fmt.Fprintf(out, "  %s, %d rows in %d pages\n", res.Kind(), res.Progress().Rows, res.Progress().Pages)
	return nil
}
