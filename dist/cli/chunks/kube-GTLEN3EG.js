import {
  ARGOCD_GROUP,
  ARGOCD_REFRESH_ANNOTATION,
  ARGOCD_VERSION,
  KubeApiError
} from "./chunk-HCDO6AGJ.js";
import {
  InputError,
  __name
} from "./chunk-LSNGMJ2J.js";

// gitops/adapters/kube.ts
import { existsSync } from "node:fs";
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  Observable,
  PatchStrategy,
  ResponseContext,
  setHeaderOptions
} from "@kubernetes/client-node";
function kubeClientFromConfig(opts = {}) {
  const kc = new KubeConfig();
  if (opts.inCluster) {
    kc.loadFromCluster();
  } else if (opts.kubeconfig) {
    if (!existsSync(opts.kubeconfig)) {
      throw new InputError("kubeconfig", `file ${opts.kubeconfig} does not exist`);
    }
    try {
      kc.loadFromFile(opts.kubeconfig);
    } catch (err) {
      throw new InputError("kubeconfig", `cannot be loaded: ${errorText(err)}`);
    }
  } else {
    kc.loadFromDefault();
    const cluster = kc.getCurrentCluster();
    if (cluster?.name === "cluster" && cluster.server === "http://localhost:8080" && kc.getContexts().length <= 1) {
      throw new InputError(
        "kubeconfig",
        "no kubeconfig found (KUBECONFIG unset, no ~/.kube/config, not running in a cluster)",
        "pass --kubeconfig FILE or set KUBECONFIG"
      );
    }
  }
  if (opts.context) {
    if (!kc.getContexts().some((c) => c.name === opts.context)) {
      throw new InputError(
        "context",
        `no context named "${opts.context}" (available: ${kc.getContexts().map((c) => c.name).join(", ") || "none"})`
      );
    }
    kc.setCurrentContext(opts.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new InputError(
      "kubeconfig",
      "has no current cluster",
      "pass --kubeconfig and --context, or set KUBECONFIG"
    );
  }
  return kubeClientFromKubeConfig(kc);
}
__name(kubeClientFromConfig, "kubeClientFromConfig");
function kubeClientFromKubeConfig(kc) {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  return {
    getDeployment: /* @__PURE__ */ __name((namespace, name) => call(
      `get deployment ${namespace}/${name}`,
      () => apps.readNamespacedDeployment({ name, namespace })
    ), "getDeployment"),
    listReplicaSets: /* @__PURE__ */ __name(async (namespace, selector) => (await call(
      `list replicasets in ${namespace} (${selector})`,
      () => apps.listNamespacedReplicaSet({ namespace, labelSelector: selector })
    )).items, "listReplicaSets"),
    listPods: /* @__PURE__ */ __name(async (namespace, selector) => (await call(
      `list pods in ${namespace} (${selector})`,
      () => core.listNamespacedPod({ namespace, labelSelector: selector })
    )).items, "listPods"),
    listEvents: /* @__PURE__ */ __name(async (namespace, fieldSelector) => (await call(
      `list events in ${namespace}${fieldSelector ? ` (${fieldSelector})` : ""}`,
      () => core.listNamespacedEvent({ namespace, fieldSelector })
    )).items, "listEvents"),
    postServiceProxy: /* @__PURE__ */ __name((request) => postServiceProxy(core, request), "postServiceProxy"),
    getApplication: /* @__PURE__ */ __name((namespace, name) => call(
      `get Argo CD application ${namespace}/${name}`,
      () => custom.getNamespacedCustomObject({
        group: ARGOCD_GROUP,
        version: ARGOCD_VERSION,
        namespace,
        plural: "applications",
        name
      })
    ), "getApplication"),
    refreshApplication: /* @__PURE__ */ __name(async (namespace, name) => {
      await call(
        `refresh Argo CD application ${namespace}/${name}`,
        () => custom.patchNamespacedCustomObject(
          {
            group: ARGOCD_GROUP,
            version: ARGOCD_VERSION,
            namespace,
            plural: "applications",
            name,
            body: { metadata: { annotations: { [ARGOCD_REFRESH_ANNOTATION]: "normal" } } }
          },
          setHeaderOptions("Content-Type", PatchStrategy.MergePatch)
        )
      );
    }, "refreshApplication")
  };
}
__name(kubeClientFromKubeConfig, "kubeClientFromKubeConfig");
async function postServiceProxy(core, r) {
  const name = `${r.service}:${r.port}`;
  const operation = `POST /${r.path} to service ${r.namespace}/${name} through the API server's proxy`;
  let answer;
  const middleware = {
    pre: /* @__PURE__ */ __name((ctx) => {
      ctx.setBody(JSON.stringify(r.body));
      ctx.setHeaderParam("Content-Type", "application/json");
      ctx.setSignal(AbortSignal.timeout(r.timeoutMs));
      return new Observable(Promise.resolve(ctx));
    }, "pre"),
    post: /* @__PURE__ */ __name((res) => new Observable(
      res.body.text().then((text) => {
        answer = { status: res.httpStatusCode, body: text };
        return new ResponseContext(res.httpStatusCode, res.headers, {
          text: /* @__PURE__ */ __name(async () => text, "text"),
          binary: /* @__PURE__ */ __name(async () => Buffer.from(text), "binary")
        });
      })
    ), "post")
  };
  try {
    await core.connectPostNamespacedServiceProxyWithPathWithHttpInfo(
      { name, namespace: r.namespace, path: r.path },
      { middleware: [middleware], middlewareMergeStrategy: "append" }
    );
  } catch (err) {
    if (answer && (answer.status === 401 || answer.status === 403)) {
      throw new KubeApiError(operation, answer.status, apiMessage(answer.body), { cause: err });
    }
    if (!answer) return { status: 0, body: errorText(err) };
  }
  return answer ?? { status: 0, body: "no response" };
}
__name(postServiceProxy, "postServiceProxy");
async function call(operation, fn) {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApiException) {
      throw new KubeApiError(operation, err.code, apiMessage(err.body), { cause: err });
    }
    throw new KubeApiError(operation, 0, errorText(err), { cause: err });
  }
}
__name(call, "call");
function apiMessage(body) {
  if (typeof body === "string") {
    try {
      const parsed = JSON.parse(body);
      if (parsed.message) return parsed.message;
    } catch {
      return body.slice(0, 300);
    }
    return body.slice(0, 300);
  }
  if (body && typeof body === "object" && "message" in body)
    return String(body.message);
  return "no detail from the server";
}
__name(apiMessage, "apiMessage");
function errorText(err) {
  return err instanceof Error ? err.message : String(err);
}
__name(errorText, "errorText");
export {
  kubeClientFromConfig,
  kubeClientFromKubeConfig
};
