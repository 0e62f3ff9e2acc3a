import {
  checkCommitSha,
  checkNetworkName,
  formatImageRef,
  isDigest,
  parseImageRef,
  retry
} from "./chunk-M3M4HARC.js";
import {
  boolFlag,
  flagOptions,
  listFlag,
  printOutput,
  progressLogger,
  requireFlag,
  runProcess,
  stringFlag
} from "./chunk-YO2BF2HZ.js";
import {
  GitopsError,
  InputError,
  MissingToolError,
  __name
} from "./chunk-LSNGMJ2J.js";

// gitops/cli/build.ts
import { resolve } from "node:path";

// gitops/flows/build.ts
import { existsSync as existsSync2, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";

// gitops/adapters/container-engine.ts
import { existsSync } from "node:fs";
var PODMAN_SOCKET = "/run/podman/podman.sock";
var DOCKER_SOCKET = "/var/run/docker.sock";
var PODMAN_API_VERSION = "1.41";
function engineVariables(env = process.env, exists = existsSync) {
  if (env.DOCKER_HOST || env.DOCKER_CONTEXT || exists(DOCKER_SOCKET) || !exists(PODMAN_SOCKET))
    return {};
  return {
    DOCKER_HOST: `unix://${PODMAN_SOCKET}`,
    ...env.DOCKER_API_VERSION ? {} : { DOCKER_API_VERSION: PODMAN_API_VERSION }
  };
}
__name(engineVariables, "engineVariables");
function containerEngineEnv(env = process.env) {
  return { ...env, ...engineVariables(env) };
}
__name(containerEngineEnv, "containerEngineEnv");
var ENGINE_HINT = `run 'bash scripts/setup.sh' (it starts podman's Docker API at ${PODMAN_SOCKET}), or set DOCKER_HOST to a running engine`;

// gitops/adapters/docker.ts
function docker(args, input, env = process.env) {
  return runProcess("docker", args, {
    input,
    // Finds the engine setup started (podman's socket) when the user exported nothing.
    env: containerEngineEnv(env),
    installHint: "install the docker CLI (and an engine: Docker, or podman serving the Docker API)"
  });
}
__name(docker, "docker");
function outputTail(text, lines = 4) {
  return text.trim().split("\n").map((l) => l.trim()).filter(Boolean).slice(-lines).join(" | ");
}
__name(outputTail, "outputTail");
async function checkDocker() {
  const res = await docker(["version", "--format", "{{.Server.Version}}"]);
  if (res.code !== 0 || res.stdout.trim() === "") {
    throw new MissingToolError(
      "docker engine",
      `the docker CLI found no engine (${outputTail(res.stderr, 1) || "no answer"}); ${ENGINE_HINT}`
    );
  }
  const buildx = (await docker(["buildx", "version"])).code === 0;
  return { server: res.stdout.trim(), buildx };
}
__name(checkDocker, "checkDocker");

// gitops/adapters/registry.ts
import { createHash } from "node:crypto";
var TagNotFoundError = class extends GitopsError {
  constructor(image) {
    super(
      `image ${image} was not found in the registry`,
      "TAG_NOT_FOUND",
      "check the tag was pushed to this registry"
    );
    this.image = image;
  }
  image;
  static {
    __name(this, "TagNotFoundError");
  }
};
var RegistryAuthError = class extends GitopsError {
  constructor(registry, detail) {
    super(
      `authentication to registry ${registry} failed: ${detail}`,
      "REGISTRY_AUTH",
      "check the registry username/password or token"
    );
    this.registry = registry;
  }
  registry;
  static {
    __name(this, "RegistryAuthError");
  }
};
var RegistryError = class extends GitopsError {
  constructor(registry, detail, status) {
    super(
      `registry ${registry}: ${detail}`,
      "REGISTRY_FAILED",
      "is the registry running and reachable?"
    );
    this.registry = registry;
    this.status = status;
  }
  registry;
  status;
  static {
    __name(this, "RegistryError");
  }
};
var MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json"
].join(", ");
function isLoopbackRegistry(registry) {
  const host = registry.startsWith("[") ? registry.slice(0, registry.indexOf("]") + 1) : registry.split(":")[0] ?? "";
  return host === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(host) || host === "[::1]";
}
__name(isLoopbackRegistry, "isLoopbackRegistry");
function registryTarget(ref, insecure = false) {
  let registry = ref.registry ?? "docker.io";
  let repository = ref.repository;
  if (registry === "docker.io" || registry === "index.docker.io") {
    registry = "registry-1.docker.io";
    if (!repository.includes("/")) repository = `library/${repository}`;
  }
  const scheme = insecure || isLoopbackRegistry(registry) ? "http" : "https";
  return {
    registry,
    baseUrl: `${scheme}://${registry}`,
    repository,
    reference: ref.digest ?? ref.tag ?? "latest"
  };
}
__name(registryTarget, "registryTarget");
function parseChallenge(header) {
  const m = /^\s*(\w+)\s*(.*)$/.exec(header);
  const params = {};
  for (const p of (m?.[2] ?? "").matchAll(/([\w-]+)=(?:"([^"]*)"|([^,\s]*))/g)) {
    params[p[1].toLowerCase()] = p[2] ?? p[3] ?? "";
  }
  return { scheme: (m?.[1] ?? "").toLowerCase(), params };
}
__name(parseChallenge, "parseChallenge");
var Transient = class extends Error {
  static {
    __name(this, "Transient");
  }
};
function basic(auth) {
  return `Basic ${Buffer.from(`${auth.username ?? ""}:${auth.password ?? ""}`).toString("base64")}`;
}
__name(basic, "basic");
function hasBasic(auth) {
  return !!auth?.username && auth.password !== void 0;
}
__name(hasBasic, "hasBasic");
async function send(url, init, timeoutMs, target) {
  try {
    return await fetch(url, {
      ...init,
      redirect: "follow",
      signal: AbortSignal.timeout(timeoutMs)
    });
  } catch (err) {
    const cause = err.cause;
    const detail = cause?.code ?? cause?.message ?? err.message;
    throw new Transient(`cannot reach ${target.baseUrl} (${detail})`);
  }
}
__name(send, "send");
function transientStatus(status) {
  return status === 429 || status >= 500;
}
__name(transientStatus, "transientStatus");
async function fetchToken(challenge, target, auth, timeoutMs) {
  const realm = challenge.realm;
  if (!realm) throw new RegistryAuthError(target.registry, "Bearer challenge without a realm");
  const url = new URL(realm);
  if (challenge.service) url.searchParams.set("service", challenge.service);
  url.searchParams.set("scope", challenge.scope ?? `repository:${target.repository}:pull`);
  const headers = {};
  if (hasBasic(auth)) headers.authorization = basic(auth);
  const res = await send(url.toString(), { headers }, timeoutMs, target);
  if (transientStatus(res.status))
    throw new Transient(`token server ${url.host} answered ${res.status}`);
  if (res.status === 401 || res.status === 403) {
    throw new RegistryAuthError(
      target.registry,
      `token server ${url.host} refused the credentials (${res.status})`
    );
  }
  if (!res.ok)
    throw new RegistryAuthError(target.registry, `token server ${url.host} answered ${res.status}`);
  const body = await res.json().catch(() => ({}));
  const token = body.token ?? body.access_token;
  if (!token)
    throw new RegistryAuthError(target.registry, `token server ${url.host} returned no token`);
  return token;
}
__name(fetchToken, "fetchToken");
async function resolveDigest(image, opts = {}) {
  const ref = typeof image === "string" ? parseImageRef(image, "image") : image;
  const name = formatImageRef(ref);
  if (opts.retries !== void 0 && (!Number.isInteger(opts.retries) || opts.retries < 0)) {
    throw new InputError("retries", `'${opts.retries}' must be a non-negative integer`);
  }
  const target = registryTarget(ref, opts.insecure);
  const timeoutMs = opts.timeoutMs ?? 15e3;
  const url = `${target.baseUrl}/v2/${target.repository}/manifests/${target.reference}`;
  let authorization = opts.auth?.token ? `Bearer ${opts.auth.token}` : hasBasic(opts.auth) ? basic(opts.auth) : void 0;
  const failUnlessOk = /* @__PURE__ */ __name((res) => {
    if (res.status === 404) throw new TagNotFoundError(name);
    if (transientStatus(res.status))
      throw new Transient(`${target.baseUrl} answered ${res.status}`);
    if (!res.ok)
      throw new RegistryError(
        target.registry,
        `unexpected status ${res.status} for ${name}`,
        res.status
      );
  }, "failUnlessOk");
  const once = /* @__PURE__ */ __name(async () => {
    let triedToken = false;
    for (; ; ) {
      const headers = { accept: MANIFEST_ACCEPT };
      if (authorization) headers.authorization = authorization;
      let res = await send(url, { method: "HEAD", headers }, timeoutMs, target);
      if (res.status === 401) {
        const challenge = parseChallenge(res.headers.get("www-authenticate") ?? "");
        if (challenge.scheme === "bearer" && !triedToken && !opts.auth?.token) {
          triedToken = true;
          authorization = `Bearer ${await fetchToken(challenge.params, target, opts.auth, timeoutMs)}`;
          continue;
        }
        const sent = authorization ? "the credentials were refused" : "the registry requires credentials";
        throw new RegistryAuthError(target.registry, `${sent} (401 for ${target.repository})`);
      }
      if (res.status === 403)
        throw new RegistryAuthError(target.registry, `access to ${target.repository} denied (403)`);
      failUnlessOk(res);
      const header = res.headers.get("docker-content-digest");
      if (header && isDigest(header)) return header;
      res = await send(url, { method: "GET", headers }, timeoutMs, target);
      failUnlessOk(res);
      const body = Buffer.from(await res.arrayBuffer());
      return `sha256:${createHash("sha256").update(body).digest("hex")}`;
    }
  }, "once");
  try {
    return await retry(once, {
      maxAttempts: (opts.retries ?? 3) + 1,
      baseDelayMs: opts.retryDelayMs ?? 200,
      maxDelayMs: 5e3,
      shouldRetry: /* @__PURE__ */ __name((err) => err instanceof Transient, "shouldRetry")
    });
  } catch (err) {
    if (err instanceof Transient) {
      throw new RegistryError(
        target.registry,
        `${err.message} while resolving ${name}, after ${(opts.retries ?? 3) + 1} attempt(s)`
      );
    }
    throw err;
  }
}
__name(resolveDigest, "resolveDigest");

