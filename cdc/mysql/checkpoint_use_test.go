package mysql_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
)

func TestUseCheckpoints(t *testing.T) {
	store := cdc.NewMemoryOffsetStore()
	s, err := mysql.NewSource().Hostname("127.0.0.1").Username("u").DatabaseList("shop").Name("shop").Build()
	if err != nil {
		t.Fatal(err)
	}
	if s.Name() != "shop" {
		t.Errorf("Name = %q", s.Name())
	}
	if err := s.UseCheckpoints(store, -time.Second); err == nil {
		t.Error("a negative interval was taken")
	}
	if err := s.UseCheckpoints(store, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	if c := s.Config(); c.OffsetStore != store || c.OffsetCommitInterval != 3*time.Second {
		t.Errorf("Config after UseCheckpoints: store %T, interval %v", c.OffsetStore, c.OffsetCommitInterval)
	}
	if err := s.UseCheckpoints(cdc.NewMemoryOffsetStore(), time.Second); err != nil {
		t.Errorf("a second UseCheckpoints (a pipeline built again): %v", err)
	}

	own, err := mysql.NewSource().Hostname("127.0.0.1").Username("u").DatabaseList("shop").OffsetStore(cdc.NewFileOffsetStore("/tmp/x.json")).Build()
	if err != nil {
		t.Fatal(err)
	}
	err = own.UseCheckpoints(store, time.Second)
	if err == nil || !strings.Contains(err.Error(), "checkpoint file /tmp/x.json") {
		t.Errorf("a source with its own store: UseCheckpoints = %v", err)
	}
	if own.Config().OffsetStore == cdc.OffsetStore(store) {
		t.Error("the refused store replaced the source's own")
	}
}
