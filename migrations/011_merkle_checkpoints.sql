-- 011: the RFC 6962 Merkle tree over the log (merkle_nodes), the log's signed checkpoints of it (checkpoints) and
-- the cosignatures that checkpoint witnesses add to them (cosignatures). docs/PROTOCOL.md §15.
--
-- The database checks what it can recompute: every stored node is the hash of its event or of its two children,
-- leaves are stored without gaps, and a checkpoint's tree size, root hash and note text agree with the stored tree
-- (A7211). It cannot check Ed25519 signatures; verifiers do (PROTOCOL.md §15.4). All three tables are append-only
-- (A7205).
BEGIN;

-- Every perfect subtree of the tree over events 1..n: leaf i (level 0, index i) is the event with sequence i + 1;
-- node (level, index) covers leaves index·2^level … (index+1)·2^level − 1. A node is stored once both its children
-- are, so proofs read O(log n) rows and the right edge of any tree size is folded from its perfect subtrees.
CREATE TABLE merkle_nodes (
  level smallint NOT NULL CHECK (level BETWEEN 0 AND 62),
  index bigint NOT NULL CHECK (index >= 0),
  hash  bytea NOT NULL CHECK (octet_length(hash) = 32),
  PRIMARY KEY (level, index)
);
COMMENT ON TABLE merkle_nodes IS 'Every perfect subtree of the RFC 6962 Merkle tree over the events (docs/PROTOCOL.md §15); append-only, each hash checked on insert.';
COMMENT ON COLUMN merkle_nodes.level IS 'Height of the subtree: 0 for a leaf, k for a subtree of 2^k leaves.';
COMMENT ON COLUMN merkle_nodes.index IS 'Position among the subtrees of its level: the subtree covers leaves index·2^level to (index+1)·2^level − 1; leaf i is the event with sequence i + 1.';
COMMENT ON COLUMN merkle_nodes.hash IS 'Leaf: SHA-256(0x00 || leaf input of the event); node: SHA-256(0x01 || left child || right child). 32 raw bytes.';

-- PROTOCOL.md §15.1: the leaf input of an event, recomputed from the stored row.
CREATE FUNCTION merkle_leaf_hash(event_sequence bigint) RETURNS bytea LANGUAGE sql STABLE AS $$
  SELECT sha256('\x00'::bytea || convert_to('archon72/merkle-leaf/v1', 'UTF8') || '\x00'::bytea
                || decode(content_hash, 'hex') || decode(witness_signature, 'base64') || convert_to(witness_id, 'UTF8'))
    FROM events WHERE sequence = event_sequence;
$$;
COMMENT ON FUNCTION merkle_leaf_hash(bigint) IS 'RFC 6962 leaf hash of the stored event at this sequence (docs/PROTOCOL.md §15.1), or NULL when there is none.';

-- VOLATILE (the default) so that, within one multi-row INSERT, each row sees the rows inserted before it.
CREATE FUNCTION verify_merkle_node() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  expected bytea;
BEGIN
  IF NEW.level = 0 THEN
    IF NEW.index > 0 AND NOT EXISTS (SELECT 1 FROM merkle_nodes WHERE level = 0 AND index = NEW.index - 1) THEN
      RAISE EXCEPTION 'merkle tree: leaf % stored before leaf %', NEW.index, NEW.index - 1 USING ERRCODE = 'A7211';
    END IF;
    expected := merkle_leaf_hash(NEW.index + 1);
    IF expected IS NULL THEN
      RAISE EXCEPTION 'merkle tree: leaf % has no event (sequence %)', NEW.index, NEW.index + 1 USING ERRCODE = 'A7211';
    END IF;
  ELSE
    SELECT sha256('\x01'::bytea || l.hash || r.hash) INTO expected
      FROM merkle_nodes l, merkle_nodes r
     WHERE l.level = NEW.level - 1 AND l.index = 2 * NEW.index
       AND r.level = NEW.level - 1 AND r.index = 2 * NEW.index + 1;
    IF expected IS NULL THEN
      RAISE EXCEPTION 'merkle tree: node (%, %) stored before its two children', NEW.level, NEW.index USING ERRCODE = 'A7211';
    END IF;
  END IF;
  IF NEW.hash <> expected THEN
    RAISE EXCEPTION 'merkle tree: node (%, %) does not hash what it covers', NEW.level, NEW.index USING ERRCODE = 'A7211';
  END IF;
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION verify_merkle_node() IS 'Refuses a Merkle node whose hash is not its event''s leaf hash or its children''s node hash, a node before its children, and a leaf before its predecessor.';
CREATE TRIGGER verify_merkle_node_on_insert BEFORE INSERT ON merkle_nodes
  FOR EACH ROW EXECUTE FUNCTION verify_merkle_node();