// gitops/flows/build.ts
var LAYER_RACE = /layer not known/;
var BuildError = class extends GitopsError {
  constructor(step, detail, hint) {
    super(`docker ${step} failed: ${detail}`, "BUILD_FAILED", hint);
    this.step = step;
  }
  step;
  static {
    __name(this, "BuildError");
  }
};
function validate(opts) {
  if (typeof opts.context !== "string" || !existsSync2(opts.context) || !statSync(opts.context).isDirectory()) {
    throw new InputError("context", `'${String(opts.context)}' is not a directory`);
  }
  const dockerfile = opts.dockerfile ? isAbsolute(opts.dockerfile) ? opts.dockerfile : join(opts.context, opts.dockerfile) : join(opts.context, "Dockerfile");
  if (!existsSync2(dockerfile)) throw new InputError("dockerfile", `'${dockerfile}' does not exist`);
  const ref = parseImageRef(opts.image, "image");
  if (ref.tag !== void 0 || ref.digest !== void 0) {
    throw new InputError(
      "image",
      `'${opts.image}' must be a repository without tag or digest (tags come from the SHA)`
    );
  }
  checkCommitSha(opts.sha, "sha");
  for (const key of Object.keys(opts.buildArgs ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      throw new InputError("buildArgs", `'${key}' is not a valid build-arg name`);
  }
  if (opts.network !== void 0) checkNetworkName(opts.network, "network");
  if (opts.registryAuth?.password !== void 0 && !opts.registryAuth.username) {
    throw new InputError("registryAuth", "a password needs a username");
  }
  return { dockerfile };
}
__name(validate, "validate");
var TRANSIENT_PUSH_RE = /connection refused|connection reset|timeout|timed out|EOF|50[234]|429|too many requests|i\/o/i;
async function buildImage(opts) {
  const { buildx } = await checkDocker();
  const { dockerfile } = validate(opts);
  const log = opts.log ?? (() => void 0);
  const short = opts.sha.slice(0, 7);
  const tags = [`${opts.image}:${opts.sha}`, `${opts.image}:${short}`];
  const created = (/* @__PURE__ */ new Date()).toISOString();
  const registry = parseImageRef(opts.image, "image").registry;
  const pushEnv = opts.dockerConfig ? { ...process.env, DOCKER_CONFIG: opts.dockerConfig } : process.env;
  if (opts.push && opts.registryAuth?.username && opts.registryAuth.password !== void 0) {
    const login = await docker(
      [
        "login",
        "--username",
        opts.registryAuth.username,
        "--password-stdin",
        registry ?? "docker.io"
      ],
      opts.registryAuth.password,
      pushEnv
    );
    if (login.code !== 0) {
      throw new BuildError(
        "login",
        `to ${registry ?? "docker.io"}: ${outputTail(login.stderr, 2)}`,
        "check the registry credentials"
      );
    }
    log(`logged in to ${registry ?? "docker.io"} as ${opts.registryAuth.username}`);
  }
  const args = [
    ...buildx ? ["buildx", "build", "--load"] : ["build"],
    "--file",
    dockerfile,
    ...tags.flatMap((t) => ["--tag", t]),
    "--label",
    `org.opencontainers.image.revision=${opts.sha}`,
    "--label",
    `org.opencontainers.image.created=${created}`,
    ...opts.source ? ["--label", `org.opencontainers.image.source=${opts.source}`] : [],
    "--build-arg",
    `GIT_SHA=${opts.sha}`,
    "--build-arg",
    `BUILD_DATE=${created}`,
    ...Object.entries(opts.buildArgs ?? {}).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]),
    ...opts.network ? ["--network", opts.network] : [],
    opts.context
  ];
  log(`docker ${args.slice(0, buildx ? 2 : 1).join(" ")} ${tags.join(" ")}`);
  let built = await docker(args);
  for (let attempt = 2; attempt <= 3 && built.code !== 0 && LAYER_RACE.test(built.stderr); attempt++) {
    log(
      `build hit podman's layer race (${outputTail(built.stderr, 1)}); building again (${attempt} of 3)`
    );
    built = await docker(args);
  }
  if (built.code !== 0) throw new BuildError("build", outputTail(built.stderr || built.stdout, 6));
  log(`built ${tags.join(", ")}`);
  if (!opts.push) return { image: opts.image, tags };
  for (const tag of tags) {
    await retry(
      async () => {
        const pushed = await docker(["push", tag], void 0, pushEnv);
        if (pushed.code !== 0) {
          const detail = outputTail(pushed.stderr || pushed.stdout, 3);
          throw new BuildError(
            "push",
            `${tag}: ${detail}`,
            "is the registry running and reachable (and insecure-listed if plain HTTP)?"
          );
        }
      },
      {
        maxAttempts: 3,
        baseDelayMs: 300,
        shouldRetry: /* @__PURE__ */ __name((err) => err instanceof BuildError && TRANSIENT_PUSH_RE.test(err.message), "shouldRetry"),
        onRetry: /* @__PURE__ */ __name((err, attempt) => log(`push attempt ${attempt} failed (${err.message}); retrying`), "onRetry")
      }
    );
    log(`pushed ${tag}`);
  }
  let digest;
  try {
    digest = await resolveDigest(
      tags[0],
      opts.registryAuth ? { auth: opts.registryAuth } : {}
    );
  } catch (err) {
    throw new BuildError(
      "digest",
      `pushed ${tags[0]} but could not read its digest back: ${err.message}`
    );
  }
  const ref = `${tags[0]}@${digest}`;
  log(`digest ${digest}`);
  return { image: opts.image, tags, digest, ref };
}
__name(buildImage, "buildImage");

