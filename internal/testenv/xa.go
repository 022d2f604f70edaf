package testenv

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// EndXA runs stmt, the XA COMMIT or XA ROLLBACK of xid (quoted), from
// another session than the one that prepared it, and reports whether xid
// was prepared: it retries while the server answers XAER_NOTA (1397) yet
// lists xid among the prepared transactions (XA RECOVER). MariaDB detaches
// a prepared transaction from its session some time after the session
// closed, and answers XAER_NOTA until then; a transaction left prepared
// holds up every later snapshot on the server, whose source waits for the
// XA transactions prepared before it.
func EndXA(ctx context.Context, db *sql.DB, stmt, xid string) (bool, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := db.ExecContext(ctx, stmt)
		var me *mysql.MySQLError
		if err == nil || !errors.As(err, &me) || me.Number != 1397 {
			return err == nil, err
		}
		listed, lerr := XAListed(ctx, db, xid)
		if lerr != nil {
			return false, lerr
		}
		if !listed {
			return false, nil
		}
		if time.Now().After(deadline) {
			return false, fmt.Errorf("%s: %w (still prepared after 30s)", stmt, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// XAListed reports whether XA RECOVER lists xid (quoted).
func XAListed(ctx context.Context, db *sql.DB, xid string) (bool, error) {
	want := strings.Trim(xid, "'")
	rows, err := db.QueryContext(ctx, "XA RECOVER")
	if err != nil {
		return false, err
	}
	defer rows.Close()
	found := false
	for rows.Next() {
		var format, gtridLen, bqualLen int
		var data string
		if err := rows.Scan(&format, &gtridLen, &bqualLen, &data); err != nil {
			return false, err
		}
		found = found || data == want
	}
	return found, rows.Err()
}
