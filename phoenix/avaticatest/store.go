package avaticatest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/calcite-avatica-go/v5/message"
	"google.golang.org/protobuf/proto"
)

type column struct {
	family, name string
	typ          sqlType
	notNull      bool
}

type table struct {
	name    qname
	cols    []column
	pk      []int
	options map[string]string
	rows    map[string][]*message.TypedValue
}

func (t *table) column(ref colRef) (int, *Exception) {
	for i, c := range t.cols {
		if c.name == ref.name && (ref.family == "" || ref.family == c.family) {
			return i, nil
		}
	}
	name := ref.name
	if ref.family != "" {
		name = ref.family + "." + name
	}
	return -1, ColumnNotFound(name)
}

// keyOf encodes the key values of a row or of WHERE's values in key order.
func keyOf(values []*message.TypedValue) string {
	var b strings.Builder
	for _, v := range values {
		enc, _ := proto.MarshalOptions{Deterministic: true}.Marshal(v)
		fmt.Fprintf(&b, "%d:%x;", len(enc), enc)
	}
	return b.String()
}

// resolve finds the table a statement names, as Phoenix does: the schema
// must exist when namespace mapping is on.
func (s *Server) resolve(n qname) (*table, *Exception) {
	if t := s.tables[n]; t != nil {
		return t, nil
	}
	return nil, TableUndefined(n.String())
}

// checkBound fails the test for a value written into the SQL.
func (s *Server) checkBound(st *statement) {
	if len(st.literals) > 0 {
		s.t.Errorf("avaticatest: values %q written into %q: bind them as parameters", st.literals, st.sql)
	}
}

func (s *Server) parse(sql string) (*statement, *Exception) {
	st, err := parseStatement(sql)
	if err == errUpsertColumns {
		return nil, UpsertColumnsMismatch()
	}
	if err != nil {
		s.t.Errorf("avaticatest: %q: %v", sql, err)
		return nil, SyntaxError(err.Error())
	}
	return st, nil
}

// prepare answers a PrepareRequest with the statement's signature: the
// parameters' types (avatica-go binds times by them) and a SELECT's columns.
func (s *Server) prepare(c *conn, sql string) proto.Message {
	st, e := s.parse(sql)
	if e != nil {
		return errorResponse(e)
	}
	s.checkBound(st)
	p := &prepared{st: st}
	var params []*message.AvaticaParameter
	var cols []*message.ColumnMetaData
	switch st.kind {
	case stmtUpsert, stmtDelete, stmtSelect:
		tbl, e := s.resolve(st.table)
		if e != nil {
			return errorResponse(e)
		}
		p.tbl = tbl
		if st.kind == stmtUpsert {
			for _, ref := range st.targets {
				i, e := tbl.column(ref)
				if e != nil {
					return errorResponse(e)
				}
				params = append(params, parameter(&tbl.cols[i]))
			}
		} else {
			if e := s.checkKeyCondition(st, tbl); e != nil {
				return errorResponse(e)
			}
			for _, name := range st.where {
				i, _ := tbl.column(colRef{name: name})
				params = append(params, parameter(&tbl.cols[i]))
			}
		}
		if st.kind == stmtSelect {
			for n, ref := range st.targets {
				i, e := tbl.column(ref)
				if e != nil {
					return errorResponse(e)
				}
				cols = append(cols, columnMeta(n, tbl, &tbl.cols[i]))
			}
		}
	default:
		if st.params > 0 {
			s.t.Errorf("avaticatest: %q: parameters in DDL", sql)
		}
	}
	s.nextStmt++
	c.stmts[s.nextStmt] = p
	return message.PrepareResponse_builder{Statement: message.StatementHandle_builder{
		ConnectionId: c.id,
		Id:           s.nextStmt,
		Signature: message.Signature_builder{
			Columns:       cols,
			Sql:           sql,
			Parameters:    params,
			CursorFactory: message.CursorFactory_builder{Style: message.CursorFactory_LIST}.Build(),
			StatementType: statementType(st.kind),
		}.Build(),
	}.Build()}.Build()
}

