package hbasetest

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tsuna/gohbase/pb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// Reporter is where the server reports protocol violations: a *testing.T,
// or anything with its Errorf and Cleanup.
type Reporter interface {
	Errorf(format string, args ...any)
	Cleanup(func())
}

// metaRegion is the name of hbase:meta's one region.
const metaRegion = "hbase:meta,,1"

// Server is an in-process HBase: one process playing the master and the
// one region server, speaking HBase's RPC protocol on a loopback port, in
// front of in-memory tables of one region each. Point ZooKeeper at it with
// [Server.Register], and gohbase finds it as it finds a cluster.
type Server struct {
	t  Reporter
	ln net.Listener

	mu       sync.Mutex
	tables   map[string]*table // by "namespace:name" ("default:" omitted)
	nextProc uint64
	procs    map[uint64]*pb.ForeignExceptionMessage // finished procedures
	calls    []string
	closed   bool
	conns    map[net.Conn]bool
	wg       sync.WaitGroup
}

type table struct {
	name     string
	families map[string]bool
	enabled  bool
	regionID uint64
	rows     map[string]map[string]*pb.Cell // row -> "family\x00qualifier" -> cell
}

func (t *table) regionName() string { return t.name + ",," + strconv.FormatUint(t.regionID, 10) }

// NewServer starts a fake HBase on a loopback port; t's Cleanup stops it.
func NewServer(t Reporter) *Server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Errorf("hbasetest: listen: %v", err)
		return nil
	}
	s := &Server{t: t, ln: ln, tables: map[string]*table{}, procs: map[uint64]*pb.ForeignExceptionMessage{}, conns: map[net.Conn]bool{}}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.Close)
	return s
}

// Addr is the server's host:port, the address ZooKeeper names.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the server and its connections.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Calls returns the RPC method names served, in order, each as
// "Service.Method" (ClientService.Get, MasterService.CreateTable).
func (s *Server) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

// Tables returns the names of the tables that exist.
func (s *Server) Tables() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for n := range s.tables {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Cell returns the value of family:qualifier in row of table, and whether
// it exists.
func (s *Server) Cell(tableName, row, family, qualifier string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[tableName]
	if t == nil {
		return nil, false
	}
	c := t.rows[row][family+"\x00"+qualifier]
	if c == nil {
		return nil, false
	}
	return c.Value, true
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			s.serveConn(c)
		}()
	}
}

// serveConn reads the connection preamble ("HBas", version 0, auth 0x50
// for SIMPLE), the ConnectionHeader, then one call after another: a 4-byte
// length, the varint-delimited RequestHeader and request, and the
// cellblocks the header announces.
func (s *Server) serveConn(c net.Conn) {
	r := bufio.NewReader(c)
	var pre [6]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return
	}
	if string(pre[:4]) != "HBas" || pre[4] != 0 || pre[5] != 0x50 {
		s.t.Errorf("hbasetest: preamble %q, want \"HBas\\x00\\x50\" (RPC version 0, SIMPLE auth)", pre)
		return
	}
	var header pb.ConnectionHeader
	if err := readFrame(r, &header); err != nil {
		s.t.Errorf("hbasetest: connection header: %v", err)
		return
	}
	service := header.GetServiceName()
	if service != "ClientService" && service != "MasterService" {
		s.t.Errorf("hbasetest: service %q, want ClientService or MasterService", service)
		return
	}
	if header.GetCellBlockCodecClass() != "org.apache.hadoop.hbase.codec.KeyValueCodec" {
		s.t.Errorf("hbasetest: cell block codec %q, want KeyValueCodec", header.GetCellBlockCodecClass())
	}
	var wmu sync.Mutex
	for {
		var sz [4]byte
		if _, err := io.ReadFull(r, sz[:]); err != nil {
			return
		}
		buf := make([]byte, binary.BigEndian.Uint32(sz[:]))
		if _, err := io.ReadFull(r, buf); err != nil {
			return
		}
		resp := s.call(service, buf)
		wmu.Lock()
		_, err := c.Write(resp)
		wmu.Unlock()
		if err != nil {
			return
		}
	}
}

