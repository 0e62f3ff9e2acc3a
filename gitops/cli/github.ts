import { InputError } from '../errors.js';
import { parseRepository } from '../adapters/github.js';
import type { GithubTarget } from '../adapters/github.js';
import type { CliIO } from './command.js';
import { stringFlag } from './output.js';

/** The flags every command talking to GitHub takes, for its usage text. */
export const GITHUB_FLAGS = `  --github-repo O/R       GitHub repository (default GITHUB_REPOSITORY)
  --github-api-url URL    GitHub API URL (default GITHUB_API_URL or https://api.github.com)`;

/** The last line of the help of every command that calls GitHub. */
export const GITHUB_TOKEN_NOTE =
  'The token is read from GITHUB_TOKEN only, never from a flag, and is never printed.';

/** The GitHub target of a command: repository and API from flags or the environment, the token from GITHUB_TOKEN only. */
export function githubTarget(
  values: Record<string, unknown>,
  io: CliIO,
  why: string,
): GithubTarget {
  const flag = stringFlag(values, 'github-repo');
  const repoName = flag ?? io.env.GITHUB_REPOSITORY;
  if (!repoName)
    throw new InputError('--github-repo', `is required ${why} (or set GITHUB_REPOSITORY)`);
  const token = io.env.GITHUB_TOKEN;
  if (!token) throw new InputError('GITHUB_TOKEN', `must be set in the environment ${why}`);
  const apiUrl = stringFlag(values, 'github-api-url') ?? io.env.GITHUB_API_URL;
  if (apiUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(apiUrl)) {
    throw new InputError('--github-api-url', `expected an http(s) URL, got '${apiUrl}'`);
  }
  return {
    token,
    ...parseRepository(repoName, flag ? '--github-repo' : 'GITHUB_REPOSITORY'),
    apiUrl,
  };
}
