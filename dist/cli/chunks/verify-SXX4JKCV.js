import {
  KubeApiError
} from "./chunk-HCDO6AGJ.js";
import {
  findRevertOf,
  revertDeployment
} from "./chunk-227ZOE3E.js";
import {
  openWorkspace
} from "./chunk-2HXESZSL.js";
import {
  checkBranch,
  checkCommitSha,
  checkKubeName,
  retry
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
  GitopsError,
  InputError,
  __name,
  withInputNames
} from "./chunk-LSNGMJ2J.js";

// gitops/rules/argocd-status.ts
var DEFAULT_SETTLE_MS = 5e3;
function matches(revision, single, many) {
  return single === revision || (many ?? []).includes(revision);
}
__name(matches, "matches");
function short(revision) {
  return revision ? revision.slice(0, 12) : "(none)";
}
__name(short, "short");
function toMs(value) {
  if (value instanceof Date) return value.getTime();
  if (typeof value !== "string" || value === "") return void 0;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? void 0 : ms;
}
__name(toMs, "toMs");
function trackedRevision(app) {
  const sync = app.status?.sync;
  return sync?.revision ?? sync?.revisions?.[0];
}
__name(trackedRevision, "trackedRevision");
function isSyncedTo(app, revision) {
  const status = app.status ?? {};
  const op = status.operationState;
  return status.sync?.status === "Synced" && matches(revision, status.sync.revision, status.sync.revisions) && op?.phase === "Succeeded" && matches(revision, op.syncResult?.revision, op.syncResult?.revisions);
}
__name(isSyncedTo, "isSyncedTo");
function evaluateApplication(app, revision, now, settleMs = DEFAULT_SETTLE_MS) {
  const a = app;
  const name = a.metadata?.name ?? "(unnamed)";
  const status = a.status ?? {};
  const sync = status.sync ?? {};
  const health = status.health ?? {};
  const op = status.operationState;
  const opRevisionMatches = op !== void 0 && (matches(revision, op.syncResult?.revision, op.syncResult?.revisions) || matches(revision, op.operation?.sync?.revision, op.operation?.sync?.revisions));
  const errors = (status.conditions ?? []).filter((c) => c.type?.endsWith("Error"));
  if (errors.length > 0) {
    return {
      state: "failed",
      message: `application ${name}: ${errors.map((c) => `${c.type}: ${c.message ?? ""}`.trim()).join("; ")}`
    };
  }
  if (opRevisionMatches && (op.phase === "Failed" || op.phase === "Error")) {
    const failedResources = (op.syncResult?.resources ?? []).filter((r) => r.status === "SyncFailed").map((r) => `${r.kind ?? "?"}/${r.name ?? "?"}: ${r.message ?? ""}`.trim());
    return {
      state: "failed",
      message: `sync of ${short(revision)} ${op.phase}: ${op.message ?? ""}${failedResources.length ? ` (${failedResources.join("; ")})` : ""}`
    };
  }
  if (!matches(revision, sync.revision, sync.revisions)) {
    return {
      state: "pending",
      message: `waiting for Argo CD to compare ${name} against ${short(revision)} (it tracks ${short(trackedRevision(a))}, sync ${sync.status ?? "Unknown"})`
    };
  }
  if (op?.phase === "Running" || op?.phase === "Terminating") {
    return {
      state: "pending",
      message: `sync operation ${op.phase} for ${short(op.operation?.sync?.revision ?? op.syncResult?.revision)}${op.message ? `: ${op.message}` : ""}`
    };
  }
  if (sync.status !== "Synced" || !opRevisionMatches || op?.phase !== "Succeeded") {
    return {
      state: "pending",
      message: `waiting for a successful sync of ${short(revision)} (sync ${sync.status ?? "Unknown"}, last operation ${op?.phase ?? "none"} for ${short(op?.syncResult?.revision)}; a revision that changes nothing in this app gets no sync operation)`
    };
  }
  if (health.status === "Degraded") {
    const degradedAt = toMs(health.lastTransitionTime);
    const syncedAt = toMs(op.finishedAt);
    if (degradedAt !== void 0 && syncedAt !== void 0 && degradedAt < syncedAt) {
      return {
        state: "pending",
        message: `health Degraded since before the sync of ${short(revision)}; waiting for Argo CD to assess the new state`
      };
    }
    return {
      state: "degraded",
      message: `application ${name} Degraded at ${short(revision)}${health.message ? `: ${health.message}` : ""}`
    };
  }
  if (health.status !== "Healthy") {
    return {
      state: "pending",
      message: `waiting for health: ${health.status ?? "Unknown"}${health.message ? ` (${health.message})` : ""}`
    };
  }
  const transitions = [op.finishedAt, health.lastTransitionTime, status.reconciledAt].map(toMs).filter((ms) => ms !== void 0);
  const last = transitions.length > 0 ? Math.max(...transitions) : void 0;
  if (last !== void 0 && now.getTime() - last < settleMs) {
    const left = Math.ceil((settleMs - (now.getTime() - last)) / 1e3);
    return {
      state: "pending",
      message: `Synced and Healthy at ${short(revision)}; settling (${left}s left)`
    };
  }
  return { state: "live", message: `${name} is Synced and Healthy at ${short(revision)}` };
}
__name(evaluateApplication, "evaluateApplication");

