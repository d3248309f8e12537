-- 008: agreements as they really are (issue 13). Per clock: the policy version that measured it
-- (NULL: the unversioned [policy]), the calendar's name, whether the ticket was opened before the
-- first version and measured by it anyway, and the solution clock's paused seconds per status
-- (NULL on attention rows). Per ticket and technician group: its OLA hold.
ALTER TABLE sla_results ADD COLUMN policy_version VARCHAR;
ALTER TABLE sla_results ADD COLUMN calendar VARCHAR;
ALTER TABLE sla_results ADD COLUMN before_first_version BOOLEAN;
ALTER TABLE sla_results ADD COLUMN paused_waiting_seconds BIGINT;
ALTER TABLE sla_results ADD COLUMN paused_planned_seconds BIGINT;
ALTER TABLE sla_results ADD COLUMN paused_solved_seconds BIGINT;

CREATE TABLE ola_results (
    source           VARCHAR NOT NULL,
    ticket_id        VARCHAR NOT NULL,
    tech_group       VARCHAR NOT NULL,            -- '(sin grupo)' for time with no group
    business_seconds BIGINT NOT NULL,             -- solution-clock seconds while it held the ticket
    target_seconds   BIGINT,                      -- [[ola.rule]] target; NULL when none
    state            VARCHAR NOT NULL             -- met | breached | running | no_target
);
