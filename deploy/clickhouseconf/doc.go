// Package clickhouseconf renders a config.d override for clickhouse-server: listen hosts, ports, data, tmp
// and user-files paths and logging ([Config]), checked before it is written ([Config.Validate]) and read
// back by [Parse]. The packaged config.xml stays untouched; the server merges the override over it.
package clickhouseconf