func readFrame(r io.Reader, m proto.Message) error {
	var sz [4]byte
	if _, err := io.ReadFull(r, sz[:]); err != nil {
		return err
	}
	buf := make([]byte, binary.BigEndian.Uint32(sz[:]))
	if _, err := io.ReadFull(r, buf); err != nil {
		return err
	}
	return proto.Unmarshal(buf, m)
}

// hbaseError is an exception the server answers a call with.
type hbaseError struct{ class, message string }

func (e *hbaseError) Error() string { return e.class + ": " + e.message }

func tableNotFound(name string) error {
	return &hbaseError{"org.apache.hadoop.hbase.TableNotFoundException", name}
}

// call decodes one call, serves it, and returns the framed response.
func (s *Server) call(service string, buf []byte) []byte {
	var req pb.RequestHeader
	hb, n := protowire.ConsumeBytes(buf)
	if n < 0 || proto.Unmarshal(hb, &req) != nil {
		s.t.Errorf("hbasetest: undecodable request header")
		return nil
	}
	buf = buf[n:]
	pbytes, n := protowire.ConsumeBytes(buf)
	if n < 0 {
		s.t.Errorf("hbasetest: undecodable request body of %s", req.GetMethodName())
		return nil
	}
	cells := buf[n:]
	if l := req.GetCellBlockMeta().GetLength(); int(l) != len(cells) {
		s.t.Errorf("hbasetest: %s announces %d bytes of cellblocks, %d follow", req.GetMethodName(), l, len(cells))
	}
	s.mu.Lock()
	s.calls = append(s.calls, service+"."+req.GetMethodName())
	s.mu.Unlock()
	resp, err := s.serve(service, req.GetMethodName(), pbytes, cells)
	h := &pb.ResponseHeader{CallId: req.CallId}
	if err != nil {
		var he *hbaseError
		if !errors.As(err, &he) {
			he = &hbaseError{"org.apache.hadoop.hbase.DoNotRetryIOException", err.Error()}
		}
		h.Exception = &pb.ExceptionResponse{
			ExceptionClassName: proto.String(he.class),
			StackTrace:         proto.String(he.class + ": " + he.message + "\n\tat org.apache.hadoop.hbase (hbasetest)"),
			DoNotRetry:         proto.Bool(true),
		}
		resp = nil
	}
	hbytes, _ := proto.Marshal(h)
	out := protowire.AppendBytes(nil, hbytes)
	if resp != nil {
		rbytes, _ := proto.Marshal(resp)
		out = protowire.AppendBytes(out, rbytes)
	}
	frame := binary.BigEndian.AppendUint32(nil, uint32(len(out)))
	return append(frame, out...)
}

func (s *Server) serve(service, method string, body, cells []byte) (proto.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	unmarshal := func(m proto.Message) error {
		if err := proto.Unmarshal(body, m); err != nil {
			s.t.Errorf("hbasetest: %s: %v", method, err)
			return err
		}
		return nil
	}
	if service == "MasterService" {
		return s.serveMaster(method, unmarshal)
	}
	switch method {
	case "Get":
		var r pb.GetRequest
		if err := unmarshal(&r); err != nil {
			return nil, err
		}
		if string(r.GetRegion().GetValue()) == metaRegion {
			// gohbase probes a region it connects to with a Get.
			return &pb.GetResponse{Result: &pb.Result{}}, nil
		}
		t, err := s.region(r.GetRegion())
		if err != nil {
			return nil, err
		}
		return &pb.GetResponse{Result: t.get(r.GetGet())}, nil
	case "Mutate":
		var r pb.MutateRequest
		if err := unmarshal(&r); err != nil {
			return nil, err
		}
		t, err := s.region(r.GetRegion())
		if err != nil {
			return nil, err
		}
		cd := &cellDecoder{b: cells}
		if err := t.mutate(r.GetMutation(), cd); err != nil {
			return nil, err
		}
		s.checkConsumed(cd, method)
		return &pb.MutateResponse{Processed: proto.Bool(true)}, nil
	case "Multi":
		var r pb.MultiRequest
		if err := unmarshal(&r); err != nil {
			return nil, err
		}
		return s.multi(&r, cells)
	case "Scan":
		var r pb.ScanRequest
		if err := unmarshal(&r); err != nil {
			return nil, err
		}
		return s.scan(&r)
	}
	s.t.Errorf("hbasetest: ClientService.%s is not served", method)
	return nil, &hbaseError{"org.apache.hadoop.hbase.exceptions.UnknownProtocolException", method}
}

