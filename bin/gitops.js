#!/usr/bin/env node
// The gitops CLI: runs the compiled bundle in dist/cli (npm run bundle builds it; check-dist keeps it current).
import { main } from '../dist/cli/index.js';

process.exitCode = await main(process.argv.slice(2));