// gitops/rules/rollout-status.ts
var FATAL_WAITING_REASONS = [
  "CrashLoopBackOff",
  "ImagePullBackOff",
  "ErrImagePull",
  "CreateContainerConfigError",
  "CreateContainerError",
  "InvalidImageName"
];
var DEFAULT_RESTART_THRESHOLD = 3;
var REVISION_ANNOTATION = "deployment.kubernetes.io/revision";
var POD_TEMPLATE_HASH = "pod-template-hash";
function evaluateRollout(input) {
  const deployment = input.deployment;
  const name = deployment.metadata?.name ?? "(unnamed)";
  const threshold = input.restartThreshold ?? DEFAULT_RESTART_THRESHOLD;
  const spec = deployment.spec ?? {};
  const status = deployment.status ?? {};
  const generation = deployment.metadata?.generation ?? 0;
  const observed = status.observedGeneration ?? 0;
  if (observed < generation) {
    return {
      state: "progressing",
      message: `waiting for deployment "${name}" spec update to be observed (generation ${generation}, observed ${observed})`
    };
  }
  const progressing = (status.conditions ?? []).find((c) => c.type === "Progressing");
  if (progressing?.reason === "ProgressDeadlineExceeded") {
    return {
      state: "failed",
      reason: "ProgressDeadlineExceeded",
      message: `deployment "${name}" exceeded its progress deadline${progressing.message ? `: ${progressing.message}` : ""}`
    };
  }
  const newRs = findNewReplicaSet(deployment, input.replicaSets);
  if (newRs) {
    const podFailure = findPodFailure(newRs, input.pods, threshold);
    if (podFailure) return podFailure;
  }
  const desired = spec.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const paused = spec.paused ? " (deployment is paused: the rollout will not progress until it is resumed)" : "";
  const hints = waitingHints(newRs, input.pods);
  if (updated < desired) {
    return {
      state: "progressing",
      message: `waiting for deployment "${name}" rollout to finish: ${updated} out of ${desired} new replicas have been updated${paused}${hints}`
    };
  }
  if (total > updated) {
    return {
      state: "progressing",
      message: `waiting for deployment "${name}" rollout to finish: ${total - updated} old replicas are pending termination${paused}${hints}`
    };
  }
  if (available < updated) {
    return {
      state: "progressing",
      message: `waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available${paused}${hints}`
    };
  }
  return {
    state: "complete",
    message: desired === 0 ? `deployment "${name}" scaled to zero: rollout complete` : `deployment "${name}" successfully rolled out (${available}/${desired} available)`
  };
}
__name(evaluateRollout, "evaluateRollout");
function findNewReplicaSet(deployment, replicaSets) {
  const d = deployment;
  const owned = replicaSets.filter(
    (rs) => isOwnedBy(rs.metadata, d.metadata)
  );
  const revision = d.metadata?.annotations?.[REVISION_ANNOTATION];
  if (revision !== void 0) {
    const byRevision = owned.find(
      (rs) => rs.metadata?.annotations?.[REVISION_ANNOTATION] === revision
    );
    if (byRevision) return byRevision;
  }
  const wanted = canonicalTemplate(d.spec?.template);
  return owned.find((rs) => canonicalTemplate(rs.spec?.template) === wanted);
}
__name(findNewReplicaSet, "findNewReplicaSet");
function isOwnedBy(child, owner) {
  const refs = child?.ownerReferences ?? [];
  if (refs.length === 0) return false;
  return refs.some(
    (r) => owner?.uid && r.uid ? r.uid === owner.uid : r.kind === "Deployment" && r.name === owner?.name
  );
}
__name(isOwnedBy, "isOwnedBy");
function canonicalTemplate(template) {
  const labels = { ...template?.metadata?.labels ?? {} };
  delete labels[POD_TEMPLATE_HASH];
  return stableJson({
    labels,
    annotations: template?.metadata?.annotations ?? {},
    spec: template?.spec ?? {}
  });
}
__name(canonicalTemplate, "canonicalTemplate");
function stableJson(value) {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== void 0).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
__name(stableJson, "stableJson");
function podsOf(rs, pods) {
  const hash = rs.metadata?.labels?.[POD_TEMPLATE_HASH];
  return pods.filter((p) => {
    if (p.metadata?.deletionTimestamp) return false;
    const refs = p.metadata?.ownerReferences ?? [];
    if (refs.length > 0) {
      return refs.some(
        (r) => rs.metadata?.uid && r.uid ? r.uid === rs.metadata.uid : r.kind === "ReplicaSet" && r.name === rs.metadata?.name
      );
    }
    return hash !== void 0 && p.metadata?.labels?.[POD_TEMPLATE_HASH] === hash;
  });
}
__name(podsOf, "podsOf");
function findPodFailure(rs, pods, threshold) {
  for (const pod of podsOf(rs, pods)) {
    const podName = pod.metadata?.name ?? "(unnamed pod)";
    const statuses = [
      ...pod.status?.initContainerStatuses ?? [],
      ...pod.status?.containerStatuses ?? []
    ];
    for (const c of statuses) {
      const waiting = c.state?.waiting;
      if (waiting?.reason && FATAL_WAITING_REASONS.includes(waiting.reason)) {
        const last = describeTermination(c.lastState?.terminated);
        return {
          state: "failed",
          reason: waiting.reason,
          message: `pod ${podName} container ${c.name ?? "?"}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""}${last ? ` (last termination: ${last})` : ""}`
        };
      }
      if ((c.restartCount ?? 0) > threshold) {
        const last = describeTermination(c.lastState?.terminated ?? c.state?.terminated);
        return {
          state: "failed",
          reason: "RestartThresholdExceeded",
          message: `pod ${podName} container ${c.name ?? "?"} restarted ${c.restartCount} times (threshold ${threshold})${last ? `; last termination: ${last}` : ""}`
        };
      }
    }
  }
  return void 0;
}
__name(findPodFailure, "findPodFailure");
function describeTermination(t) {
  if (!t) return "";
  const parts = [
    t.reason,
    t.exitCode !== void 0 ? `exit code ${t.exitCode}` : void 0,
    t.message?.trim()
  ];
  return parts.filter(Boolean).join(", ");
}
__name(describeTermination, "describeTermination");
function waitingHints(rs, pods) {
  if (!rs) return "";
  const hints = [];
  for (const pod of podsOf(rs, pods)) {
    const podName = pod.metadata?.name ?? "(unnamed pod)";
    const unschedulable = (pod.status?.conditions ?? []).find(
      (c) => c.type === "PodScheduled" && c.status === "False"
    );
    if (unschedulable) {
      hints.push(
        `pod ${podName} not scheduled: ${unschedulable.reason ?? ""} ${unschedulable.message ?? ""}`.trim()
      );
      continue;
    }
    const notReady = (pod.status?.containerStatuses ?? []).filter((c) => !c.ready);
    for (const c of notReady) {
      const why = c.state?.waiting?.reason ?? (c.state?.running ? "running, not ready (readiness probe)" : "not ready");
      hints.push(`pod ${podName} container ${c.name ?? "?"} ${why}`);
    }
  }
  return hints.length > 0 ? `; ${hints.slice(0, 3).join("; ")}` : "";
}
__name(waitingHints, "waitingHints");
function selectorOf(deployment) {
  const selector = deployment.spec?.selector;
  const terms = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector?.matchExpressions ?? []) {
    const values = (e.values ?? []).join(",");
    if (e.operator === "In") terms.push(`${e.key} in (${values})`);
    else if (e.operator === "NotIn") terms.push(`${e.key} notin (${values})`);
    else if (e.operator === "Exists") terms.push(e.key);
    else if (e.operator === "DoesNotExist") terms.push(`!${e.key}`);
  }
  if (terms.length === 0) {
    throw new InputError(
      "deployment",
      "has an empty spec.selector; refusing to list every pod in the namespace"
    );
  }
  return terms.join(",");
}
__name(selectorOf, "selectorOf");

