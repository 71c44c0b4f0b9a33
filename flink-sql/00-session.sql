-- Session settings of the CDC pipeline. Rendered at synth by StreamJob (mustache placeholders).
-- The job name carries a hash of this script, so the submit job recognises a running copy.
SET 'pipeline.name' = '{{jobName}}';
SET 'table.local-time-zone' = 'UTC';
SET 'execution.runtime-mode' = 'streaming';
-- Iceberg commits on each checkpoint: the interval bounds how fresh the tables are.
SET 'execution.checkpointing.interval' = '{{checkpointIntervalMs}}ms';
SET 'execution.checkpointing.mode' = 'EXACTLY_ONCE';
{{#checkpointDir}}
-- A job beside the pipeline keeps its checkpoints apart: each keeper restores the newest under its own.
SET 'state.checkpoints.dir' = '{{checkpointDir}}';
{{/checkpointDir}}
SET 'parallelism.default' = '{{parallelism}}';
-- Chained operators hand rows on without copying them: each source builds a new row per event
-- and the Iceberg writers copy what they keep (the upsert writer its keys).
SET 'pipeline.object-reuse' = 'true';
