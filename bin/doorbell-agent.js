#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so `npm ci` is enough: no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../agent/cli.ts');
process.exitCode = await main(process.argv.slice(2));
