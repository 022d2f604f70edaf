package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/clickhouse"
)

// gmall is the demo's small shop schema in one MySQL database: users, skus,
// and orders sharded over several order_info_<n> tables by order id, as a
// sharded shop does; the pipeline routes the shards into one table.
type gmall struct {
	db       string
	shards   int
	users    int
	skus     int
	orders   int // loaded orders, over all shards
	nextUser int
	nextID   int // the next order id
	rng      *rand.Rand
}

func newGmall(database string, orders, shards int) *gmall {
	return &gmall{db: database, shards: shards, orders: orders, users: max(orders/10, 10), skus: max(orders/100, 10),
		rng: rand.New(rand.NewPCG(1, 2))}
}

var q = clickhouse.QuoteIdent // backquote quoting is the same in MySQL

func (g *gmall) table(name string) string { return q(g.db) + "." + q(name) }

func (g *gmall) shardName(i int) string { return fmt.Sprintf("order_info_%d", i) }

// tables lists the captured tables.
func (g *gmall) tables() []cdc.TableID {
	ids := []cdc.TableID{{Database: g.db, Table: "users"}, {Database: g.db, Table: "skus"}}
	for i := range g.shards {
		ids = append(ids, cdc.TableID{Database: g.db, Table: g.shardName(i)})
	}
	return ids
}

func (g *gmall) create(ctx context.Context, db *sql.DB) error {
	stmts := []string{
		"DROP DATABASE IF EXISTS " + q(g.db),
		"CREATE DATABASE " + q(g.db) + " CHARACTER SET utf8mb4",
		"CREATE TABLE " + g.table("users") + ` (
			id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
			name VARCHAR(64) NOT NULL,
			email VARCHAR(128) NULL,
			level ENUM('bronze','silver','gold') NOT NULL,
			born DATE NULL,
			created_at DATETIME NOT NULL,
			profile JSON NULL)`,
		"CREATE TABLE " + g.table("skus") + ` (
			id INT NOT NULL PRIMARY KEY,
			name VARCHAR(128) NOT NULL,
			category VARCHAR(32) NOT NULL,
			price DECIMAL(12,2) NOT NULL,
			stock INT NOT NULL)`,
	}
	for i := range g.shards {
		stmts = append(stmts, "CREATE TABLE "+g.table(g.shardName(i))+` (
			id BIGINT NOT NULL PRIMARY KEY,
			user_id BIGINT UNSIGNED NOT NULL,
			sku_id INT NOT NULL,
			quantity SMALLINT NOT NULL,
			amount DECIMAL(14,2) NOT NULL,
			status ENUM('created','paid','shipped','cancelled') NOT NULL,
			created_at DATETIME(3) NOT NULL,
			note VARCHAR(255) NULL)`)
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("mysql: %.40s: %w", strings.Join(strings.Fields(s), " "), err)
		}
	}
	return nil
}

// load fills the tables in batches of multi-row INSERTs.
func (g *gmall) load(ctx context.Context, db *sql.DB, bar *progressbar.ProgressBar) error {
	if err := insertRows(ctx, db, g.table("users"), 7, g.users, func(i int) []any { return g.user(i, 0) }, bar); err != nil {
		return err
	}
	g.nextUser = g.users
	if err := insertRows(ctx, db, g.table("skus"), 5, g.skus, func(i int) []any { return g.sku(i, 0) }, bar); err != nil {
		return err
	}
	// Orders go to the shard of their id.
	for s := range g.shards {
		n := g.orders / g.shards
		if s < g.orders%g.shards {
			n++
		}
		row := func(i int) []any { return g.order(i*g.shards+s, 0) }
		if err := insertRows(ctx, db, g.table(g.shardName(s)), 8, n, row, bar); err != nil {
			return err
		}
	}
	g.nextID = g.orders
	return nil
}

func insertRows(ctx context.Context, db *sql.DB, table string, cols, n int, row func(i int) []any, bar *progressbar.ProgressBar) error {
	const batch = 1000
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + "),"
	args := make([]any, 0, batch*cols)
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		args = args[:0]
		for i := lo; i < hi; i++ {
			args = append(args, row(i)...)
		}
		stmt := "INSERT INTO " + table + " VALUES " + strings.TrimSuffix(strings.Repeat(tuple, hi-lo), ",")
		if _, err := db.ExecContext(ctx, stmt, args...); err != nil {
			return fmt.Errorf("mysql: loading %s rows %d-%d: %w", table, lo, hi, err)
		}
		_ = bar.Add(hi - lo)
	}
	return nil
}

