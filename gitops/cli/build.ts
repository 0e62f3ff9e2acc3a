import { resolve } from 'node:path';
import { buildImage } from '../flows/build.js';
import { InputError } from '../errors.js';
import type { RegistryAuth } from '../adapters/registry.js';
import type { CliCommand } from './command.js';
import { flagOptions } from './command.js';
import {
  boolFlag,
  listFlag,
  printOutput,
  progressLogger,
  requireFlag,
  stringFlag,
} from './output.js';

const usage = `Usage: gitops build --context DIR --image REF --tag SHA [options]

Builds the image with the docker CLI, labelled with org.opencontainers.image.{revision,source,created},
tagged REF:SHA and REF:SHORT_SHA; with --push pushes both and reads the digest back from the registry.

Options:
  --context DIR        Build context
  --image REF          Image repository without tag (e.g. 127.0.0.1:5000/score-api)
  --tag SHA            Full source commit SHA (tags SHA and its first 7 characters)
  --file PATH          Dockerfile (default DIR/Dockerfile)
  --build-arg K=V      Build argument (repeatable); GIT_SHA and BUILD_DATE are always passed
  --network NAME       Build network (e.g. host)
  --source URL         Source repository URL for the org.opencontainers.image.source label
  --push               Push both tags and resolve the digest
  --json               Print one JSON object: image, tags, digest, ref
  -h, --help           Show this help

Registry credentials come from REGISTRY_USERNAME / REGISTRY_PASSWORD (or REGISTRY_TOKEN), never from flags.`;

/** `gitops build`: build, tag and optionally push an image. */
export const buildCommand: CliCommand = {
  name: 'build',
  usage,
  options: flagOptions({
    string: 'context image tag file network source',
    boolean: 'push json',
    repeatable: 'build-arg',
  }),
  async run(values, io) {
    const json = boolFlag(values, 'json');
    const buildArgs: Record<string, string> = {};
    for (const pair of listFlag(values, 'build-arg')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new InputError('--build-arg', `'${pair}' must be KEY=VALUE`);
      buildArgs[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    const auth: RegistryAuth = {};
    if (io.env.REGISTRY_USERNAME) auth.username = io.env.REGISTRY_USERNAME;
    if (io.env.REGISTRY_PASSWORD) auth.password = io.env.REGISTRY_PASSWORD;
    if (io.env.REGISTRY_TOKEN) auth.token = io.env.REGISTRY_TOKEN;
    const file = stringFlag(values, 'file');
    const network = stringFlag(values, 'network');
    const source = stringFlag(values, 'source');
    const res = await buildImage({
      context: resolve(io.cwd, requireFlag(values, 'context')),
      image: requireFlag(values, 'image'),
      sha: requireFlag(values, 'tag'),
      push: boolFlag(values, 'push'),
      buildArgs,
      log: progressLogger(io, json),
      ...(file ? { dockerfile: resolve(io.cwd, file) } : {}),
      ...(network ? { network } : {}),
      ...(source ? { source } : {}),
      ...(Object.keys(auth).length > 0 ? { registryAuth: auth } : {}),
    });
    printOutput(io, json, {
      json: {
        image: res.image,
        tags: res.tags,
        pushed: res.digest !== undefined,
        digest: res.digest ?? null,
        ref: res.ref ?? null,
      },
      lines: [`built ${res.tags.join(' ')}`, ...(res.ref ? [`pushed ${res.ref}`] : [])],
    });
    return 0;
  },
};