-- RFC 6962 §2.1 MTH of leaves 0 … tree_size − 1 from the stored perfect subtrees, largest first, folded from the
-- right; NULL when the tree does not reach that size yet.
CREATE FUNCTION merkle_root(tree_size bigint) RETURNS bytea LANGUAGE plpgsql STABLE AS $$
DECLARE
  hashes bytea[] := '{}';
  at bigint := 0;
  piece bigint;
  piece_level int;
  piece_hash bytea;
  root bytea;
BEGIN
  IF tree_size = 0 THEN
    RETURN sha256(''::bytea);
  END IF;
  WHILE at < tree_size LOOP
    piece := 1;
    piece_level := 0;
    WHILE piece * 2 <= tree_size - at LOOP
      piece := piece * 2;
      piece_level := piece_level + 1;
    END LOOP;
    SELECT hash INTO piece_hash FROM merkle_nodes WHERE level = piece_level AND index = at / piece;
    IF NOT FOUND THEN
      RETURN NULL;
    END IF;
    hashes := hashes || piece_hash;
    at := at + piece;
  END LOOP;
  root := hashes[array_length(hashes, 1)];
  FOR i IN REVERSE array_length(hashes, 1) - 1 .. 1 LOOP
    root := sha256('\x01'::bytea || hashes[i] || root);
  END LOOP;
  RETURN root;
END;
$$;
COMMENT ON FUNCTION merkle_root(bigint) IS 'RFC 6962 root hash of the tree of this size from merkle_nodes, or NULL when the stored tree is smaller.';

-- The log's checkpoints (C2SP tlog-checkpoint): signed notes of a tree size and root hash.
CREATE TABLE checkpoints (
  tree_size      bigint PRIMARY KEY CHECK (tree_size >= 0),
  root_hash      bytea NOT NULL CHECK (octet_length(root_hash) = 32),
  note           text NOT NULL CHECK (length(note) <= 65536),
  signing_key_id text NOT NULL CHECK (length(signing_key_id) <= 128),
  created_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE checkpoints IS 'Signed checkpoints of the Merkle tree (C2SP tlog-checkpoint, docs/PROTOCOL.md §15.3); append-only, tree sizes only grow.';
COMMENT ON COLUMN checkpoints.tree_size IS 'Number of leaves (events 1..tree_size) the checkpoint covers; each new checkpoint is larger than every earlier one.';
COMMENT ON COLUMN checkpoints.root_hash IS 'RFC 6962 root hash of the tree of tree_size leaves, 32 raw bytes; equals merkle_root(tree_size).';
COMMENT ON COLUMN checkpoints.note IS 'The signed note exactly as published: "<origin>\n<tree_size>\n<base64 root_hash>\n", a blank line, and the log''s signature line.';
COMMENT ON COLUMN checkpoints.signing_key_id IS 'agent_keys.key_id of the log key (SYSTEM:LOG) that signed the note, open when the checkpoint was stored (checked by verify_checkpoint; no foreign key, so TRUNCATE agent_keys still meets its FR76 trigger).';
COMMENT ON COLUMN checkpoints.created_at IS 'Database clock when the checkpoint was stored (set by verify_checkpoint, whatever the insert says); its age is measured from here.';

CREATE FUNCTION verify_checkpoint() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  latest bigint;
BEGIN
  -- Serialise checkpoint inserts, so two instances cannot both pass the ordering check below (READ COMMITTED: the
  -- next statement sees every checkpoint committed before the lock was granted).
  PERFORM pg_advisory_xact_lock(72000011);
  -- The database clock, never the writer's: a checkpoint's age is measured from here.
  NEW.created_at := clock_timestamp();
  SELECT max(tree_size) INTO latest FROM checkpoints;
  IF NEW.tree_size < latest THEN
    RAISE EXCEPTION 'merkle tree: checkpoint of tree size % is older than the latest, %', NEW.tree_size, latest USING ERRCODE = 'A7211';
  END IF;
  IF merkle_root(NEW.tree_size) IS DISTINCT FROM NEW.root_hash THEN
    RAISE EXCEPTION 'merkle tree: checkpoint root hash is not the root of the stored tree of size %', NEW.tree_size USING ERRCODE = 'A7211';
  END IF;
  IF split_part(NEW.note, E'\n', 2) <> NEW.tree_size::text OR split_part(NEW.note, E'\n', 3) <> encode(NEW.root_hash, 'base64')
     OR split_part(NEW.note, E'\n', 4) <> '' THEN
    RAISE EXCEPTION 'merkle tree: checkpoint note does not state tree size % and its root hash', NEW.tree_size USING ERRCODE = 'A7211';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM agent_keys WHERE key_id = NEW.signing_key_id AND agent_id = 'SYSTEM:LOG'
                 AND active_from <= clock_timestamp() AND (active_until IS NULL OR active_until > clock_timestamp())) THEN
    RAISE EXCEPTION 'merkle tree: checkpoint signing key % is not an open key of SYSTEM:LOG', NEW.signing_key_id USING ERRCODE = 'A7211';
  END IF;
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION verify_checkpoint() IS 'Stamps created_at with the database clock; refuses a checkpoint smaller than the latest, whose root is not the stored tree''s, whose note states another size or root, or signed by a key other than an open SYSTEM:LOG key.';
CREATE TRIGGER verify_checkpoint_on_insert BEFORE INSERT ON checkpoints
  FOR EACH ROW EXECUTE FUNCTION verify_checkpoint();

