import {
  createDeployment,
  latestCommitStatus,
  listDeployments,
  setCommitStatus,
  setDeploymentStatus
} from "./chunk-3AMNJBBB.js";
import {
  GITHUB_FLAGS,
  GITHUB_TOKEN_NOTE,
  deployContext,
  githubTarget,
  parseOutcome,
  runUrl,
  verdictRecords,
  verifyContext
} from "./chunk-FCWK3BZS.js";
import {
  Git,
  TRAILER,
  deployedChange,
  shortDigest,
  shortTag
} from "./chunk-LJWC5AAD.js";
import {
  checkCommitSha,
  checkEnvironment
} from "./chunk-M3M4HARC.js";
import {
  boolFlag,
  flagOptions,
  printOutput,
  progressLogger,
  requireFlag,
  stringFlag
} from "./chunk-YO2BF2HZ.js";
import {
  InputError,
  __name,
  withInputNames
} from "./chunk-LSNGMJ2J.js";

// gitops/cli/record-deploy.ts
import { resolve } from "node:path";

// gitops/flows/record-deploy-options.ts
function checkUrl(value, input) {
  let url;
  try {
    url = new URL(value);
  } catch {
    url = void 0;
  }
  if (!url || url.protocol !== "https:" && url.protocol !== "http:")
    throw new InputError(input, `expected an http(s) URL, got '${value}'`);
  return value;
}
__name(checkUrl, "checkUrl");
function validateDeployRecord(opts) {
  checkEnvironment(opts.environment, "environment");
  checkCommitSha(opts.revision, "revision");
  checkUrl(opts.environmentUrl, "environment-url");
  checkUrl(opts.logUrl, "log-url");
  if (opts.github.token.trim() === "") throw new InputError("token", "is empty");
}
__name(validateDeployRecord, "validateDeployRecord");

// gitops/flows/record-deploy.ts
var PAYLOAD_KEY = "gitops";
function ours(d) {
  return typeof d.payload[PAYLOAD_KEY] === "object" && d.payload[PAYLOAD_KEY] !== null;
}
__name(ours, "ours");
async function deploymentFor(opts, id) {
  const log = opts.log ?? (() => void 0);
  const existing = await listDeployments(opts.github, {
    sha: opts.revision,
    environment: opts.environment
  });
  if (id !== void 0) {
    const byId = existing.find((d) => d.id === id);
    if (!byId) {
      throw new InputError(
        "deployment-id",
        `${id} is no Deployment of ${opts.revision.slice(0, 12)} to ${opts.environment}`
      );
    }
    return { deployment: byId, how: "reused" };
  }
  if (opts.adopt) {
    const actions = existing.find((d) => !ours(d));
    if (actions) return { deployment: actions, how: "adopted" };
    log(
      `no Deployment of ${opts.revision.slice(0, 12)} to ${opts.environment} by GitHub Actions (a job naming environment: ${opts.environment} gets one); creating it`
    );
  } else {
    const earlier = existing.find(ours);
    if (earlier) return { deployment: earlier, how: "reused" };
  }
  const t = opts.change ?? {};
  const payload = {
    [PAYLOAD_KEY]: {
      revision: opts.revision,
      ...t[TRAILER.sourceCommit] ? { source_commit: t[TRAILER.sourceCommit] } : {},
      ...t[TRAILER.digest] ? { digest: t[TRAILER.digest] } : {},
      ...t[TRAILER.image] ? { image: t[TRAILER.image] } : {}
    }
  };
  const digest = t[TRAILER.digest];
  const what = digest ? ` ${shortDigest(digest)}` : "";
  const deployment = await createDeployment(opts.github, {
    sha: opts.revision,
    environment: opts.environment,
    description: `${t[TRAILER.imageName] ?? "release"}${what} at ${shortTag(opts.revision)}`,
    payload,
    productionEnvironment: false
  });
  return { deployment, how: "created" };
}
__name(deploymentFor, "deploymentFor");
async function startDeploy(opts) {
  validateDeployRecord(opts);
  const { deployment, how } = await deploymentFor(opts);
  const description = `verifying ${shortTag(opts.revision)} on ${opts.environment}`;
  const status = { environmentUrl: opts.environmentUrl, logUrl: opts.logUrl, description };
  let written = 0;
  const inProgress = await setDeploymentStatus(opts.github, deployment.id, {
    state: "in_progress",
    ...status
  });
  if (inProgress.created) written += 1;
  const context = verifyContext(opts.environment);
  if (!await latestCommitStatus(opts.github, opts.revision, context)) {
    await setCommitStatus(opts.github, opts.revision, {
      state: "pending",
      context,
      description,
      targetUrl: opts.logUrl
    });
    written += 1;
  }
  opts.log?.(
    `deployment ${deployment.id} (${how}) of ${opts.revision.slice(0, 12)} to ${opts.environment}: in_progress`
  );
  return {
    deploymentId: deployment.id,
    deployment: how,
    written,
    sourceCommit: opts.change?.[TRAILER.sourceCommit]
  };
}
__name(startDeploy, "startDeploy");
async function finishDeploy(opts) {
  validateDeployRecord(opts);
  const { deployment, how } = await deploymentFor(opts, opts.deploymentId);
  const records = verdictRecords(opts.verdict);
  const urls = { environmentUrl: opts.environmentUrl, logUrl: opts.logUrl };
  let written = 0;
  for (const s of records.deployment) {
    const r = await setDeploymentStatus(opts.github, deployment.id, { ...s, ...urls });
    if (r.created) written += 1;
  }
  if (records.revision) {
    const r = await setCommitStatus(opts.github, opts.revision, {
      ...records.revision,
      context: verifyContext(opts.environment),
      targetUrl: opts.logUrl
    });
    if (r.created) written += 1;
  }
  const sourceCommit = opts.change?.[TRAILER.sourceCommit];
  if (records.source && sourceCommit) {
    const r = await setCommitStatus(opts.github, sourceCommit, {
      ...records.source,
      context: deployContext(opts.environment),
      targetUrl: opts.logUrl
    });
    if (r.created) written += 1;
  }
  opts.log?.(
    `deployment ${deployment.id} of ${opts.revision.slice(0, 12)} to ${opts.environment}: ${records.deployment.map((s) => s.state).join(" -> ")} (${written} status(es) written)`
  );
  return { deploymentId: deployment.id, deployment: how, written, sourceCommit };
}
__name(finishDeploy, "finishDeploy");
async function readDeployedChange(repo, revision, log = () => void 0) {
  const git = new Git(repo);
  if (!await git.resolve(revision)) await git.tryRun(["fetch", "--quiet", "origin"]);
  if (!await git.resolve(revision)) {
    log(`${revision.slice(0, 12)} is not in ${repo}: no source commit to record`);
    return void 0;
  }
  const change = await deployedChange(git, revision);
  if (!change.action) {
    log(`${revision.slice(0, 12)} ${change.notDeployment}: no source commit to record`);
    return void 0;
  }
  return change.trailers;
}
__name(readDeployedChange, "readDeployedChange");

