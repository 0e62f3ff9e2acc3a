import {
  listImages
} from "./chunk-ISXFROZH.js";
import {
  KubeApiError
} from "./chunk-HCDO6AGJ.js";
import {
  fetchBranch,
  findRevertOf,
  openWorkspace,
  revertDeployment
} from "./chunk-LJWC5AAD.js";
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

// gitops/flows/verify-options.ts
var DEFAULT_VERIFY_TIMEOUT_S = 300;
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
  for (const [what, repo] of [
    ["a rollback", opts.rollback],
    ["following a descendant revision", opts.source]
  ]) {
    if (!repo) continue;
    if (typeof repo.repo !== "string" || repo.repo.trim() === "")
      throw new InputError("repo", `is required for ${what} (the GitOps repository path or URL)`);
    if (repo.branch !== void 0) checkBranch(repo.branch);
  }
  if (opts.smoke) {
    if (opts.smoke.service !== void 0) checkKubeName(opts.smoke.service, "service");
    const port = opts.smoke.port;
    if (port !== void 0 && !/^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/.test(port) && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
      throw new InputError("service-port", `expected a Service port name or number, got '${port}'`);
    }
  }
}
__name(validateVerifyOptions, "validateVerifyOptions");

// gitops/rules/readiness-budget.ts
var READINESS_MARGIN_S = 5;
var PROBE_DEFAULTS = { initialDelaySeconds: 0, periodSeconds: 10, failureThreshold: 3 };
function probeBudgetSeconds(probe) {
  if (!probe) return 0;
  const p = { ...PROBE_DEFAULTS, ...probe };
  return p.initialDelaySeconds + p.periodSeconds * p.failureThreshold;
}
__name(probeBudgetSeconds, "probeBudgetSeconds");
function toMs(value) {
  if (value instanceof Date) return value.getTime();
  if (typeof value !== "string" || value === "") return void 0;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? void 0 : ms;
}
__name(toMs, "toMs");
function readinessFailures(events, pod, container) {
  const fieldPath = `spec.containers{${container}}`;
  const out = [];
  for (const e of events) {
    const o = e.involvedObject ?? {};
    if (e.reason !== "Unhealthy" || !e.message?.startsWith("Readiness probe failed")) continue;
    if (o.kind !== void 0 && o.kind !== "Pod") continue;
    const samePod = pod.uid && o.uid ? o.uid === pod.uid : o.name === pod.name;
    if (!samePod || o.fieldPath !== void 0 && o.fieldPath !== fieldPath) continue;
    const firstMs = toMs(e.firstTimestamp) ?? toMs(e.eventTime);
    const lastMs = toMs(e.lastTimestamp) ?? toMs(e.series?.lastObservedTime) ?? firstMs;
    if (firstMs === void 0 || lastMs === void 0) continue;
    out.push({ message: e.message.trim(), firstMs, lastMs });
  }
  return out.sort((a, b) => a.lastMs - b.lastMs);
}
__name(readinessFailures, "readinessFailures");
function readinessDeadline(c) {
  if (!c.readinessProbe) return void 0;
  const startupS = probeBudgetSeconds(c.startupProbe);
  let probingFromMs = c.startedAtMs + startupS * 1e3;
  let from = c.startupProbe ? `start + startup ${startupS}s` : "start";
  if (c.startupProbe && c.started) {
    const ownInstance = c.failures.filter((f) => f.lastMs >= c.startedAtMs - 1e3).map((f) => f.firstMs >= c.startedAtMs - 1e3 ? f.firstMs : f.lastMs);
    const firstFailure = Math.min(...ownInstance);
    if (firstFailure < probingFromMs) {
      probingFromMs = Math.max(firstFailure, c.startedAtMs);
      from = "first readiness failure";
    }
  }
  const readinessS = probeBudgetSeconds(c.readinessProbe);
  const p = { ...PROBE_DEFAULTS, ...c.readinessProbe };
  return {
    deadlineMs: probingFromMs + (readinessS + READINESS_MARGIN_S) * 1e3,
    probingFromMs,
    budget: `${from}, then readiness ${p.initialDelaySeconds} + ${p.periodSeconds} × ${p.failureThreshold} = ${readinessS}s, + ${READINESS_MARGIN_S}s margin`
  };
}
__name(readinessDeadline, "readinessDeadline");

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
function errorConditions(app) {
  const errors = (app.status?.conditions ?? []).filter(
    (c) => c.type?.endsWith("Error")
  );
  if (errors.length === 0) return void 0;
  return errors.map((c) => `${c.type}: ${c.message ?? ""}`.trim()).join("; ");
}
__name(errorConditions, "errorConditions");
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
  if (opRevisionMatches && (op.phase === "Failed" || op.phase === "Error")) {
    const failedResources = (op.syncResult?.resources ?? []).filter((r) => r.status === "SyncFailed").map((r) => `${r.kind ?? "?"}/${r.name ?? "?"}: ${r.message ?? ""}`.trim());
    return {
      state: "failed",
      message: `sync of ${short(revision)} ${op.phase}: ${op.message ?? ""}${failedResources.length ? ` (${failedResources.join("; ")})` : ""}`
    };
  }
  const errors = errorConditions(a);
  if (errors) {
    return {
      state: "pending",
      message: `Argo CD reports ${errors} (Argo CD retries; waiting until the deadline)`
    };
  }
  if (!matches(revision, sync.revision, sync.revisions)) {
    return {
      state: "pending",
      message: `waiting for Argo CD to compare ${name} against ${short(revision)} (it tracks ${short(trackedRevision(a))}, sync ${sync.status ?? "Unknown"})`
    };
  }
  if (op?.phase === "Running" || op?.phase === "Terminating") {
    const retry2 = op.retryCount ? ` (Argo CD retry ${op.retryCount})` : "";
    return {
      state: "pending",
      message: `sync operation ${op.phase}${retry2} for ${short(op.operation?.sync?.revision ?? op.syncResult?.revision)}${op.message ? `: ${op.message}` : ""}`
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
  if (health.status === "Suspended") {
    return {
      state: "pending",
      message: `application ${name} Suspended at ${short(revision)} (a paused Deployment?)${health.message ? `: ${health.message}` : ""}`
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
function isFatalWaitingReason(reason) {
  if (!reason) return false;
  return FATAL_WAITING_REASONS.includes(reason) || reason.startsWith("Err") || reason.endsWith("Error") || reason.endsWith("BackOff");
}
__name(isFatalWaitingReason, "isFatalWaitingReason");
var RESTARTS_AFTER_ERROR = 2;
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
  if (spec.paused) {
    return {
      state: "suspended",
      message: `deployment "${name}" is paused (spec.paused): the rollout waits until it is resumed (kubectl rollout resume deployment/${name})`
    };
  }
  const missing = missingDigests(deployment, input.expectedDigests);
  if (missing) return { state: "progressing", message: `deployment "${name}" ${missing}` };
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
    const podFailure = findPodFailure(newRs, input.pods, threshold, {
      now: input.now,
      events: input.events ?? []
    });
    if (podFailure) return podFailure;
  }
  const desired = spec.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const hints = waitingHints(newRs, input.pods);
  if (updated < desired) {
    return {
      state: "progressing",
      message: `waiting for deployment "${name}" rollout to finish: ${updated} out of ${desired} new replicas have been updated${hints}`
    };
  }
  if (total > updated) {
    return {
      state: "progressing",
      message: `waiting for deployment "${name}" rollout to finish: ${total - updated} old replicas are pending termination${hints}`
    };
  }
  if (available < updated) {
    return {
      state: "progressing",
      message: `waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available${hints}`
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
function findPodFailure(rs, pods, threshold, observed) {
  for (const pod of podsOf(rs, pods)) {
    const podName = pod.metadata?.name ?? "(unnamed pod)";
    const statuses = [
      ...pod.status?.initContainerStatuses ?? [],
      ...pod.status?.containerStatuses ?? []
    ];
    for (const c of statuses) {
      const where = `pod ${podName} container ${c.name ?? "?"}`;
      const waiting = c.state?.waiting;
      if (isFatalWaitingReason(waiting?.reason)) {
        const last = describeTermination(c.lastState?.terminated);
        return {
          state: "failed",
          reason: waiting?.reason,
          message: `${where}: ${waiting?.reason}${waiting?.message ? `: ${waiting.message}` : ""}${last ? ` (last termination: ${last})` : ""}`
        };
      }
      const restarts = c.restartCount ?? 0;
      if (restarts > threshold) {
        const last = describeTermination(c.lastState?.terminated ?? c.state?.terminated);
        return {
          state: "failed",
          reason: "RestartThresholdExceeded",
          message: `${where} restarted ${restarts} times (threshold ${threshold})${last ? `; last termination: ${last}` : ""}`
        };
      }
      const exited = [c.state?.terminated, c.lastState?.terminated].find(
        (t) => t?.exitCode !== void 0 && t.exitCode !== 0
      );
      if (exited && !c.ready && restarts >= RESTARTS_AFTER_ERROR) {
        return {
          state: "failed",
          reason: exited.reason && exited.reason !== "Error" ? exited.reason : "ExitedNonZero",
          message: `${where} exited with an error after ${restarts} restarts and is not ready; last termination: ${describeTermination(exited)}`
        };
      }
    }
    const notReady = readinessFailure(pod, podName, observed);
    if (notReady) return notReady;
  }
  return void 0;
}
__name(findPodFailure, "findPodFailure");
function readinessFailure(pod, podName, { now, events }) {
  if (!now) return void 0;
  const specs = pod.spec?.containers ?? [];
  for (const c of pod.status?.containerStatuses ?? []) {
    const startedAtMs = toMs(c.state?.running?.startedAt);
    if (c.ready || startedAtMs === void 0) continue;
    const spec = specs.find((s) => s.name === c.name);
    const failures = readinessFailures(
      events,
      { name: pod.metadata?.name, uid: pod.metadata?.uid },
      c.name ?? ""
    );
    const deadline = readinessDeadline({
      startupProbe: spec?.startupProbe,
      readinessProbe: spec?.readinessProbe,
      startedAtMs,
      started: c.started,
      failures
    });
    if (!deadline || now.getTime() < deadline.deadlineMs) continue;
    const last = failures.at(-1);
    const notReadyFor = Math.round((now.getTime() - deadline.probingFromMs) / 1e3);
    return {
      state: "failed",
      reason: "ReadinessProbeFailed",
      message: `pod ${podName} container ${c.name ?? "?"} not ready ${notReadyFor}s after its readiness probing began (budget: ${deadline.budget}): ${last ? `${last.message}` : "no Readiness probe failed event found"}`
    };
  }
  return void 0;
}
__name(readinessFailure, "readinessFailure");
function missingDigests(deployment, digests) {
  if (!digests || digests.length === 0) return void 0;
  const spec = deployment.spec?.template?.spec;
  const images = [...spec?.initContainers ?? [], ...spec?.containers ?? []].map((c) => c.image ?? "").filter(Boolean);
  if (images.some((image) => digests.some((d) => image.endsWith(`@${d}`)))) return void 0;
  return `does not pin the release's image yet: its pod template has ${images.join(", ") || "no image"}, the release pins ${digests.join(", ")}`;
}
__name(missingDigests, "missingDigests");
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

// gitops/rules/revision-lineage.ts
var short2 = /* @__PURE__ */ __name((rev) => rev.slice(0, 12), "short");
function describePin(p) {
  if (!p) return "(not pinned)";
  return p.digest ?? `${p.newName ?? p.name}:${p.newTag ?? "(no tag)"}`;
}
__name(describePin, "describePin");
function changedPins(a, b) {
  const key = /* @__PURE__ */ __name((p) => p ? p.digest ?? `${p.newName ?? p.name}:${p.newTag ?? ""}` : "", "key");
  const names = new Set([...a, ...b].map((p) => p.name));
  const changed = [];
  for (const name of [...names].sort()) {
    const x = a.find((p) => p.name === name);
    const y = b.find((p) => p.name === name);
    if (key(x) !== key(y)) changed.push(`${name}: ${describePin(x)} -> ${describePin(y)}`);
  }
  return changed;
}
__name(changedPins, "changedPins");
function pinnedDigests(pins) {
  return pins.map((p) => p.digest).filter((d) => typeof d === "string");
}
__name(pinnedDigests, "pinnedDigests");
function judgeLiveRevision(input) {
  const { bump, live, relation } = input;
  if (!live) return { state: "waiting", message: "Argo CD tracks no revision yet" };
  if (relation === "same" || live === bump) {
    return { state: "follows", revision: bump, message: `Argo CD tracks ${short2(bump)}` };
  }
  if (relation === "ancestor") {
    return {
      state: "waiting",
      message: `Argo CD still tracks ${short2(live)}, an ancestor of ${short2(bump)}`
    };
  }
  if (relation === "unrelated") {
    return {
      state: "waiting",
      message: `Argo CD tracks ${short2(live)}, which is neither ${short2(bump)} nor a descendant of it`
    };
  }
  if (relation === "unknown" || !input.bumpPins || !input.livePins) {
    return {
      state: "waiting",
      message: `Argo CD tracks ${short2(live)}, not ${short2(bump)}; without the GitOps repository (--repo) its lineage cannot be checked`
    };
  }
  const changed = changedPins(input.bumpPins, input.livePins);
  if (changed.length === 0) {
    return {
      state: "follows",
      revision: live,
      message: `Argo CD tracks ${short2(live)}, a descendant of ${short2(bump)} that pins the same images`
    };
  }
  return {
    state: "superseded",
    revision: live,
    message: `${short2(live)}, a descendant of ${short2(bump)}, pins other images (${changed.join("; ")}): a newer release replaced this one`
  };
}
__name(judgeLiveRevision, "judgeLiveRevision");

// gitops/rules/smoke-check.ts
var DEFAULT_SMOKE = {
  path: "score",
  body: { X: [5.1, 3.5, 1.4, 0.2] },
  label: "setosa"
};
function parseSmokeInput(text, input = "smoke-input") {
  let value;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(
      input,
      `expected a JSON object, got '${text}' (${err.message})`
    );
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new InputError(
      input,
      `expected a JSON object such as {"X":[5.1,3.5,1.4,0.2]}, got '${text}'`
    );
  }
  return value;
}
__name(parseSmokeInput, "parseSmokeInput");
function clip(text) {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > 300 ? `${one.slice(0, 300)}...` : one;
}
__name(clip, "clip");
function isKubeStatus(body) {
  try {
    return JSON.parse(body).kind === "Status";
  } catch {
    return false;
  }
}
__name(isKubeStatus, "isKubeStatus");
function judgeSmoke(spec, res) {
  const what = `POST /${spec.path}`;
  if (res.status === 0 || [502, 503, 504].includes(res.status) && isKubeStatus(res.body)) {
    return {
      state: "unanswered",
      message: `${what} got no answer from the Service (${res.status === 0 ? "no response" : `HTTP ${res.status}`}: ${clip(res.body)})`
    };
  }
  if (res.status !== 200) {
    return { state: "failed", message: `${what} answered HTTP ${res.status}: ${clip(res.body)}` };
  }
  let label;
  try {
    label = JSON.parse(res.body).score?.[0]?.label;
  } catch {
    return {
      state: "failed",
      message: `${what} answered 200 with a body that is not JSON: ${clip(res.body)}`
    };
  }
  if (label !== spec.label) {
    return {
      state: "failed",
      message: `${what} labelled the known input ${JSON.stringify(label ?? null)}, expected "${spec.label}": ${clip(res.body)}`
    };
  }
  return { state: "passed", message: `${what} labelled the known input "${spec.label}"` };
}
__name(judgeSmoke, "judgeSmoke");

// gitops/flows/verify.ts
var SMOKE_ATTEMPTS = 3;
var SMOKE_RETRY_MS = 2e3;
var SMOKE_TIMEOUT_MS = 1e4;
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
  const repo = opts.rollback ?? opts.source;
  let workspace;
  const openRepo = /* @__PURE__ */ __name(() => workspace ??= openWorkspace({
    repo: repo.repo,
    branch: repo.branch ?? "main",
    sync: opts.rollback !== void 0,
    log: opts.log
  }), "openRepo");
  const lineage = opts.lineage ?? (repo ? gitLineage(openRepo, opts.log) : void 0);
  try {
    return await verifyWith(opts, openRepo, lineage);
  } finally {
    if (workspace) await (await workspace.catch(() => void 0))?.cleanup();
  }
}
__name(verifyRollout, "verifyRollout");
async function verifyWith(opts, rollbackWorkspace, lineage) {
  const clock = opts.clock ?? realClock;
  const appNamespace = opts.appNamespace ?? "argocd";
  const timeoutMs = opts.timeoutMs ?? DEFAULT_VERIFY_TIMEOUT_S * 1e3;
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
  const lineageOf = memoLineage(lineage, opts.revision);
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
  const deadline = start + timeoutMs;
  let liveRevision;
  let smoke;
  if (!failure) {
    const phase = await pollUntil({
      clock,
      deadline,
      pollMs,
      label: "waiting",
      event,
      observe: /* @__PURE__ */ __name(async () => {
        const app = await opts.kube.getApplication(appNamespace, opts.app);
        const tracked = trackedRevision(app);
        const lin = tracked && tracked !== opts.revision ? await lineageOf.judge(tracked, appPath(app)) : void 0;
        if (lin?.state === "superseded") {
          return {
            app: { state: "pending", message: lin.message },
            synced: false,
            tracked,
            lineage: lin
          };
        }
        const judged = lin?.state === "follows" ? lin.revision : opts.revision;
        const verdict = evaluateApplication(app, judged, new Date(clock.now()), settleMs);
        const obs = {
          app: lin?.state === "waiting" && verdict.state === "pending" ? { ...verdict, message: `${verdict.message}; ${lin.message}` } : verdict,
          synced: isSyncedTo(app, judged),
          tracked,
          judged,
          lineage: lin
        };
        if (obs.synced || timings.toSyncedMs !== void 0) {
          const path = appPath(app);
          const pins = path && lineage ? await lineageOf.bumpPins(path) : void 0;
          obs.rollout = await readRollout(opts, clock, pins ? pinnedDigests(pins) : void 0);
        }
        return obs;
      }, "observe"),
      decide: /* @__PURE__ */ __name((obs) => {
        if (obs.tracked) seen.add(obs.tracked);
        if (obs.lineage?.state === "superseded") return { superseded: obs.lineage };
        if (obs.synced && timings.toSyncedMs === void 0) {
          timings.toSyncedMs = clock.now() - start;
          event(
            `Argo CD synced ${obs.judged?.slice(0, 12)}${obs.judged !== opts.revision ? ` (${obs.lineage?.message})` : ""}`
          );
        }
        if (obs.app.state === "failed" || obs.app.state === "degraded")
          return { failure: `Argo CD ${obs.app.state}: ${obs.app.message}` };
        if (obs.rollout?.state === "suspended") return { suspended: obs.rollout.message };
        if (obs.rollout?.state === "failed")
          return { failure: `rollout failed: ${obs.rollout.reason}: ${obs.rollout.message}` };
        if (obs.app.state === "live" && obs.rollout?.state === "complete") {
          liveRevision = obs.judged;
          return { healthy: obs.rollout.message };
        }
        return void 0;
      }, "decide")
    });
    const done = phase.done;
    if (done && "superseded" in done) {
      event(`superseded: ${done.superseded.message}; not judged, not reverted`);
      return {
        result: "superseded",
        reason: done.superseded.message,
        supersededBy: done.superseded.revision,
        timings,
        timeline
      };
    }
    if (done && "suspended" in done) {
      event(`suspended: ${done.suspended}; not reverted`);
      return { result: "suspended", reason: done.suspended, timings, timeline };
    }
    if (done && "healthy" in done) {
      event(`rollout healthy: ${done.healthy}`);
      const answer = await smokeRequest(opts, clock, event);
      smoke = answer.message || void 0;
      if (answer.ok) {
        timings.toReadyMs = clock.now() - start;
        event(`healthy: ${done.healthy}`);
        return { result: "healthy", liveRevision, smoke, timings, timeline };
      }
      failure = `smoke request failed: ${answer.message}`;
    } else if (done && "failure" in done) failure = done.failure;
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
  if (!opts.rollback)
    return {
      result: "failed",
      reason: failure,
      liveRevision,
      smoke,
      timings,
      timeline
    };
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
    liveRevision,
    smoke,
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
      if (obs.synced) obs.rollout = await readRollout(opts, clock);
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
function appPath(app) {
  const spec = app.spec;
  return spec?.source?.path ?? spec?.sources?.find((s) => s.path)?.path;
}
__name(appPath, "appPath");
function memoLineage(lineage, bump) {
  const known = /* @__PURE__ */ new Map();
  let pinned;
  const bumpPins = /* @__PURE__ */ __name((path) => {
    if (!lineage) return Promise.resolve(void 0);
    return pinned ??= lineage.pins(bump, path).catch((err) => {
      pinned = void 0;
      throw err;
    });
  }, "bumpPins");
  const judge = /* @__PURE__ */ __name(async (live, path) => {
    const cached = known.get(live);
    if (cached) return cached;
    const relation = lineage ? await lineage.relation(bump, live) : "unknown";
    const pins = relation === "descendant" && path && lineage ? { bumpPins: await bumpPins(path), livePins: await lineage.pins(live, path) } : {};
    const verdict = judgeLiveRevision({ bump, live, relation, ...pins });
    if (relation !== "unknown") known.set(live, verdict);
    return verdict;
  }, "judge");
  return { judge, bumpPins };
}
__name(memoLineage, "memoLineage");
function gitLineage(open, log) {
  const present = /* @__PURE__ */ __name(async (ws, rev) => (await ws.git.tryRun(["cat-file", "-e", `${rev}^{commit}`])).code === 0, "present");
  return {
    relation: /* @__PURE__ */ __name(async (bump, live) => {
      const ws = await open();
      if (!await present(ws, live) && ws.hasRemote) {
        log?.(`fetching ${ws.branch}: Argo CD tracks ${live.slice(0, 12)}, not in the local clone`);
        await fetchBranch(ws.git, ws.branch);
      }
      if (!await present(ws, live) || !await present(ws, bump)) return "unknown";
      if (await ws.git.isAncestor(bump, live)) return "descendant";
      if (await ws.git.isAncestor(live, bump)) return "ancestor";
      return "unrelated";
    }, "relation"),
    pins: /* @__PURE__ */ __name(async (revision, path) => {
      const ws = await open();
      for (const file of ["kustomization.yaml", "kustomization.yml", "Kustomization"]) {
        const res = await ws.git.tryRun([
          "show",
          `${revision}:${path.replace(/\/+$/, "")}/${file}`
        ]);
        if (res.code === 0) return listImages(res.stdout, `${path}/${file}`);
      }
      return void 0;
    }, "pins")
  };
}
__name(gitLineage, "gitLineage");
async function smokeRequest(opts, clock, event) {
  if (opts.smoke === false) return { ok: true, message: "" };
  const spec = opts.smoke?.request ?? DEFAULT_SMOKE;
  const service = opts.smoke?.service ?? opts.deployment;
  const port = opts.smoke?.port ?? "http";
  for (let attempt = 1; ; attempt += 1) {
    const res = await opts.kube.postServiceProxy({
      namespace: opts.namespace,
      service,
      port,
      path: spec.path,
      body: spec.body,
      timeoutMs: SMOKE_TIMEOUT_MS
    });
    const verdict = judgeSmoke(spec, res);
    const where = `service ${opts.namespace}/${service}:${port}`;
    if (verdict.state === "passed") {
      event(`smoke request through ${where}: ${verdict.message}`);
      return { ok: true, message: verdict.message };
    }
    if (verdict.state === "failed" || attempt >= SMOKE_ATTEMPTS)
      return { ok: false, message: `${where}: ${verdict.message}` };
    event(`smoke request through ${where}: ${verdict.message}; trying again`);
    await clock.sleep(SMOKE_RETRY_MS);
  }
}
__name(smokeRequest, "smokeRequest");
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
async function readRollout(opts, clock, expectedDigests) {
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
  const events = pods.some(hasUnreadyContainer) ? await opts.kube.listEvents(opts.namespace, "reason=Unhealthy") : [];
  return evaluateRollout({
    deployment,
    replicaSets,
    pods,
    events,
    now: new Date(clock.now()),
    expectedDigests,
    restartThreshold: opts.restartThreshold
  });
}
__name(readRollout, "readRollout");
function hasUnreadyContainer(pod) {
  const statuses = pod.status?.containerStatuses;
  return (statuses ?? []).some((c) => !c.ready && c.state?.running !== void 0);
}
__name(hasUnreadyContainer, "hasUnreadyContainer");
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
var EXIT_CODES = {
  healthy: 0,
  failed: 1,
  "rolled-back": 1,
  suspended: 3,
  superseded: 4
};
var usage = `Usage: gitops verify --app NAME --revision SHA --deployment NAME --namespace NS [options]

Waits until Argo CD has synced the GitOps revision SHA (or a descendant that pins the same images) and the
Deployment has rolled out, sends a known request through the Service, and reports healthy, failed, or (with
--rollback) rolled-back after reverting the bump or promotion (commit, squash or merge commit of the
promotion PR) in --repo; suspended for a paused Deployment and superseded when a newer bump replaced this
one (neither is reverted).

Options:
  --app NAME              Argo CD Application name
  --app-namespace NS      Namespace of the Application (default argocd)
  --revision SHA          GitOps repository commit Argo CD must reach (full 40-character SHA)
  --deployment NAME       Deployment to watch
  --namespace NS          Namespace of the Deployment
  --timeout S             Seconds to wait for the release, and again for a recovery (default ${DEFAULT_VERIFY_TIMEOUT_S})
  --poll S                Seconds between polls (default 2)
  --settle S              Seconds Argo CD must stay Synced+Healthy (default 5)
  --restart-threshold N   Container restarts of a new pod that fail the rollout (default 3)
  --rollback              On failure, revert the bump/promotion commit and wait for the recovery
  --repo PATH|URL         GitOps repository: read to follow a descendant revision; reverted in with
                          --rollback (required then)
  --branch NAME           Branch of the GitOps repository (default main)
  --rollback-commit SHA   Bump, promotion or promotion merge commit to revert (default: --revision)
  --service NAME          Service the smoke request goes through (default: --deployment)
  --service-port PORT     Its port, by name or number (default http)
  --smoke-input JSON      Body POSTed to /${DEFAULT_SMOKE.path} (default ${JSON.stringify(DEFAULT_SMOKE.body)})
  --smoke-label LABEL     Label the first row must get (default ${DEFAULT_SMOKE.label})
  --no-smoke              Skip the smoke request
  --kubeconfig FILE       Kubeconfig (default KUBECONFIG, ~/.kube/config, or in-cluster)
  --context NAME          Kubeconfig context
  --json                  Print one JSON object: the verdict with timings and timeline
  -h, --help              Show this help

Exit status: ${Object.entries(EXIT_CODES).map(([result, code]) => `${code} ${result}`).join(", ")}, 2 usage error.`;
var FLAGS = {
  app: "--app",
  "app-namespace": "--app-namespace",
  revision: "--revision",
  deployment: "--deployment",
  namespace: "--namespace",
  repo: "--repo",
  branch: "--branch",
  "rollback.commit": "--rollback-commit",
  service: "--service",
  "service-port": "--service-port"
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
  const at = revision.slice(0, 12);
  const heads = {
    healthy: `healthy: ${app} is live at ${res.liveRevision && res.liveRevision !== revision ? `${res.liveRevision.slice(0, 12)} (descends from ${at}, same images)` : at}`,
    "rolled-back": `rolled back: ${app} at ${at} failed and was reverted by ${res.revertCommit?.slice(0, 12)}`,
    failed: `failed: ${app} at ${at}`,
    suspended: `suspended: ${app} at ${at}: the Deployment is paused; nothing was reverted`,
    superseded: `superseded: ${app} at ${at} was replaced by ${res.supersededBy?.slice(0, 12)}; nothing was reverted`
  };
  const lines = [heads[res.result]];
  if (res.reason) lines.push(`reason: ${res.reason}`);
  if (res.smoke) lines.push(`smoke: ${res.smoke}`);
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
    string: "app app-namespace revision deployment namespace timeout poll settle restart-threshold repo branch rollback-commit kubeconfig context service service-port smoke-input smoke-label",
    boolean: "rollback json no-smoke"
  }),
  async run(values, io) {
    const json = boolFlag(values, "json");
    const app = requireFlag(values, "app");
    const revision = requireFlag(values, "revision");
    const deployment = requireFlag(values, "deployment");
    const namespace = requireFlag(values, "namespace");
    const timeoutMs = seconds(values, "timeout", DEFAULT_VERIFY_TIMEOUT_S) * 1e3;
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
    if (!rollback && stringFlag(values, "rollback-commit")) {
      throw new InputError("--rollback", "is required when --rollback-commit is given");
    }
    if (!repo && stringFlag(values, "branch")) {
      throw new InputError("--repo", "is required when --branch is given");
    }
    const smokeFlags = ["service", "service-port", "smoke-input", "smoke-label"].filter(
      (f) => stringFlag(values, f) !== void 0
    );
    if (boolFlag(values, "no-smoke") && smokeFlags.length > 0) {
      throw new InputError("--no-smoke", `contradicts --${smokeFlags.join(", --")}`);
    }
    const smokeInput = stringFlag(values, "smoke-input");
    const smoke = boolFlag(values, "no-smoke") ? false : {
      service: stringFlag(values, "service"),
      port: stringFlag(values, "service-port"),
      request: {
        ...DEFAULT_SMOKE,
        ...smokeInput !== void 0 ? { body: parseSmokeInput(smokeInput, "--smoke-input") } : {},
        label: stringFlag(values, "smoke-label") ?? DEFAULT_SMOKE.label
      }
    };
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
      source: repo ? { repo, branch: stringFlag(values, "branch") } : void 0,
      smoke,
      log: progressLogger(io, json)
    };
    const res = await withInputNames(FLAGS, async () => {
      validateVerifyOptions(options);
      const { kubeClientFromConfig } = await import("./kube-GTLEN3EG.js");
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
    return EXIT_CODES[res.result];
  }
};
export {
  EXIT_CODES,
  verifyCommand
};
