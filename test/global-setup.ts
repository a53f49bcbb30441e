import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Many suites start `bin/doorbell-agent.js` as a real process. Its first start bundles the sources with esbuild;
 * do that once here, before the suites run in parallel and each pay for it under load.
 */
export default function setup(): void {
  execFileSync(process.execPath, [join(import.meta.dirname, '..', 'bin', 'doorbell-agent.js'), '--version'], {
    stdio: 'ignore',
  });
}
