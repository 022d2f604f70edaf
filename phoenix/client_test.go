package phoenix_test

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/phoenix"
	"github.com/rtdw/rtdw/phoenix/avaticatest"
)

func TestUnreachableServer(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	cfg := phoenix.DefaultConfig("http://" + addr)
	cfg.Timeout = 2 * time.Second
	client, err := phoenix.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx := ctxT(t)
	start := time.Now()
	err = client.Ping(ctx)
	if err == nil || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("Ping = %v, want connection refused naming %s", err, addr)
	}
	t.Log(err)
	sink, _ := phoenix.NewSink(client, phoenix.SinkConfig{})
	s := userInfo(t)
	if err := sink.HandleEvents(ctx, []cdc.Event{event(cdc.OpCreate, s, nil, userRow(1, "a"))}); err == nil {
		t.Fatal("HandleEvents (which creates the table) succeeded against no server")
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("took %v", time.Since(start))
	}
}

func TestConfigErrorsNameEveryField(t *testing.T) {
	t.Parallel()
	_, err := phoenix.Open(phoenix.Config{
		URL: "pqs:8765", Authentication: "KERBEROS", Timeout: -time.Second, Serialization: "JSON",
		MapSystemTablesToNamespace: true, MaxOpenConns: -1,
	})
	if !errors.Is(err, phoenix.ErrInvalidConfig) {
		t.Fatalf("err = %v", err)
	}
	for _, f := range []string{"URL", "Authentication", "Timeout", "Serialization", "MapSystemTablesToNamespace", "MaxOpenConns"} {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error lacks %s:\n%v", f, err)
		}
	}
}

func TestPasswordNeverPrinted(t *testing.T) {
	t.Parallel()
	const pw = "s3cr3t-pw"
	srv := avaticatest.NewServer(t, avaticatest.Config{Username: "rtdw", Password: pw})
	cfg := phoenix.DefaultConfig(srv.URL())
	cfg.Authentication, cfg.Username, cfg.Password = phoenix.AuthBasic, "rtdw", pw
	client, err := phoenix.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if err := client.Ping(ctxT(t)); err != nil {
		t.Fatalf("Ping with BASIC auth: %v", err)
	}
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg)} {
		if strings.Contains(s, pw) {
			t.Errorf("password printed: %s", s)
		}
	}
	cfg.Password = "wrong-" + pw
	bad, _ := phoenix.Open(cfg)
	defer bad.Close()
	err = bad.Ping(ctxT(t))
	if err == nil || strings.Contains(err.Error(), pw) || !strings.Contains(err.Error(), "401 Unauthorized") {
		t.Fatalf("Ping with a wrong password = %v", err)
	}
	t.Log(err)
	_, err = phoenix.Open(phoenix.Config{URL: "http://rtdw:" + pw + "@pqs:8765"})
	if err == nil || strings.Contains(err.Error(), pw) {
		t.Fatalf("credentials in the URL: %v", err)
	}
}