func (s *Server) checkConsumed(cd *cellDecoder, method string) {
	if len(cd.b) != 0 {
		s.t.Errorf("hbasetest: %s: %d bytes of cellblocks left over", method, len(cd.b))
	}
}

func (s *Server) multi(r *pb.MultiRequest, cells []byte) (proto.Message, error) {
	cd := &cellDecoder{b: cells}
	resp := &pb.MultiResponse{}
	for _, ra := range r.GetRegionAction() {
		rar := &pb.RegionActionResult{}
		t, err := s.region(ra.GetRegion())
		for _, a := range ra.GetAction() {
			if err != nil {
				// Skip the action's cells so that the next ones line up.
				if m := a.GetMutation(); m != nil {
					cd.skip(int(m.GetAssociatedCellCount()))
				}
				continue
			}
			roe := &pb.ResultOrException{Index: proto.Uint32(a.GetIndex())}
			switch {
			case a.GetGet() != nil:
				roe.Result = t.get(a.GetGet())
				if roe.Result == nil {
					roe.Result = &pb.Result{}
				}
			case a.GetMutation() != nil:
				if merr := t.mutate(a.GetMutation(), cd); merr != nil {
					roe.Exception = &pb.NameBytesPair{Name: proto.String("java.io.IOException"), Value: []byte(merr.Error())}
				} else {
					roe.Result = &pb.Result{}
				}
			default:
				s.t.Errorf("hbasetest: a Multi action that is neither a Get nor a Mutation")
			}
			rar.ResultOrException = append(rar.ResultOrException, roe)
		}
		if err != nil {
			var he *hbaseError
			errors.As(err, &he)
			rar.Exception = &pb.NameBytesPair{Name: proto.String(he.class), Value: []byte(he.message)}
		}
		resp.RegionActionResult = append(resp.RegionActionResult, rar)
	}
	s.checkConsumed(cd, "Multi")
	return resp, nil
}

// region finds the table of a region specifier (a region name).
func (s *Server) region(spec *pb.RegionSpecifier) (*table, error) {
	name := string(spec.GetValue())
	if spec.GetType() != pb.RegionSpecifier_REGION_NAME {
		s.t.Errorf("hbasetest: region specifier of type %v, want REGION_NAME", spec.GetType())
	}
	for _, t := range s.tables {
		if t.regionName() == name {
			if !t.enabled {
				return nil, &hbaseError{"org.apache.hadoop.hbase.NotServingRegionException", name + " is not online (table disabled)"}
			}
			return t, nil
		}
	}
	return nil, &hbaseError{"org.apache.hadoop.hbase.NotServingRegionException", "Region " + name + " is not online"}
}

func (t *table) get(g *pb.Get) *pb.Result {
	row := t.rows[string(g.GetRow())]
	cells := filterCells(row, g.GetColumn())
	if len(cells) == 0 {
		return &pb.Result{}
	}
	return &pb.Result{Cell: cells}
}