// gitops/flows/verify.ts
var realClock = {
  now: /* @__PURE__ */ __name(() => Date.now(), "now"),
  sleep: /* @__PURE__ */ __name((ms) => new Promise((resolve) => setTimeout(resolve, ms)), "sleep")
};
async function pollUntil(p) {
  const state = { observed: false, lastWaiting: "" };
  for (; ; ) {
    let obs;
    try {
      obs = await p.observe();
      state.lastError = void 0;
    } catch (err) {
      state.lastError = fatalOrMessage(err);
    }
    if (obs) {
      state.observed = true;
      const done = p.decide(obs);
      if (done !== void 0) return { ...state, done };
      const waiting = waitingFor(obs);
      if (waiting !== state.lastWaiting) {
        p.event(`${p.label}: ${waiting}`);
        state.lastWaiting = waiting;
      }
    } else if (state.lastError) {
      p.event(`Kubernetes API error (will retry): ${state.lastError}`);
    }
    const now = p.clock.now();
    if (now >= p.deadline) return state;
    await p.clock.sleep(Math.min(p.pollMs, p.deadline - now));
  }
}
__name(pollUntil, "pollUntil");
async function verifyRollout(opts) {
  validateVerifyOptions(opts);
  let workspace;
  const rollbackWorkspace = /* @__PURE__ */ __name(() => workspace ??= openWorkspace({
    repo: opts.rollback.repo,
    branch: opts.rollback.branch ?? "main",
    sync: true,
    log: opts.log
  }), "rollbackWorkspace");
  try {
    return await verifyWith(opts, rollbackWorkspace);
  } finally {
    if (workspace) await (await workspace.catch(() => void 0))?.cleanup();
  }
}
__name(verifyRollout, "verifyRollout");
async function verifyWith(opts, rollbackWorkspace) {
  const clock = opts.clock ?? realClock;
  const appNamespace = opts.appNamespace ?? "argocd";
  const timeoutMs = opts.timeoutMs ?? 3e5;
  const pollMs = opts.pollMs ?? 2e3;
  const settleMs = opts.settleMs ?? DEFAULT_SETTLE_MS;
  const start = clock.now();
  const timeline = [];
  const timings = {};
  const event = /* @__PURE__ */ __name((text) => {
    const atMs = clock.now() - start;
    timeline.push({ atMs, event: text });
    opts.log?.(`[+${(atMs / 1e3).toFixed(1)}s] ${text}`);
  }, "event");
  const observe = /* @__PURE__ */ __name(async (revision, watchRollout) => {
    const app = await opts.kube.getApplication(appNamespace, opts.app);
    const verdict = evaluateApplication(app, revision, new Date(clock.now()), settleMs);
    const synced = isSyncedTo(app, revision);
    const obs = { app: verdict, synced, tracked: trackedRevision(app) };
    if (watchRollout(synced)) obs.rollout = await readRollout(opts);
    return obs;
  }, "observe");
  let failure;
  if (opts.rollback) {
    const commit2 = opts.rollback.commit ?? opts.revision;
    const findRevert = opts.findRevert ?? (async (c) => {
      const ws = await rollbackWorkspace();
      return findRevertOf(ws.git, c, ws.hasRemote ? ws.upstream : "HEAD");
    });
    const earlier = await findRevert(commit2);
    if (earlier) {
      failure = `${commit2.slice(0, 12)} was already reverted by ${earlier.slice(0, 12)} (an earlier verification failed)`;
      event(failure);
    }
  }
  event(`verifying ${opts.app} at ${opts.revision.slice(0, 12)}: requesting an Argo CD refresh`);
  await refresh(opts, appNamespace, clock);
  const seen = /* @__PURE__ */ new Set([opts.revision]);
  if (!failure) {
    const deadline = start + timeoutMs;
    const phase = await pollUntil({
      clock,
      deadline,
      pollMs,
      label: "waiting",
      event,
      // Before the sync the Deployment still runs the previous release; its state says nothing about this one.
      observe: /* @__PURE__ */ __name(() => observe(opts.revision, (synced) => synced || timings.toSyncedMs !== void 0), "observe"),
      decide: /* @__PURE__ */ __name((obs) => {
        if (obs.tracked) seen.add(obs.tracked);
        if (obs.synced && timings.toSyncedMs === void 0) {
          timings.toSyncedMs = clock.now() - start;
          event(`Argo CD synced ${opts.revision.slice(0, 12)}`);
        }
        if (obs.app.state === "failed" || obs.app.state === "degraded")
          return { failure: `Argo CD ${obs.app.state}: ${obs.app.message}` };
        if (obs.rollout?.state === "failed")
          return { failure: `rollout failed: ${obs.rollout.reason}: ${obs.rollout.message}` };
        if (obs.app.state === "live" && obs.rollout?.state === "complete")
          return { healthy: obs.rollout.message };
        return void 0;
      }, "decide")
    });
    if (phase.done && "healthy" in phase.done) {
      timings.toReadyMs = clock.now() - start;
      event(`healthy: ${phase.done.healthy}`);
      return { result: "healthy", timings, timeline };
    }
    if (phase.done) failure = phase.done.failure;
    else if (!phase.observed) {
      throw new GitopsError(
        `could not read ${appNamespace}/${opts.app} from the cluster in ${Math.round(timeoutMs / 1e3)}s: ${phase.lastError ?? "no answer"}`,
        "KUBE_UNREACHABLE",
        "check the kubeconfig and the network to the API server; nothing was rolled back"
      );
    } else {
      failure = `timed out after ${Math.round(timeoutMs / 1e3)}s waiting for ${phase.lastWaiting || "the first observation"}${phase.lastError ? ` (last API error: ${phase.lastError})` : ""}`;
    }
  }
  event(`verification failed: ${failure}`);
  if (!opts.rollback) return { result: "failed", reason: failure, timings, timeline };
  const revert = opts.revert ?? (async (o) => revertDeployment({ ...o, workspace: await rollbackWorkspace() }));
  const commit = opts.rollback.commit ?? opts.revision;
  event(`rolling back: reverting ${commit.slice(0, 12)}`);
  const reverted = await revert({
    repo: opts.rollback.repo,
    branch: opts.rollback.branch,
    commit,
    reason: failure,
    push: true,
    log: opts.log
  });
  event(
    reverted.status === "reverted" ? `pushed revert commit ${reverted.commit.slice(0, 12)}` : `already reverted by ${reverted.commit.slice(0, 12)}; waiting for the recovery`
  );
  await refresh(opts, appNamespace, clock);
  const base = {
    result: "failed",
    reason: failure,
    timings,
    timeline,
    revertCommit: reverted.commit,
    revertStatus: reverted.status
  };
  let target;
  const recovery = await pollUntil({
    clock,
    deadline: clock.now() + (opts.recoveryTimeoutMs ?? timeoutMs),
    pollMs,
    label: "recovery",
    event,
    observe: /* @__PURE__ */ __name(async () => {
      const app = await opts.kube.getApplication(appNamespace, opts.app);
      const tracked = trackedRevision(app);
      target = tracked && (tracked === reverted.commit || !seen.has(tracked)) ? tracked : void 0;
      const verdict = target ? evaluateApplication(app, target, new Date(clock.now()), settleMs) : {
        state: "pending",
        message: `waiting for Argo CD to pick up revert ${reverted.commit.slice(0, 12)} (it tracks ${tracked?.slice(0, 12) ?? "nothing"})`
      };
      const obs = {
        app: verdict,
        synced: target !== void 0 && isSyncedTo(app, target),
        tracked
      };
      if (obs.synced) obs.rollout = await readRollout(opts);
      return obs;
    }, "observe"),
    decide: /* @__PURE__ */ __name((obs) => obs.app.state === "live" && obs.rollout?.state === "complete" ? obs.rollout.message : void 0, "decide")
  });
  if (recovery.done !== void 0) {
    timings.toRecoveredMs = clock.now() - start;
    event(`recovered at ${target?.slice(0, 12)}: ${recovery.done}`);
    return { ...base, result: "rolled-back" };
  }
  const reason = `${failure}; reverted by ${reverted.commit.slice(0, 12)} but the recovery was not observed in time, still waiting for ${recovery.lastWaiting || "the first observation"}${recovery.lastError ? ` (last API error: ${recovery.lastError})` : ""}`;
  event("recovery timed out");
  return { ...base, reason };
}
__name(verifyWith, "verifyWith");
function validateVerifyOptions(opts) {
  checkCommitSha(opts.revision, "revision");
  if (opts.rollback?.commit !== void 0) checkCommitSha(opts.rollback.commit, "rollback.commit");
  checkKubeName(opts.app, "app");
  checkKubeName(opts.deployment, "deployment");
  checkKubeName(opts.namespace, "namespace", { label: true });
  if (opts.appNamespace !== void 0)
    checkKubeName(opts.appNamespace, "app-namespace", { label: true });
  for (const [input, value] of [
    ["timeout", opts.timeoutMs],
    ["poll", opts.pollMs],
    ["recovery-timeout", opts.recoveryTimeoutMs]
  ]) {
    if (value !== void 0 && !(Number.isFinite(value) && value > 0)) {
      throw new InputError(input, `expected a positive number of milliseconds, got ${value}`);
    }
  }
  if (opts.rollback) {
    if (typeof opts.rollback.repo !== "string" || opts.rollback.repo.trim() === "")
      throw new InputError(
        "repo",
        "is required for a rollback (the GitOps repository path or URL)"
      );
    if (opts.rollback.branch !== void 0) checkBranch(opts.rollback.branch);
  }
}
__name(validateVerifyOptions, "validateVerifyOptions");
function refresh(opts, appNamespace, clock) {
  return retry(() => opts.kube.refreshApplication(appNamespace, opts.app), {
    maxAttempts: 3,
    baseDelayMs: 500,
    sleep: /* @__PURE__ */ __name((ms) => clock.sleep(ms), "sleep"),
    shouldRetry: /* @__PURE__ */ __name((err) => err instanceof KubeApiError && (err.status === 0 || err.status >= 500), "shouldRetry"),
    onRetry: /* @__PURE__ */ __name((err, attempt) => opts.log?.(`refresh attempt ${attempt} failed (${err.message}); retrying`), "onRetry")
  });
}
__name(refresh, "refresh");
async function readRollout(opts) {
  let deployment;
  try {
    deployment = await opts.kube.getDeployment(opts.namespace, opts.deployment);
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) {
      return {
        state: "progressing",
        message: `deployment ${opts.namespace}/${opts.deployment} not found yet`
      };
    }
    throw err;
  }
  const selector = selectorOf(deployment);
  const [replicaSets, pods] = await Promise.all([
    opts.kube.listReplicaSets(opts.namespace, selector),
    opts.kube.listPods(opts.namespace, selector)
  ]);
  return evaluateRollout({
    deployment,
    replicaSets,
    pods,
    restartThreshold: opts.restartThreshold
  });
}
__name(readRollout, "readRollout");
function waitingFor(obs) {
  if (obs.app.state !== "live") return obs.app.message;
  return obs.rollout ? obs.rollout.message : "the rollout";
}
__name(waitingFor, "waitingFor");
function fatalOrMessage(err) {
  if (err instanceof KubeApiError && [401, 403, 404].includes(err.status)) throw err;
  if (err instanceof InputError) throw err;
  if (err instanceof GitopsError || err instanceof Error) return err.message;
  return String(err);
}
__name(fatalOrMessage, "fatalOrMessage");

