// Jest for the workflow flows (`npm run test:workflows`): the project's .github/workflows run by
// nektos/act against the local e2e cluster. One cluster per machine: the flows run in band.
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['<rootDir>/tests/workflows/flows/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/build/'],
  maxWorkers: 1,
};
