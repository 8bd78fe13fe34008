-- 013: One event per step of a Conclave session. Every session event carries `step`, its place in the session (the
-- opening is step 1; docs/PROTOCOL.md §18), and the procedure replays only consecutive steps. This index makes the
-- database refuse a second event at a step already written, so two runners of one session (a resume started while
-- the session still runs elsewhere) cannot both write the next act: the later batch is refused whole
-- (STORE_CONFLICT, which the runner reports as DELIBERATION_SESSION_BUSY) and the session's log stays replayable.
-- Events of other types, and any without a step (NULL is distinct), are not constrained.
BEGIN;

CREATE UNIQUE INDEX events_conclave_session_step_key
  ON events ((payload ->> 'session_id'), (payload ->> 'step'))
  WHERE event_type LIKE 'conclave.%';

COMMENT ON INDEX events_conclave_session_step_key IS 'One event per (session_id, step) of a Conclave session: two runners of one session cannot both write a step.';

INSERT INTO schema_migrations (version, name) VALUES ('013', 'conclave_session_steps');
COMMIT;
