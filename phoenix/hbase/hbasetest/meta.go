package hbasetest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/tsuna/gohbase/pb"
	"google.golang.org/protobuf/proto"
)

// pbufMagic starts HBase's protobuf-encoded znodes and meta values.
const pbufMagic = "PBUF"

// Register writes the znodes a client reads to find the cluster
// (root/meta-region-server and root/master, as HBase writes them: a 0xFF
// marker, the writer's id, "PBUF", the protobuf) into the ZooKeeper at
// quorum, naming this server, under root (zookeeper.znode.parent, such as
// /hbase).
func (s *Server) Register(quorum []string, root string) error {
	conn, _, err := zk.Connect(quorum, 10*time.Second, zk.WithLogInfo(false))
	if err != nil {
		return err
	}
	defer conn.Close()
	host, portText, _ := net.SplitHostPort(s.Addr())
	port, _ := strconv.ParseUint(portText, 10, 32)
	server := &pb.ServerName{HostName: proto.String(host), Port: proto.Uint32(uint32(port)), StartCode: proto.Uint64(uint64(time.Now().UnixMilli()))}
	meta, _ := proto.Marshal(&pb.MetaRegionServer{Server: server})
	master, _ := proto.Marshal(&pb.Master{Master: server})
	path := ""
	var created []string
	for _, part := range strings.Split(strings.Trim(root, "/"), "/") {
		path += "/" + part
		_, err := conn.Create(path, nil, 0, zk.WorldACL(zk.PermAll))
		if err != nil && err != zk.ErrNodeExists {
			return fmt.Errorf("create %s: %w", path, err)
		}
		if err == nil {
			created = append(created, path)
		}
	}
	// Remove what this registration created when the test ends.
	s.t.Cleanup(func() {
		c, _, err := zk.Connect(quorum, 10*time.Second, zk.WithLogInfo(false))
		if err != nil {
			return
		}
		defer c.Close()
		c.Delete(path+"/meta-region-server", -1)
		c.Delete(path+"/master", -1)
		for i := len(created) - 1; i >= 0; i-- {
			c.Delete(created[i], -1)
		}
	})
	for name, body := range map[string][]byte{"meta-region-server": meta, "master": master} {
		data := znodeData(body)
		p := path + "/" + name
		if _, err := conn.Create(p, data, 0, zk.WorldACL(zk.PermAll)); err == zk.ErrNodeExists {
			_, err = conn.Set(p, data, -1)
			if err != nil {
				return fmt.Errorf("set %s: %w", p, err)
			}
		} else if err != nil {
			return fmt.Errorf("create %s: %w", p, err)
		}
	}
	return nil
}

func znodeData(body []byte) []byte {
	id := []byte("hbasetest")
	b := []byte{0xFF}
	b = binary.BigEndian.AppendUint32(b, uint32(len(id)))
	b = append(b, id...)
	b = append(b, pbufMagic...)
	return append(b, body...)
}

// metaRows are the rows of hbase:meta: one per table (one region each).
func (s *Server) metaRows() map[string][]*pb.Cell {
	rows := map[string][]*pb.Cell{}
	for _, t := range s.tables {
		ns, qual := splitName(t.name)
		info, _ := proto.Marshal(&pb.RegionInfo{
			RegionId:  proto.Uint64(t.regionID),
			TableName: &pb.TableName{Namespace: []byte(ns), Qualifier: []byte(qual)},
		})
		name := []byte(t.regionName())
		cell := func(q string, v []byte) *pb.Cell {
			return &pb.Cell{Row: name, Family: []byte("info"), Qualifier: []byte(q), Timestamp: proto.Uint64(t.regionID),
				CellType: pb.CellType_PUT.Enum(), Value: v}
		}
		rows[string(name)] = []*pb.Cell{
			cell("regioninfo", append([]byte(pbufMagic), info...)),
			cell("server", []byte(s.Addr())),
			cell("state", []byte("OPEN")),
		}
	}
	return rows
}

// splitName splits "ns:table"; the default namespace is "default".
func splitName(name string) (ns, qual string) {
	if n, q, ok := strings.Cut(name, ":"); ok {
		return n, q
	}
	return "default", name
}

func joinName(tn *pb.TableName) string {
	ns := string(tn.GetNamespace())
	if ns == "" || ns == "default" {
		return string(tn.GetQualifier())
	}
	return ns + ":" + string(tn.GetQualifier())
}

