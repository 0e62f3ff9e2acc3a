// The manifest and workflow checks, bundled into their own dist/repository-checks.cjs: the schemas
// behind them are most of the lint bundle, and loading them only when they run keeps the action's
// start (and a bad-input failure) fast.
export { lintRepositoryReport } from '../../../gitops/lint/index.js';
