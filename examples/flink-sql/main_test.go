package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The program against the fake gateway of every Flink version with one: a session, each
// statement's rows, and one progress line per page fetched.
func TestRunAgainstTheFake(t *testing.T) {
	for _, version := range []string{"1.18", "1.20", "2.0", "2.3"} {
		t.Run(version, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var out bytes.Buffer
			cfg := config{fakeVersion: version, fakePageSize: 2, statements: defaultStatements}
			if err := run(ctx, &out, io.Discard, cfg); err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			got := out.String()
			for _, want := range []string{
				"fake Flink " + version + " SQL Gateway",
				"flink-sql> SHOW CATALOGS",
				"| catalog name |",
				"| hive | (INSERT)",
				"| paimon | (INSERT)",
				"| execution.runtime-mode | batch | (INSERT)",
				"| 1 | flink | true | (INSERT)",
			} {
				if !strings.Contains(got, want) {
					t.Errorf("output lacks %q:\n%s", want, got)
				}
			}
			// SHOW CATALOGS: 3 rows at 2 a page, so at least two pages with rows, and a line
			// for every page the summary counts.
			show := got[strings.Index(got, "flink-sql> SHOW CATALOGS"):strings.Index(got, "flink-sql> SELECT")]
			lines := regexp.MustCompile(`page (\d+) fetched: (\w+); (\d+) rows read before it`).FindAllStringSubmatch(show, -1)
			summary := regexp.MustCompile(`(\d+) rows in (\d+) pages`).FindStringSubmatch(show)
			if summary == nil || summary[1] != "3" || len(lines) < 3 || lines[len(lines)-1][1] != summary[2] {
				t.Errorf("SHOW CATALOGS progress %q, summary %q:\n%s", lines, summary, show)
			}
		})
	}
}

func TestRunReportsAFailingStatement(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), &out, io.Discard, config{fakeVersion: "2.3", fakePageSize: 2, statements: []string{"SELEC 1"}})
	if err == nil || !strings.Contains(err.Error(), "SELEC 1") {
		t.Fatalf("run = %v, want the failing statement named", err)
	}
}