// scan answers a ScanRequest with every matching row at once: the scanner
// is closed in the same answer (no more results, none in the region).
func (s *Server) scan(r *pb.ScanRequest) (proto.Message, error) {
	if r.ScannerId != nil {
		// Every scan is answered whole, so no scanner stays open.
		if r.GetCloseScanner() {
			return &pb.ScanResponse{MoreResults: proto.Bool(false)}, nil
		}
		return nil, &hbaseError{"org.apache.hadoop.hbase.UnknownScannerException", fmt.Sprint(r.GetScannerId())}
	}
	sc := r.GetScan()
	var rows map[string][]*pb.Cell
	if string(r.GetRegion().GetValue()) == metaRegion {
		rows = s.metaRows()
	} else {
		t, err := s.region(r.GetRegion())
		if err != nil {
			return nil, err
		}
		rows = map[string][]*pb.Cell{}
		for k, row := range t.rows {
			if cells := filterCells(row, sc.GetColumn()); len(cells) > 0 {
				rows[k] = cells
			}
		}
	}
	keys := make([]string, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	compare := bytes.Compare
	if string(r.GetRegion().GetValue()) == metaRegion {
		compare = compareMetaKeys
	}
	sort.Slice(keys, func(i, j int) bool { return compare([]byte(keys[i]), []byte(keys[j])) < 0 })
	start, stop := sc.GetStartRow(), sc.GetStopRow()
	var results []*pb.Result
	if sc.GetReversed() {
		// From start (inclusive) down to stop (exclusive).
		for i := len(keys) - 1; i >= 0; i-- {
			k := []byte(keys[i])
			if len(start) > 0 && compare(k, start) > 0 {
				continue
			}
			if len(stop) > 0 && compare(k, stop) <= 0 {
				break
			}
			results = append(results, &pb.Result{Cell: rows[keys[i]]})
		}
	} else {
		for _, key := range keys {
			k := []byte(key)
			if len(start) > 0 && compare(k, start) < 0 {
				continue
			}
			if len(stop) > 0 && compare(k, stop) >= 0 {
				break
			}
			results = append(results, &pb.Result{Cell: rows[key]})
		}
	}
	if n := r.GetNumberOfRows(); n > 0 && len(results) > int(n) {
		results = results[:n]
	}
	return &pb.ScanResponse{
		Results:             results,
		MoreResults:         proto.Bool(false),
		MoreResultsInRegion: proto.Bool(false),
	}, nil
}

// serveMaster answers the admin calls. Each is a procedure that has
// finished when the call returns; getProcedureResult says so.
func (s *Server) serveMaster(method string, unmarshal func(proto.Message) error) (proto.Message, error) {
	proc := func() *uint64 {
		s.nextProc++
		s.procs[s.nextProc] = nil
		return proto.Uint64(s.nextProc)
	}
	lookup := func(tn *pb.TableName) (*table, error) {
		t := s.tables[joinName(tn)]
		if t == nil {
			return nil, tableNotFound(joinName(tn))
		}
		return t, nil
	}
	switch method {
	case "CreateTable":
		var r pb.CreateTableRequest
		if err := unmarshal(&r); err != nil {
			return nil, err
		}
		name := joinName(r.GetTableSchema().GetTableName())
		if s.tables[name] != nil {
			return nil, &hbaseError{"org.apache.hadoop.hbase.TableExistsException", name}
		}
		t := &table{name: name, families: map[string]bool{}, enabled: true, regionID: uint64(time.Now().UnixNano()), rows: map[string]map[string]*pb.Cell{}}
		for _, cf := range r.GetTableSchema().GetColumnFamilies() {
			t.families[string(cf.GetName())] = true
		}
		if len(t.families) == 0 {
			return nil, &hbaseError{"org.apache.hadoop.hbase.DoNotRetryIOException", "Table should have at least one column family."}
		}
		s.tables[name] = t
		return &pb.CreateTableResponse{ProcId: proc()}, nil
	case "DisableTable", "EnableTable":
		var r pb.DisableTableRequest // EnableTableRequest has the same fields
		if err := unmarshal(&r); err != nil {
			return nil, err
		}
		t, err := lookup(r.GetTableName())
		if err != nil {
			return nil, err
		}
		if method == "DisableTable" {
			if !t.enabled {
				return nil, &hbaseError{"org.apache.hadoop.hbase.TableNotEnabledException", t.name}
			}
			t.enabled = false
			return &pb.DisableTableResponse{ProcId: proc()}, nil
		}
		if t.enabled {
			return nil, &hbaseError{"org.apache.hadoop.hbase.TableNotDisabledException", t.name}
		}
		t.enabled = true
		return &pb.EnableTableResponse{ProcId: proc()}, nil
	case "DeleteTable":
		var r pb.DeleteTableRequest
		if err := unmarshal(&r); err != nil {
			return nil, err
		}
		t, err := lookup(r.GetTableName())
		if err != nil {
			return nil, err
		}
		if t.enabled {
			return nil, &hbaseError{"org.apache.hadoop.hbase.TableNotDisabledException", t.name}
		}
		delete(s.tables, t.name)
		return &pb.DeleteTableResponse{ProcId: proc()}, nil
	case "getProcedureResult":
		var r pb.GetProcedureResultRequest
		if err := unmarshal(&r); err != nil {
			return nil, err
		}
		if _, ok := s.procs[r.GetProcId()]; !ok {
			return &pb.GetProcedureResultResponse{State: pb.GetProcedureResultResponse_NOT_FOUND.Enum()}, nil
		}
		return &pb.GetProcedureResultResponse{State: pb.GetProcedureResultResponse_FINISHED.Enum()}, nil
	}
	s.t.Errorf("hbasetest: MasterService.%s is not served", method)
	return nil, &hbaseError{"org.apache.hadoop.hbase.exceptions.UnknownProtocolException", method}
}

// compareMetaKeys orders hbase:meta row keys ("table,startkey,regionid") as
// HBase's meta comparator does: by table, then start key, then region id,
// each field on its own, so that a search key "t,\x01,:" sorts after the
// first region "t,,1" whose start key is empty. A key without commas (a
// bare table name, as a scan's bound) sorts before the table's regions.
func compareMetaKeys(a, b []byte) int {
	at, ak, ai := splitMetaKey(a)
	bt, bk, bi := splitMetaKey(b)
	if c := bytes.Compare(at, bt); c != 0 {
		return c
	}
	if ak == nil || bk == nil { // a bare table name
		switch {
		case ak == nil && bk == nil:
			return 0
		case ak == nil:
			return -1
		}
		return 1
	}
	if c := bytes.Compare(ak, bk); c != 0 {
		return c
	}
	return bytes.Compare(ai, bi)
}

func splitMetaKey(k []byte) (table, start, id []byte) {
	first := bytes.IndexByte(k, ',')
	if first < 0 {
		return k, nil, nil
	}
	last := bytes.LastIndexByte(k, ',')
	if last == first {
		return k[:first], k[first+1:], []byte{}
	}
	return k[:first], k[first+1 : last], k[last+1:]
}