// checkKeyCondition requires WHERE to name the whole primary key, each
// column once: rtdw's deletes and lookups are point operations.
func (s *Server) checkKeyCondition(st *statement, tbl *table) *Exception {
	var got []int
	for _, name := range st.where {
		i, e := tbl.column(colRef{name: name})
		if e != nil {
			return e
		}
		got = append(got, i)
	}
	want := slices.Clone(tbl.pk)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		s.t.Errorf("avaticatest: %q: WHERE names %v, not exactly the primary key: not a point operation", st.sql, st.where)
	}
	return nil
}

func statementType(k stmtKind) message.StatementType {
	switch k {
	case stmtSelect, stmtSelectConst:
		return message.StatementType_SELECT
	case stmtUpsert:
		return message.StatementType_UPSERT
	case stmtDelete:
		return message.StatementType_DELETE
	case stmtCreateSchema, stmtCreateTable:
		return message.StatementType_CREATE
	}
	return message.StatementType_ALTER
}

func parameter(c *column) *message.AvaticaParameter {
	info := phoenixTypes[c.typ.base]
	return message.AvaticaParameter_builder{
		Signed:        true,
		Precision:     uint32(c.typ.length),
		Scale:         uint32(c.typ.scale),
		ParameterType: uint32(info.javaType),
		TypeName:      c.typ.base,
		ClassName:     info.className,
		Name:          "?",
	}.Build()
}

func columnMeta(ordinal int, tbl *table, c *column) *message.ColumnMetaData {
	info := phoenixTypes[c.typ.base]
	nullable := uint32(1)
	if c.notNull {
		nullable = 0
	}
	return message.ColumnMetaData_builder{
		Ordinal:         uint32(ordinal),
		Nullable:        nullable,
		Signed:          true,
		Label:           c.name,
		ColumnName:      c.name,
		SchemaName:      tbl.name.schema,
		TableName:       tbl.name.name,
		Precision:       uint32(c.typ.length),
		Scale:           uint32(c.typ.scale),
		ColumnClassName: info.className,
		Type: message.AvaticaType_builder{
			Id:   uint32(info.javaType),
			Name: c.typ.base,
			Rep:  info.rep,
		}.Build(),
	}.Build()
}

// prepareAndExecute runs a statement without parameters: DDL and SELECT 1.
func (s *Server) prepareAndExecute(c *conn, r *message.PrepareAndExecuteRequest) proto.Message {
	if _, ok := c.stmts[r.GetStatementId()]; !ok {
		s.t.Errorf("avaticatest: PrepareAndExecute on statement %d, which CreateStatement did not make", r.GetStatementId())
	}
	st, e := s.parse(r.GetSql())
	if e != nil {
		return errorResponse(e)
	}
	s.checkBound(st)
	var result *message.ResultSetResponse
	switch st.kind {
	case stmtSelectConst:
		one := &column{name: "1", typ: sqlType{base: "INTEGER"}, notNull: true}
		result = message.ResultSetResponse_builder{
			ConnectionId: c.id, StatementId: r.GetStatementId(), OwnStatement: true,
			Signature: message.Signature_builder{Columns: []*message.ColumnMetaData{columnMeta(0, &table{}, one)},
				Sql: r.GetSql(), StatementType: message.StatementType_SELECT}.Build(),
			FirstFrame: message.Frame_builder{Done: true, Rows: []*message.Row{rowOf([]*message.TypedValue{
				message.TypedValue_builder{Type: message.Rep_INTEGER, NumberValue: 1}.Build()})}}.Build(),
			UpdateCount: ^uint64(0),
		}.Build()
	case stmtCreateSchema, stmtCreateTable, stmtAlterAdd, stmtAlterDrop, stmtDropTable:
		if e := s.ddl(st); e != nil {
			return errorResponse(e)
		}
		result = message.ResultSetResponse_builder{ConnectionId: c.id, StatementId: r.GetStatementId(), OwnStatement: true, UpdateCount: 0}.Build()
	case stmtDeleteAll:
		tbl, e := s.resolve(st.table)
		if e != nil {
			return errorResponse(e)
		}
		n := uint64(len(tbl.rows))
		for k := range tbl.rows {
			s.write(c, mutation{tbl: tbl, key: k})
		}
		result = updateCount(c, r.GetStatementId(), n)
	default:
		s.t.Errorf("avaticatest: %q sent without parameters: bind its values (Prepare, then Execute)", r.GetSql())
		return errorResponse(SyntaxError("DML without parameters"))
	}
	return message.ExecuteResponse_builder{Results: []*message.ResultSetResponse{result}}.Build()
}

