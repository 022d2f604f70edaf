package mysql

import (
	"errors"
	"fmt"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

// Name returns the source's [Config.Name], the name its checkpoints are
// stored under. A pipeline keeping several sources' checkpoints in one store
// keys them by it (package cdc/pipeline's Checkpoint).
func (s *Source) Name() string { return s.cfg.Name }

// UseCheckpoints makes the source keep its checkpoint in store, saving it
// at most every interval while streaming (as [Config.OffsetStore] and
// [Config.OffsetCommitInterval] would): a pipeline that keeps its sources'
// checkpoints calls it (package cdc/pipeline's Checkpoint). Call it before
// Run, and not while Run or Config is called on another goroutine; a later
// call replaces what an earlier one gave.
//
// It returns an error, and changes nothing, when the source's Config named
// an OffsetStore of its own (a source keeps one checkpoint, in one store),
// when Run is in progress, when store is nil or interval negative.
func (s *Source) UseCheckpoints(store cdc.OffsetStore, interval time.Duration) error {
	if store == nil {
		return errors.New("mysql: UseCheckpoints needs a store")
	}
	if interval < 0 {
		return fmt.Errorf("mysql: UseCheckpoints interval %v is negative; use 0 to save at every transaction boundary, or a period such as 1s", interval)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return ErrAlreadyRunning
	}
	if s.cfg.storeGiven {
		return fmt.Errorf("mysql: source %q already keeps its checkpoint in its Config's OffsetStore (%s); remove OffsetStore from the source's configuration, or do not give it another store", s.cfg.Name, describeStore(s.cfg.OffsetStore))
	}
	cfg := *s.cfg
	cfg.OffsetStore = store
	cfg.OffsetCommitInterval = interval
	s.cfg = &cfg
	return nil
}
