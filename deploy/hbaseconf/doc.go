// Package hbaseconf renders and reads an HBase cluster's configuration directory.
//
// [Config] renders hbase-site.xml (root dir, distributed mode, ZooKeeper quorum, clock skew and the Phoenix
// namespace mapping that servers and clients must agree on, see [Config.PhoenixClientSite]), hbase-env.sh,
// regionservers and backup-masters; [Parse] reads them back and [ParseHadoopXML] reads any Hadoop-style
// *-site.xml. [Config.Validate] reports every problem at once.
package hbaseconf