func rowOf(values []*message.TypedValue) *message.Row {
	cols := make([]*message.ColumnValue, len(values))
	for i, v := range values {
		cols[i] = message.ColumnValue_builder{ScalarValue: v}.Build()
	}
	return message.Row_builder{Value: cols}.Build()
}

// ddl applies CREATE SCHEMA, CREATE TABLE and ALTER TABLE ADD.
func (s *Server) ddl(st *statement) *Exception {
	switch st.kind {
	case stmtCreateSchema:
		if !s.cfg.NamespaceMapping {
			return &Exception{Class: sqlExceptionClass, Code: 725, SQLState: "43M08", Message: "Cannot create schema because config phoenix.schema.isNamespaceMappingEnabled for enabling name space mapping isn't enabled. schemaName=" + st.schema}
		}
		if s.schemas[st.schema] && !st.ifNotExists {
			return &Exception{Class: sqlExceptionClass, Code: 721, SQLState: "42M04", Message: "Schema with given name already exists schemaName=" + st.schema}
		}
		s.schemas[st.schema] = true
	case stmtCreateTable:
		if s.tables[st.table] != nil {
			if st.ifNotExists {
				return nil
			}
			return TableAlreadyExists(st.table.String())
		}
		if st.table.schema != "" && s.cfg.NamespaceMapping && !s.schemas[st.table.schema] {
			return SchemaNotFound(st.table.schema)
		}
		tbl := &table{name: st.table, options: st.options, rows: map[string][]*message.TypedValue{}}
		for _, d := range st.columns {
			tbl.cols = append(tbl.cols, column{family: d.family, name: d.name, typ: d.typ, notNull: d.notNull})
		}
		if len(st.pk) == 0 {
			return &Exception{Class: sqlExceptionClass, Code: 509, SQLState: "42888", Message: "The table does not have a primary key. tableName=" + st.table.String()}
		}
		for n, name := range st.pk {
			i, e := tbl.column(colRef{name: name})
			if e != nil {
				return e
			}
			if tbl.cols[i].family != "" {
				return &Exception{Class: sqlExceptionClass, Code: 1003, SQLState: "42J01", Message: "Primary key should not have a family name. columnName=" + name}
			}
			if tbl.cols[i].typ.base == "VARBINARY" && n != len(st.pk)-1 {
				return &Exception{Class: sqlExceptionClass, Code: 1005, SQLState: "42J03", Message: "The VARBINARY type can only be used as the last part of a multi-part row key. columnName=" + name}
			}
			tbl.pk = append(tbl.pk, i)
		}
		for i, c := range tbl.cols {
			if c.notNull && !slices.Contains(tbl.pk, i) {
				return &Exception{Class: sqlExceptionClass, Code: 1007, SQLState: "42K01", Message: "A key/value column may not be declared as not null. columnName=" + c.name}
			}
		}
		s.tables[st.table] = tbl
	case stmtDropTable:
		if s.tables[st.table] == nil {
			if st.ifNotExists {
				return nil
			}
			return TableUndefined(st.table.String())
		}
		delete(s.tables, st.table)
	case stmtAlterDrop:
		tbl, e := s.resolve(st.table)
		if e != nil {
			return e
		}
		i, e := tbl.column(st.targets[0])
		if e != nil {
			if st.ifNotExists {
				return nil
			}
			return e
		}
		if slices.Contains(tbl.pk, i) {
			return &Exception{Class: sqlExceptionClass, Code: 506, SQLState: "42817", Message: "Primary key column may not be dropped. columnName=" + tbl.cols[i].name}
		}
		tbl.cols = slices.Delete(tbl.cols, i, i+1)
		for n, j := range tbl.pk {
			if j > i {
				tbl.pk[n] = j - 1
			}
		}
		for k, row := range tbl.rows {
			tbl.rows[k] = slices.Delete(row, i, i+1)
		}
	case stmtAlterAdd:
		tbl, e := s.resolve(st.table)
		if e != nil {
			return e
		}
		d := st.columns[0]
		if _, e := tbl.column(colRef{family: d.family, name: d.name}); e == nil {
			if st.ifNotExists {
				return nil
			}
			return &Exception{Class: sqlExceptionClass, Code: 514, SQLState: "42711", Message: "A duplicate column name was detected in the object definition or ALTER TABLE statement. columnName=" + d.name}
		}
		tbl.cols = append(tbl.cols, column{family: d.family, name: d.name, typ: d.typ})
		for k, row := range tbl.rows {
			tbl.rows[k] = append(row, nullValue())
		}
	}
	return nil
}

