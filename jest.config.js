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
  testPathIgnorePatterns: ['/node_modules/', '/build/'],
  testTimeout: 30000,
  maxWorkers: 2,
};
