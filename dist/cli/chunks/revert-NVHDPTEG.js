import {
  findToplevel,
  isGitUrl,
  revertDeployment
} from "./chunk-LJWC5AAD.js";
import "./chunk-M3M4HARC.js";
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
  withInputNames
} from "./chunk-LSNGMJ2J.js";

// gitops/cli/revert.ts
import { resolve } from "node:path";
var usage = `Usage: gitops revert --commit SHA --reason TEXT [options]

Reverts a deployment made by gitops with a commit giving the reason and trailers (Gitops-Action: revert,
Reverts, Reverted-Action, Rolled-Back-Source, Rolled-Back-Digest, Environment). Accepted: a bump commit
(Gitops-Action: bump), a promotion commit (Gitops-Action: promote; also rebase- or squash-merged with the
trailers of the commit or the PR description) or a promotion PR's merge commit (reverted with -m 1).
Reverting again, or after someone ran git revert on it, is a no-op.

Options:
  --commit SHA       The bump, promotion or promotion merge commit to revert
  --reason TEXT      Why (goes into the commit message)
  --repo PATH|URL    GitOps repository: a local clone, or a URL/bare repo to clone (default: current repository)
  --branch NAME      Branch (default main)
  --push             Push the revert (otherwise commit locally only)
  --json             Print one JSON object: status, commit, reverted source commit, environment, action
  -h, --help         Show this help`;
var revertCommand = {
  name: "revert",
  usage,
  options: flagOptions({ string: "commit reason repo branch", boolean: "push json" }),
  async run(values, io) {
    const json = boolFlag(values, "json");
    const commit = requireFlag(values, "commit");
    const reason = requireFlag(values, "reason");
    const repoFlag = stringFlag(values, "repo");
    let repo;
    if (repoFlag && isGitUrl(repoFlag)) repo = repoFlag;
    else {
      const dir = resolve(io.cwd, repoFlag ?? ".");
      const top = await findToplevel(dir);
      if (!top && !repoFlag)
        throw new InputError("--repo", `${io.cwd} is not inside a git repository; pass --repo`);
      repo = top ?? dir;
    }
    const branch = stringFlag(values, "branch") ?? "main";
    const names = { repo: "--repo", branch: "--branch", commit: "--commit", reason: "--reason" };
    const res = await withInputNames(
      names,
      () => revertDeployment({
        repo,
        branch,
        commit,
        reason,
        push: boolFlag(values, "push"),
        log: progressLogger(io, json)
      })
    );
    printOutput(io, json, {
      json: { ...res, reverted: commit, branch },
      lines: [
        res.status === "reverted" ? `reverted ${commit} with ${res.commit}${res.pushed ? ` (pushed to ${branch})` : " (not pushed)"}` : `already reverted by ${res.commit}${res.pushed ? ` (pushed to ${branch})` : ""}`,
        `environment ${res.environment || "-"}, rolled-back source ${res.revertedSourceCommit || "-"}`
      ]
    });
    return 0;
  }
};
export {
  revertCommand
};