func nullValue() *message.TypedValue {
	return message.TypedValue_builder{Type: message.Rep_NULL, Null: true}.Build()
}

// execute runs a prepared statement with its bound values.
func (s *Server) execute(c *conn, r *message.ExecuteRequest) proto.Message {
	h := r.GetStatementHandle()
	p := c.stmts[h.GetId()]
	if p == nil {
		s.t.Errorf("avaticatest: Execute of statement %d, which was not prepared", h.GetId())
		return message.ExecuteResponse_builder{MissingStatement: true}.Build()
	}
	if !r.GetHasParameterValues() {
		s.t.Errorf("avaticatest: Execute of %q without has_parameter_values", p.st.sql)
	}
	result, e := s.run(c, p, h.GetId(), r.GetParameterValues())
	if e != nil {
		return errorResponse(e)
	}
	return message.ExecuteResponse_builder{Results: []*message.ResultSetResponse{result}}.Build()
}

func (s *Server) executeBatch(c *conn, r *message.ExecuteBatchRequest) proto.Message {
	p := c.stmts[r.GetStatementId()]
	if p == nil {
		return message.ExecuteBatchResponse_builder{MissingStatement: true}.Build()
	}
	var counts []uint64
	for _, u := range r.GetUpdates() {
		res, e := s.run(c, p, r.GetStatementId(), u.GetParameterValues())
		if e != nil {
			return errorResponse(e)
		}
		counts = append(counts, res.GetUpdateCount())
	}
	return message.ExecuteBatchResponse_builder{ConnectionId: c.id, StatementId: r.GetStatementId(), UpdateCounts: counts}.Build()
}

// run executes an UPSERT, DELETE or SELECT with values.
func (s *Server) run(c *conn, p *prepared, stmtID uint32, values []*message.TypedValue) (*message.ResultSetResponse, *Exception) {
	st := p.st
	if p.tbl == nil {
		s.t.Errorf("avaticatest: Execute of %q, which takes no parameters", st.sql)
		return nil, SyntaxError("not executable with parameters")
	}
	if len(values) != st.params {
		s.t.Errorf("avaticatest: %q has %d parameters, Execute bound %d", st.sql, st.params, len(values))
		return nil, &Exception{Class: sqlExceptionClass, Code: 1015, SQLState: "42Y62", Message: "Incorrect number of parameters"}
	}
	// The table may have been replaced (or altered) since the prepare.
	tbl, e := s.resolve(p.tbl.name)
	if e != nil {
		return nil, e
	}
	switch st.kind {
	case stmtUpsert:
		row := make([]*message.TypedValue, len(tbl.cols))
		for i := range row {
			row[i] = nullValue()
		}
		for n, ref := range st.targets {
			i, e := tbl.column(ref)
			if e != nil {
				return nil, e
			}
			if e := checkValue(&tbl.cols[i], values[n]); e != nil {
				return nil, e
			}
			row[i] = values[n]
		}
		key := make([]*message.TypedValue, len(tbl.pk))
		for n, i := range tbl.pk {
			if isNull(row[i]) {
				return nil, NotNullViolation(tbl.cols[i].name)
			}
			key[n] = row[i]
		}
		s.write(c, mutation{tbl: tbl, key: keyOf(key), row: row})
		return updateCount(c, stmtID, 1), nil
	case stmtDelete, stmtSelect:
		key, e := s.whereKey(st, tbl, values)
		if e != nil {
			return nil, e
		}
		if st.kind == stmtDelete {
			n := uint64(0)
			if _, ok := tbl.rows[key]; ok {
				n = 1
			}
			s.write(c, mutation{tbl: tbl, key: key})
			return updateCount(c, stmtID, n), nil
		}
		return s.selectRow(c, stmtID, st, tbl, key)
	}
	return nil, SyntaxError("not executable")
}

