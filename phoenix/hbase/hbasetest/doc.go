// Package hbasetest is an in-process HBase for tests of code that uses
// gohbase: one listener playing the master and the only region server,
// speaking HBase's RPC protocol at the boundary gohbase's region clients
// talk to (the "HBas" preamble with SIMPLE auth, the ConnectionHeader,
// 4-byte framed calls of a varint-delimited RequestHeader and request,
// KeyValueCodec cellblocks for mutations, ResponseHeader exceptions), in
// front of in-memory tables of one region each.
//
// [Server.Register] writes the znodes a client reads to find a cluster
// (ROOT/meta-region-server and ROOT/master, 0xFF, an id, "PBUF" and the
// protobuf) into a real ZooKeeper, so the client under test finds the fake
// through the same lookup it makes against a cluster: ZooKeeper, then
// hbase:meta (a reversed scan for the region of a key), then the region.
//
// It serves Get, Mutate (put, delete of a row, family or column), Multi,
// Scan (answered whole: the scanner closes in the first answer) and the
// master's CreateTable, DisableTable, EnableTable, DeleteTable and
// getProcedureResult, with HBase's exceptions (TableExistsException,
// TableNotDisabledException, NotServingRegionException for a disabled
// table, NoSuchColumnFamilyException). A malformed preamble, header or
// cellblock is reported to the [Reporter]. It holds one version per cell
// and no filters; it is a stand-in for the protocol, not for HBase's
// storage.
package hbasetest
