package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/internal/testenv"
)

// The program renders user_info from the live MySQL schema, creates it
// through the fake gateway of each Flink release and prints the SELECT's
// rows as Flink prints rows; the password shows nowhere.
func TestFlinkCDCSQLAgainstFakeGateway(t *testing.T) {
	t.Parallel()
	src := testenv.NewSource(t, testenv.MySQL)
	src.Exec(t,
		"CREATE TABLE user_info (id BIGINT PRIMARY KEY, name VARCHAR(200), phone_num VARCHAR(20), birthday DATE)",
		"INSERT INTO user_info VALUES (1, 'zhangsan', '13800000001', '2000-01-01'), (2, 'lisi', NULL, '1999-12-31'), (3, 'wangwu', '13800000003', NULL)",
	)
	for _, version := range []string{"1.18", "1.20", "2.2"} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			cfg := config{Host: src.Host, Port: src.Port, User: src.User, Password: src.Password, Database: src.Database,
				Table: "user_info", ServerID: "5400-5403", Version: version}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var stdout, stderr bytes.Buffer
			if err := run(ctx, cfg, &stdout, &stderr); err != nil {
				t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
			}
			want := "+I[1, zhangsan, 13800000001, 2000-01-01]\n+I[2, lisi, null, 1999-12-31]\n+I[3, wangwu, 13800000003, null]\n"
			if stdout.String() != want {
				t.Errorf("stdout:\n%s\nwant:\n%s", stdout.String(), want)
			}
			for _, w := range []string{"`birthday` DATE", "'connector' = 'mysql-cdc'", "'database-name' = '" + src.Database + "'", "SELECT * FROM `src_" + src.Database + "_user_info`"} {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
			if src.Password != "" && strings.Contains(stderr.String()+stdout.String(), src.Password) {
				t.Errorf("the password is printed")
			}
		})
	}
}
