package mysql

// ConfigureBinlogSyncer is configureBinlogSyncer, for the benchmarks of
// package mysql_test that read the binlog with a bare go-mysql syncer set up
// as the source sets up its own.
var ConfigureBinlogSyncer = configureBinlogSyncer
