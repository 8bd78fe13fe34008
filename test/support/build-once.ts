import { execFileSync } from 'node:child_process';

/** e2e suites drive the built CLI (bin/archon72.js -> dist/): build once before they start. */
export default function setup(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