// gitops/cli/build.ts
var usage = `Usage: gitops build --context DIR --image REF --tag SHA [options]

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
var buildCommand = {
  name: "build",
  usage,
  options: flagOptions({
    string: "context image tag file network source",
    boolean: "push json",
    repeatable: "build-arg"
  }),
  async run(values, io) {
    const json = boolFlag(values, "json");
    const buildArgs = {};
    for (const pair of listFlag(values, "build-arg")) {
      const eq = pair.indexOf("=");
      if (eq <= 0) throw new InputError("--build-arg", `'${pair}' must be KEY=VALUE`);
      buildArgs[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    const auth = {};
    if (io.env.REGISTRY_USERNAME) auth.username = io.env.REGISTRY_USERNAME;
    if (io.env.REGISTRY_PASSWORD) auth.password = io.env.REGISTRY_PASSWORD;
    if (io.env.REGISTRY_TOKEN) auth.token = io.env.REGISTRY_TOKEN;
    const file = stringFlag(values, "file");
    const network = stringFlag(values, "network");
    const source = stringFlag(values, "source");
    const res = await buildImage({
      context: resolve(io.cwd, requireFlag(values, "context")),
      image: requireFlag(values, "image"),
      sha: requireFlag(values, "tag"),
      push: boolFlag(values, "push"),
      buildArgs,
      log: progressLogger(io, json),
      ...file ? { dockerfile: resolve(io.cwd, file) } : {},
      ...network ? { network } : {},
      ...source ? { source } : {},
      ...Object.keys(auth).length > 0 ? { registryAuth: auth } : {}
    });
    printOutput(io, json, {
      json: {
        image: res.image,
        tags: res.tags,
        pushed: res.digest !== void 0,
        digest: res.digest ?? null,
        ref: res.ref ?? null
      },
      lines: [`built ${res.tags.join(" ")}`, ...res.ref ? [`pushed ${res.ref}`] : []]
    });
    return 0;
  }
};
export {
  buildCommand
};
