package phoenix

import "github.com/rtdw/rtdw/cdc"

// SchemaChangePolicy returns [SinkConfig.SchemaChanges], the policy the sink
// applies schema changes under: a pipeline that sets a policy for this sink
// (package cdc/pipeline's SchemaChanges) checks that the two agree.
func (s *Sink) SchemaChangePolicy() cdc.SchemaChangePolicy { return s.cfg.SchemaChanges }