func (g *gmall) user(i, version int) []any {
	var email, born, profile any
	if i%7 != 0 {
		email = fmt.Sprintf("user%d@example.com", i)
	}
	if i%5 != 0 {
		born = time.Date(1971+i%50, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	}
	if i%3 == 0 {
		profile = fmt.Sprintf(`{"tags": ["t%d"], "score": %d, "v": %d}`, i%10, i%1000, version)
	}
	return []any{uint64(i) + 1, fmt.Sprintf("用户 %d", i), email, []string{"bronze", "silver", "gold"}[(i+version)%3], born,
		time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute).Format(time.DateTime), profile}
}

func (g *gmall) sku(i, version int) []any {
	return []any{i + 1, fmt.Sprintf("SKU %d «%s»", i, []string{"phone", "laptop", "tea", "book"}[i%4]),
		[]string{"electronics", "electronics", "food", "books"}[i%4],
		fmt.Sprintf("%d.%02d", 5+(i*37+version)%2000, (i+version)%100), 1000 - (i+version)%1000}
}

func (g *gmall) order(id, version int) []any {
	var note any
	if id%4 == 0 {
		note = fmt.Sprintf("gift wrap #%d v%d", id, version)
	}
	return []any{int64(id) + 1, uint64(id%g.users) + 1, id%g.skus + 1, 1 + id%5,
		fmt.Sprintf("%d.%02d", 10+(id*13+version)%5000, id%100),
		[]string{"created", "paid", "shipped", "cancelled"}[(id/7+version)%4],
		time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(id)*time.Second + time.Duration(id%1000)*time.Millisecond).Format("2006-01-02 15:04:05.000"),
		note}
}

// changeTx makes one transaction of ten random changes: new orders, order
// updates and deletes, user and sku updates, and a new user now and then.
// It returns the number of rows changed.
func (g *gmall) changeTx(ctx context.Context, db *sql.DB, version int) (int, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	changed := 0
	for k := range 10 {
		var res sql.Result
		var err error
		switch g.rng.IntN(10) {
		case 0, 1, 2: // a new order in its shard
			id := g.nextID
			g.nextID++
			res, err = tx.ExecContext(ctx, "INSERT INTO "+g.table(g.shardName(id%g.shards))+" VALUES (?,?,?,?,?,?,?,?)", g.order(id, 0)...)
		case 3, 4, 5: // an order moves on
			id := g.rng.IntN(g.nextID)
			r := g.order(id, version+k)
			res, err = tx.ExecContext(ctx, "UPDATE "+g.table(g.shardName(id%g.shards))+" SET amount = ?, status = ?, note = ? WHERE id = ?", r[4], r[5], r[7], r[0])
		case 6: // an order is deleted
			id := g.rng.IntN(g.nextID)
			res, err = tx.ExecContext(ctx, "DELETE FROM "+g.table(g.shardName(id%g.shards))+" WHERE id = ?", int64(id)+1)
		case 7: // a user changes level and profile
			i := g.rng.IntN(g.nextUser)
			r := g.user(i, version+k)
			res, err = tx.ExecContext(ctx, "UPDATE "+g.table("users")+" SET level = ?, profile = ? WHERE id = ?", r[3], r[6], r[0])
		case 8: // a sku's price and stock change
			i := g.rng.IntN(g.skus)
			r := g.sku(i, version+k)
			res, err = tx.ExecContext(ctx, "UPDATE "+g.table("skus")+" SET price = ?, stock = ? WHERE id = ?", r[3], r[4], r[0])
		default: // a new user
			i := g.nextUser
			g.nextUser++
			res, err = tx.ExecContext(ctx, "INSERT INTO "+g.table("users")+" VALUES (?,?,?,?,?,?,?)", g.user(i, 0)...)
		}
		if err != nil {
			return 0, fmt.Errorf("mysql: change: %w", err)
		}
		n, _ := res.RowsAffected()
		changed += int(n)
	}
	return changed, tx.Commit()
}
