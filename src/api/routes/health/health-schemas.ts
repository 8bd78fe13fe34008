/** Response schemas of the health routes; each doubles as the output whitelist. */

export const healthSchema = {
  type: 'object',
  required: ['status', 'uptime_seconds', 'hsm_mode', 'version'],
  properties: {
    status: { type: 'string', enum: ['ok'] },
    uptime_seconds: { type: 'integer' },
    hsm_mode: { type: 'string', enum: ['PRODUCTION', 'DEVELOPMENT'] },
    version: { type: 'string' },
  },
} as const;

export const readySchema = {
  type: 'object',
  required: ['status', 'database', 'redis', 'verification'],
  properties: {
    status: { type: 'string', enum: ['ready', 'not_ready'] },
    database: { type: 'string', enum: ['connected', 'unreachable'] },
    redis: { type: 'string', enum: ['connected', 'unreachable', 'embedded'] },
    verification: { type: 'string', enum: ['passed', 'bypassed', 'not_run'] },
  },
} as const;

const nullable = (type: string) => ({ type: [type, 'null'] }) as const;

const checkSchema = {
  type: 'object',
  required: ['check', 'status', 'detail'],
  properties: { check: { type: 'string' }, status: { type: 'string' }, detail: { type: 'string' } },
} as const;

export const constitutionalHealthSchema = {
  type: 'object',
  required: ['status', 'reasons', 'halt', 'chain', 'witness_pool', 'keepers', 'checkpoint', 'clock_drift', 'verification', 'limits'],
  properties: {
    status: { type: 'string', enum: ['healthy', 'warning', 'unhealthy'] },
    reasons: { type: 'array', items: { type: 'string' } },
    halt: {
      type: 'object',
      required: ['halted', 'reason', 'since', 'source'],
      properties: { halted: { type: 'boolean' }, reason: nullable('string'), since: nullable('string'), source: nullable('string') },
    },
    chain: { type: 'object', required: ['head_sequence', 'head_hash'], properties: { head_sequence: { type: 'integer' }, head_hash: nullable('string') } },
    witness_pool: {
      type: 'object',
      required: ['size', 'minimum', 'high_stakes_minimum'],
      properties: { size: { type: 'integer' }, minimum: { type: 'number' }, high_stakes_minimum: { type: 'number' } },
    },
    keepers: { type: 'object', required: ['active', 'quorum'], properties: { active: { type: 'integer' }, quorum: { type: 'number' } } },
    checkpoint: {
      type: 'object',
      required: ['latest_tree_size', 'age_seconds', 'max_age_seconds'],
      properties: { latest_tree_size: nullable('integer'), age_seconds: nullable('number'), max_age_seconds: { type: 'number' } },
    },
    clock_drift: {
      type: 'object',
      required: ['threshold_seconds', 'recent_warnings', 'recent_window_seconds', 'total_warnings', 'latest_warning_at'],
      properties: {
        threshold_seconds: { type: 'number' },
        recent_warnings: { type: 'integer' },
        recent_window_seconds: { type: 'integer' },
        total_warnings: { type: 'integer' },
        latest_warning_at: nullable('string'),
      },
    },
    verification: {
      type: 'object',
      required: ['outcome', 'completed_at', 'checks'],
      properties: { outcome: { type: 'string' }, completed_at: { type: 'string' }, checks: { type: 'array', items: checkSchema } },
    },
    limits: {
      type: 'array',
      items: {
        type: 'object',
        required: ['setting', 'value', 'floor', 'ceiling', 'within'],
        properties: { setting: { type: 'string' }, value: { type: 'number' }, floor: nullable('number'), ceiling: nullable('number'), within: { type: 'boolean' } },
      },
    },
  },
} as const;
