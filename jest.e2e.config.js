// Jest for the end-to-end tests on the local cluster (`npm run test:e2e`): the unit/integration
// configuration with only tests/e2e selected; the default configuration leaves these out.
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/build/'],
  // One cluster per machine (fixed loopback ports): the files run one after the other.
  maxWorkers: 1,
};
