#!/usr/bin/env node
// Runs the gitops CLI from its TypeScript source, so `npx gitops` works in a fresh clone without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../gitops/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
