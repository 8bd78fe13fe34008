/** Most checkpoints one page of GET /v1/observer/checkpoints returns. */
export const MAX_CHECKPOINT_PAGE = 1000;

// Query strings are text, validated with exact patterns and converted in the route (no Ajv coercion, which would
// accept " 12", "1e3" or "0x10"). At most 15 digits, so every accepted number is a safe integer.
const COUNT = '^(0|[1-9][0-9]{0,14})$';
const POSITIVE = '^[1-9][0-9]{0,14}$';
const LIMIT = '^([1-9][0-9]{0,2}|1000)$';

/** Every hash in these answers: standard padded base64 (RFC 4648 §4) of 32 bytes, as in the checkpoint note. */
const hash = (description: string) => ({ type: 'string', pattern: '^[A-Za-z0-9+/]{43}=$', description: `${description} Standard padded base64 of 32 bytes.` }) as const;
const HASH_LIST_NOTE = 'Each hash is standard padded base64 (RFC 4648 §4) of 32 bytes, the encoding of the checkpoint note’s root hash line.';

/** Query of GET /v1/observer/checkpoints. */
export const checkpointPageQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    after_tree_size: { type: 'string', pattern: COUNT, default: '0', description: 'Return checkpoints of a larger tree size: the `next.after_tree_size` of the previous page.' },
    limit: { type: 'string', pattern: LIMIT, default: '100', description: `Most checkpoints to return, 1–${MAX_CHECKPOINT_PAGE}.` },
  },
} as const;

/** Query of GET /v1/observer/checkpoints/latest. */
export const latestCheckpointQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    format: { type: 'string', enum: ['note', 'json'], default: 'note', description: '`note` (default): the signed note as text/plain (C2SP tlog-checkpoint); `json`: the checkpoint object.' },
  },
} as const;

/** Path of GET /v1/observer/checkpoints/:tree_size. */
export const treeSizeParamsSchema = {
  type: 'object',
  required: ['tree_size'],
  properties: { tree_size: { type: 'string', pattern: COUNT, description: 'The checkpoint’s tree size.' } },
} as const;

/** One stored checkpoint. */
export const checkpointSchema = {
  type: 'object',
  required: ['tree_size', 'root_hash', 'note', 'signing_key_id', 'created_at'],
  additionalProperties: false,
  properties: {
    tree_size: { type: 'integer', description: 'Events 1..tree_size are the leaves of the tree.' },
    root_hash: hash('RFC 6962 root hash of that tree.'),
    note: { type: 'string', description: 'The signed note, byte for byte as signed and stored (docs/PROTOCOL.md §15.3).' },
    signing_key_id: { type: 'string', description: 'The SYSTEM:LOG key (GET /v1/observer/keys) that signed it.' },
    created_at: { type: 'string', description: 'When it was stored (database clock).' },
  },
} as const;

/** One page of checkpoints, ascending by tree size; `next` null at the end. */
export const checkpointPageSchema = {
  type: 'object',
  required: ['checkpoints', 'next'],
  properties: {
    checkpoints: { type: 'array', items: checkpointSchema },
    next: { type: ['object', 'null'], required: ['after_tree_size'], properties: { after_tree_size: { type: 'integer' } } },
  },
} as const;

/** Query of GET /v1/observer/proofs/inclusion. */
export const inclusionQuerySchema = {
  type: 'object',
  required: ['sequence'],
  additionalProperties: false,
  properties: {
    sequence: { type: 'string', pattern: POSITIVE, description: 'The event’s sequence (its leaf index is sequence − 1).' },
    tree_size: { type: 'string', pattern: POSITIVE, description: 'The tree to prove inclusion in: 1 to the latest checkpoint’s tree size (the default).' },
  },
} as const;

/** RFC 9162 §2.1.3 inclusion proof. */
export const inclusionProofSchema = {
  type: 'object',
  required: ['sequence', 'leaf_index', 'tree_size', 'leaf_hash', 'root_hash', 'inclusion_path'],
  additionalProperties: false,
  properties: {
    sequence: { type: 'integer' },
    leaf_index: { type: 'integer', description: 'sequence − 1.' },
    tree_size: { type: 'integer' },
    leaf_hash: hash('SHA-256(0x00 || leaf input) of the event (docs/PROTOCOL.md §15.1).'),
    root_hash: hash('Root hash of the tree of tree_size leaves.'),
    inclusion_path: { type: 'array', items: hash('A sibling subtree hash.'), description: `RFC 9162 inclusion_path, the leaf’s sibling first. ${HASH_LIST_NOTE}` },
  },
} as const;

/** Query of GET /v1/observer/proofs/consistency. */
export const consistencyQuerySchema = {
  type: 'object',
  required: ['from'],
  additionalProperties: false,
  properties: {
    from: { type: 'string', pattern: POSITIVE, description: 'The older tree size, ≥ 1.' },
    to: { type: 'string', pattern: POSITIVE, description: 'The newer tree size, from ≤ to ≤ the latest checkpoint’s tree size (the default).' },
  },
} as const;

/** RFC 9162 §2.1.4 consistency proof. */
export const consistencyProofSchema = {
  type: 'object',
  required: ['from_tree_size', 'to_tree_size', 'from_root_hash', 'to_root_hash', 'consistency_path'],
  additionalProperties: false,
  properties: {
    from_tree_size: { type: 'integer' },
    to_tree_size: { type: 'integer' },
    from_root_hash: hash('Root hash of the older tree.'),
    to_root_hash: hash('Root hash of the newer tree.'),
    consistency_path: { type: 'array', items: hash('A subtree hash.'), description: `RFC 9162 consistency_path (empty when the sizes are equal). ${HASH_LIST_NOTE}` },
  },
} as const;