-- C2SP tlog-cosignature/v1 lines that checkpoint witnesses (cosigners) returned for a checkpoint.
CREATE TABLE cosignatures (
  tree_size   bigint NOT NULL REFERENCES checkpoints (tree_size),
  cosigner    text NOT NULL CHECK (length(cosigner) BETWEEN 1 AND 256 AND cosigner !~ '[[:space:]+]'),
  key_id      bytea NOT NULL CHECK (octet_length(key_id) = 4),
  cosigned_at bigint NOT NULL CHECK (cosigned_at >= 0),
  signature   bytea NOT NULL CHECK (octet_length(signature) = 64),
  received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (tree_size, cosigner)
);
COMMENT ON TABLE cosignatures IS 'Cosignatures (C2SP tlog-cosignature/v1) of checkpoints by checkpoint witnesses; at most one per checkpoint and cosigner; append-only.';
COMMENT ON COLUMN cosignatures.tree_size IS 'The cosigned checkpoint (checkpoints.tree_size).';
COMMENT ON COLUMN cosignatures.cosigner IS 'The cosigner''s key name as it appears in its signature line (no spaces, no +).';
COMMENT ON COLUMN cosignatures.key_id IS 'The 4-byte key ID of the line: SHA-256(name || 0x0A || 0x04 || public key)[:4].';
COMMENT ON COLUMN cosignatures.cosigned_at IS 'The timestamp the cosigner signed, in seconds since the Unix epoch (the line''s 8-byte big-endian field).';
COMMENT ON COLUMN cosignatures.signature IS 'The cosigner''s 64-byte Ed25519 signature over "cosignature/v1\ntime <cosigned_at>\n" || the checkpoint body.';
COMMENT ON COLUMN cosignatures.received_at IS 'Database clock when the cosignature was stored.';

-- Checkpoints, their cosignatures and the tree are evidence: never changed or removed.
CREATE FUNCTION refuse_merkle_record_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'CT-13: % is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'A7205';
END;
$$;
COMMENT ON FUNCTION refuse_merkle_record_change() IS 'Refuses UPDATE, DELETE and TRUNCATE on merkle_nodes, checkpoints and cosignatures.';
CREATE TRIGGER refuse_merkle_node_change BEFORE UPDATE OR DELETE ON merkle_nodes
  FOR EACH ROW EXECUTE FUNCTION refuse_merkle_record_change();
CREATE TRIGGER refuse_merkle_node_truncate BEFORE TRUNCATE ON merkle_nodes
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_merkle_record_change();
CREATE TRIGGER refuse_checkpoint_change BEFORE UPDATE OR DELETE ON checkpoints
  FOR EACH ROW EXECUTE FUNCTION refuse_merkle_record_change();
CREATE TRIGGER refuse_checkpoint_truncate BEFORE TRUNCATE ON checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_merkle_record_change();
CREATE TRIGGER refuse_cosignature_change BEFORE UPDATE OR DELETE ON cosignatures
  FOR EACH ROW EXECUTE FUNCTION refuse_merkle_record_change();
CREATE TRIGGER refuse_cosignature_truncate BEFORE TRUNCATE ON cosignatures
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_merkle_record_change();

REVOKE UPDATE, DELETE, TRUNCATE ON merkle_nodes, checkpoints, cosignatures FROM PUBLIC;

INSERT INTO schema_migrations (version, name) VALUES ('011', 'merkle_checkpoints');
COMMIT;