// gitops/cli/verify.ts
var usage = `Usage: gitops verify --app NAME --revision SHA --deployment NAME --namespace NS [options]

Waits until Argo CD has synced the GitOps revision SHA and the Deployment has rolled out, and reports
healthy, failed, or (with --rollback) rolled-back after reverting the bump or promotion (commit, squash or
merge commit of the promotion PR) in --repo.

Options:
  --app NAME              Argo CD Application name
  --app-namespace NS      Namespace of the Application (default argocd)
  --revision SHA          GitOps repository commit Argo CD must reach (full 40-character SHA)
  --deployment NAME       Deployment to watch
  --namespace NS          Namespace of the Deployment
  --timeout S             Seconds to wait for the release, and again for a recovery (default 300)
  --poll S                Seconds between polls (default 2)
  --settle S              Seconds Argo CD must stay Synced+Healthy (default 5)
  --restart-threshold N   Container restarts of a new pod that fail the rollout (default 3)
  --rollback              On failure, revert the bump/promotion commit and wait for the recovery
  --repo PATH|URL         GitOps repository to revert in (required with --rollback)
  --branch NAME           Branch of the GitOps repository (default main)
  --rollback-commit SHA   Bump, promotion or promotion merge commit to revert (default: --revision)
  --kubeconfig FILE       Kubeconfig (default KUBECONFIG, ~/.kube/config, or in-cluster)
  --context NAME          Kubeconfig context
  --json                  Print one JSON object: the verdict with timings and timeline
  -h, --help              Show this help

Exit status: 0 healthy, 1 failed or rolled back, 2 usage error.`;
var FLAGS = {
  app: "--app",
  "app-namespace": "--app-namespace",
  revision: "--revision",
  deployment: "--deployment",
  namespace: "--namespace",
  repo: "--repo",
  branch: "--branch",
  "rollback.commit": "--rollback-commit"
};
function seconds(values, name, fallback) {
  const raw = stringFlag(values, name);
  if (raw === void 0) return fallback;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !(n > 0)) {
    throw new InputError(`--${name}`, `expected a positive number of seconds, got '${raw}'`);
  }
  return n;
}
__name(seconds, "seconds");
function describe(res, app, revision) {
  const t = res.timings;
  const fmt = /* @__PURE__ */ __name((ms) => ms === void 0 ? "-" : `${(ms / 1e3).toFixed(1)}s`, "fmt");
  const head = res.result === "healthy" ? `healthy: ${app} is live at ${revision.slice(0, 12)}` : res.result === "rolled-back" ? `rolled back: ${app} at ${revision.slice(0, 12)} failed and was reverted by ${res.revertCommit?.slice(0, 12)}` : `failed: ${app} at ${revision.slice(0, 12)}`;
  const lines = [head];
  if (res.reason) lines.push(`reason: ${res.reason}`);
  lines.push(
    `timings: synced ${fmt(t.toSyncedMs)}, ready ${fmt(t.toReadyMs)}, recovered ${fmt(t.toRecoveredMs)}`
  );
  return lines;
}
__name(describe, "describe");
var verifyCommand = {
  name: "verify",
  usage,
  options: flagOptions({
    string: "app app-namespace revision deployment namespace timeout poll settle restart-threshold repo branch rollback-commit kubeconfig context",
    boolean: "rollback json"
  }),
  async run(values, io) {
    const json = boolFlag(values, "json");
    const app = requireFlag(values, "app");
    const revision = requireFlag(values, "revision");
    const deployment = requireFlag(values, "deployment");
    const namespace = requireFlag(values, "namespace");
    const timeoutMs = seconds(values, "timeout", 300) * 1e3;
    const pollMs = seconds(values, "poll", 2) * 1e3;
    const settleMs = stringFlag(values, "settle") === "0" ? 0 : seconds(values, "settle", 5) * 1e3;
    const thresholdRaw = stringFlag(values, "restart-threshold");
    if (thresholdRaw !== void 0 && !/^\d+$/.test(thresholdRaw)) {
      throw new InputError("--restart-threshold", `expected a whole number, got '${thresholdRaw}'`);
    }
    const rollback = boolFlag(values, "rollback");
    const repo = stringFlag(values, "repo");
    if (rollback && !repo)
      throw new InputError("--repo", "is required with --rollback (the GitOps repository)");
    if (!rollback && (stringFlag(values, "rollback-commit") || stringFlag(values, "branch"))) {
      throw new InputError("--rollback", "is required when --rollback-commit or --branch is given");
    }
    const options = {
      app,
      appNamespace: stringFlag(values, "app-namespace"),
      revision,
      deployment,
      namespace,
      timeoutMs,
      pollMs,
      settleMs,
      restartThreshold: thresholdRaw === void 0 ? void 0 : Number(thresholdRaw),
      rollback: rollback && repo ? {
        repo,
        branch: stringFlag(values, "branch"),
        commit: stringFlag(values, "rollback-commit")
      } : void 0,
      log: progressLogger(io, json)
    };
    const res = await withInputNames(FLAGS, async () => {
      validateVerifyOptions(options);
      const { kubeClientFromConfig } = await import("./kube-VYLPVWFC.js");
      const kube = kubeClientFromConfig({
        kubeconfig: stringFlag(values, "kubeconfig"),
        context: stringFlag(values, "context")
      });
      return verifyRollout({ ...options, kube });
    });
    printOutput(io, json, {
      json: { app, revision, deployment, namespace, ...res },
      lines: describe(res, app, revision)
    });
    return res.result === "healthy" ? 0 : 1;
  }
};
export {
  verifyCommand
};
