package avaticatest

import "testing"

// The fake's SQL parser never panics, whatever it is sent.
func FuzzParseStatement(f *testing.F) {
	for _, s := range []string{
		`CREATE TABLE IF NOT EXISTS "S"."t" ("id" BIGINT NOT NULL, "f"."v" VARCHAR, CONSTRAINT "pk" PRIMARY KEY ("id")) SALT_BUCKETS=4, COMPRESSION='SNAPPY'`,
		`UPSERT INTO "S"."t" ("id", "f"."v") VALUES (?, ?)`,
		`DELETE FROM "t" WHERE "id" = ? AND "k" = ?`,
		`SELECT "id", "f"."v" FROM "S"."t" WHERE "id" = ?`,
		`ALTER TABLE "t" ADD IF NOT EXISTS "f"."c" DECIMAL(10,2)`,
		`ALTER TABLE "t" DROP COLUMN IF EXISTS "c"`,
		`DROP TABLE IF EXISTS t`, `CREATE SCHEMA IF NOT EXISTS "S"`, `SELECT 1`, `DELETE FROM t`,
		`UPSERT INTO t (a) VALUES ('it''s', 1, -2.5)`, `"unterminated`, `'x`, `(`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		st, err := parseStatement(sql)
		if err == nil && st == nil {
			t.Fatal("no statement and no error")
		}
	})
}