// filterCells returns a row's cells in HBase's order (family, qualifier),
// only of the families asked for (all when none).
func filterCells(row map[string]*pb.Cell, cols []*pb.Column) []*pb.Cell {
	want := map[string]bool{}
	for _, c := range cols {
		want[string(c.GetFamily())] = true
	}
	keys := make([]string, 0, len(row))
	for k := range row {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []*pb.Cell
	for _, k := range keys {
		c := row[k]
		if len(want) == 0 || want[string(c.Family)] {
			out = append(out, c)
		}
	}
	return out
}

func (t *table) mutate(m *pb.MutationProto, cd *cellDecoder) error {
	row := string(m.GetRow())
	cells, err := cd.next(int(m.GetAssociatedCellCount()))
	if err != nil {
		return err
	}
	for _, cv := range m.GetColumnValue() { // mutations sent without cellblocks
		for _, qv := range cv.GetQualifierValue() {
			cells = append(cells, kv{row: m.GetRow(), family: cv.GetFamily(), qualifier: qv.GetQualifier(), value: qv.GetValue(), typ: 4})
		}
	}
	switch m.GetMutateType() {
	case pb.MutationProto_PUT:
		for _, c := range cells {
			if !t.families[string(c.family)] {
				return fmt.Errorf("org.apache.hadoop.hbase.regionserver.NoSuchColumnFamilyException: Column family %s does not exist in region %s", c.family, t.regionName())
			}
			if !bytes.Equal(c.row, m.GetRow()) {
				return fmt.Errorf("cell of row %q in a mutation of row %q", c.row, row)
			}
			if t.rows[row] == nil {
				t.rows[row] = map[string]*pb.Cell{}
			}
			ts := c.ts
			if ts == 0 || ts == ^uint64(0)>>1 || ts == ^uint64(0) {
				ts = uint64(time.Now().UnixMilli())
			}
			t.rows[row][string(c.family)+"\x00"+string(c.qualifier)] = &pb.Cell{
				Row: m.GetRow(), Family: c.family, Qualifier: c.qualifier, Timestamp: proto.Uint64(ts),
				CellType: pb.CellType_PUT.Enum(), Value: c.value,
			}
		}
	case pb.MutationProto_DELETE:
		if len(cells) == 0 {
			delete(t.rows, row)
			return nil
		}
		for _, c := range cells {
			for k := range t.rows[row] {
				fam, qual, _ := strings.Cut(k, "\x00")
				if fam == string(c.family) && (c.typ == 14 || c.typ == 10 || qual == string(c.qualifier)) {
					delete(t.rows[row], k)
				}
			}
		}
		if len(t.rows[row]) == 0 {
			delete(t.rows, row)
		}
	default:
		return fmt.Errorf("mutation type %v is not supported by hbasetest", m.GetMutateType())
	}
	return nil
}

// kv is one cell of a KeyValueCodec cellblock.
type kv struct {
	row, family, qualifier, value []byte
	ts                            uint64
	typ                           byte
}

// cellDecoder reads KeyValueCodec cells: a 4-byte length, then the
// KeyValue (4-byte key length, 4-byte value length, 2-byte row length,
// row, 1-byte family length, family, qualifier, 8-byte timestamp, 1-byte
// type, value).
type cellDecoder struct{ b []byte }

func (d *cellDecoder) next(n int) ([]kv, error) {
	var out []kv
	for range n {
		if len(d.b) < 4 {
			return nil, fmt.Errorf("cellblock: short")
		}
		total := int(binary.BigEndian.Uint32(d.b))
		if len(d.b) < 4+total || total < 8 {
			return nil, fmt.Errorf("cellblock: length %d beyond the %d bytes left", total, len(d.b)-4)
		}
		c := d.b[4 : 4+total]
		d.b = d.b[4+total:]
		klen := int(binary.BigEndian.Uint32(c))
		vlen := int(binary.BigEndian.Uint32(c[4:]))
		if 8+klen+vlen != total {
			return nil, fmt.Errorf("cellblock: key %d + value %d != %d", klen, vlen, total-8)
		}
		key := c[8 : 8+klen]
		rlen := int(binary.BigEndian.Uint16(key))
		row := key[2 : 2+rlen]
		flen := int(key[2+rlen])
		fam := key[3+rlen : 3+rlen+flen]
		qual := key[3+rlen+flen : klen-9]
		out = append(out, kv{row: row, family: fam, qualifier: qual,
			ts: binary.BigEndian.Uint64(key[klen-9:]), typ: key[klen-1], value: c[8+klen:]})
	}
	return out, nil
}

func (d *cellDecoder) skip(n int) { d.next(n) }
