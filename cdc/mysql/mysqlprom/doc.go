// Package mysqlprom exposes a [mysql.Source]'s progress as Prometheus
// metrics (rtdw_cdc_source_*). It is a package of its own so that importing
// cdc/mysql does not import the Prometheus client; a program that serves
// metrics registers one [SourceCollector] per source:
//
//	reg.MustRegister(mysqlprom.NewSourceCollector(src))
//
// The figures are those of [mysql.Source.Progress]: the phase, the
// snapshot's tables, chunks and rows, the binlog events delivered, the lag
// behind the clock and the reconnects, each labelled by the source's Name.
// A scrape never waits for the source.
package mysqlprom