// gitops/cli/record-deploy.ts
var usage = `Usage: gitops record-deploy --phase start|finish --environment NAME --revision SHA --environment-url URL [options]

Records a deploy on GitHub, once. start: the Deployment of --revision to --environment (created, or with
--adopt the one GitHub Actions made for a job naming environment:) goes in_progress, and the revision's
verification status (gitops/verify/<env>) pending. finish: verify's --result becomes the Deployment's final
status (success; failure; failure then inactive when rolled back; inactive when superseded; error when
empty), the revision's verification status, and the source commit's gitops/deploy/<env> status. Every
status carries --environment-url and --log-url. A re-run adds nothing that is already there.

Options:
  --phase start|finish    Which end of the deploy to record
  --environment NAME      Environment (the Deployment's environment)
  --revision SHA          The deployed GitOps revision (full SHA): a bump, a promotion or its merge
  --environment-url URL   Where the environment is reached
  --log-url URL           The run's log (default: this workflow run, from GITHUB_SERVER_URL/GITHUB_RUN_ID)
  --adopt                 Use the Deployment GitHub Actions created for this job (it names environment:)
  --deployment-id N       The Deployment start returned (finish; default: found again)
  --result RESULT         finish: verify's result: healthy, rolled-back, failed, suspended, superseded (empty: error)
  --reason TEXT           finish: verify's reason
  --revert-commit SHA     finish: the commit that rolled the revision back
  --repo PATH             GitOps working copy the revision's trailers are read from (default: current directory)
${GITHUB_FLAGS}
  --json                  Print one JSON object: the deployment and what was written
  -h, --help              Show this help

${GITHUB_TOKEN_NOTE}`;
var recordDeployCommand = {
  name: "record-deploy",
  usage,
  options: flagOptions({
    string: "phase environment revision environment-url log-url deployment-id result reason revert-commit repo github-repo github-api-url",
    boolean: "adopt json"
  }),
  async run(values, io) {
    const json = boolFlag(values, "json");
    const phase = requireFlag(values, "phase");
    if (phase !== "start" && phase !== "finish")
      throw new InputError("--phase", `expected start or finish, got '${phase}'`);
    const logUrl = stringFlag(values, "log-url") ?? runUrl(io.env);
    if (!logUrl)
      throw new InputError("--log-url", "is required outside a workflow run (no GITHUB_RUN_ID)");
    const idFlag = stringFlag(values, "deployment-id");
    if (idFlag !== void 0 && !/^[1-9]\d*$/.test(idFlag))
      throw new InputError(
        "--deployment-id",
        `expected a Deployment id (a number), got '${idFlag}'`
      );
    const outcome = phase === "finish" ? parseOutcome(stringFlag(values, "result") ?? "", "--result") : void 0;
    const log = progressLogger(io, json);
    const base = {
      github: githubTarget(values, io, "to record a deploy"),
      environment: requireFlag(values, "environment"),
      revision: requireFlag(values, "revision"),
      environmentUrl: requireFlag(values, "environment-url"),
      logUrl,
      adopt: boolFlag(values, "adopt"),
      log
    };
    const names = {
      environment: "--environment",
      revision: "--revision",
      "environment-url": "--environment-url",
      "log-url": "--log-url",
      "deployment-id": "--deployment-id"
    };
    const res = await withInputNames(names, async () => {
      const change = await readDeployedChange(
        resolve(io.cwd, stringFlag(values, "repo") ?? "."),
        base.revision,
        log
      );
      const opts = { ...base, change };
      if (!outcome) return startDeploy(opts);
      return finishDeploy({
        ...opts,
        deploymentId: idFlag === void 0 ? void 0 : Number(idFlag),
        verdict: {
          outcome,
          environment: base.environment,
          revision: base.revision,
          reason: stringFlag(values, "reason"),
          revertCommit: stringFlag(values, "revert-commit")
        }
      });
    });
    printOutput(io, json, {
      json: { phase, ...outcome ? { result: outcome } : {}, ...res },
      lines: [
        `deployment ${res.deploymentId} (${res.deployment}) of ${base.revision.slice(0, 12)} to ${base.environment}: ${phase === "start" ? "in_progress" : outcome}; ${res.written} status(es) written`
      ]
    });
    return 0;
  }
};
export {
  recordDeployCommand
};
