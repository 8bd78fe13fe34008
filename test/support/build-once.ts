import { execFileSync } from 'node:child_process';

/** e2e suites drive the built CLI (bin/archon72.js -> dist/) and the built console: build once before they start. */
export default function setup(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
}
