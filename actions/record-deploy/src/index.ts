// Entry point of the bundled action: the runner executes dist/index.cjs, built from this file.
import { run } from './main.js';

void run();
