-- Why each dead letter is one: event (regstat could not interpret it), data (the database cannot hold one of
-- its values, SQLSTATE class 22) or schema (a constraint of regstat's own schema refused a good event, class 23:
-- a regstat bug; such events are kept whole so that they can be replayed once it is fixed).
alter table regstat.dead_letters add column cause text not null default 'event';
