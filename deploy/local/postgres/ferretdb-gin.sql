-- Generated indexes that let FerretDB 1.24's PostgreSQL backend use an index for the filters it
-- pushes down. Applied by deploy/local/infra.sh on every `up` (idempotent).
--
-- Why: FerretDB 1.24 turns every pushed-down equality (`{_id: x}`, `{stream_id: s}`, ...) into
-- `_jsonb->'field' @> '"x"'`, while the indexes it creates are B-trees on `(_jsonb->'field')`,
-- which serve `=` but never `@>`: every find is a sequential scan whose cost grows with the
-- collection (measured: a find by _id on 200,000 commits takes 36-60 ms). A GIN index with
-- jsonb_path_ops on the same expression serves `@>`: the same find takes ~1 ms.
--
-- How: an event trigger gives every B-tree index that FerretDB creates on a `_jsonb` column a
-- GIN twin per key column. Only the local/CI server has this; production runs MongoDB.
--
-- The twins are built with `fastupdate = off`: with GIN's default pending list, new entries
-- wait in an unsorted list (up to gin_pending_list_limit, 4 MB) that every look-up scans
-- until vacuum merges it. Measured (60,000 commits just inserted, machine loaded): a find by
-- `stream_id` took 4.8 ms with the list as left and 1.2 ms once it was merged; so a store
-- right after a bulk insert, or under a steady stream of commands, paid for the list on
-- every look-up. Each twin indexes one scalar per row, so inserting straight into the tree
-- costs little.

CREATE OR REPLACE FUNCTION duxue_gin_twins(idx oid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  r record;
  i int;
  expr text;
  twin text;
BEGIN
  SELECT ix.indexrelid, ix.indrelid, ix.indnkeyatts, c.relname AS iname, n.nspname, t.relname AS tname
    INTO r
    FROM pg_index ix
    JOIN pg_class c ON c.oid = ix.indexrelid
    JOIN pg_am am ON am.oid = c.relam
    JOIN pg_class t ON t.oid = ix.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
   WHERE ix.indexrelid = idx AND am.amname = 'btree';
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_attribute
                  WHERE attrelid = r.indrelid AND attname = '_jsonb' AND NOT attisdropped) THEN
    RETURN;
  END IF;
  FOR i IN 1..r.indnkeyatts LOOP
    expr := pg_get_indexdef(r.indexrelid, i, true);
    CONTINUE WHEN expr NOT LIKE '%_jsonb%';
    twin := left(r.iname, 54) || '_gin' || i;
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I.%I USING gin ((%s) jsonb_path_ops) '
                   'WITH (fastupdate = off)',
                   twin, r.nspname, r.tname, expr);
  END LOOP;
END;
$$;

CREATE OR REPLACE FUNCTION duxue_gin_twins_on_ddl() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  cmd record;
BEGIN
  FOR cmd IN SELECT objid FROM pg_event_trigger_ddl_commands()
              WHERE command_tag = 'CREATE INDEX' AND object_type = 'index' LOOP
    PERFORM duxue_gin_twins(cmd.objid);
  END LOOP;
END;
$$;

DROP EVENT TRIGGER IF EXISTS duxue_gin_twins;
CREATE EVENT TRIGGER duxue_gin_twins ON ddl_command_end
  WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION duxue_gin_twins_on_ddl();

-- Indexes that existed before the trigger (an older cluster) get their twins now.
DO $$
DECLARE
  x record;
BEGIN
  FOR x IN SELECT ix.indexrelid
             FROM pg_index ix
             JOIN pg_class c ON c.oid = ix.indexrelid
             JOIN pg_am am ON am.oid = c.relam
             JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attname = '_jsonb'
            WHERE am.amname = 'btree' LOOP
    PERFORM duxue_gin_twins(x.indexrelid);
  END LOOP;
END;
$$;

-- Twins made before `fastupdate = off` (an older cluster): switch them and merge their lists.
DO $$
DECLARE
  x record;
BEGIN
  FOR x IN SELECT c.oid, c.relname, n.nspname
             FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_am am ON am.oid = c.relam
            WHERE am.amname = 'gin' AND c.relname LIKE '%\_gin%'
              AND NOT coalesce(c.reloptions @> ARRAY['fastupdate=off'], false) LOOP
    EXECUTE format('ALTER INDEX %I.%I SET (fastupdate = off)', x.nspname, x.relname);
    PERFORM gin_clean_pending_list(x.oid);
  END LOOP;
END;
$$;
