/**
 * Which deploy to record on GitHub, and the checks of it that need no API call: apart from the flow, so the
 * record-deploy action validates its inputs without loading the GitHub client.
 */
import { InputError } from '../errors.js';
import type { GithubTarget } from '../adapters/github.js';
import { checkCommitSha, checkEnvironment } from '../rules/names.js';
import type { Trailers } from '../rules/trailers.js';

/** Which deploy, where it is reachable, and where its log is. */
export interface DeployRecordOptions {
  github: GithubTarget;
  environment: string;
  /** The deployed GitOps revision (40 hex). */
  revision: string;
  /** The environment's URL (GitHub shows it as the deployment's link). */
  environmentUrl: string;
  /** The run's URL (the deployment status's log). */
  logUrl: string;
  /** Add the statuses to the Deployment GitHub Actions created for a job naming `environment:`. */
  adopt?: boolean;
  /** The trailers of the deployed change (bump or promotion), for the payload and the source commit. */
  change?: Trailers;
  log?: (line: string) => void;
}

function checkUrl(value: string, input: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    throw new InputError(input, `expected an http(s) URL, got '${value}'`);
  return value;
}

/** Checks the options that need no API call; InputError naming the first bad one. */
export function validateDeployRecord(opts: DeployRecordOptions): void {
  checkEnvironment(opts.environment, 'environment');
  checkCommitSha(opts.revision, 'revision');
  checkUrl(opts.environmentUrl, 'environment-url');
  checkUrl(opts.logUrl, 'log-url');
  if (opts.github.token.trim() === '') throw new InputError('token', 'is empty');
}
