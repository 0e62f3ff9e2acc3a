// Jest in its native ESM mode (run with --experimental-vm-modules): @actions/core 3 and
// @actions/github 9 are ESM-only. SWC strips types; `tsc --noEmit` does the type checking.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'es6' } },
    ],
  },
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/tests/**/*.test.ts'],
  // tests/e2e needs the local cluster and runs in `npm run test:e2e` (jest.e2e.config.js) only, so
  // CI does not run it twice (once in `npm test`, once after the cluster build); likewise the
  // workflow flows (`npm run test:workflows`, jest.workflows.config.js).
  testPathIgnorePatterns: [
    '/node_modules/',
    '/build/',
    '<rootDir>/tests/e2e/',
    '<rootDir>/tests/workflows/flows/',
  ],
  // Image cleanup after every file has run: see the file for why not per file.
  globalTeardown: '<rootDir>/tests/remove-test-images.js',
  testTimeout: 30000,
  maxWorkers: 2,
};