func isNull(v *message.TypedValue) bool {
	return v == nil || v.GetNull() || v.GetType() == message.Rep_NULL
}

func (s *Server) whereKey(st *statement, tbl *table, values []*message.TypedValue) (string, *Exception) {
	key := make([]*message.TypedValue, len(tbl.pk))
	for n, name := range st.where {
		i, e := tbl.column(colRef{name: name})
		if e != nil {
			return "", e
		}
		if e := checkValue(&tbl.cols[i], values[n]); e != nil {
			return "", e
		}
		key[slices.Index(tbl.pk, i)] = values[n]
	}
	return keyOf(key), nil
}

func (s *Server) write(c *conn, m mutation) {
	if c.autoCommit {
		s.autoCommitWrites++
		applyMutation(m)
		return
	}
	c.pending = append(c.pending, m)
}

func applyMutation(m mutation) {
	if m.row == nil {
		delete(m.tbl.rows, m.key)
		return
	}
	m.tbl.rows[m.key] = m.row
}

// apply commits the connection's pending mutations, in order.
func (s *Server) apply(c *conn) {
	for _, m := range c.pending {
		applyMutation(m)
	}
	c.pending = nil
}

func updateCount(c *conn, stmtID uint32, n uint64) *message.ResultSetResponse {
	return message.ResultSetResponse_builder{ConnectionId: c.id, StatementId: stmtID, UpdateCount: n}.Build()
}

func (s *Server) selectRow(c *conn, stmtID uint32, st *statement, tbl *table, key string) (*message.ResultSetResponse, *Exception) {
	var cols []*message.ColumnMetaData
	idx := make([]int, len(st.targets))
	for n, ref := range st.targets {
		i, e := tbl.column(ref)
		if e != nil {
			return nil, e
		}
		idx[n] = i
		cols = append(cols, columnMeta(n, tbl, &tbl.cols[i]))
	}
	var rows []*message.Row
	if row, ok := tbl.rows[key]; ok {
		out := make([]*message.TypedValue, len(idx))
		for n, i := range idx {
			out[n] = resultValue(&tbl.cols[i], row[i])
		}
		rows = append(rows, rowOf(out))
	}
	return message.ResultSetResponse_builder{
		ConnectionId: c.id, StatementId: stmtID,
		Signature:   message.Signature_builder{Columns: cols, Sql: st.sql, StatementType: message.StatementType_SELECT}.Build(),
		FirstFrame:  message.Frame_builder{Done: true, Rows: rows}.Build(),
		UpdateCount: ^uint64(0),
	}.Build(), nil
}

// resultValue is a stored value as PQS returns it in a frame: typed by the
// column's representation.
func resultValue(c *column, v *message.TypedValue) *message.TypedValue {
	if isNull(v) {
		return nullValue()
	}
	out := proto.Clone(v).(*message.TypedValue)
	out.SetType(phoenixTypes[c.typ.base].rep)
	return out
}

// goValue is a TypedValue as a Go value, for Calls and Rows.
func goValue(v *message.TypedValue) any {
	switch v.GetType() {
	case message.Rep_NULL:
		return nil
	case message.Rep_STRING, message.Rep_BIG_DECIMAL:
		return v.GetStringValue()
	case message.Rep_DOUBLE, message.Rep_FLOAT:
		return v.GetDoubleValue()
	case message.Rep_BOOLEAN:
		return v.GetBoolValue()
	case message.Rep_BYTE_STRING:
		return v.GetBytesValue()
	}
	if v.GetNull() {
		return nil
	}
	return v.GetNumberValue()
}
