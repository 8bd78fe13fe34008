/** What GET /v1/health/constitutional reports on, gathered by src/app/constitutional-health.ts. */
export interface GovernanceFacts {
  halted: boolean;
  witnessPool: number;
  witnessPoolMinimum: number;
  witnessPoolHighStakesMinimum: number;
  activeKeepers: number;
  keeperQuorum: number;
  /** Settings or configuration outside their constitutional limits. */
  limitViolations: number;
  /** Clock-drift warnings recorded within the recent window. */
  recentDriftWarnings: number;
  /** Outcome of this instance's pre-operational verification. */
  verification: 'passed' | 'bypassed' | 'failed';
  /** Seconds since the latest checkpoint, or undefined when none has been published. */
  checkpointAgeSeconds: number | undefined;
  checkpointMaxAgeSeconds: number;
  /** Whether the log holds any event (a stale or missing checkpoint only matters then). */
  eventsExist: boolean;
}

export type HealthStatus = 'healthy' | 'warning' | 'unhealthy';

export interface HealthAssessment {
  status: HealthStatus;
  /** Why the status is not healthy, one sentence each; empty when healthy. */
  reasons: string[];
}

/**
 * unhealthy: the system cannot govern (halted, a write-blocking shortfall, a limit broken, verification failed);
 * warning: it can, but something needs a look (a high-stakes shortfall, drift, a bypassed verification, a stale
 * checkpoint); otherwise healthy.
 */
export function assessConstitutionalHealth(facts: GovernanceFacts): HealthAssessment {
  const unhealthy: string[] = [];
  const warning: string[] = [];
  if (facts.halted) unhealthy.push('the system is halted');
  if (facts.witnessPool < facts.witnessPoolMinimum) unhealthy.push(`witness pool ${facts.witnessPool} is below its minimum ${facts.witnessPoolMinimum}`);
  else if (facts.witnessPool < facts.witnessPoolHighStakesMinimum) {
    warning.push(`witness pool ${facts.witnessPool} is below the high-stakes minimum ${facts.witnessPoolHighStakesMinimum}`);
  }
  if (facts.activeKeepers < facts.keeperQuorum) unhealthy.push(`${facts.activeKeepers} active keepers, fewer than the quorum ${facts.keeperQuorum}: a halt could not be cleared`);
  if (facts.limitViolations > 0) unhealthy.push(`${facts.limitViolations} governance setting(s) outside their constitutional limits`);
  if (facts.verification === 'failed') unhealthy.push('pre-operational verification failed');
  if (facts.verification === 'bypassed') warning.push('pre-operational verification was bypassed (ALLOW_VERIFICATION_BYPASS)');
  if (facts.recentDriftWarnings > 0) warning.push(`${facts.recentDriftWarnings} clock-drift warning(s) recently`);
  if (facts.checkpointAgeSeconds !== undefined && facts.eventsExist && facts.checkpointAgeSeconds > facts.checkpointMaxAgeSeconds) {
    warning.push(`the latest checkpoint is ${facts.checkpointAgeSeconds} s old (at most ${facts.checkpointMaxAgeSeconds})`);
  }
  if (unhealthy.length > 0) return { status: 'unhealthy', reasons: [...unhealthy, ...warning] };
  return { status: warning.length > 0 ? 'warning' : 'healthy', reasons: warning };
}
